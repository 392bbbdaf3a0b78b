import type { Baseline } from '../baseline/types.js';
import type { CheckMeta } from '../model/check.js';
import type { Finding, Severity } from '../model/index.js';
import type { Inventory } from '../model/inventory.js';
import type { ScopeRef } from '../model/scope.js';
import type { UsageIndex, UsageIndexOptions } from '../usage/index.js';

export type { CheckMeta };

/**
 * A finding as a check states it, before the engine adds the id, title, suppression and baseline
 * location. The one draft of every pack: a pack whose findings carry more (the cutover's blocking
 * flag, workloads and plan) extends it.
 */
export type FindingDraft = Omit<
  Finding,
  'id' | 'title' | 'checkId' | 'suppressed' | 'suppressionReason' | 'remediation' | 'severity'
> & {
  /** Defaults to the check's severity. */
  severity?: Severity;
  /** Extra parts of the resource identity hashed into the id, beyond `resource.id`. */
  identity?: string[];
  /** Overrides the metadata's remediation with a resource-specific one (an exact command). */
  remediation?: string;
  /**
   * Why the evidence, though collected, cannot prove this absence (a resource younger than the
   * window, IAM reporting a later use than CloudTrail shows, recent tokens of an issuer): the engine
   * records the claim as unknown with these reasons instead of making it.
   */
  doubts?: string[];
};

/** What every check receives. Pure data: checks never call AWS. */
export interface CheckContext {
  inventory: Inventory;
  baseline: Baseline;
  /** The snapshot's `capturedAt`. */
  now: Date;
  /**
   * Records a question the check could not decide (usage evidence that does not cover the window, a
   * trust construct the analyzer cannot evaluate). Such outcomes are counted, never reported as findings.
   * For a claim the engine withheld, `claim` is the draft itself.
   */
  recordUnknown?: (outcome: UnknownOutcome, claim?: FindingDraft) => void;
  /**
   * Serves the usage evidence of a window instead of the inventory's CloudTrail events (a persisted
   * usage ledger). Absent: the usage checks index the inventory's events.
   */
  usageIndex?: (options: UsageIndexOptions) => UsageIndex;
}

/** A decision a check declined to make, with the reason. */
export interface UnknownOutcome {
  /** `usage`: whether something was used; `trust`: what a policy allows; `absence`: whether something exists. */
  kind: 'usage' | 'trust' | 'absence';
  checkId: string;
  /** The resource the question was about (the id a finding would have had, then its extra identity parts). */
  resourceId: string;
  reason: string;
  /** The id the finding would have had, for claims the engine withheld. */
  findingId?: string;
  /** The scopes the claim rests on that were not completely collected. */
  incompleteScopes?: ScopeRef[];
  /** The workload identities the question concerns, by key, where a pack names them (the cutover). */
  workloads?: string[];
}

/**
 * A check: its metadata and its logic, one file per check. `evaluate` is a pure function of the
 * context that states findings as drafts; the engine (`evaluateCheck`, `runPack`) withholds the
 * claims the evidence cannot support and turns the rest into findings. A pack is an ordered list of
 * checks run with one kind of context: the audit's registry, the cutover's pre and post phases.
 */
export interface Check<
  Context extends CheckContext = CheckContext,
  Draft extends FindingDraft = FindingDraft,
> {
  meta: CheckMeta;
  evaluate(context: Context): Draft[];
}
