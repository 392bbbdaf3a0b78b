/**
 * Blue/green cluster cutover: is NEW ready to take over OLD's workload identities (pre), and what is
 * left to clean up after the switch (post)? Pure: judges an inventory and never calls AWS.
 */
import { emptyBaseline } from '../baseline/index.js';
import { compareText } from '../model/compare.js';
import { oidcProviderArn } from '../model/identity.js';
import type { ClusterInventory } from '../model/inventory.js';
import { hasPodIdentityAgent } from '../trust/workload.js';
import { buildUsageIndex } from '../usage/index.js';
import type { CutoverRun } from './context.js';
import { markFlaggedGrants } from './flagged.js';
import { type CutoverClusters, locateClusters } from './locate.js';
import { findOldIssuers } from './old-issuers.js';
import { cutoverPacks } from './packs.js';
import { type CutoverOutputs, cutoverContext, emptyOutputs, runCutoverPack } from './sink.js';
import type {
  BaselinePatch,
  CutoverClusterInfo,
  CutoverInput,
  CutoverResult,
  CutoverWorkload,
  WorkloadBlocker,
} from './types.js';
import { addOldClusterWorkloads, collectWorkloads, irsaGrantWorkloads } from './workloads.js';

export type { CutoverCheck, CutoverCheckMeta, CutoverContext, CutoverDraft } from './context.js';
export { CUTOVER_CHECKS, type CutoverCheckId, cutoverCheck, cutoverChecks, cutoverPacks } from './packs.js';
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
  const base = {
    inventory: input.inventory,
    baseline: input.baseline ?? emptyBaseline(),
    now: new Date(input.inventory.capturedAt),
  };
  const usage = buildUsageIndex(input.inventory, {
    ...(input.since ? { since: input.since } : {}),
    until: new Date(input.inventory.capturedAt),
  });
  const run: CutoverRun = {
    input,
    clusters,
    usage,
    workloads: collectWorkloads(base, clusters, usage, input.cluster),
    oldIssuers: new Map(),
  };
  const outputs = emptyOutputs();
  const context = cutoverContext(base, run, outputs);
  const pack = cutoverPacks[input.phase];
  runCutoverPack([pack.collection], context, outputs);
  if (input.phase === 'post') {
    run.oldIssuers = findOldIssuers(context);
    // OLD is gone: the grants of its issuer are the trace of its IRSA workloads.
    if (!clusters.old && run.oldIssuers.size > 0)
      addOldClusterWorkloads(run.workloads, irsaGrantWorkloads(base, new Set(run.oldIssuers.keys())));
  }
  runCutoverPack(pack.checks, context, outputs);
  if (input.phase === 'pre') markFlaggedGrants(context, outputs);

  const workloads = assembleWorkloads(run, outputs);
  const findings = [...outputs.findings].sort(
    (a, b) =>
      Number(b.blocking) - Number(a.blocking) ||
      compareText(a.checkId, b.checkId) ||
      compareText(a.resource.id, b.resource.id) ||
      compareText(a.id, b.id),
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
    undecided: [...outputs.undecided].sort(
      (a, b) => compareText(a.checkId, b.checkId) || compareText(a.resourceId, b.resourceId),
    ),
    plan: {
      commands: outputs.commands,
      trustPolicies: [...outputs.trustPolicies].sort((a, b) => compareText(a.roleArn, b.roleArn)),
      baseline: baselinePatch(input, clusters),
      flaggedGrants: outputs.flaggedGrants,
      withheld: [...outputs.withheld].sort(
        (a, b) => compareText(a.checkId, b.checkId) || compareText(a.resource.id, b.resource.id),
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

function assembleWorkloads(run: CutoverRun, outputs: CutoverOutputs): CutoverWorkload[] {
  return run.workloads.map((draft) => {
    const blockers: WorkloadBlocker[] = outputs.findings
      .filter((finding) => finding.workloads.includes(draft.key))
      .map((finding) => ({
        checkId: finding.checkId,
        findingId: finding.id,
        blocking: finding.blocking,
        message: finding.message,
      }));
    const undecided = outputs.undecided.some((entry) => entry.workloads.includes(draft.key));
    const status = blockers.some((blocker) => blocker.blocking) ? 'blocked' : undecided ? 'unknown' : 'ready';
    const { sources, oldAssociation: _old, ...fields } = draft;
    return {
      ...fields,
      sources: (['baseline', 'old-cluster', 'cloudtrail'] as const).filter((source) => sources.has(source)),
      declared: sources.has('baseline'),
      status,
      blockers,
      notes: outputs.notes.get(draft.key) ?? [],
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
