import { clause } from '../../text.js';
import { targetRoleAssumeRequest } from '../../trust/workload.js';
import {
  associationOn,
  type CutoverCheck,
  type CutoverDraft,
  decision,
  newAssociationOf,
} from '../context.js';
import { abacPins, clusterNamePins, pinnedToOld } from '../pins.js';

/** A cross-account target role admits the chain from OLD but not from NEW, or its ABAC names OLD only. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER',
    phase: 'pre',
    category: 'cutover',
    title: 'Cross-account target role pinned to the old cluster',
    severity: 'HIGH',
    description:
      "A target role's trust admits the association role chaining from OLD but not from NEW: its `sts:ExternalId`, session-tag or principal-tag conditions name OLD (or OLD's association).",
    remediation:
      "In the target account, add NEW's external id or cluster name/ARN to the target role's trust conditions: `aws iam update-assume-role-policy --role-name TARGET_ROLE --policy-document file://trust-policy.json`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-assign-target-role.html',
  },
  evaluate(context) {
    const { run, inventory } = context;
    const { clusters } = run;
    const newCluster = clusters.new;
    const clusterRef = {
      oldName: run.input.from,
      oldArn: clusters.oldArn,
      newName: newCluster.name,
      newArn: newCluster.arn,
    };
    const drafts: CutoverDraft[] = [];
    for (const workload of run.workloads) {
      if (workload.mechanism !== 'pod-identity' || !workload.targetRoleArn) continue;
      const target = inventory.roles.get(workload.targetRoleArn);
      if (!target) {
        context.recordUnknown({
          kind: 'absence',
          checkId: check.meta.id,
          resourceId: workload.targetRoleArn,
          reason: `target role ${workload.targetRoleArn} is not in the snapshot (add its account to the baseline's accounts)`,
          workloads: [workload.key],
        });
        continue;
      }
      const oldRequest = targetRoleAssumeRequest(
        associationOn(clusters, run.input.from, clusters.oldArn, workload, workload.oldAssociation),
      );
      const newRequest = targetRoleAssumeRequest(
        associationOn(clusters, newCluster.name, newCluster.arn, workload, newAssociationOf(run, workload)),
      );
      const onOld = decision(target.trustPolicy, oldRequest);
      const onNew = decision(target.trustPolicy, newRequest);
      const pins = clusterNamePins(
        [{ name: 'trust policy', document: target.trustPolicy }],
        { ...clusterRef, oldExternalId: oldRequest.externalId },
        'target',
      );
      if (onNew.allowed === 'unknown') {
        context.recordUnknown({
          kind: 'trust',
          checkId: check.meta.id,
          resourceId: target.arn,
          reason: onNew.reason,
          workloads: [workload.key],
        });
      } else if (onNew.allowed === false && pinnedToOld(onOld, pins)) {
        drafts.push({
          message: `Target role ${target.name} (${target.arn}) admits role ${workload.roleArn} chaining from ${clusterRef.oldName} but not from ${newCluster.name}${pins.length > 0 ? ` (${pins.join('; ')})` : ''}: ${clause(onNew.reason)}`,
          accountId: target.accountId,
          resource: { type: 'AwsIamRole', id: target.arn },
          workloads: [workload.key],
          identity: ['trust'],
          evidence: {
            where: 'trust policy',
            reason: onNew.reason,
            pins,
            oldExternalId: oldRequest.externalId ?? null,
            newExternalId: newRequest.externalId ?? null,
          },
          remediation: `In account ${target.accountId}, add ${newCluster.name}'s external id (${newRequest.externalId}) or cluster name/ARN beside ${clusterRef.oldName}'s in the trust conditions: aws iam update-assume-role-policy --role-name ${target.name} --policy-document file://${target.name}-trust-policy.json`,
        });
      } else if (onNew.allowed === false && onOld.allowed === false) {
        context.note(
          workload.key,
          `target role ${target.name} rejects the chained session on ${clusterRef.oldName} as well; the audit reports it`,
        );
      }
      const abac = workload.disableSessionTags
        ? undefined
        : abacPins(inventory, workload, target, clusterRef);
      if (abac) drafts.push(abac);
    }
    return drafts;
  },
};
