import { type NotCollected, summarizeCollection } from '../collect/verdict.js';
import { compareText } from '../model/compare.js';
import type { Finding } from '../model/finding.js';
import { SEVERITIES, type Severity, severityRank } from '../model/severity.js';
import type { Report } from './types.js';

/** What {@link buildReport} needs from an audit run. */
export interface BuildReportInput {
  runId: string;
  startedAt: string;
  finishedAt: string;
  baseline: Report['baseline'];
  scopes: Report['scopes'];
  findings: Finding[];
  /** Resources whose usage could not be decided because the evidence did not cover the window. */
  usageUnknown?: number;
  /** Claims of absence (missing, not found, dangling) withheld because a scope they rest on was incomplete. */
  absenceUnknown?: number;
  /** Requested scopes missing from the inventory, for the `collection` summary. */
  notCollected?: NotCollected[];
}

/**
 * Counts findings for report v1's `summary`.
 *
 * Suppressed findings (matched by a baseline exception) are counted in `byCheck`, so the catalogue
 * view shows every finding a check produced, and in `suppressed`; they are NOT counted in
 * `bySeverity` or `total`, which describe what still needs action (and what the exit code and the
 * notifications are decided on). `bySeverity` always has all five severities, zero included.
 *
 * @example summarize(findings) // { bySeverity: { CRITICAL: 1, HIGH: 0, ... }, byCheck: { PI_AGENT_MISSING: 1 }, total: 1, suppressed: 0 }
 */
export function summarize(findings: Finding[]): Report['summary'] {
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  const byCheck: Record<string, number> = {};
  let total = 0;
  let suppressed = 0;
  for (const finding of findings) {
    byCheck[finding.checkId] = (byCheck[finding.checkId] ?? 0) + 1;
    if (finding.suppressed) {
      suppressed += 1;
      continue;
    }
    bySeverity[finding.severity] += 1;
    total += 1;
  }
  return { bySeverity, byCheck: sortedRecord(byCheck), total, suppressed };
}

/**
 * Assembles report v1 (docs/architecture.md §8): findings in a deterministic order (most severe first, then
 * account, region, cluster, check id, resource id and finding id), scopes ordered by account, region,
 * cluster and level, the collection summary from the scopes, and the summary from
 * {@link summarize}. Inputs are not mutated.
 */
export function buildReport(input: BuildReportInput): Report {
  const findings = [...input.findings].sort(compareFindings);
  const scopes = [...input.scopes].sort(compareScopes);
  const summary = summarize(findings);
  if (input.usageUnknown !== undefined) summary.usageUnknown = input.usageUnknown;
  if (input.absenceUnknown) summary.absenceUnknown = input.absenceUnknown;
  const baseline: Report['baseline'] = { ...input.baseline };
  return {
    reportVersion: 1,
    runId: input.runId,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    collection: summarizeCollection(scopes, input.notCollected),
    baseline,
    scopes,
    summary,
    findings,
  };
}

/** The report's finding order: severity descending, then account, region, cluster, check, resource, id. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareText(a.accountId, b.accountId) ||
    compareText(a.region ?? '', b.region ?? '') ||
    compareText(a.cluster ?? '', b.cluster ?? '') ||
    compareText(a.checkId, b.checkId) ||
    compareText(a.resource.id, b.resource.id) ||
    compareText(a.id, b.id)
  );
}

const LEVEL_ORDER = ['account', 'iam', 'region', 'cloudtrail', 'cluster'];

function compareScopes(a: Report['scopes'][number], b: Report['scopes'][number]): number {
  return (
    compareText(a.accountId, b.accountId) ||
    compareText(a.region ?? '', b.region ?? '') ||
    compareText(a.cluster ?? '', b.cluster ?? '') ||
    levelRank(a.level) - levelRank(b.level)
  );
}

function levelRank(level: string | undefined): number {
  const index = level === undefined ? -1 : LEVEL_ORDER.indexOf(level);
  return index === -1 ? LEVEL_ORDER.length : index;
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b)));
}
