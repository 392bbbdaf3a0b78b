import { runPack } from '../checks/evaluate.js';
import type { CheckContext } from '../checks/types.js';
import type { Finding } from '../model/finding.js';
import { clause, sentence } from '../text.js';
import type { CutoverCheck, CutoverContext, CutoverDraft, CutoverRun } from './context.js';
import type {
  CutoverFinding,
  CutoverUndecided,
  FlaggedGrant,
  PlanCommand,
  TrustPolicyChange,
  WithheldDeletion,
} from './types.js';
import { retiredCandidate } from './workloads.js';

/** What the cutover's packs write, in the order it is made: the report's findings, questions and plan. */
export interface CutoverOutputs {
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

/** Nothing written yet: a new report, or a scratch run of the pre-phase checks. */
export function emptyOutputs(): CutoverOutputs {
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

function keys(workloads: readonly string[] | undefined): string[] {
  return [...new Set(workloads ?? [])].sort();
}

/** Adds a non-blocking note to a workload, once. */
export function addNote(outputs: CutoverOutputs, workloadKey: string, text: string): void {
  const list = outputs.notes.get(workloadKey) ?? [];
  const line = sentence(text);
  if (!list.includes(line)) list.push(line);
  outputs.notes.set(workloadKey, list);
}

/** The context the checks of one run receive; what they record goes into `outputs`. */
export function cutoverContext(base: CheckContext, run: CutoverRun, outputs: CutoverOutputs): CutoverContext {
  return {
    inventory: base.inventory,
    baseline: base.baseline,
    now: base.now,
    run,
    recordUnknown(outcome, claim) {
      const draft = claim as CutoverDraft | undefined;
      outputs.undecided.push({
        checkId: outcome.checkId,
        resourceId: draft?.resource.id ?? outcome.resourceId,
        reason: outcome.reason,
        workloads: keys(outcome.workloads ?? draft?.workloads),
      });
    },
    note: (workloadKey, text) => addNote(outputs, workloadKey, text),
  };
}

/**
 * Runs a pack of cutover checks through the engine and writes each finding made, with what it
 * carries: whether it blocks, the workloads it affects, and its plan effects (commands, the updated
 * trust policy, a deletion left out). A claim the engine withholds plans nothing; it is undecided.
 *
 * A pre-phase finding that only workloads possibly retired need (seen in CloudTrail on OLD, gone
 * from OLD) does not block: the agent, node roles, a provider or a pinned trust matter only if they
 * come back.
 */
export function runCutoverPack(
  checks: readonly CutoverCheck[],
  context: CutoverContext,
  outputs: CutoverOutputs,
): void {
  const { workloads, input } = context.run;
  const retired = new Set(workloads.filter(retiredCandidate).map((workload) => workload.key));
  runPack(checks, context, (finding, draft, check) => {
    const made = cutoverFinding(finding, draft);
    if (
      check.meta.phase === 'pre' &&
      made.blocking &&
      made.workloads.length > 0 &&
      made.workloads.every((key) => retired.has(key))
    ) {
      made.blocking = false;
      made.severity = 'LOW';
      made.message = `${clause(made.message)}; only workloads seen in CloudTrail on ${input.from} that it no longer has need this, so it does not block.`;
    }
    outputs.findings.push(made);
    applyPlan(outputs, made, draft);
  });
}

function cutoverFinding(finding: Finding, draft: CutoverDraft): CutoverFinding {
  return {
    id: finding.id,
    checkId: finding.checkId,
    severity: finding.severity,
    blocking: draft.blocking ?? true,
    title: finding.title,
    message: sentence(finding.message),
    accountId: finding.accountId,
    ...(finding.region ? { region: finding.region } : {}),
    ...(finding.cluster ? { cluster: finding.cluster } : {}),
    resource: finding.resource,
    workloads: keys(draft.workloads),
    evidence: finding.evidence,
    remediation: finding.remediation,
  };
}

function applyPlan(outputs: CutoverOutputs, finding: CutoverFinding, draft: CutoverDraft): void {
  const effects = draft.plan;
  if (!effects) return;
  const { checkId, resource } = finding;
  if (effects.trustPolicy) outputs.trustPolicies.push(effects.trustPolicy);
  for (const { description, command } of effects.commands ?? []) {
    if (!outputs.commands.some((existing) => existing.command === command))
      outputs.commands.push({ checkId, description, command });
  }
  const withheld = effects.withheld;
  if (!withheld) return;
  const workloads = keys(withheld.workloads);
  outputs.withheld.push({
    checkId,
    resource,
    status: withheld.status,
    reason: sentence(withheld.reason),
    workloads,
  });
  if (withheld.status === 'unknown')
    outputs.undecided.push({ checkId, resourceId: resource.id, reason: withheld.reason, workloads });
  for (const key of workloads)
    addNote(outputs, key, `${resource.id} is not planned for deletion: ${withheld.reason}`);
}
