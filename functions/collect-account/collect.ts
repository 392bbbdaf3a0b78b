import { z } from 'zod';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../../shared/baseline/index.js';
import { collectAccount } from '../../shared/collect/index.js';
import type { CollectionError } from '../../shared/model/scope.js';
import type { SnapshotAccount } from '../../shared/snapshot/index.js';
import { type FunctionConfig, looksUpLedgers } from '../lib/config.js';
import {
  auditLedgerStore,
  lookupEventsCalls,
  summarizeLedgerUpdates,
  type UsageReadSummary,
  updateAccountLedgers,
} from '../lib/ledgers.js';
import { deadlineCollectionError, raceDeadline } from '../lib/middleware.js';
import { logger } from '../lib/observability.js';
import { type PartSummary, RUN_ID_PATTERN, summarizePart, writeJoinFacts, writePart } from '../lib/parts.js';
import { recordRunMetrics } from '../lib/run-metrics.js';

/** One Map item, as the state machine's ItemSelector builds it. */
export const CollectEventSchema = z.object({
  runId: z.string().regex(RUN_ID_PATTERN, 'must be a run id from plan-scopes'),
  startedAt: z.iso.datetime({ offset: true }),
  accountId: z.string().regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit account id'),
  regions: z.array(z.string().regex(REGION_PATTERN, 'must be a region name such as eu-west-1')),
  /** Which batch of the account's regions this item is (0, the default, also collects IAM). */
  batch: z.number().int().min(0).default(0),
  /** How many batches the account's regions were split into (default 1: the whole account). */
  batches: z.number().int().min(1).default(1),
});
export type CollectEvent = z.input<typeof CollectEventSchema>;

/** The settings collect-account reads. */
export const COLLECT_CONFIG_KEYS = [
  'bucket',
  'memberRoleName',
  'externalId',
  'windowDays',
  'usageSource',
  'endpointUrl',
  'region',
] as const;
export type CollectConfig = Pick<FunctionConfig, (typeof COLLECT_CONFIG_KEYS)[number]>;

/** The error recorded on an account whose collection was stopped by the deadline. */
export function timeoutError(accountId: string, reason: string): CollectionError {
  return deadlineCollectionError('CollectAccount', accountId, reason);
}

/**
 * Collects one Map item, an account and a batch of its regions (every region unless the plan split
 * the account), and writes its snapshot part to S3; returns a summary of a few hundred bytes (the
 * Map's ResultWriter stores it in S3, never in the state).
 *
 * Usage evidence (`usageSource`): with `ledger` (the default) the part holds no CloudTrail events;
 * instead each region's ledger under `state/usage/` is brought up to the run's start, reading only
 * what is new since the last run (the whole window on a first run). With `scan` the part carries
 * the whole window's events, read every night. Both run alongside the EKS and IAM collection.
 *
 * When the deadline fires first, the part is written anyway with an account-level `Timeout` error,
 * so the account shows as incomplete (COLLECTION_INCOMPLETE, and no "missing" or "unused" claims
 * inside it) instead of the step failing; ledger lookups still running are stopped and their span
 * committed as a coverage gap. The collectors take no abort signal, so the unfinished calls are
 * abandoned, not cancelled.
 *
 * @throws the S3 error when the part cannot be written (the Map retries the item).
 */
export async function collectAccountPart(
  event: CollectEvent,
  config: CollectConfig,
  factory: ClientFactory,
  deadline: AbortSignal,
): Promise<PartSummary> {
  logger.appendKeys({ runId: event.runId, accountId: event.accountId });
  const began = Date.now();
  const now = new Date(event.startedAt);
  const useLedger = looksUpLedgers(config.usageSource);
  const batch = event.batch ?? 0;
  const batches = event.batches ?? 1;
  const collection = collectAccount({
    factory,
    accountId: event.accountId,
    regions: event.regions,
    // An account split by regions reads its IAM once, in its first batch.
    iam: batch === 0,
    cloudTrailDays: config.windowDays,
    cloudTrail: config.usageSource === 'scan',
    now,
  });
  const ledgerUpdates = useLedger
    ? updateAccountLedgers({
        factory,
        store: auditLedgerStore(factory.s3(), config.bucket),
        accountId: event.accountId,
        regions: event.regions,
        now,
        signal: deadline,
      })
    : undefined;
  const [outcome, ledgers] = await Promise.all([raceDeadline(collection, deadline), ledgerUpdates]);
  const timedOut = outcome.kind === 'deadline';
  const account: SnapshotAccount = timedOut
    ? { accountId: event.accountId, errors: [timeoutError(event.accountId, outcome.reason)] }
    : outcome.value;
  if (timedOut)
    logger.warn('collection stopped by the deadline; writing an incomplete part', { reason: outcome.reason });

  const partLocation = {
    bucket: config.bucket,
    runId: event.runId,
    capturedAt: event.startedAt,
    batch,
    batches,
  };
  const key = await writePart(factory.s3(), partLocation, account);
  // The analysis shards of the other accounts read these instead of the part.
  await writeJoinFacts(factory.s3(), partLocation, account);
  const lookups = lookupEventsCalls(factory, event.accountId);
  // With `org-trail` the organization trail's Map fills the ledgers; this step reads no CloudTrail.
  const usage: UsageReadSummary = ledgers
    ? summarizeLedgerUpdates(ledgers, lookups)
    : config.usageSource === 'org-trail'
      ? { source: 'org-trail', lookupEvents: lookups, eventsRead: 0 }
      : { source: 'scan', lookupEvents: lookups, eventsRead: scannedEvents(account) };
  const summary = summarizePart(account, key, { timedOut, apiCalls: factory.apiCallCount(), usage });
  recordRunMetrics({
    incompleteScopes: summary.complete ? 0 : 1,
    apiCalls: summary.apiCalls,
    lookupEventsCalls: usage.lookupEvents,
    cloudTrailEventsRead: usage.eventsRead,
    ...(ledgers ? { usageGaps: (usage.gaps?.length ?? 0) + (usage.failed?.length ?? 0) } : {}),
    durationMs: Date.now() - began,
  });
  logger.info('account collected', { ...summary });
  return summary;
}

/** CloudTrail records a scanning collection put into the part. */
function scannedEvents(account: SnapshotAccount): number {
  return (account.regions ?? []).reduce((sum, region) => sum + (region.cloudTrail?.events.length ?? 0), 0);
}
