import { cleanupOf, withheldRemediation } from '../cleanup.js';
import type { CutoverCheck } from '../context.js';

/** The post phase was run before the pre phase would be READY: it says so, with what still blocks. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_NEW_NOT_SERVING',
    phase: 'post',
    category: 'cutover',
    title: 'The new cluster does not yet serve every workload of the old one',
    severity: 'HIGH',
    description:
      'The post phase was run while the pre phase would still say NOT_READY: some workload identity of OLD has a blocker on NEW. Deleting what OLD uses now could cut those workloads off, so the plan holds no deletion at all.',
    remediation:
      'Run `cutover --phase pre`, apply its plan until it says READY, then run the post phase again.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html',
  },
  evaluate(context) {
    const cleanup = cleanupOf(context);
    if (!cleanup.gate) return [];
    const { clusters, input } = context.run;
    const blocked = [...cleanup.readiness.status]
      .filter(([, entry]) => entry.status === 'blocked')
      .map(([key]) => key);
    return [
      {
        message: `${cleanup.gate}; nothing is planned for deletion until the pre phase is READY`,
        accountId: clusters.accountId,
        region: clusters.region,
        cluster: clusters.new.name,
        resource: { type: 'AwsEksCluster', id: clusters.new.arn },
        workloads: blocked,
        evidence: {
          preVerdict: 'NOT_READY',
          blockers: cleanup.readiness.blocking.slice(0, 20),
          ...(cleanup.readiness.blocking.length > 20
            ? { moreBlockers: cleanup.readiness.blocking.length - 20 }
            : {}),
        },
        remediation: withheldRemediation('not-ready', input),
      },
    ];
  },
};
