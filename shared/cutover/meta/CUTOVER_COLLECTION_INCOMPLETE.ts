import type { CutoverCheck, CutoverDraft } from '../context.js';

/** A verdict from partial data is not a verdict: every scope the cutover reads must be complete. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_COLLECTION_INCOMPLETE',
    phase: 'both',
    category: 'cutover',
    title: 'The cutover clusters or their IAM data were not fully collected',
    severity: 'HIGH',
    description:
      'OLD, NEW, or the IAM data of their account recorded collection errors: a workload or a blocker may be missing from the report, so it cannot say READY (or clean). Reported in both phases.',
    remediation: 'Fix the access problem named in the evidence and collect again.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html',
  },
  evaluate({ run, inventory }) {
    const { completeness } = inventory;
    const { clusters, input } = run;
    const scopes: Array<{ what: string; id: string; complete: boolean }> = [
      {
        what: `cluster ${clusters.new.name}`,
        id: clusters.new.arn,
        complete: completeness.clusterComplete(clusters.accountId, clusters.region, clusters.new.name),
      },
      {
        what: `IAM of account ${clusters.accountId}`,
        id: `${clusters.accountId}/iam`,
        complete: completeness.iamComplete(clusters.accountId),
      },
    ];
    if (clusters.old) {
      scopes.push({
        what: `cluster ${clusters.old.name}`,
        id: clusters.old.arn,
        complete: completeness.clusterComplete(clusters.accountId, clusters.region, clusters.old.name),
      });
    } else {
      scopes.push({
        what: `the EKS listing of ${clusters.accountId}/${clusters.region} (to tell that ${input.from} is gone)`,
        id: `${clusters.accountId}/${clusters.region}`,
        complete: completeness.regionComplete(clusters.accountId, clusters.region),
      });
    }
    if (input.phase === 'post') {
      scopes.push({
        what: `CloudTrail of ${clusters.accountId}/${clusters.region}`,
        id: `${clusters.accountId}/${clusters.region}/cloudtrail`,
        complete:
          completeness.hasRegion(clusters.accountId, clusters.region) &&
          completeness.cloudTrailComplete(clusters.accountId, clusters.region),
      });
    }
    const errors = inventory.scopes.filter(
      (scope) => scope.status === 'incomplete' && scope.accountId === clusters.accountId,
    );
    const drafts: CutoverDraft[] = [];
    for (const scope of scopes) {
      if (scope.complete) continue;
      drafts.push({
        message: `${scope.what} was not fully collected; the ${input.phase === 'pre' ? 'readiness verdict' : 'clean-up report'} may miss workloads or blockers`,
        accountId: clusters.accountId,
        region: clusters.region,
        resource: { type: 'Scope', id: scope.id },
        workloads: run.workloads.map((workload) => workload.key),
        evidence: {
          errors: errors.flatMap((entry) =>
            entry.errors.map((error) => ({
              level: entry.level,
              ...error,
              ...(entry.cluster ? { cluster: entry.cluster } : {}),
            })),
          ),
        },
      });
    }
    return drafts;
  },
};
