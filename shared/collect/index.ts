import pLimit, { type LimitFunction } from 'p-limit';
import { toCollectionError } from '../aws/errors.js';
import { AssumeRoleError, type ClientFactory } from '../aws/factory.js';
import type { CollectionError } from '../model/index.js';
import type { Snapshot, SnapshotAccount, SnapshotRegion } from '../snapshot/index.js';
import { collectCloudTrail } from './cloudtrail.js';
import { collectEksRegion } from './eks.js';
import { collectIam } from './iam.js';
import { MAX_CLOUDTRAIL_DAYS } from './limits.js';
import { type PacingOptions, RequestPacer } from './pacing.js';
import { compareText } from './plain.js';

export { CLOUDTRAIL_LOOKUPS, isIrsaEvidence, isPodIdentityAssumeRole } from './cloudtrail-lookups.js';
export { MEMBER_ROLE_ACTIONS } from './operations.js';
export {
  CloudTrailRateLimiters,
  DEFAULT_PACING,
  type PacingOptions,
  type RequestLane,
  RequestPacer,
} from './pacing.js';
export { TokenBucket } from './rate-limit.js';
export { COLLECTION_STEPS } from './steps.js';

export { MAX_CLOUDTRAIL_DAYS };

/**
 * Default limits: accounts in parallel, tasks (IAM, regions) per account, Describe calls per
 * account-region. None is limited by default: the request pacer's per-lane rates and its global
 * in-flight cap bound the load, and every account-region's rate-limited streams (CloudTrail above
 * all) must run at the same time for the collection to finish at its rate limits rather than at the
 * pace of a few accounts at a time. A Describe limit of its own would cap the busiest lane's rate
 * at that many calls per round trip, however slow the answers come back.
 */
export const DEFAULT_CONCURRENCY = {
  accounts: Number.POSITIVE_INFINITY,
  perAccount: Number.POSITIVE_INFINITY,
  describe: Number.POSITIVE_INFINITY,
} as const;

export interface CollectConcurrency {
  /** Accounts collected at once. */
  accounts?: number;
  /** IAM and region tasks of one account at once. */
  perAccount?: number;
  /** EKS Describe calls in flight per account-region. */
  describe?: number;
}

/** Progress of a multi-account collection, for a progress display. */
export type CollectProgressEvent =
  | { type: 'account-started'; accountId: string; accountsDone: number; accountsTotal: number }
  | {
      type: 'account-finished';
      accountId: string;
      accountsDone: number;
      accountsTotal: number;
      /** Errors recorded anywhere in the account. */
      errorCount: number;
    };

export interface CollectOptions {
  factory: ClientFactory;
  /** Accounts to collect; default: the caller's account. */
  accounts?: string[];
  regions: string[];
  /** CloudTrail window in days ending now (1–90). Default 90. */
  cloudTrailDays?: number;
  /** "Now": the snapshot's `capturedAt` and the end of the CloudTrail window. */
  now?: Date;
  concurrency?: CollectConcurrency;
  onProgress?: (event: CollectProgressEvent) => void;
  /** Collect CloudTrail evidence. Default true. */
  cloudTrail?: boolean;
  /** Client-side request rates and the in-flight cap; ignored when `pacer` is given. */
  pacing?: PacingOptions;
  /** The pacer every request goes through; pass one in to share it or inspect its lanes. */
  pacer?: RequestPacer;
}

export interface CollectAccountOptions {
  factory: ClientFactory;
  accountId: string;
  regions: string[];
  cloudTrailDays?: number;
  now?: Date;
  concurrency?: Omit<CollectConcurrency, 'accounts'>;
  cloudTrail?: boolean;
  pacing?: PacingOptions;
  pacer?: RequestPacer;
  /** Collect the account's IAM (default true); a later batch of an account's regions leaves it to the first. */
  iam?: boolean;
}

/**
 * Collects a snapshot (format v1) of every account and region: accounts run in parallel under
 * `concurrency.accounts` (all at once by default), every request is paced by the account-region's
 * (or, for IAM, the account's) lane and counted against one in-flight cap, and one broken account
 * never stops the others.
 *
 * @example
 * const snapshot = await collectSnapshot({ factory, accounts: ['111122223333'], regions: ['us-east-1'] });
 */
export async function collectSnapshot(options: CollectOptions): Promise<Snapshot> {
  const now = options.now ?? new Date();
  validateWindow(options.cloudTrailDays);
  const accounts = [
    ...new Set(
      options.accounts?.length ? options.accounts : [(await options.factory.callerIdentity()).accountId],
    ),
  ].sort(compareText);
  const pacer = pacerOf(options);
  const accountLimit = pLimit(positive(options.concurrency?.accounts, DEFAULT_CONCURRENCY.accounts));
  let accountsDone = 0;
  const total = accounts.length;
  const collected = await Promise.all(
    accounts.map((accountId) =>
      accountLimit(async () => {
        options.onProgress?.({ type: 'account-started', accountId, accountsDone, accountsTotal: total });
        const account = await collectAccount({
          factory: options.factory,
          accountId,
          regions: options.regions,
          cloudTrailDays: options.cloudTrailDays,
          now,
          concurrency: options.concurrency,
          cloudTrail: options.cloudTrail,
          pacer,
        });
        accountsDone += 1;
        options.onProgress?.({
          type: 'account-finished',
          accountId,
          accountsDone,
          accountsTotal: total,
          errorCount: countErrors(account),
        });
        return account;
      }),
    ),
  );
  return { snapshotVersion: 1, capturedAt: now.toISOString(), accounts: collected };
}

/**
 * Collects one account: its credentials first (a failed AssumeRole leaves only `accountId` and
 * `errors`), then IAM and every region in parallel. Never throws for AWS failures: they are
 * recorded at the level they happened (account, iam, region, cluster, cloudTrail).
 */
export async function collectAccount(options: CollectAccountOptions): Promise<SnapshotAccount> {
  const { factory, accountId } = options;
  validateWindow(options.cloudTrailDays);
  const pacer = pacerOf(options);
  const accessError = await pacer.inFlight(() => checkAccess(factory, accountId));
  if (accessError) return { accountId, errors: [accessError] };

  const now = options.now ?? new Date();
  const days = options.cloudTrailDays ?? MAX_CLOUDTRAIL_DAYS;
  const window = { from: new Date(now.getTime() - days * 86_400_000), to: now };
  const taskLimit = pLimit(positive(options.concurrency?.perAccount, DEFAULT_CONCURRENCY.perAccount));
  const describe = positive(options.concurrency?.describe, DEFAULT_CONCURRENCY.describe);
  const regions = [...new Set(options.regions)].sort(compareText);

  const [iam, ...collectedRegions] = await Promise.all([
    options.iam === false
      ? undefined
      : taskLimit(() => collectIam(factory, accountId, pacer.lane('iam', accountId, factory.options.region))),
    ...regions.map((region) =>
      taskLimit(() =>
        collectRegion(
          factory,
          accountId,
          region,
          // Per account-region, so a large cluster in one region never holds another region's slots.
          describe === Number.POSITIVE_INFINITY ? undefined : pLimit(describe),
          pacer,
          options.cloudTrail === false
            ? undefined
            : { ...window, lane: pacer.lane('cloudtrail', accountId, region) },
        ),
      ),
    ),
  ]);
  return { accountId, errors: [], ...(iam ? { iam } : {}), regions: collectedRegions };
}

async function collectRegion(
  factory: ClientFactory,
  accountId: string,
  region: string,
  describeLimit: LimitFunction | undefined,
  pacer: RequestPacer,
  cloudTrail: Parameters<typeof collectCloudTrail>[3] | undefined,
): Promise<SnapshotRegion> {
  const [eks, trail] = await Promise.all([
    collectEksRegion(factory, accountId, region, describeLimit, pacer.lane('eks', accountId, region)),
    cloudTrail ? collectCloudTrail(factory, accountId, region, cloudTrail) : undefined,
  ]);
  return { region, errors: eks.errors, clusters: eks.clusters, ...(trail ? { cloudTrail: trail } : {}) };
}

/**
 * Proves the account is reachable before anything else: AssumeRole into the member role, or in
 * single-account mode that the starting identity belongs to the account asked for (collecting the
 * wrong account under the right id would be worse than failing).
 */
async function checkAccess(factory: ClientFactory, accountId: string): Promise<CollectionError | undefined> {
  if (factory.options.roleName !== undefined) {
    try {
      await factory.accountCredentials(accountId);
      return undefined;
    } catch (error) {
      if (error instanceof AssumeRoleError)
        return toCollectionError('sts', 'AssumeRole', error.cause, error.roleArn);
      return toCollectionError('sts', 'AssumeRole', error);
    }
  }
  try {
    const caller = await factory.callerIdentity();
    if (caller.accountId === accountId) return undefined;
    return {
      service: 'sts',
      operation: 'GetCallerIdentity',
      code: 'AccountMismatch',
      message: `the credentials belong to account ${caller.accountId}; a member role name is needed to collect ${accountId}`,
      resource: caller.arn,
    };
  } catch (error) {
    return toCollectionError('sts', 'GetCallerIdentity', error);
  }
}

/** Every error recorded anywhere in an account part. */
export function accountErrors(account: SnapshotAccount): CollectionError[] {
  return [
    ...(account.errors ?? []),
    ...(account.iam?.errors ?? []),
    ...(account.regions ?? []).flatMap((region) => [
      ...(region.errors ?? []),
      ...(region.clusters ?? []).flatMap((cluster) => cluster.errors ?? []),
      ...(region.cloudTrail?.errors ?? []),
    ]),
  ];
}

function countErrors(account: SnapshotAccount): number {
  return accountErrors(account).length;
}

function validateWindow(days: number | undefined): void {
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= MAX_CLOUDTRAIL_DAYS)) {
    throw new RangeError(
      `cloudTrailDays must be a whole number from 1 to ${MAX_CLOUDTRAIL_DAYS}, got ${days}`,
    );
  }
}

/** The pacer of a collection: the one given, else a new one. */
function pacerOf(options: Pick<CollectOptions, 'pacer' | 'pacing'>): RequestPacer {
  return options.pacer ?? new RequestPacer(options.pacing);
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && (Number.isInteger(value) || value === Number.POSITIVE_INFINITY) && value > 0
    ? value
    : fallback;
}
