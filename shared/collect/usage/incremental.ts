import pLimit from 'p-limit';
import type { ClientFactory } from '../../aws/clients.js';
import type { Clock } from '../../clock.js';
import type { CollectionError } from '../../model/index.js';
import { lookupEventRecord } from '../../snapshot/index.js';
import {
  DAY_MS,
  DEFAULT_OVERLAP_MS,
  emptyLedger,
  foldRecords,
  type Ledger,
  type LedgerBackfill,
  type LedgerGap,
} from '../../usage/ledger.js';
import { collectCloudTrail } from '../cloudtrail.js';
import { CloudTrailRateLimiters } from '../pacing.js';
import { commitLedger, DEFAULT_WRITE_ATTEMPTS, type LedgerStore } from './store.js';

/** CloudTrail event history (LookupEvents) reaches back this far. */
export const CLOUDTRAIL_RETENTION_DAYS = 90;

export interface UpdateLedgersOptions {
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
   * Stops the lookups early (a Lambda deadline): the ledger is still committed, with the planned
   * read recorded as a coverage gap, so the next run reads the span again.
   */
  signal?: AbortSignal;
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
  /** Records returned by this run's lookups (before dedupe against the ledger). */
  eventsRead: number;
  /** Set when this run read the whole backfill window rather than from the high-water mark. */
  backfill?: LedgerBackfill;
  /** Conditional writes it took (more than 1: another run wrote meanwhile). */
  writeAttempts: number;
  /** Set when the signal stopped the lookups: why (the read is then a coverage gap). */
  stopped?: string;
}

/** Where the next read of a ledger starts, and what it records besides the events. */
export interface ReadPlan {
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
 * Brings one account-region's ledger up to `now`: reads it, looks up only what is new (the whole
 * backfill window on a first run), folds the events in and commits with optimistic concurrency.
 * CloudTrail failures never throw: they become a coverage gap in the ledger.
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
  const stored = await store.read(accountId, region);
  const plan = planRead(stored.ledger, stored.problem, now, options);
  const lookups = await untilAborted(
    () =>
      collectCloudTrail(factory, accountId, region, {
        from: plan.from,
        to: plan.to,
        lane: limiters.lane(accountId, region),
      }),
    options.signal,
  );
  const stopped = lookups.kind === 'stopped' ? lookups.reason : undefined;
  const trail =
    lookups.kind === 'done'
      ? lookups.value
      : { events: [], errors: [stoppedError(accountId, region, lookups.reason)] };
  const errors = trail.errors ?? [];
  const records = trail.events.map((event) => lookupEventRecord(accountId, region, event));
  const complete = errors.length === 0;
  const contribution = foldRecords(emptyLedger(accountId, region), records, {
    read: {
      from: plan.from,
      to: plan.to,
      complete,
      ...(complete
        ? {}
        : {
            reason: stopped
              ? `lookups stopped before they finished (${stopped})`
              : errors
                  .map(
                    (error) =>
                      `${error.operation} ${error.code}${error.resource ? ` (${error.resource})` : ''}`,
                  )
                  .join('; '),
          }),
    },
    gaps: plan.gaps,
    ...(plan.backfill ? { backfill: plan.backfill } : {}),
  });
  const committed = await commitLedger(
    store,
    contribution,
    now,
    options.maxWriteAttempts ?? DEFAULT_WRITE_ATTEMPTS,
  );
  return {
    accountId,
    region,
    ledger: committed.ledger,
    location: store.describe(accountId, region),
    read: { from: plan.from.toISOString(), to: plan.to.toISOString(), complete },
    errors,
    eventsRead: trail.events.length,
    ...(plan.backfill ? { backfill: plan.backfill } : {}),
    writeAttempts: committed.attempts,
    ...(stopped ? { stopped } : {}),
  };
}

/** The error recorded when the signal stopped an account-region's lookups. */
function stoppedError(accountId: string, region: string, reason: string): CollectionError {
  return {
    service: 'cloudtrail',
    operation: 'LookupEvents',
    code: 'Stopped',
    message: `CloudTrail lookups of ${accountId} ${region} stopped before they finished (${reason}); the span is a coverage gap until the next run reads it`,
  };
}

/**
 * Runs the work unless the signal has fired, and stops waiting for it when the signal fires. The
 * lookups take no signal themselves, so an abandoned one is left to finish on its own.
 */
function untilAborted<T>(
  work: () => Promise<T>,
  signal: AbortSignal | undefined,
): Promise<{ kind: 'done'; value: T } | { kind: 'stopped'; reason: string }> {
  const reasonOf = (aborted: AbortSignal) =>
    aborted.reason instanceof Error ? aborted.reason.message : String(aborted.reason);
  if (!signal) return work().then((value) => ({ kind: 'done', value }));
  if (signal.aborted) return Promise.resolve({ kind: 'stopped', reason: reasonOf(signal) });
  const running = work();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      // A late failure of the abandoned work must not surface as an unhandled rejection.
      running.catch(() => {});
      resolve({ kind: 'stopped', reason: reasonOf(signal) });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    running.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ kind: 'done', value });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
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
