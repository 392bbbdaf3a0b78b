import { hasPodIdentityAgent, POD_IDENTITY_AGENT_ADDON } from '../../trust/workload.js';
import type { CutoverCheck, CutoverDraft } from '../context.js';

/** NEW runs no Pod Identity agent for OLD's Pod Identity workloads. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_AGENT_MISSING',
    phase: 'pre',
    category: 'cutover',
    title: 'The new cluster has no Pod Identity agent',
    severity: 'HIGH',
    description:
      'Pod Identity workloads need the `eks-pod-identity-agent` add-on on NEW (EKS Auto Mode has it built in).',
    remediation: '`aws eks create-addon --cluster-name NEW --addon-name eks-pod-identity-agent`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html',
  },
  evaluate({ run }) {
    const workloads = run.workloads.filter((workload) => workload.mechanism === 'pod-identity');
    const cluster = run.clusters.new;
    if (workloads.length === 0 || hasPodIdentityAgent(cluster)) return [];
    const command = `aws eks create-addon --cluster-name ${cluster.name} --addon-name ${POD_IDENTITY_AGENT_ADDON} --region ${cluster.region}`;
    const draft: CutoverDraft = {
      message: `Cluster ${cluster.name} (${cluster.arn}) has no ${POD_IDENTITY_AGENT_ADDON} add-on and is not in Auto Mode; its ${workloads.length} Pod Identity workload(s) would get no credentials`,
      accountId: cluster.accountId,
      region: cluster.region,
      cluster: cluster.name,
      resource: { type: 'AwsEksCluster', id: cluster.arn },
      workloads: workloads.map((workload) => workload.key),
      evidence: { addons: cluster.addons.map((addon) => addon.name), autoMode: cluster.autoMode },
      remediation: command,
      plan: { commands: [{ description: `Install the Pod Identity agent on ${cluster.name}`, command }] },
    };
    return [draft];
  },
};
