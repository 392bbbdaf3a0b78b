/**
 * Blue/green cluster cutover: is NEW ready to take over OLD's workload identities (pre), and what is
 * left to clean up after the switch (post)? Pure: judges an inventory and never calls AWS.
 */
import { emptyBaseline } from '../baseline/index.js';
import type { CheckContext } from '../checks/types.js';
import { oidcProviderArn } from '../model/identity.js';
import type { ClusterInventory } from '../model/inventory.js';
import { hasPodIdentityAgent } from '../trust/workload.js';
import { buildUsageIndex } from '../usage/index.js';
import { type CutoverState, emptyOutputs, report } from './context.js';
import { type CutoverClusters, locateClusters } from './locate.js';
import { evaluatePost } from './post.js';
import { evaluatePre } from './pre.js';
import type {
  BaselinePatch,
  CutoverClusterInfo,
  CutoverInput,
  CutoverResult,
  CutoverWorkload,
  WorkloadBlocker,
} from './types.js';
import { collectWorkloads } from './workloads.js';

export { CUTOVER_CHECKS, type CutoverCheckId, type CutoverCheckMeta, cutoverCheck } from './checks.js';
export { CUTOVER_FORMATS, type CutoverFormat, renderCutover } from './render.js';
export { extendTrustPolicy, removeOldIssuer, TRUST_POLICY_SIZE_LIMIT } from './trust-policy.js';
export type * from './types.js';

/**
 * Judges a blue/green cutover of one logical cluster from OLD (`from`) to NEW (`to`).
 *
 * - `pre`: every workload identity of OLD (declared in the baseline, found on OLD, or seen in
 *   CloudTrail on OLD) is checked against NEW; the verdict is READY when nothing blocks.
 * - `post`: what still points at OLD (trust, OIDC provider, associations) and credential failures
 *   on NEW since `since`; READY means clean.
 *
 * Deterministic: the snapshot's capturedAt is "now"; workloads, findings and plan are sorted.
 *
 * @throws InputError for an unknown logical cluster, an unknown or ambiguous OLD (pre) or NEW.
 * @example const result = runCutover({ inventory, baseline, cluster: 'prod', from: 'prod-blue', to: 'prod-green', phase: 'pre' });
 */
export function runCutover(input: CutoverInput): CutoverResult {
  const clusters = locateClusters(input);
  const checkContext: CheckContext = {
    inventory: input.inventory,
    baseline: input.baseline ?? emptyBaseline(),
    now: new Date(input.inventory.capturedAt),
  };
  const usage = buildUsageIndex(input.inventory, {
    ...(input.since ? { since: input.since } : {}),
    until: new Date(input.inventory.capturedAt),
  });
  const state: CutoverState = {
    input,
    checkContext,
    clusters,
    usage,
    workloads: collectWorkloads(checkContext, clusters, usage, input.cluster),
    ...emptyOutputs(),
  };
  checkCompleteness(state);
  if (input.phase === 'pre') evaluatePre(state);
  else evaluatePost(state);

  const workloads = assembleWorkloads(state);
  const findings = [...state.findings].sort(
    (a, b) =>
      Number(b.blocking) - Number(a.blocking) ||
      a.checkId.localeCompare(b.checkId) ||
      a.resource.id.localeCompare(b.resource.id) ||
      a.id.localeCompare(b.id),
  );
  const blocking = findings.filter((finding) => finding.blocking).length;
  return {
    cutoverVersion: 1,
    verdict: blocking === 0 ? 'READY' : 'NOT_READY',
    phase: input.phase,
    cluster: input.cluster,
    from: input.from,
    to: input.to,
    accountId: clusters.accountId,
    region: clusters.region,
    capturedAt: input.inventory.capturedAt,
    ...(input.since ? { since: input.since.toISOString() } : {}),
    old: clusterInfo(input.from, clusters.old),
    new: clusterInfo(input.to, clusters.new),
    workloads,
    findings,
    undecided: [...state.undecided].sort(
      (a, b) => a.checkId.localeCompare(b.checkId) || a.resourceId.localeCompare(b.resourceId),
    ),
    plan: {
      commands: state.commands,
      trustPolicies: [...state.trustPolicies].sort((a, b) => a.roleArn.localeCompare(b.roleArn)),
      baseline: baselinePatch(input, clusters),
      flaggedGrants: state.flaggedGrants,
      withheld: [...state.withheld].sort(
        (a, b) => a.checkId.localeCompare(b.checkId) || a.resource.id.localeCompare(b.resource.id),
      ),
    },
    summary: {
      workloads: workloads.length,
      ready: workloads.filter((workload) => workload.status === 'ready').length,
      blocked: workloads.filter((workload) => workload.status === 'blocked').length,
      unknown: workloads.filter((workload) => workload.status === 'unknown').length,
      blockingFindings: blocking,
      nonBlockingFindings: findings.length - blocking,
    },
  };
}

/** Exit code of the `cutover` command: 0 when READY (pre) or clean (post), 2 otherwise. */
export function cutoverExitCode(result: CutoverResult): number {
  return result.verdict === 'READY' ? 0 : 2;
}

function clusterInfo(name: string, cluster: ClusterInventory | undefined): CutoverClusterInfo {
  if (!cluster) return { name, exists: false };
  return {
    name,
    exists: true,
    arn: cluster.arn,
    ...(cluster.issuerHostPath ? { issuerHostPath: cluster.issuerHostPath } : {}),
    ...(cluster.issuerHostPath
      ? {
          oidcProviderArn: oidcProviderArn(
            cluster.accountId,
            cluster.issuerHostPath,
            cluster.arn.split(':')[1],
          ),
        }
      : {}),
    autoMode: cluster.autoMode,
    podIdentityAgent: hasPodIdentityAgent(cluster),
  };
}

/** A verdict from partial data is not a verdict: every scope the cutover reads must be complete. */
function checkCompleteness(state: CutoverState): void {
  const { completeness } = state.checkContext.inventory;
  const { clusters, input } = state;
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
  const errors = state.checkContext.inventory.scopes.filter(
    (scope) => scope.status === 'incomplete' && scope.accountId === clusters.accountId,
  );
  for (const scope of scopes) {
    if (scope.complete) continue;
    report(state, 'CUTOVER_COLLECTION_INCOMPLETE', {
      message: `${scope.what} was not fully collected; the ${input.phase === 'pre' ? 'readiness verdict' : 'clean-up report'} may miss workloads or blockers`,
      accountId: clusters.accountId,
      region: clusters.region,
      resource: { type: 'Scope', id: scope.id },
      workloads: state.workloads.map((workload) => workload.key),
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
}

function assembleWorkloads(state: CutoverState): CutoverWorkload[] {
  return state.workloads.map((draft) => {
    const blockers: WorkloadBlocker[] = state.findings
      .filter((finding) => finding.workloads.includes(draft.key))
      .map((finding) => ({
        checkId: finding.checkId,
        findingId: finding.id,
        blocking: finding.blocking,
        message: finding.message,
      }));
    const undecided = state.undecided.some((entry) => entry.workloads.includes(draft.key));
    const status = blockers.some((blocker) => blocker.blocking) ? 'blocked' : undecided ? 'unknown' : 'ready';
    const { sources, oldAssociation: _old, ...fields } = draft;
    return {
      ...fields,
      sources: (['baseline', 'old-cluster', 'cloudtrail'] as const).filter((source) => sources.has(source)),
      declared: sources.has('baseline'),
      status,
      blockers,
      notes: state.notes.get(draft.key) ?? [],
    };
  });
}

/** Flow-style YAML scalar: quoted unless it is a plain EKS cluster name. */
function yamlScalar(text: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(text) && !/^(true|false|null|yes|no|on|off|~)$/i.test(text)
    ? text
    : JSON.stringify(text);
}

function baselinePatch(input: CutoverInput, clusters: CutoverClusters): BaselinePatch {
  const current = clusters.logical?.members;
  let members: string[];
  if (input.phase === 'pre') {
    members = [...(current ?? [])];
    for (const name of [input.from, input.to]) if (!members.includes(name)) members.push(name);
  } else {
    members = (current ?? []).filter((name) => name !== input.from);
    if (!members.includes(input.to)) members.push(input.to);
  }
  const key = /^[A-Za-z0-9_-]+$/.test(input.cluster) ? input.cluster : JSON.stringify(input.cluster);
  const yaml = `clusters:\n  ${key}:\n    members: [${members.map(yamlScalar).join(', ')}]\n`;
  const changed = current === undefined || current.join('\u0000') !== members.join('\u0000');
  return { cluster: input.cluster, ...(current ? { current: [...current] } : {}), members, changed, yaml };
}
