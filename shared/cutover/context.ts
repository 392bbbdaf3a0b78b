import type { Check, CheckContext, CheckMeta, FindingDraft, UnknownOutcome } from '../checks/types.js';
import type { AssociationInventory, ClusterInventory } from '../model/inventory.js';
import type { ScopeRef } from '../model/scope.js';
import { canAssume } from '../trust/index.js';
import type { AssumeDecision, AssumeRequest } from '../trust/types.js';
import type { UsageIndex } from '../usage/index.js';
import type { CutoverClusters } from './locate.js';
import type { CutoverInput, CutoverPhase, TrustPolicyChange, WithheldStatus } from './types.js';
import type { WorkloadDraft } from './workloads.js';

/** Metadata of one cutover check (the `CUTOVER_` ids): a check's, plus the phase that runs it. */
export interface CutoverCheckMeta extends CheckMeta {
  /** `both`: the collection check, which every phase runs first. */
  phase: CutoverPhase | 'both';
}

/** An issuer taken for OLD's, and what that rests on. */
export interface OldIssuer {
  /** Why it is OLD's, in words: `the issuer of prod-blue`, or why a dead issuer is taken for it. */
  why: string;
  /**
   * Empty while OLD exists. Once OLD is deleted its issuer is known only as an EKS issuer that
   * belongs to no live cluster: the region's cluster listings that claim rests on.
   */
  restsOn: ScopeRef[];
}

/** What every cutover check of one run reads: the question and what the inventory says about it. */
export interface CutoverRun {
  input: CutoverInput;
  clusters: CutoverClusters;
  /** CloudTrail evidence from `since` (or the whole window) to the snapshot's capture. */
  usage: UsageIndex;
  /** Every workload identity of OLD, sorted by key. */
  workloads: WorkloadDraft[];
  /** Issuer host path → OLD's issuer (post phase; empty in the pre phase). */
  oldIssuers: Map<string, OldIssuer>;
}

/** A cutover check's context: the audit's (inventory, baseline, now), the run, and a notebook. */
export interface CutoverContext extends CheckContext {
  run: CutoverRun;
  /**
   * Records a question the data could not answer (`undecided` in the report; it makes the workloads
   * it names `unknown`): one a check declined, or a claim the engine withheld (then `claim` is it).
   */
  recordUnknown(outcome: UnknownOutcome, claim?: FindingDraft): void;
  /** Adds a non-blocking note to a workload (something worth knowing that no finding says). */
  note(workloadKey: string, text: string): void;
}

/** What the plan gains when a cutover finding stands (nothing of it when the engine withholds the claim). */
export interface PlanEffects {
  /** Shell commands that fix the finding, in order; a command already planned is not repeated. */
  commands?: Array<{ description: string; command: string }>;
  /** The full updated trust policy the commands apply. */
  trustPolicy?: TrustPolicyChange;
  /** A deletion the finding calls for that the plan leaves out, and why (post phase). */
  withheld?: { status: WithheldStatus; reason: string; workloads: string[] };
}

/** The finding draft of the cutover packs: the engine's draft, plus what a cutover finding carries. */
export type CutoverDraft = FindingDraft & {
  /** Default true: it stops the verdict from being READY (pre) or clean (post). */
  blocking?: boolean;
  /** Keys of the workloads it affects. */
  workloads?: string[];
  plan?: PlanEffects;
};

/** A cutover check: one file per `CUTOVER_` id, run by the engine like every other check. */
export interface CutoverCheck extends Check<CutoverContext, CutoverDraft> {
  meta: CutoverCheckMeta;
}

/**
 * Makes `compute` answer once per run: what several checks of a phase read (the clean-up, the
 * credential failures on NEW, the trust OLD's issuer still has) is worked out by the first that asks.
 */
export function oncePerRun<T>(compute: (context: CutoverContext) => T): (context: CutoverContext) => T {
  const answers = new WeakMap<CutoverRun, T>();
  return (context) => {
    if (!answers.has(context.run)) answers.set(context.run, compute(context));
    return answers.get(context.run) as T;
  };
}

/** The evaluator's answer; a policy or request it cannot read is `unknown` with the reason. */
export function decision(document: unknown, request: AssumeRequest): AssumeDecision {
  try {
    return canAssume(document, request);
  } catch (error) {
    return { allowed: 'unknown', reason: (error as Error).message, allowingStatements: [] };
  }
}

/**
 * The association a workload has, or will have, on a cluster: what EKS uses to build the session
 * (tags, source ARN, external id). Placeholders stand in for the ids of an association not created yet.
 */
export function associationOn(
  clusters: CutoverClusters,
  clusterName: string,
  clusterArn: string,
  workload: WorkloadDraft,
  existing?: AssociationInventory,
): AssociationInventory {
  return {
    accountId: clusters.accountId,
    region: clusters.region,
    clusterName,
    clusterArn,
    namespace: workload.namespace,
    serviceAccount: workload.serviceAccount,
    roleArn: workload.roleArn,
    ...(workload.targetRoleArn ? { targetRoleArn: workload.targetRoleArn } : {}),
    ...(existing?.externalId && existing.targetRoleArn === workload.targetRoleArn
      ? { externalId: existing.externalId }
      : {}),
    disableSessionTags: workload.disableSessionTags ?? false,
    associationArn:
      existing?.associationArn ?? `${clusterArn.replace(':cluster/', ':podidentityassociation/')}/planned`,
    associationId: existing?.associationId ?? 'planned',
    tags: {},
    raw: {},
  };
}

/** The Pod Identity association NEW already has for the workload's service account, if any. */
export function newAssociationOf(run: CutoverRun, workload: WorkloadDraft): AssociationInventory | undefined {
  return run.clusters.new.associations.find(
    (association) =>
      association.namespace === workload.namespace && association.serviceAccount === workload.serviceAccount,
  );
}

/** Where a finding about a workload on one cluster points: that cluster and the workload identity on it. */
export function workloadOn(cluster: ClusterInventory, workload: WorkloadDraft) {
  return {
    accountId: cluster.accountId,
    region: cluster.region,
    cluster: cluster.name,
    resource: {
      type: 'WorkloadIdentity' as const,
      id: `${cluster.arn}/serviceaccount/${workload.namespace}/${workload.serviceAccount}`,
    },
    workloads: [workload.key],
  };
}
