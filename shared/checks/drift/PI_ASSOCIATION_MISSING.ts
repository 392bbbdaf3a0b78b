import { scopeRef } from '../../model/scope.js';
import { sentence } from '../../text.js';
import { identityKey, indexesFor } from '../support/indexes.js';
import { flag, scopeFor, workloadScope } from '../support/scope.js';
import type { Check, FindingDraft } from '../types.js';

/** A declared Pod Identity binding has no association on one of its logical cluster's members. */
export const check: Check = {
  meta: {
    id: 'PI_ASSOCIATION_MISSING',
    title: 'Declared Pod Identity association is missing',
    severity: 'HIGH',
    category: 'drift',
    description:
      'The baseline declares a Pod Identity binding (cluster, namespace, service account → role) but a member cluster of that logical cluster has no association for the service account, so its pods get no AWS credentials there. Every member must carry every declared binding, both clusters during a blue/green cutover. Not reported for clusters that are missing (see `CLUSTER_MISSING`); decided only when the member cluster and its associations were completely collected, otherwise recorded as unknown.',
    restsOn: 'the member cluster, its association listing included',
    remediation:
      'Create the association: `aws eks create-pod-identity-association --cluster-name CLUSTER --namespace NAMESPACE --service-account SERVICE_ACCOUNT --role-arn ROLE_ARN`, or remove the binding from the baseline.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const indexes = indexesFor(context);
    const drafts: FindingDraft[] = [];
    for (const binding of context.baseline.podIdentity) {
      for (const member of scope.membersOf(binding.cluster)) {
        // A missing cluster is one CLUSTER_MISSING finding, not one finding per binding.
        if (member.state !== 'present') continue;
        const key = identityKey(
          member.accountId,
          member.region,
          member.name,
          binding.namespace,
          binding.serviceAccount,
        );
        if ((indexes.associationsByIdentity.get(key) ?? []).length > 0) continue;
        const command =
          `aws eks create-pod-identity-association --region ${member.region} --cluster-name ${member.name}` +
          `${flag('--namespace', binding.namespace)}${flag('--service-account', binding.serviceAccount)}` +
          `${flag('--role-arn', binding.roleArn)}${flag('--target-role-arn', binding.targetRoleArn)}` +
          (binding.disableSessionTags ? ' --disable-session-tags' : '');
        drafts.push({
          severity: check.meta.severity,
          message: sentence(
            `Cluster ${member.name} (logical cluster ${binding.cluster}) has no Pod Identity association for service account ${binding.namespace}/${binding.serviceAccount}; the baseline declares role ${binding.roleArn}. Create the association or remove the declaration`,
          ),
          ...workloadScope(
            member.accountId,
            member.region,
            member.name,
            binding.namespace,
            binding.serviceAccount,
          ),
          identity: [binding.roleArn],
          evidence: {
            logicalCluster: binding.cluster,
            declaredRoleArn: binding.roleArn,
            ...(binding.targetRoleArn ? { declaredTargetRoleArn: binding.targetRoleArn } : {}),
            ...(binding.disableSessionTags !== undefined
              ? { declaredDisableSessionTags: binding.disableSessionTags }
              : {}),
          },
          remediation: `Create the association: \`${command}\`, or remove the binding from the baseline.`,
          baselineLocation: binding.location,
          restsOn: [scopeRef.cluster(member.accountId, member.region, member.name)],
        });
      }
    }
    return drafts;
  },
};
