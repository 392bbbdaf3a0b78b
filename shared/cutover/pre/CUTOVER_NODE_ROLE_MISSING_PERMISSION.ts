import { nodeRolePodIdentityPermission } from '../../checks/runtime/PI_NODE_ROLE_MISSING_PERMISSION.js';
import type { ClusterInventory } from '../../model/inventory.js';
import { associationOn, type CutoverCheck, type CutoverDraft } from '../context.js';

const WORKER_NODE_POLICY = 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy';

/** A node role of NEW cannot fetch Pod Identity credentials, judged as the audit judges node roles. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_NODE_ROLE_MISSING_PERMISSION',
    phase: 'pre',
    category: 'cutover',
    title: 'A node role of the new cluster cannot call eks-auth:AssumeRoleForPodIdentity',
    severity: 'HIGH',
    description:
      "The agent on NEW's nodes calls `eks-auth:AssumeRoleForPodIdentity` with the node group's role; when its policies do not allow it, pods on those nodes get no credentials.",
    remediation:
      '`aws iam attach-role-policy --role-name NODE_ROLE --policy-arn arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html',
  },
  evaluate(context) {
    const { run } = context;
    const workloads = run.workloads.filter((workload) => workload.mechanism === 'pod-identity');
    if (workloads.length === 0) return [];
    const cluster = run.clusters.new;
    // NEW judged as it will be once the plan is applied: with the associations it is to serve.
    const planned: ClusterInventory = {
      ...cluster,
      associations:
        cluster.associations.length > 0
          ? cluster.associations
          : workloads.map((workload) => associationOn(run.clusters, cluster.name, cluster.arn, workload)),
    };
    const keys = workloads.map((workload) => workload.key);
    const drafts: CutoverDraft[] = [];
    for (const nodegroup of cluster.nodegroups) {
      const verdict = nodeRolePodIdentityPermission(context, planned, nodegroup);
      const resourceId =
        typeof nodegroup.raw.nodegroupArn === 'string'
          ? nodegroup.raw.nodegroupArn
          : `${cluster.arn.replace(':cluster/', ':nodegroup/')}/${nodegroup.name}`;
      if (verdict.result === 'unknown') {
        context.recordUnknown({
          kind: 'trust',
          checkId: check.meta.id,
          resourceId,
          reason: verdict.reason,
          workloads: keys,
        });
        continue;
      }
      if (verdict.result !== 'denied' || !verdict.role) continue;
      const role = verdict.role;
      const command = `aws iam attach-role-policy --role-name ${role.name} --policy-arn ${WORKER_NODE_POLICY}`;
      drafts.push({
        message: `Node group ${nodegroup.name} of cluster ${cluster.name} uses node role ${role.name} (${role.arn}), whose policies do not allow eks-auth:AssumeRoleForPodIdentity; Pod Identity workloads on its nodes would get no credentials`,
        accountId: cluster.accountId,
        region: cluster.region,
        cluster: cluster.name,
        resource: { type: 'AwsEksNodegroup', id: resourceId },
        workloads: keys,
        evidence: {
          nodeRoleArn: role.arn,
          reason: verdict.reason,
          inlinePolicies: role.inlinePolicies.map((policy) => policy.name),
          attachedManagedPolicies: role.attachedManagedPolicyArns,
        },
        remediation: command,
        plan: {
          commands: [{ description: `Let node role ${role.name} fetch Pod Identity credentials`, command }],
        },
      });
    }
    return drafts;
  },
};
