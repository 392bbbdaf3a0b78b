import { z } from 'zod';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { putObject } from '../../shared/aws/s3.js';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../../shared/baseline/index.js';
import { trailListingsKey } from '../../shared/bucket.js';
import {
  foldTrailBatch,
  S3TrailObjectSource,
  sealTrailDay,
  type TrailBatchResult,
  type TrailLocation,
  trailDayPrefix,
  trailDaysToList,
} from '../../shared/collect/usage/org-trail.js';
import { InputError } from '../../shared/errors.js';
import type { FunctionConfig } from '../lib/config.js';
import { auditLedgerStore } from '../lib/ledgers.js';
import { logger } from '../lib/observability.js';
import { RUN_ID_PATTERN } from '../lib/parts.js';
import { readRunPlan } from '../lib/run-plan.js';

/**
 * The steps of the organization-trail usage source, one Lambda for the three of them:
 * - `plan`: the day folders each account-region lists tonight (those its ledger does not cover yet),
 *   written to `runs/RUN_ID/trail-listings.json` for the folder Map's `ItemReader`;
 * - a batch of log files from the Distributed Map that lists one folder (`ItemReader` over
 *   `s3:listObjectsV2` with the folder as `Prefix`, `ItemBatcher`): the new files are read and
 *   folded into the ledgers, each recorded as read;
 * - `seal`: after every batch of a folder succeeded, the span the folder proves complete becomes
 *   coverage.
 */

/** Settings the steps read. */
export const TRAIL_CONFIG_KEYS = [
  'bucket',
  'orgTrailBucket',
  'orgTrailPrefix',
  'organizationId',
  'windowDays',
  'memberRoleName',
  'externalId',
  'endpointUrl',
  'region',
] as const satisfies ReadonlyArray<keyof FunctionConfig>;
type TrailConfig = Pick<FunctionConfig, (typeof TRAIL_CONFIG_KEYS)[number]>;

const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'expected an ISO-8601 time');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

const PlanSchema = z.strictObject({
  plan: z.strictObject({
    startedAt: isoTime,
    /**
     * The run: its plan (`runs/RUN_ID/plan.json`) names the accounts, and the folders to list are
     * written under its prefix. What the state machine passes.
     */
    runId: z.string().regex(RUN_ID_PATTERN, 'must be a run id from plan-scopes'),
    /** The accounts to list folders for instead of the run's plan. */
    accounts: z
      .array(
        z.strictObject({
          accountId: z.string().regex(ACCOUNT_ID_PATTERN),
          regions: z.array(z.string().regex(REGION_PATTERN)).min(1),
        }),
      )
      .max(10_000)
      .optional(),
  }),
});
const BatchSchema = z.object({
  Items: z.array(z.object({ Key: z.string().min(1) })).min(1),
  BatchInput: z.object({ startedAt: isoTime }).optional(),
});
const SealSchema = z.strictObject({
  seal: z.strictObject({
    accountId: z.string().regex(ACCOUNT_ID_PATTERN),
    region: z.string().regex(REGION_PATTERN),
    day,
    listedAt: isoTime,
  }),
});

/** What the Lambda accepts: a plan request, a batch of log files, or a seal. */
export const TrailEventSchema = z.union([PlanSchema, SealSchema, BatchSchema]);
export type TrailEvent = z.infer<typeof TrailEventSchema>;

/** One folder to list: an item of `runs/RUN_ID/trail-listings.json`, the inner Map's `ItemReader` `Prefix`. */
export interface TrailListing {
  accountId: string;
  region: string;
  day: string;
  prefix: string;
  listedAt: string;
}

/**
 * What the plan step returns into the state: where tonight's folders are, never the folders
 * themselves (a first night lists up to 91 per account-region; a state payload holds 256 KiB).
 */
export interface TrailListingsRef {
  bucket: string;
  key: string;
  /** How many folders the object lists. */
  count: number;
}

function location(config: TrailConfig): TrailLocation {
  // The configuration requires both when USAGE_SOURCE is org-trail, the only source that runs this.
  if (config.orgTrailBucket === undefined || config.organizationId === undefined) {
    throw new InputError('invalid function configuration: ORG_TRAIL_BUCKET and ORGANIZATION_ID are required');
  }
  return {
    bucket: config.orgTrailBucket,
    prefix: config.orgTrailPrefix.replace(/^\/+|\/+$/g, ''),
    organizationId: config.organizationId,
  };
}

/**
 * Runs one step.
 *
 * @throws Error naming the unreadable files when a batch met any (so its folder is not sealed and
 * the next night reads them again); the store's S3 errors.
 */
export async function trailStep(
  event: TrailEvent,
  config: TrailConfig,
  factory: ClientFactory,
): Promise<TrailListingsRef | TrailBatchResult | { sealed: string; highWaterMark?: string }> {
  const store = auditLedgerStore(factory.s3(), config.bucket);
  if ('plan' in event) {
    const now = new Date(event.plan.startedAt);
    const accounts =
      event.plan.accounts ??
      (await readRunPlan(factory.s3(), { bucket: config.bucket, runId: event.plan.runId })).accounts;
    const listings: TrailListing[] = [];
    for (const account of accounts) {
      if (account.regions.length === 0) continue;
      for (const region of [...new Set(account.regions)].sort()) {
        const stored = await store.read(account.accountId, region);
        for (const folder of trailDaysToList(
          stored.problem ? undefined : stored.ledger,
          now,
          config.windowDays,
        )) {
          listings.push({
            accountId: account.accountId,
            region,
            day: folder,
            prefix: trailDayPrefix(location(config), account.accountId, region, folder),
            listedAt: now.toISOString(),
          });
        }
      }
    }
    // The folder Map reads them with an S3 JSON ItemReader, as the account Map reads items.json.
    const key = trailListingsKey(event.plan.runId);
    await putObject(factory.s3(), {
      bucket: config.bucket,
      key,
      body: JSON.stringify(listings),
      contentType: 'application/json',
    });
    return { bucket: config.bucket, key, count: listings.length };
  }
  if ('seal' in event) {
    const { accountId, region } = event.seal;
    const ledger = await sealTrailDay({
      store,
      accountId,
      region,
      day: event.seal.day,
      listedAt: new Date(event.seal.listedAt),
      windowDays: config.windowDays,
    });
    return {
      sealed: `${accountId}/${region}/${event.seal.day}`,
      ...(ledger.highWaterMark ? { highWaterMark: ledger.highWaterMark } : {}),
    };
  }
  const result = await foldTrailBatch({
    source: new S3TrailObjectSource(factory.s3(), location(config).bucket),
    keys: event.Items.map((item) => item.Key),
    store,
    now: new Date(event.BatchInput?.startedAt ?? Date.now()),
  });
  logger.info('organization trail batch folded', { ...result, failures: result.failures.slice(0, 20) });
  if (result.failures.length > 0) {
    throw new Error(
      `${result.failures.length} log file(s) could not be read; their folder stays unsealed: ${result.failures
        .slice(0, 5)
        .map((failure) => failure.message)
        .join('; ')}`,
    );
  }
  return result;
}
