import type { CheckContext } from '../checks/types.js';
import { findingId, type ResourceType, type Severity } from '../model/index.js';
import type { AssociationInventory } from '../model/inventory.js';
import { canAssume } from '../trust/index.js';
import type { AssumeDecision, AssumeRequest } from '../trust/types.js';
import type { UsageIndex } from '../usage/index.js';
import { type CutoverCheckId, cutoverCheck } from './checks.js';
import type { CutoverClusters } from './locate.js';
import type {
  CutoverFinding,
  CutoverInput,
  CutoverUndecided,
  FlaggedGrant,
  PlanCommand,
  TrustPolicyChange,
  WithheldDeletion,
  WithheldStatus,
} from './types.js';
import type { WorkloadDraft } from './workloads.js';

/** A finding as a rule reports it; the sink adds the id, title and defaults. */
export interface FindingDraft {
  severity?: Severity;
  /** Default true. */
  blocking?: boolean;
  message: string;
  accountId: string;
  region?: string;
  cluster?: string;
  resource: { type: ResourceType; id: string };
  workloads?: string[];
  evidence: Record<string, unknown>;
  remediation?: string;
  /** Extra parts of the identity hashed into the id, beyond the resource id. */
  identity?: string[];
}

/** Everything the phase rules read and write. */
export interface CutoverState {
  input: CutoverInput;
  /** The audit's check context, so shared check helpers can be called. */
  checkContext: CheckContext;
  clusters: CutoverClusters;
  usage: UsageIndex;
  workloads: WorkloadDraft[];
  findings: CutoverFinding[];
  undecided: CutoverUndecided[];
  commands: PlanCommand[];
  trustPolicies: TrustPolicyChange[];
  /** Pre: grants the plan copies or reuses that the audit's trust checks flag. */
  flaggedGrants: FlaggedGrant[];
  /** Post: deletions left out of the plan. */
  withheld: WithheldDeletion[];
  /** Workload key → notes. */
  notes: Map<string, string[]>;
}

/** What the phase rules write, empty: a new report, or a scratch run of the pre-phase rules. */
export function emptyOutputs(): Pick<
  CutoverState,
  'findings' | 'undecided' | 'commands' | 'trustPolicies' | 'flaggedGrants' | 'withheld' | 'notes'
> {
  return {
    findings: [],
    undecided: [],
    commands: [],
    trustPolicies: [],
    flaggedGrants: [],
    withheld: [],
    notes: new Map(),
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

/** Ends a sentence with exactly one period. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** Records a finding of a cutover check (one per id: a repeated identity is ignored). */
export function report(state: CutoverState, checkId: CutoverCheckId, draft: FindingDraft): void {
  const meta = cutoverCheck(checkId);
  const id = findingId(checkId, draft.resource.id, ...(draft.identity ?? []));
  if (state.findings.some((finding) => finding.id === id)) return;
  state.findings.push({
    id,
    checkId,
    severity: draft.severity ?? meta.severity,
    blocking: draft.blocking ?? true,
    title: meta.title,
    message: sentence(draft.message),
    accountId: draft.accountId,
    ...(draft.region ? { region: draft.region } : {}),
    ...(draft.cluster ? { cluster: draft.cluster } : {}),
    resource: draft.resource,
    workloads: [...new Set(draft.workloads ?? [])].sort(),
    evidence: draft.evidence,
    remediation: draft.remediation ?? meta.remediation,
  });
}

/** Records a question the data could not answer. */
export function undecided(
  state: CutoverState,
  checkId: CutoverCheckId,
  resourceId: string,
  reason: string,
  workloads: string[] = [],
): void {
  state.undecided.push({ checkId, resourceId, reason, workloads: [...new Set(workloads)].sort() });
}

/** Records a deletion the post phase leaves out of the plan, and why. */
export function withhold(
  state: CutoverState,
  checkId: CutoverCheckId,
  resource: { type: ResourceType; id: string },
  status: WithheldStatus,
  reason: string,
  workloads: string[] = [],
): void {
  state.withheld.push({
    checkId,
    resource,
    status,
    reason: sentence(reason),
    workloads: [...new Set(workloads)].sort(),
  });
}

/** Adds a plan command once. */
export function plan(
  state: CutoverState,
  checkId: CutoverCheckId,
  description: string,
  command: string,
): void {
  if (state.commands.some((existing) => existing.command === command)) return;
  state.commands.push({ checkId, description, command });
}

/** Adds a non-blocking note to a workload. */
export function note(state: CutoverState, workloadKey: string, text: string): void {
  const list = state.notes.get(workloadKey) ?? [];
  const line = sentence(text);
  if (!list.includes(line)) list.push(line);
  state.notes.set(workloadKey, list);
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

/** Shell-quotes a value when it holds anything but safe characters. */
export function shellArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
