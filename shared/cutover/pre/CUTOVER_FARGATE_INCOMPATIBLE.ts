import { fargateSelectorsFor, selectsByLabels } from '../../trust/workload.js';
import { type CutoverCheck, type CutoverDraft, workloadOn } from '../context.js';

/** NEW sends a Pod Identity namespace to Fargate that OLD ran on nodes. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_FARGATE_INCOMPATIBLE',
    phase: 'pre',
    category: 'cutover',
    title: 'The new cluster runs a Pod Identity namespace on Fargate',
    severity: 'HIGH',
    description:
      "A Fargate profile of NEW selects the namespace of a Pod Identity workload that OLD ran on nodes; Pod Identity does not work on Fargate. MEDIUM when NEW's selectors also require labels (only those pods are affected).",
    remediation:
      'Narrow the Fargate profile so these pods run on nodes, or switch the workload to IRSA on NEW.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html',
  },
  evaluate({ run }) {
    const cluster = run.clusters.new;
    const drafts: CutoverDraft[] = [];
    for (const workload of run.workloads) {
      if (workload.mechanism !== 'pod-identity') continue;
      const onNew = fargateSelectorsFor(cluster, workload.namespace);
      if (onNew.length === 0) continue;
      const onOld = run.clusters.old ? fargateSelectorsFor(run.clusters.old, workload.namespace) : [];
      const newAll = onNew.some((match) => !selectsByLabels(match.selector));
      const oldAll = onOld.some((match) => !selectsByLabels(match.selector));
      // OLD already sent these pods to Fargate: nothing changes with the cutover.
      if (oldAll || (!newAll && onOld.length > 0)) continue;
      const profiles = [...new Set(onNew.map((match) => match.profile))];
      drafts.push({
        severity: newAll ? 'HIGH' : 'MEDIUM',
        message: `Namespace ${workload.namespace} runs on Fargate on ${cluster.name} (profile ${profiles.join(', ')}${newAll ? '' : ', pods with matching labels'}) but not on ${run.input.from}; Pod Identity does not work on Fargate, so ${workload.namespace}/${workload.serviceAccount} would get no credentials`,
        ...workloadOn(cluster, workload),
        evidence: {
          fargateProfiles: profiles,
          selectors: onNew.map((match) => ({
            profile: match.profile,
            namespace: match.selector.namespace,
            ...(selectsByLabels(match.selector) ? { labels: match.selector.labels } : {}),
          })),
          allPods: newAll,
        },
      });
    }
    return drafts;
  },
};
