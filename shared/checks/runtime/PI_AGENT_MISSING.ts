import { scopeRef } from '../../model/scope.js';
import { sentence } from '../../text.js';
import { hasPodIdentityAgent, POD_IDENTITY_AGENT_ADDON } from '../../trust/workload.js';
import type { Check, FindingDraft } from '../types.js';

/** A cluster has Pod Identity associations but nothing that serves them. */
export const check: Check = {
  meta: {
    id: 'PI_AGENT_MISSING',
    title: 'Cluster has Pod Identity associations but no Pod Identity agent',
    severity: 'HIGH',
    category: 'runtime',
    description:
      'Pods get Pod Identity credentials from the `eks-pod-identity-agent` DaemonSet. A cluster with associations but without the add-on (and not in EKS Auto Mode, where the agent is built in) hands out no credentials: SDKs fall back to the node role or fail. Decided only when the cluster and its add-ons were completely collected, otherwise recorded as unknown; an agent installed outside EKS add-ons is not visible to this check.',
    restsOn: 'the cluster, its add-on listing included',
    remediation:
      'Install the add-on: `aws eks create-addon --cluster-name CLUSTER --addon-name eks-pod-identity-agent --region REGION`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html',
  },
  evaluate({ inventory }) {
    const drafts: FindingDraft[] = [];
    for (const cluster of inventory.clusters) {
      if (cluster.associations.length === 0 || hasPodIdentityAgent(cluster)) continue;
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Cluster ${cluster.name} (${cluster.arn}) has ${cluster.associations.length} Pod Identity association(s) but no ${POD_IDENTITY_AGENT_ADDON} add-on and is not in Auto Mode; install the add-on or its pods get no Pod Identity credentials`,
        ),
        accountId: cluster.accountId,
        region: cluster.region,
        cluster: cluster.name,
        resource: { type: 'AwsEksCluster', id: cluster.arn },
        remediation: `Install the add-on: \`aws eks create-addon --cluster-name ${cluster.name} --addon-name ${POD_IDENTITY_AGENT_ADDON} --region ${cluster.region}\`.`,
        evidence: {
          associationCount: cluster.associations.length,
          addons: cluster.addons.map((addon) => addon.name),
          autoMode: cluster.autoMode,
        },
        restsOn: [scopeRef.cluster(cluster.accountId, cluster.region, cluster.name)],
      });
    }
    return drafts;
  },
};
