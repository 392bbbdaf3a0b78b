import { applyExceptions } from './baseline/exceptions.js';
import type { Baseline } from './baseline/types.js';
import { runPack, toFinding } from './checks/evaluate.js';
import { checks as registeredChecks } from './checks/index.js';
import type { Check, CheckContext, FindingDraft, UnknownOutcome } from './checks/types.js';
import { compareText } from './model/compare.js';
import { type Finding, findingId } from './model/finding.js';
import type { Inventory } from './model/inventory.js';
import { buildReport } from './report/index.js';
import { provenanceOf } from './run/provenance.js';

export { type BaselineInvalidInput, baselineInvalidFinding } from './checks/meta/BASELINE_INVALID.js';
/** A draft becomes a finding (the engine's one sink, re-exported for the audit's callers). */
export { toFinding };

import type { Report } from './report/types.js';

/** What {@link runAudit} judges. */
export interface AuditInput {
  inventory: Inventory;
  baseline: Baseline;
  /** Run identifier; defaults to a hash of the snapshot time and the baseline, so reruns agree. */
  runId?: string;
  /** When the run started; defaults to the snapshot's `capturedAt`. */
  startedAt?: string;
  /** When the run finished; defaults to `startedAt`. */
  finishedAt?: string;
  /** The checks to run; defaults to the full registry. */
  checks?: Check[];
  /** Usage evidence from persisted ledgers instead of the inventory's CloudTrail events. */
  usageIndex?: CheckContext['usageIndex'];
  /** Sees every undecided question as it is recorded, with the withheld claim when there is one. */
  onUnknown?: (outcome: UnknownOutcome, claim?: FindingDraft) => void;
}

/** The outcome of one audit: findings (suppressed ones included), report v1 and what stayed undecided. */
export interface AuditResult {
  findings: Finding[];
  report: Report;
  /** Resources whose usage could not be decided (the evidence did not cover the window). */
  usageUnknown: number;
  /** Every undecided question, usage and trust, sorted (for logs and `--verbose` output). */
  unknowns: UnknownOutcome[];
}

/**
 * Runs every check against the inventory and baseline and assembles report v1. Deterministic: the
 * snapshot's `capturedAt` is "now", finding ids hash the check id and resource identity, and the
 * order is fixed, so the same inputs give the same findings, ids and report.
 *
 * Absence claims ("missing", "not found", "dangling", "unused") are made only from complete
 * evidence: a claim whose scopes were not all completely collected is listed in `unknowns` with the
 * reason, never reported (see `evaluateCheck`).
 *
 * A check that throws is a bug: the error propagates with the check id in its message rather than
 * being turned into a finding or skipped.
 *
 * @example const { report } = runAudit({ inventory: await loadInventory('snapshot.json'), baseline });
 */
export function runAudit(input: AuditInput): AuditResult {
  const { inventory, baseline } = input;
  const now = new Date(inventory.capturedAt);
  if (Number.isNaN(now.getTime()))
    throw new Error(`snapshot capturedAt is not a date: ${inventory.capturedAt}`);
  const unknowns: UnknownOutcome[] = [];
  const context: CheckContext = {
    inventory,
    baseline,
    now,
    recordUnknown: (outcome, claim) => {
      unknowns.push(outcome);
      input.onUnknown?.(outcome, claim);
    },
    ...(input.usageIndex ? { usageIndex: input.usageIndex } : {}),
  };

  const made = runPack(input.checks ?? registeredChecks, context);

  // buildReport puts them in the report's order.
  const findings = applyExceptions(made, baseline, now);
  const usageUnknown = new Set(
    unknowns.filter((outcome) => outcome.kind === 'usage').map((outcome) => outcome.resourceId),
  ).size;
  const absenceUnknown = new Set(
    unknowns.filter((outcome) => outcome.kind === 'absence').map((outcome) => outcome.findingId),
  ).size;
  const startedAt = input.startedAt ?? inventory.capturedAt;
  const report = buildReport({
    runId: input.runId ?? defaultRunId(inventory, baseline),
    startedAt,
    finishedAt: input.finishedAt ?? startedAt,
    baseline: provenanceOf(baseline),
    scopes: inventory.scopes.map((scope) => ({
      accountId: scope.accountId,
      ...(scope.region ? { region: scope.region } : {}),
      ...(scope.cluster ? { cluster: scope.cluster } : {}),
      level: scope.level,
      status: scope.status,
      errors: scope.errors,
    })),
    findings,
    usageUnknown,
    absenceUnknown,
  });
  const sortedUnknowns = [...unknowns].sort(
    (a, b) =>
      compareText(a.kind, b.kind) ||
      compareText(a.checkId, b.checkId) ||
      compareText(a.resourceId, b.resourceId),
  );
  return { findings: report.findings, report, usageUnknown, unknowns: sortedUnknowns };
}

function defaultRunId(inventory: Inventory, baseline: Baseline): string {
  return findingId('RUN', inventory.capturedAt, baseline.source.sha256).replace(/^RUN-/, 'run-');
}

/**
 * The ids of the findings a run withheld as undecided, for the publish diff: an earlier run's finding
 * the run could neither confirm nor refute is not resolved.
 */
export function undecidedFindingIds(unknowns: ReadonlyArray<UnknownOutcome>): string[] {
  return unknowns.flatMap((unknown) => (unknown.findingId ? [unknown.findingId] : []));
}
