import { clause } from '../../text.js';
import { podIdentityAssumeRequest, withoutPerPodConditions } from '../../trust/workload.js';
import { associationOn, type CutoverCheck, type CutoverDraft, decision } from '../context.js';
import { abacPins, clusterNamePins, pinnedToOld } from '../pins.js';

/** The association role admits OLD's Pod Identity session but not NEW's, or its ABAC names OLD only. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER',
    phase: 'pre',
    category: 'cutover',
    title: 'Role trust or ABAC conditions pinned to the old cluster',
    severity: 'HIGH',
    description:
      "The association role's trust admits OLD's Pod Identity session but not NEW's, because conditions on `aws:RequestTag/eks-cluster-name`, `aws:RequestTag/eks-cluster-arn` or `aws:SourceArn` name OLD; or its permission policies condition on `aws:PrincipalTag/eks-cluster-name`/`-arn` values that name OLD only.",
    remediation:
      "Add NEW's name or ARN to the condition values (keep OLD's until the switch is done): `aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust-policy.json`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html',
  },
  evaluate(context) {
    const { run, inventory } = context;
    const { clusters } = run;
    const newCluster = clusters.new;
    const oldName = run.input.from;
    const clusterRef = { oldName, oldArn: clusters.oldArn, newName: newCluster.name, newArn: newCluster.arn };
    const drafts: CutoverDraft[] = [];
    for (const workload of run.workloads) {
      if (workload.mechanism !== 'pod-identity') continue;
      const role = inventory.roles.get(workload.roleArn);
      if (!role) {
        context.recordUnknown({
          kind: 'absence',
          checkId: check.meta.id,
          resourceId: workload.roleArn,
          reason: `role ${workload.roleArn} is not in the snapshot`,
          workloads: [workload.key],
        });
        continue;
      }
      const oldAssociation = associationOn(
        clusters,
        oldName,
        clusters.oldArn,
        workload,
        workload.oldAssociation,
      );
      const newAssociation = associationOn(clusters, newCluster.name, newCluster.arn, workload);
      // Per-pod tags (pod name, uid) differ for every pod: judge the most permissive reading for both.
      const trust = withoutPerPodConditions(role.trustPolicy);
      const onOld = decision(trust, podIdentityAssumeRequest(oldAssociation));
      const onNew = decision(trust, podIdentityAssumeRequest(newAssociation));
      const pins = clusterNamePins(
        [{ name: 'trust policy', document: role.trustPolicy }],
        clusterRef,
        'trust',
      );
      if (onNew.allowed === 'unknown') {
        context.recordUnknown({
          kind: 'trust',
          checkId: check.meta.id,
          resourceId: role.arn,
          reason: onNew.reason,
          workloads: [workload.key],
        });
      } else if (onNew.allowed === false && pinnedToOld(onOld, pins)) {
        drafts.push({
          message: `Role ${role.name} (${role.arn}) trusts the Pod Identity session of ${workload.namespace}/${workload.serviceAccount} on ${oldName} but not on ${newCluster.name}${pins.length > 0 ? ` (${pins.join('; ')})` : ''}: ${clause(onNew.reason)}`,
          accountId: role.accountId,
          resource: { type: 'AwsIamRole', id: role.arn },
          workloads: [workload.key],
          identity: ['trust'],
          evidence: { where: 'trust policy', reason: onNew.reason, pins },
          remediation: `Add ${newCluster.name} / ${newCluster.arn} beside ${oldName} in the conditions, then aws iam update-assume-role-policy --role-name ${role.name} --policy-document file://${role.name}-trust-policy.json`,
        });
      } else if (onNew.allowed === false && onOld.allowed === false) {
        context.note(
          workload.key,
          `role ${role.name}'s trust rejects this workload's session on ${oldName} as well (${clause(onOld.reason)}); the audit reports it`,
        );
      }
      const abac = workload.disableSessionTags ? undefined : abacPins(inventory, workload, role, clusterRef);
      if (abac) drafts.push(abac);
    }
    return drafts;
  },
};
