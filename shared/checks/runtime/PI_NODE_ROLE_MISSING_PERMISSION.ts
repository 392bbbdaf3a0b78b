import type { ClusterInventory, NodegroupInventory, RoleInventory } from '../../model/inventory.js';
import { sentence } from '../../text.js';
import { identityPolicyAllows } from '../../trust/index.js';
import { identityDocumentsOf } from '../support/workload.js';
import type { Check, CheckContext, FindingDraft } from '../types.js';

/** The action the agent calls with the node role's credentials to get a pod's credentials. */
export const ASSUME_ROLE_FOR_POD_IDENTITY = 'eks-auth:AssumeRoleForPodIdentity';

/**
 * Whether a node group's role may call `eks-auth:AssumeRoleForPodIdentity`:
 * `allowed`; `denied` (every policy document is in the snapshot and none allows it); `unknown`
 * (an attached managed policy's document is missing, or a condition decides); `not-applicable`
 * (no associations, Auto Mode, or the node role is not in the inventory).
 */
export type NodeRolePermissionResult = 'allowed' | 'denied' | 'unknown' | 'not-applicable';

/** One node group's verdict, with what decided it. */
export interface NodeRolePermission {
  result: NodeRolePermissionResult;
  cluster: ClusterInventory;
  nodegroup: NodegroupInventory;
  role?: RoleInventory;
  /** Attached managed policies whose documents the snapshot lacks. */
  missingPolicyArns: string[];
  reason: string;
}

/** Judges one node group of a cluster; pure, so the summary can count `unknown` results. */
export function nodeRolePodIdentityPermission(
  context: CheckContext,
  cluster: ClusterInventory,
  nodegroup: NodegroupInventory,
): NodeRolePermission {
  const base = { cluster, nodegroup, missingPolicyArns: [] as string[] };
  if (cluster.associations.length === 0 || cluster.autoMode) {
    return { ...base, result: 'not-applicable', reason: 'the cluster has no associations or runs Auto Mode' };
  }
  const role = nodegroup.nodeRoleArn ? context.inventory.roles.get(nodegroup.nodeRoleArn) : undefined;
  if (!role) return { ...base, result: 'not-applicable', reason: 'the node role is not in the inventory' };
  const { documents, missingPolicyArns } = identityDocumentsOf(context.inventory, role);
  let allowed: boolean | 'unknown';
  let reason: string;
  try {
    const decision = identityPolicyAllows(documents, ASSUME_ROLE_FOR_POD_IDENTITY, cluster.arn);
    allowed = decision.allowed;
    reason = decision.reason;
  } catch (error) {
    allowed = 'unknown';
    reason = `a policy document could not be evaluated: ${(error as Error).message}`;
  }
  if (allowed === true) return { ...base, role, missingPolicyArns, result: 'allowed', reason };
  if (allowed === false && missingPolicyArns.length === 0) {
    return { ...base, role, missingPolicyArns, result: 'denied', reason };
  }
  if (allowed === false) {
    reason = `no policy in the snapshot allows it, but the documents of ${missingPolicyArns.join(', ')} are not in the snapshot`;
  }
  return { ...base, role, missingPolicyArns, result: 'unknown', reason };
}

/** Every node group's verdict across the inventory (the summary counts the `unknown` ones). */
export function nodeRolePodIdentityPermissions(context: CheckContext): NodeRolePermission[] {
  const results: NodeRolePermission[] = [];
  for (const cluster of context.inventory.clusters) {
    for (const nodegroup of cluster.nodegroups)
      results.push(nodeRolePodIdentityPermission(context, cluster, nodegroup));
  }
  return results;
}

function nodegroupId(cluster: ClusterInventory, nodegroup: NodegroupInventory): string {
  const arn = nodegroup.raw.nodegroupArn;
  return typeof arn === 'string' && arn.length > 0
    ? arn
    : cluster.arn.replace(':cluster/', ':nodegroup/') + `/${nodegroup.name}`;
}

/** A node group whose role cannot fetch Pod Identity credentials for the pods on its nodes. */
export const check: Check = {
  meta: {
    id: 'PI_NODE_ROLE_MISSING_PERMISSION',
    title: 'Node role cannot call eks-auth:AssumeRoleForPodIdentity',
    severity: 'HIGH',
    category: 'runtime',
    description:
      "On a cluster with Pod Identity associations (not Auto Mode), the agent on each node calls `eks-auth:AssumeRoleForPodIdentity` with the node role. The node group's role must allow it through its inline or attached policies (the AWS managed `AmazonEKSWorkerNodePolicy` does). Only reported when every attached policy document is in the snapshot; when a needed managed policy document is missing the result is unknown: no finding is made and the audit records it as undecided (see also `nodeRolePodIdentityPermissions`). Node roles outside the inventory are skipped.",
    remediation:
      'Attach the AWS managed policy: `aws iam attach-role-policy --role-name NODE_ROLE_NAME --policy-arn arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy`, or add `eks-auth:AssumeRoleForPodIdentity` to one of its policies.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html',
  },
  evaluate(context) {
    const drafts: FindingDraft[] = [];
    for (const verdict of nodeRolePodIdentityPermissions(context)) {
      if (verdict.result === 'unknown') {
        context.recordUnknown?.({
          kind: 'trust',
          checkId: check.meta.id,
          resourceId: nodegroupId(verdict.cluster, verdict.nodegroup),
          reason: verdict.reason,
        });
      }
      if (verdict.result !== 'denied' || !verdict.role) continue;
      const { cluster, nodegroup, role } = verdict;
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Node group ${nodegroup.name} of cluster ${cluster.name} uses node role ${role.name} (${role.arn}), whose policies do not allow ${ASSUME_ROLE_FOR_POD_IDENTITY}; pods on its nodes get no Pod Identity credentials until AmazonEKSWorkerNodePolicy (or an equivalent statement) is attached`,
        ),
        accountId: cluster.accountId,
        region: cluster.region,
        cluster: cluster.name,
        resource: { type: 'AwsEksNodegroup', id: nodegroupId(cluster, nodegroup) },
        remediation: `Attach the AWS managed policy: \`aws iam attach-role-policy --role-name ${role.name} --policy-arn arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy\`.`,
        evidence: {
          nodeRoleArn: role.arn,
          result: 'denied',
          reason: verdict.reason,
          inlinePolicies: role.inlinePolicies.map((policy) => policy.name),
          attachedManagedPolicies: role.attachedManagedPolicyArns,
        },
      });
    }
    return drafts;
  },
};
