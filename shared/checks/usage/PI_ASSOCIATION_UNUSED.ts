import { scopeRef } from '../../model/scope.js';
import { sentence } from '../../text.js';
import { ageGap, describeUnexplainedUse, unexplainedUse, unusedEvidence } from '../../usage/window.js';
import { scopeFor } from '../support/scope.js';
import { usageIndexFor, usageWindow } from '../support/usage.js';
import type { Check, FindingDraft } from '../types.js';

/** An association that issued no session during the whole unused window. */
export const check: Check = {
  meta: {
    id: 'PI_ASSOCIATION_UNUSED',
    title: 'Pod Identity association is unused',
    severity: 'LOW',
    category: 'usage',
    description:
      "No `sts:AssumeRole` by `pods.eks.amazonaws.com` carried this association's cluster, namespace and service account session tags (or, with session tags disabled, named its role) during the `unusedAfterDays` window: no pod used it. EKS assumes the role in the cluster's account and region, so this is claimed only when the cluster, the IAM data of its account and that account-region's CloudTrail window were completely collected and the window covers the whole `unusedAfterDays`, the association is older than the window, and IAM `RoleLastUsed` reports no use of the role later than the latest use CloudTrail shows; otherwise the usage is counted as unknown.",
    restsOn: "the cluster, the IAM data of its account, and its account-region's CloudTrail",
    remediation:
      'Confirm the workload is gone, then delete the association: `aws eks delete-pod-identity-association --cluster-name CLUSTER --association-id ID`, and its declaration from the baseline.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const usage = usageIndexFor(context);
    const window = usageWindow(context);
    const { roles } = context.inventory;
    const drafts: FindingDraft[] = [];
    for (const association of context.inventory.associations) {
      const { accountId, region, clusterName, namespace, serviceAccount, roleArn } = association;
      if (!scope.accounts.has(accountId)) continue;
      const used =
        usage.podIdentityUsage(accountId, region, clusterName, namespace, serviceAccount, roleArn) ??
        (association.disableSessionTags ? usage.untaggedPodIdentityUsage(roleArn) : undefined);
      if (used) continue;

      const doubts: string[] = [];
      const age = ageGap(association.createdAt, window, `association ${association.associationId}`);
      if (age) doubts.push(age);
      const role = roles.get(roleArn);
      // Its sessions are logged in the cluster's region, but a use of the role that IAM reports later
      // than any CloudTrail shows means the evidence is not the whole story.
      const unexplained = unexplainedUse(role, window, usage);
      if (unexplained) doubts.push(describeUnexplainedUse(role?.name ?? roleArn, unexplained));
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Pod Identity association ${association.associationId} (${namespace}/${serviceAccount} on cluster ${clusterName}, role ${roleArn}) issued no credentials in the last ${window.days} days. Delete it if the workload is gone`,
        ),
        accountId,
        region,
        cluster: clusterName,
        resource: { type: 'AwsEksPodIdentityAssociation', id: association.associationArn },
        evidence: unusedEvidence(window, ['cloudtrail:AssumeRole'], role, false, {
          roleArn,
          namespace,
          serviceAccount,
          createdAt: association.createdAt ?? null,
        }),
        remediation: `Confirm the workload is gone, then delete the association: \`aws eks delete-pod-identity-association --region ${region} --cluster-name ${clusterName} --association-id ${association.associationId}\`, and remove its declaration from the baseline.`,
        restsOn: [
          scopeRef.cluster(accountId, region, clusterName),
          scopeRef.iam(accountId),
          scopeRef.cloudTrail(accountId, region),
        ],
        doubts,
      });
    }
    return drafts;
  },
};
