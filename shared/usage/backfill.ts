import { compareText } from '../model/compare.js';
import { DAY_MS, type Ledger, normalizeIntervals } from './ledger.js';
import { ledgerCoverage } from './ledger-index.js';
import { coverageGap, windowEndingAt } from './window.js';

/**
 * How far the usage ledgers are from covering the usage window, and how many nights the rest takes
 * at the rate the latest run read. Usage of an account-region is *known* by the same rule the usage
 * checks apply before they claim "unused" (one covered interval from the window start to its end, no
 * unhealed gap); everything else is unknown and said so.
 */

/** The backfill state of one account-region. */
export interface BackfillRegion {
  accountId: string;
  region: string;
  /** Usage there can be judged (unused claims allowed). */
  known: boolean;
  /** Share of the window the ledger covers, 0–1. */
  covered: number;
  /**
   * Nights until usage is known: 0 when known; `null` when the latest run read less history than a
   * night adds (it cannot catch up at that rate); absent when no run has measured a rate yet.
   */
  nightsLeft?: number | null;
  /** Why it is not known (the coverage rule's words), when it is not. */
  reason?: string;
}

/** The backfill state of every planned account-region (report JSON `usageEvidence`). */
export interface BackfillSummary {
  /** Where the evidence comes from. */
  source: 'lookup' | 'org-trail' | 'ledger';
  /** Account-regions whose usage is known. */
  known: number;
  /** Account-regions planned. */
  total: number;
  /** Share of all planned account-regions' windows covered, in percent (one decimal). */
  percentDone: number;
  /**
   * Nights until every account-region is known at the measured rates: the slowest one's. `null`
   * when one cannot catch up at its rate; absent when a rate is still unmeasured.
   */
  nightsLeft?: number | null;
  /** Account-regions that cannot catch up at their measured rate. */
  cannotCatchUp: string[];
  /** The sentence the run reports, e.g. "usage known for 18 of 20 account-regions, backfill 93.1% done, done in about 3 nights". */
  text: string;
  /** Per account-region, sorted; only those not known, so the summary stays small. */
  pending: BackfillRegion[];
}

/** Options of {@link backfillSummary}. */
export interface BackfillOptions {
  /** The usage window (`unusedAfterDays`). */
  windowDays: number;
  /** Time between two runs. Default one day (the nightly schedule). */
  nightMs?: number;
  source?: BackfillSummary['source'];
}

/** Milliseconds of `[from, to]` the ledger covers. */
function coveredWithin(ledger: Ledger, from: number, to: number): number {
  let total = 0;
  for (const interval of normalizeIntervals(ledger.covered)) {
    const start = Math.max(from, Date.parse(interval.from));
    const end = Math.min(to, Date.parse(interval.to));
    if (end > start) total += end - start;
  }
  return total;
}

/**
 * The state of one account-region's ledger at `now`. The estimate: each night adds `nightMs` of new
 * history at the head of the window and drops as much from its unread tail, and a run reads, newest
 * first, as much history as the latest run did (`progress.readMs`), so the unread part shrinks by
 * that much per night, provided it exceeds what a night adds.
 */
export function backfillRegion(
  ledger: Ledger | undefined,
  scope: { accountId: string; region: string },
  now: Date,
  options: BackfillOptions,
): BackfillRegion {
  const window = windowEndingAt(now, options.windowDays);
  const windowMs = window.end.getTime() - window.start.getTime();
  const where = `${scope.accountId} ${scope.region}`;
  if (!ledger) {
    return { ...scope, known: false, covered: 0, reason: `no usage ledger for ${where} yet` };
  }
  const covered = coveredWithin(ledger, window.start.getTime(), window.end.getTime()) / windowMs;
  const coverage = ledgerCoverage(ledger, window.start.getTime(), window.end.getTime());
  const reason = coverageGap(coverage, window, where);
  if (!reason) return { ...scope, known: true, covered: Math.min(1, covered), nightsLeft: 0 };
  const progress = ledger.progress;
  const nightMs = options.nightMs ?? DAY_MS;
  let nightsLeft: number | null | undefined;
  if (progress?.finished) nightsLeft = 1;
  else if (progress && progress.readMs <= nightMs) nightsLeft = null;
  else if (progress) nightsLeft = Math.max(1, Math.ceil(((1 - covered) * windowMs) / progress.readMs));
  return {
    ...scope,
    known: false,
    covered: Math.min(1, covered),
    ...(nightsLeft !== undefined ? { nightsLeft } : {}),
    reason,
  };
}

/** What the sentence of {@link backfillText} is made of (the report's `usageEvidence` carries it). */
export type BackfillFacts = Pick<BackfillSummary, 'known' | 'total' | 'percentDone' | 'nightsLeft'> & {
  cannotCatchUp: readonly string[];
};

/** How the nights left read in the sentence. */
function nightsText(facts: BackfillFacts): string {
  if (facts.known >= facts.total) return 'nothing left to read';
  if (facts.nightsLeft === null) {
    return `${facts.cannotCatchUp.length} account-region(s) cannot catch up at their rate (${facts.cannotCatchUp.slice(0, 3).join(', ')}${facts.cannotCatchUp.length > 3 ? ', …' : ''}): a night reads less history than a day adds`;
  }
  if (facts.nightsLeft === undefined) return 'rate not measured yet';
  return `done in about ${facts.nightsLeft} night${facts.nightsLeft === 1 ? '' : 's'}`;
}

/**
 * The sentence the run reports about the backfill, in English.
 *
 * @example backfillText({ known: 18, total: 20, percentDone: 93.1, nightsLeft: 3, cannotCatchUp: [] })
 * // "usage known for 18 of 20 account-regions, backfill 93.1% done, done in about 3 nights"
 */
export function backfillText(facts: BackfillFacts): string {
  return `usage known for ${facts.known} of ${facts.total} account-regions, backfill ${facts.percentDone}% done, ${nightsText(facts)}`;
}

/**
 * The backfill state of every planned account-region, and the sentence the run reports.
 *
 * @example backfillSummary(ledgers, [{ accountId, regions: ['eu-west-1'] }], now, { windowDays: 90 }).text
 * // "usage known for 18 of 20 account-regions, backfill 93.1% done, done in about 3 nights"
 */
export function backfillSummary(
  ledgers: readonly Ledger[],
  scopes: ReadonlyArray<{ accountId: string; regions: readonly string[] }>,
  now: Date,
  options: BackfillOptions,
): BackfillSummary {
  const byKey = new Map(ledgers.map((ledger) => [`${ledger.accountId}/${ledger.region}`, ledger]));
  const regions = scopes
    .flatMap((scope) => [...new Set(scope.regions)].map((region) => ({ accountId: scope.accountId, region })))
    .sort((a, b) => compareText(a.accountId, b.accountId) || compareText(a.region, b.region))
    .map((scope) => backfillRegion(byKey.get(`${scope.accountId}/${scope.region}`), scope, now, options));
  const pending = regions.filter((region) => !region.known);
  const cannotCatchUp = pending
    .filter((region) => region.nightsLeft === null)
    .map((region) => `${region.accountId}/${region.region}`);
  const unmeasured = pending.some((region) => region.nightsLeft === undefined);
  const nightsLeft =
    cannotCatchUp.length > 0
      ? null
      : unmeasured
        ? undefined
        : Math.max(0, ...pending.map((region) => region.nightsLeft as number));
  const percentDone =
    regions.length === 0
      ? 100
      : Math.floor((regions.reduce((sum, region) => sum + region.covered, 0) / regions.length) * 1000) / 10;
  const known = regions.length - pending.length;
  return {
    source: options.source ?? 'ledger',
    known,
    total: regions.length,
    percentDone,
    ...(nightsLeft !== undefined ? { nightsLeft } : {}),
    cannotCatchUp,
    text: backfillText({ known, total: regions.length, percentDone, nightsLeft, cannotCatchUp }),
    pending,
  };
}

/** The summary as the report's `usageEvidence` carries it: without the per-region detail. */
export function reportedBackfill(summary: BackfillSummary): Omit<BackfillSummary, 'pending'> {
  const { pending: _pending, ...reported } = summary;
  return reported;
}
