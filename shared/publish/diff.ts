import type { CheckMeta } from '../model/check.js';
import type { Finding } from '../model/finding.js';
import type { ScopeRef } from '../model/scope.js';
import type { Report } from '../report/types.js';

/** What the diff needs of a previous run's finding (a report finding or a recorded one). */
export type DiffableFinding = Pick<
  Finding,
  'id' | 'checkId' | 'severity' | 'accountId' | 'region' | 'cluster' | 'suppressed' | 'restsOn'
>;

/**
 * How this run's findings relate to the previous run's. Open means not suppressed.
 * - `new`: open now, not open in the previous run (first seen, or a suppression that ended);
 * - `stillOpen`: open in both runs;
 * - `resolved`: in the previous run, absent now, and every scope that could produce it was complete
 *   (for an absence claim, every scope it rests on, in whatever account and region);
 * - `unknown`: in the previous run, absent now, but a scope that could produce it was not fully
 *   collected, this run withheld the claim as undecided, or the baseline was invalid: neither
 *   resolved nor new, carried to the next run;
 * - `suppressed`: present now and suppressed by a baseline exception;
 * - `archivePending`: resolved in an earlier run, its archiving in Security Hub not yet confirmed
 *   (carried as `archive-pending`), and absent now: archived again, not counted as resolved twice.
 *   Such a finding present again is `new`.
 */
export interface RunDiff<P extends DiffableFinding = DiffableFinding> {
  new: Finding[];
  stillOpen: Finding[];
  resolved: P[];
  unknown: P[];
  suppressed: Finding[];
  archivePending: P[];
}

/** A recorded finding that was already reported resolved and waits only for its archiving. */
function isArchivePending(finding: DiffableFinding): boolean {
  return (finding as { carried?: unknown }).carried === 'archive-pending';
}

export interface DiffOptions {
  /** Check metadata: CloudTrail-only incompleteness then affects only usage checks. */
  checks?: ReadonlyArray<Pick<CheckMeta, 'id' | 'category'>>;
  /**
   * Ids of the findings this run could not decide (the audit's unknown outcomes that carry a
   * `findingId`): a previous finding among them is unknown, never resolved.
   */
  undecided?: Iterable<string>;
}

/** The check whose presence means nothing else was evaluated (docs/checks.md, BASELINE_INVALID). */
const BASELINE_INVALID = 'BASELINE_INVALID';

/**
 * Compares the previous run's findings with this run's, by finding id. Pure.
 *
 * A previous finding that is absent now counts as resolved only when every scope of this run that
 * could have produced it is complete: its account (and region and cluster, when it has them), or the
 * whole account when it has no region, and every scope its claim rests on (`restsOn`: the other
 * accounts and regions of a cross-account or cross-region absence claim). When no scope of this run
 * covers it, this run withheld it as undecided, or this run's baseline was invalid, it is unknown.
 *
 * @example diffRuns(previousRecord?.findings, report.findings, report.scopes, { checks: checks.map((c) => c.meta) })
 */
export function diffRuns<P extends DiffableFinding>(
  previous: ReadonlyArray<P> | undefined,
  current: ReadonlyArray<Finding>,
  scopes: Report['scopes'],
  options: DiffOptions = {},
): RunDiff<P> {
  const categories = new Map((options.checks ?? []).map((meta) => [meta.id, meta.category]));
  const previousById = new Map((previous ?? []).map((finding) => [finding.id, finding]));
  const currentIds = new Set(current.map((finding) => finding.id));
  const baselineInvalid = current.some((finding) => finding.checkId === BASELINE_INVALID);
  const undecided = new Set(options.undecided ?? []);
  const diff: RunDiff<P> = {
    new: [],
    stillOpen: [],
    resolved: [],
    unknown: [],
    suppressed: [],
    archivePending: [],
  };

  for (const finding of current) {
    if (finding.suppressed) {
      diff.suppressed.push(finding);
      continue;
    }
    const before = previousById.get(finding.id);
    if (before && !before.suppressed && !isArchivePending(before)) diff.stillOpen.push(finding);
    else diff.new.push(finding);
  }
  for (const finding of previousById.values()) {
    if (currentIds.has(finding.id)) continue;
    if (isArchivePending(finding)) {
      diff.archivePending.push(finding);
      continue;
    }
    const complete =
      !baselineInvalid &&
      !undecided.has(finding.id) &&
      producingScopesComplete(finding, scopes, categories.get(finding.checkId));
    (complete ? diff.resolved : diff.unknown).push(finding);
  }
  return diff;
}

/**
 * True when this run collected every scope that could produce the finding, and at least one covers
 * it. CloudTrail scopes matter only to usage checks (and to checks of unknown category). An absence
 * claim also needs every scope it rests on complete in this run.
 */
export function producingScopesComplete(
  finding: DiffableFinding,
  scopes: Report['scopes'],
  category?: string,
): boolean {
  if (finding.restsOn && !restingScopesComplete(finding.restsOn, scopes)) return false;
  let covered = false;
  for (const scope of scopes) {
    if (scope.accountId !== finding.accountId) continue;
    if (finding.region !== undefined && scope.region !== undefined && scope.region !== finding.region)
      continue;
    if (finding.cluster !== undefined && scope.cluster !== undefined && scope.cluster !== finding.cluster)
      continue;
    if (scope.level === 'cloudtrail' && category !== undefined && category !== 'usage') continue;
    covered = true;
    if (scope.status !== 'complete') return false;
  }
  return covered;
}

/** True when this run collected every scope an absence claim rests on completely. */
export function restingScopesComplete(restsOn: readonly ScopeRef[], scopes: Report['scopes']): boolean {
  return restsOn.every((scope) => scopeComplete(scope, scopes));
}

type ReportScope = Report['scopes'][number];

const scopeIndexes = new WeakMap<Report['scopes'], Map<string, ReportScope>>();

const indexKey = (level: string, accountId: string, region?: string, cluster?: string) =>
  [level, accountId, region ?? '', cluster ?? ''].join('\u0000');

/** The run's scopes by level and place (built once per scopes list). */
function scopeIndex(scopes: Report['scopes']): Map<string, ReportScope> {
  let index = scopeIndexes.get(scopes);
  if (!index) {
    index = new Map();
    for (const scope of scopes) {
      if (scope.level === undefined) continue;
      index.set(indexKey(scope.level, scope.accountId, scope.region, scope.cluster), scope);
    }
    scopeIndexes.set(scopes, index);
  }
  return index;
}

/**
 * Whether this run collected one scope a claim rests on completely. A cluster that this run did not
 * list at all is judged by its region's listing: a complete listing without it proves it gone.
 */
function scopeComplete(ref: ScopeRef, scopes: Report['scopes']): boolean {
  const index = scopeIndex(scopes);
  const found =
    index.get(indexKey(ref.level, ref.accountId, ref.region, ref.cluster)) ??
    (ref.level === 'cluster' ? index.get(indexKey('region', ref.accountId, ref.region)) : undefined);
  return found?.status === 'complete';
}
