import pLimit from 'p-limit';
import type { ClientFactory } from '../../aws/clients.js';
import type { Clock } from '../../clock.js';
import type { CollectionError } from '../../model/index.js';
import { type LookupEvent, lookupEventRecord } from '../../snapshot/index.js';
import {
  DAY_MS,
  DEFAULT_OVERLAP_MS,
  emptyLedger,
  foldRecords,
  type Ledger,
  type LedgerBackfill,
  type LedgerGap,
  type LedgerProgress,
} from '../../usage/ledger.js';
import { CloudTrailRateLimiters } from '../pacing.js';
import { readSpanNewestFirst, unreadSpans } from './resumable.js';
import { commitLedger, DEFAULT_WRITE_ATTEMPTS, type LedgerStore } from './store.js';

/**
 * LookupEvents pages between two commits of a long read: about five minutes at 2 requests per
 * second, so a run killed without warning loses at most that much reading.
 */
const DEFAULT_CHECKPOINT_CALLS = 600;

/** CloudTrail event history (LookupEvents) reaches back this far. */
export const CLOUDTRAIL_RETENTION_DAYS = 90;

interface UpdateLedgersOptions {
  factory: ClientFactory;
  accounts: string[];
  regions: string[];
  store: LedgerStore;
  /** End of the read. Default: the current time. */
  now?: Date;
  /** Re-read before the high-water mark. Default {@link DEFAULT_OVERLAP_MS}. */
  overlapMs?: number;
  /** Days a first run (or a run after a gap) reads back, 1–90. Default 90. */
  backfillDays?: number;
  /** LookupEvents buckets per account-region (2 requests/s each). */
  limiters?: CloudTrailRateLimiters;
  /** The clock the default limiters wait on. Default: the process's default clock (the system clock outside tests). */
  clock?: Clock;
  /** Account-regions updated at once. Default 8. */
  concurrency?: number;
  /** Conditional write attempts per ledger. Default {@link DEFAULT_WRITE_ATTEMPTS}. */
  maxWriteAttempts?: number;
  /**
   * Stops the lookups early (a Lambda deadline): what was read is committed, and only the unread
   * part of the window is recorded as a coverage gap, so the next run continues from there.
   */
  signal?: AbortSignal;
  /** LookupEvents requests one account-region may make in this run (a nightly budget). Default: no limit. */
  maxLookupCalls?: number;
  /** Commit after this many pages of a long read. Default {@link DEFAULT_CHECKPOINT_CALLS}. */
  checkpointCalls?: number;
}

/** What one run did to one account-region's ledger. */
export interface LedgerUpdate {
  accountId: string;
  region: string;
  /** The ledger as written. */
  ledger: Ledger;
  /** Where it is stored. */
  location: string;
  /** The interval this run read and whether every lookup succeeded. */
  read: { from: string; to: string; complete: boolean };
  /** LookupEvents failures of this run (the read then is a coverage gap). */
  errors: CollectionError[];
  /** Evidence records this run's lookups kept (before dedupe against the ledger). */
  eventsRead: number;
  /** LookupEvents requests this run made for the account-region. */
  lookupCalls: number;
  /** Set when this run read the whole backfill window rather than from the high-water mark. */
  backfill?: LedgerBackfill;
  /** Conditional writes it took (more than 1: another run wrote meanwhile). */
  writeAttempts: number;
  /** Set when the signal or the budget stopped the lookups: why (the unread rest is then a coverage gap). */
  stopped?: string;
}

/** Where the next read of a ledger starts, and what it records besides the events. */
interface ReadPlan {
  from: Date;
  to: Date;
  backfill?: LedgerBackfill;
  gaps: LedgerGap[];
}

/**
 * Plans the read of one account-region: from the high-water mark minus the overlap; a first run,
 * or a ledger that was unreadable, backfills `backfillDays`; a ledger whose mark is older than
 * CloudTrail keeps (or than the backfill window) records the unreadable span as a gap.
 */
export function planRead(
  ledger: Ledger | undefined,
  problem: string | undefined,
  now: Date,
  options: { overlapMs?: number; backfillDays?: number } = {},
): ReadPlan {
  const overlap = options.overlapMs ?? DEFAULT_OVERLAP_MS;
  const days = Math.min(options.backfillDays ?? CLOUDTRAIL_RETENTION_DAYS, CLOUDTRAIL_RETENTION_DAYS);
  const backfillFrom = new Date(now.getTime() - days * DAY_MS);
  const at = now.toISOString();
  if (problem) {
    return { from: backfillFrom, to: now, gaps: [], backfill: { at, reason: 'corrupt', detail: problem } };
  }
  if (!ledger?.highWaterMark)
    return { from: backfillFrom, to: now, gaps: [], backfill: { at, reason: 'first-run' } };
  const mark = Date.parse(ledger.highWaterMark);
  const from = mark - overlap;
  if (from >= backfillFrom.getTime())
    return { from: new Date(Math.min(from, now.getTime())), to: now, gaps: [] };
  return {
    from: backfillFrom,
    to: now,
    gaps: [
      {
        from: ledger.highWaterMark,
        to: backfillFrom.toISOString(),
        reason: `the ledger was last updated ${ledger.highWaterMark}; CloudTrail event history keeps ${CLOUDTRAIL_RETENTION_DAYS} days`,
      },
    ],
    backfill: { at, reason: 'expired', detail: `high-water mark ${ledger.highWaterMark}` },
  };
}

/**
 * Brings one account-region's ledger towards `now` and the whole window: reads the spans of the
 * window it does not cover yet, newest first (the new hours since the last run, then further back
 * from where the last run stopped), each from its end backwards. What is read is kept whatever
 * happens: at a checkpoint, at the deadline (`signal`), when the budget (`maxLookupCalls`) is spent
 * or a lookup fails, the events and the contiguous part read so far are committed, and only the
 * truly unread part of the window is recorded as a gap. The next run continues from there.
 * CloudTrail failures never throw.
 *
 * @throws the store's errors (S3 unreachable, conflicts beyond the retry budget).
 */
export async function updateLedger(
  options: Omit<UpdateLedgersOptions, 'accounts' | 'regions' | 'concurrency'> & {
    accountId: string;
    region: string;
  },
): Promise<LedgerUpdate> {
  const { factory, store, accountId, region } = options;
  const now = options.now ?? new Date();
  const limiters = options.limiters ?? new CloudTrailRateLimiters(undefined, options.clock);
  const overlapMs = options.overlapMs ?? DEFAULT_OVERLAP_MS;
  const windowDays = Math.min(options.backfillDays ?? CLOUDTRAIL_RETENTION_DAYS, CLOUDTRAIL_RETENTION_DAYS);
  const stored = await store.read(accountId, region);
  const plan = planRead(stored.ledger, stored.problem, now, { overlapMs, backfillDays: windowDays });
  // A corrupt ledger is replaced: nothing it claims to cover counts.
  const spans = unreadSpans(stored.problem ? undefined : stored.ledger, now, { windowDays, overlapMs });
  const budget =
    options.maxLookupCalls === undefined ? undefined : { remaining: Math.max(0, options.maxLookupCalls) };
  const checkpointCalls = options.checkpointCalls ?? DEFAULT_CHECKPOINT_CALLS;
  const seen = new Set<string>();
  const tally = { calls: 0, eventsRead: 0, readMs: 0, writeAttempts: 0, sinceCheckpoint: 0 };
  // What is read but not yet committed: events, and the covered part of the span being read.
  let pending: LookupEvent[] = [];
  let pendingCovered: Array<{ from: number; to: number }> = [];
  let first = true;
  const commit = async (extra: { gaps?: LedgerGap[]; progress?: LedgerProgress }): Promise<Ledger> => {
    const records = pending.map((event) => lookupEventRecord(accountId, region, event));
    const folded = foldRecords(emptyLedger(accountId, region), records);
    const contribution: Ledger = {
      ...folded,
      covered: pendingCovered.map((piece) => ({ from: iso(piece.from), to: iso(piece.to) })),
      gaps: [...(first ? plan.gaps : []), ...(extra.gaps ?? [])],
      backfills: first && plan.backfill ? [plan.backfill] : [],
      ...(extra.progress ? { progress: extra.progress } : {}),
    };
    const result = await commitLedger(
      store,
      contribution,
      now,
      options.maxWriteAttempts ?? DEFAULT_WRITE_ATTEMPTS,
      // Spans before this run's window are never read again: their gaps say nothing any more.
      { gapsBefore: new Date(now.getTime() - windowDays * DAY_MS) },
    );
    tally.writeAttempts += result.attempts;
    pending = [];
    pendingCovered = [];
    tally.sinceCheckpoint = 0;
    first = false;
    return result.ledger;
  };
  const errors: CollectionError[] = [];
  let stopped: string | undefined;
  const unread: LedgerGap[] = [];
  for (const [index, span] of spans.entries()) {
    const read = await readSpanNewestFirst(span, {
      factory,
      accountId,
      region,
      limiter: limiters.for(accountId, region),
      seen,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(budget ? { budget } : {}),
      onPage: async (page) => {
        pending.push(...page.events);
        tally.eventsRead += page.events.length;
        tally.calls += 1;
        tally.sinceCheckpoint += 1;
        if (tally.sinceCheckpoint >= checkpointCalls) {
          if (page.coveredFrom !== undefined) pendingCovered.push({ from: page.coveredFrom, to: span.to });
          await commit({});
        }
      },
    });
    if (read.coveredFrom !== undefined) {
      pendingCovered.push({ from: read.coveredFrom, to: span.to });
      tally.readMs += span.to - read.coveredFrom;
    }
    if (read.error) errors.push(read.error);
    else if (read.stopped) stopped = read.stopped;
    else continue;
    const reason = read.error
      ? `${read.error.operation} ${read.error.code}${read.error.resource ? ` (${read.error.resource})` : ''}`
      : options.signal?.aborted
        ? `lookups stopped before they finished (${read.stopped})`
        : `not read yet: ${read.stopped}; a later run continues here`;
    const unreadTo = read.coveredFrom ?? span.to;
    if (unreadTo > span.from) unread.push({ from: iso(span.from), to: iso(unreadTo), reason });
    for (const later of spans.slice(index + 1))
      unread.push({ from: iso(later.from), to: iso(later.to), reason });
    break;
  }
  if (stopped && options.signal?.aborted) errors.push(stoppedError(accountId, region, stopped));
  const complete = errors.length === 0 && stopped === undefined;
  const ledger = await commit({
    gaps: unread,
    progress: {
      at: now.toISOString(),
      source: 'lookup',
      calls: tally.calls,
      readMs: tally.readMs,
      finished: complete,
    },
  });
  const from = spans.length > 0 ? spans[spans.length - 1].from : now.getTime();
  return {
    accountId,
    region,
    ledger,
    location: store.describe(accountId, region),
    read: { from: iso(from), to: now.toISOString(), complete },
    errors,
    eventsRead: tally.eventsRead,
    lookupCalls: tally.calls,
    ...(plan.backfill ? { backfill: plan.backfill } : {}),
    writeAttempts: tally.writeAttempts,
    ...(stopped ? { stopped } : {}),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The error recorded when the signal stopped an account-region's lookups. */
function stoppedError(accountId: string, region: string, reason: string): CollectionError {
  return {
    service: 'cloudtrail',
    operation: 'LookupEvents',
    code: 'Stopped',
    message: `CloudTrail lookups of ${accountId} ${region} stopped before they finished (${reason}); what was read is kept, the unread span is a coverage gap until a later run reads it`,
  };
}

/**
 * One line describing a ledger update, for logs and stderr.
 *
 * @example describeLedgerUpdate(update) // "ledger s3://b/state/usage/A/R/ledger.json: read from the high-water mark …, 3 event(s)"
 */
export function describeLedgerUpdate(update: LedgerUpdate): string {
  const what = update.backfill ? `backfilled (${update.backfill.reason})` : 'read from the high-water mark';
  const problems = update.stopped
    ? `; stopped early (${update.stopped}): coverage gap recorded`
    : update.errors.length > 0
      ? `; ${update.errors.length} lookup error(s): coverage gap recorded`
      : '';
  const retries = update.writeAttempts > 1 ? `; ${update.writeAttempts} write attempts` : '';
  return `ledger ${update.location}: ${what} ${update.read.from} – ${update.read.to}, ${update.eventsRead} event(s)${problems}${retries}`;
}

/**
 * Updates the ledger of every account-region (see {@link updateLedger}), sorted by account and
 * region. LookupEvents keeps to 2 requests/s per account-region through the shared limiters.
 *
 * @example
 * const updates = await updateLedgers({ factory, accounts: ['222233334444'], regions: ['eu-west-1'], store });
 */
export async function updateLedgers(options: UpdateLedgersOptions): Promise<LedgerUpdate[]> {
  const now = options.now ?? new Date();
  const limiters = options.limiters ?? new CloudTrailRateLimiters(undefined, options.clock);
  const limit = pLimit(options.concurrency ?? 8);
  const pairs = [...new Set(options.accounts)]
    .sort()
    .flatMap((accountId) => [...new Set(options.regions)].sort().map((region) => ({ accountId, region })));
  return Promise.all(
    pairs.map(({ accountId, region }) =>
      limit(() => updateLedger({ ...options, accountId, region, now, limiters })),
    ),
  );
}
