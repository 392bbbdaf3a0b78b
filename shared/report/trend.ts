import { compareText } from '../model/compare.js';
import { SEVERITIES, type Severity } from '../model/severity.js';

/** One run of the stored history, as the HTML trend draws it. */
export interface TrendPoint {
  runId: string;
  finishedAt: string;
  /** Open (unsuppressed) findings by severity at the end of the run. */
  open: Record<Severity, number>;
  /** New findings by severity; absent for runs stored before the breakdown was kept. */
  new?: Record<Severity, number>;
  /** Resolved findings by severity; absent for runs stored before the breakdown was kept. */
  resolved?: Record<Severity, number>;
  newTotal: number;
  resolvedTotal: number;
  /** Scopes the run could not collect completely: its new and resolved counts are partial. */
  incompleteScopes?: number;
}

/** Runs the trend draws: the newest ones, so a long history keeps its bars readable. */
export const TREND_RUNS = 30;

/** One stored run as the run history keeps it (`reports/latest.json`). */
export interface TrendHistoryEntry {
  runId: string;
  finishedAt: string;
  bySeverity: Partial<Record<Severity, number>>;
  new: number;
  resolved: number;
  newBySeverity?: Partial<Record<Severity, number>>;
  resolvedBySeverity?: Partial<Record<Severity, number>>;
  incompleteScopes?: number;
}

/**
 * The trend of a run history (newest first, as stored) as points oldest first. Runs stored before
 * the new/resolved breakdown by severity was kept have totals only.
 *
 * @example trendOf(record.history).at(-1)?.open.HIGH
 */
export function trendOf(history: readonly TrendHistoryEntry[]): TrendPoint[] {
  return [...history]
    .sort((a, b) => Date.parse(a.finishedAt) - Date.parse(b.finishedAt) || compareText(a.runId, b.runId))
    .map((entry) => ({
      runId: entry.runId,
      finishedAt: entry.finishedAt,
      open: full(entry.bySeverity),
      ...(entry.newBySeverity ? { new: full(entry.newBySeverity) } : {}),
      ...(entry.resolvedBySeverity ? { resolved: full(entry.resolvedBySeverity) } : {}),
      newTotal: entry.new,
      resolvedTotal: entry.resolved,
      ...(entry.incompleteScopes ? { incompleteScopes: entry.incompleteScopes } : {}),
    }));
}

/** Counts of findings by severity, every severity present. */
export function countBySeverity(findings: Iterable<{ severity: Severity }>): Record<Severity, number> {
  const counts = full({});
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

function full(counts: Partial<Record<Severity, number>>): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((severity) => [severity, counts[severity] ?? 0])) as Record<
    Severity,
    number
  >;
}
