import { scopeFor, sentence } from '../drift/scope.js';
import type { Check, FindingDraft } from '../types.js';
import { ageGap, coverageGap, roleUsedPerIam, unusedEvidence, usageIndexFor, usageWindow } from './window.js';

/** An association that issued no session during the whole unused window. */
export const check: Check = {
  meta: {
    id: 'PI_ASSOCIATION_UNUSED',
    title: 'Pod Identity association is unused',
    severity: 'LOW',
    category: 'usage',
    description:
      "No `sts:AssumeRole` by `pods.eks.amazonaws.com` carried this association's cluster, namespace and service account session tags (or, with session tags disabled, named its role) during the `unusedAfterDays` window: no pod used it. Only claimed when the cluster's account-region CloudTrail window is complete and covers the whole window and the association is older than the window; otherwise the usage is counted as unknown.",
    remediation:
      'Confirm the workload is gone, then delete the association: `aws eks delete-pod-identity-association --cluster-name CLUSTER --association-id ID`, and its declaration from the baseline.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const usage = usageIndexFor(context);
    const window = usageWindow(context);
    const { completeness, roles } = context.inventory;
    const drafts: FindingDraft[] = [];
    // Every association of an account-region shares its coverage verdict.
    const coverageGaps = new Map<string, string | undefined>();
    for (const association of context.inventory.associations) {
      const { accountId, region, clusterName, namespace, serviceAccount, roleArn } = association;
      if (!scope.accounts.has(accountId)) continue;
      const used =
        usage.podIdentityUsage(accountId, region, clusterName, namespace, serviceAccount, roleArn) ??
        (association.disableSessionTags ? usage.untaggedPodIdentityUsage(roleArn) : undefined);
      if (used) continue;

      const gaps: string[] = [];
      if (!completeness.clusterComplete(accountId, region, clusterName)) {
        gaps.push(`cluster ${clusterName} was not fully collected`);
      }
      const coverageKey = `${accountId} ${region}`;
      let coverageProblem = coverageGaps.get(coverageKey);
      if (!coverageGaps.has(coverageKey)) {
        coverageProblem = coverageGap(usage.coverage(accountId, region), window, coverageKey);
        coverageGaps.set(coverageKey, coverageProblem);
      }
      if (coverageProblem) gaps.push(coverageProblem);
      const age = ageGap(association.createdAt, window, `association ${association.associationId}`);
      if (age) gaps.push(age);
      const role = roles.get(roleArn);
      // IAM saw the role used, yet CloudTrail shows none of it: the evidence is not the whole story.
      if (roleUsedPerIam(role, window) && !usage.roleUsage(roleArn)) {
        gaps.push(
          `IAM reports role ${roleArn} used ${role?.lastUsedDate} but CloudTrail shows no session of it`,
        );
      }
      if (gaps.length > 0) {
        context.recordUnknown?.({
          kind: 'usage',
          checkId: check.meta.id,
          resourceId: association.associationArn,
          reason: gaps.join('; '),
        });
        continue;
      }
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
      });
    }
    return drafts;
  },
};
