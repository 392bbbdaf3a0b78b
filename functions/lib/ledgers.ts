import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { CloudTrailRateLimiters } from '../../shared/collect/pacing.js';
import {
  describeLedgerUpdate,
  type LedgerUpdate,
  updateLedger,
} from '../../shared/collect/usage/incremental.js';
import { type LedgerStore, S3LedgerStore } from '../../shared/collect/usage/store.js';
import type { Ledger } from '../../shared/usage/ledger.js';
import { LEDGER_PREFIX, type UsageSource } from './config.js';
import { logger } from './observability.js';

export { LEDGER_PREFIX };

/** The audit bucket's ledger store. */
export function auditLedgerStore(s3: S3Client, bucket: string): S3LedgerStore {
  return new S3LedgerStore(s3, { bucket, prefix: LEDGER_PREFIX });
}

/**
 * What collect-account says about usage evidence in its Map result: a few dozen bytes, with the
 * region lists only as long as the account's region list.
 */
export interface UsageReadSummary {
  source: UsageSource;
  /** LookupEvents requests this invocation made for the account (retries included). */
  lookupEvents: number;
  /** CloudTrail records those requests returned (before dedupe against the ledger). */
  eventsRead: number;
  /** Ledger mode: regions read from scratch (first run, corrupt or expired ledger). */
  backfilled?: string[];
  /** Ledger mode: regions whose read this run was incomplete; the span is recorded as a coverage gap. */
  gaps?: string[];
  /** Ledger mode: regions whose ledger could not be read or written (their usage stays unknown). */
  failed?: string[];
}

/** LookupEvents requests the factory made for one account. */
export function lookupEventsCalls(factory: ClientFactory, accountId: string): number {
  return factory
    .apiCalls()
    .filter(
      (call) =>
        call.account === accountId && call.service === 'cloudtrail' && call.operation === 'LookupEvents',
    )
    .reduce((sum, call) => sum + call.count, 0);
}

/** The outcome of {@link updateAccountLedgers}. */
interface AccountLedgerUpdates {
  updates: LedgerUpdate[];
  /** Regions whose update threw (S3 unreachable, conflicts beyond the retry budget), with the reason. */
  failures: Array<{ region: string; message: string }>;
}

/**
 * Brings the ledger of each of the account's regions up to `now`. A region whose update throws does
 * not stop the others: it is logged as an error and returned under `failures` (its ledger stays as
 * it was, so the analysis sees coverage that ends early: usage unknown, never "unused"). Lookups
 * stopped by `signal` are committed as a coverage gap. Never rejects.
 *
 * @example const { updates } = await updateAccountLedgers({ factory, store, accountId, regions, now, signal });
 */
export async function updateAccountLedgers(options: {
  factory: ClientFactory;
  store: LedgerStore;
  accountId: string;
  regions: string[];
  now: Date;
  signal?: AbortSignal;
}): Promise<AccountLedgerUpdates> {
  const limiters = new CloudTrailRateLimiters();
  const regions = [...new Set(options.regions)].sort();
  const settled = await Promise.allSettled(
    regions.map((region) =>
      updateLedger({
        factory: options.factory,
        store: options.store,
        accountId: options.accountId,
        region,
        now: options.now,
        limiters,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    ),
  );
  const updates: LedgerUpdate[] = [];
  const failures: AccountLedgerUpdates['failures'] = [];
  settled.forEach((outcome, index) => {
    const region = regions[index];
    if (outcome.status === 'fulfilled') {
      const update = outcome.value;
      updates.push(update);
      const line = describeLedgerUpdate(update);
      if (update.read.complete) logger.info(line, { region });
      else logger.warn(line, { region, errors: update.errors });
    } else {
      const message = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      failures.push({ region, message });
      logger.error('usage ledger not updated; usage in this region stays unknown until a later run', {
        region,
        location: options.store.describe(options.accountId, region),
        error: outcome.reason instanceof Error ? outcome.reason : message,
      });
    }
  });
  return { updates, failures };
}

/** Summarizes ledger updates for the Map result. */
export function summarizeLedgerUpdates(result: AccountLedgerUpdates, lookupEvents: number): UsageReadSummary {
  return {
    source: 'ledger',
    lookupEvents,
    eventsRead: result.updates.reduce((sum, update) => sum + update.eventsRead, 0),
    backfilled: result.updates.filter((update) => update.backfill).map((update) => update.region),
    gaps: result.updates.filter((update) => !update.read.complete).map((update) => update.region),
    failed: result.failures.map((failure) => failure.region),
  };
}

/** One planned account-region without a usable ledger, and why. */
interface MissingLedger {
  accountId: string;
  region: string;
  reason: string;
}

/** Ledgers read at once. */
const LEDGER_READ_CONCURRENCY = 16;

/**
 * Reads the ledger of every planned account-region (read-only). An absent or invalid ledger is
 * returned under `missing` and logged: the analysis then has no coverage there, so usage in that
 * scope is unknown, never "unused".
 *
 * @throws the S3 error when a ledger cannot be read for another reason (access denied, throttling
 * beyond retries): judging without evidence that exists would be silent.
 */
export async function loadLedgers(
  store: LedgerStore,
  scopes: ReadonlyArray<{ accountId: string; regions: readonly string[] }>,
): Promise<{ ledgers: Ledger[]; missing: MissingLedger[] }> {
  const limit = pLimit(LEDGER_READ_CONCURRENCY);
  const pairs = scopes.flatMap((scope) =>
    [...new Set(scope.regions)].sort().map((region) => ({ accountId: scope.accountId, region })),
  );
  const stored = await Promise.all(
    pairs.map((pair) =>
      limit(async () => ({ ...pair, stored: await store.read(pair.accountId, pair.region) })),
    ),
  );
  const ledgers: Ledger[] = [];
  const missing: MissingLedger[] = [];
  for (const { accountId, region, stored: entry } of stored) {
    if (entry.ledger) ledgers.push(entry.ledger);
    else
      missing.push({
        accountId,
        region,
        reason: entry.problem ?? `no ledger at ${store.describe(accountId, region)}`,
      });
  }
  if (missing.length > 0) {
    logger.warn('usage ledgers missing or unreadable: usage there is reported unknown', {
      missing: missing.slice(0, 50),
    });
  }
  return { ledgers, missing };
}
