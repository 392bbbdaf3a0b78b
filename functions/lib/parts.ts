import type { S3Client } from '@aws-sdk/client-s3';
import { getObjectText, isNotFound, putObject } from '../../shared/aws/s3.js';
import { joinFactsKey, partKey } from '../../shared/bucket.js';
import { accountErrors } from '../../shared/collect/index.js';
import type { CollectionError } from '../../shared/model/scope.js';
import { joinFactsOf } from '../../shared/shard.js';
import { parseSnapshotText, type SnapshotAccount, writeSnapshot } from '../../shared/snapshot/index.js';
import type { UsageReadSummary } from './ledgers.js';

/** A run id as plan-scopes makes or accepts it: safe as one S3 key segment (`runs/RUN_ID/...`). */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Where a run keeps one account's snapshot part (the bucket's layout is in shared/bucket.ts). */
export { partKey };

/** Where a run writes an account's objects, and the capture time they carry. */
export interface AccountObjectLocation {
  bucket: string;
  runId: string;
  capturedAt: string;
  batch?: number;
  batches?: number;
}

/**
 * Writes one account's part as a complete snapshot v1 of that single account (so a part can be
 * audited on its own with `audit --snapshot`).
 */
export function writePart(
  s3: S3Client,
  location: AccountObjectLocation,
  account: SnapshotAccount,
): Promise<string> {
  const key = partKey(location.runId, account.accountId, location.batch, location.batches);
  return writeAccountObject(s3, location, key, account);
}

/**
 * Writes the account's join facts beside its part (after the part, so facts never exist without
 * it): what the analysis shards of the other accounts read instead of the part.
 */
export function writeJoinFacts(
  s3: S3Client,
  location: AccountObjectLocation,
  account: SnapshotAccount,
): Promise<string> {
  const key = joinFactsKey(location.runId, account.accountId, location.batch, location.batches);
  return writeAccountObject(s3, location, key, joinFactsOf(account));
}

/** Writes `account` at `key` as a snapshot v1 of that one account. */
async function writeAccountObject(
  s3: S3Client,
  location: AccountObjectLocation,
  key: string,
  account: SnapshotAccount,
): Promise<string> {
  await putObject(s3, {
    bucket: location.bucket,
    key,
    body: writeSnapshot({ snapshotVersion: 1, capturedAt: location.capturedAt, accounts: [account] }),
    contentType: 'application/json',
  });
  return key;
}

/** Reads one batch of an account (its part, or its join facts). */
export type BatchReader = (
  s3: S3Client,
  location: { bucket: string; runId: string },
  accountId: string,
  batch: number,
  batches: number,
) => Promise<SnapshotAccount>;

/** The collection error recorded for an account (or a batch of its regions) whose part never arrived. */
export function missingPartError(runId: string, accountId: string, batch = 0, batches = 1): CollectionError {
  return {
    service: 'lambda',
    operation: 'CollectAccount',
    code: 'PartMissing',
    message: `the collect-account step of run ${runId} wrote no snapshot part for this account${batches > 1 ? ` (regions batch ${batch + 1} of ${batches})` : ''} (it failed after its retries); see the state machine's Map run`,
    resource: partKey(runId, accountId, batch, batches),
  };
}

/** Whether a read account (or one of its region batches) lacks its part: {@link missingPartError}. */
export function lacksPart(account: SnapshotAccount): boolean {
  const missing = (errors?: CollectionError[]) =>
    errors?.some((error) => error.code === 'PartMissing') === true;
  return missing(account.errors) || account.regions?.some((region) => missing(region.errors)) === true;
}

/**
 * Reads one planned account: its one part, or the parts of its region batches merged into one
 * account (IAM from the first batch). A missing first part makes the whole account incomplete; a
 * missing later part makes its regions incomplete.
 *
 * @throws as {@link readPart}.
 */
export async function readAccountParts(
  s3: S3Client,
  location: { bucket: string; runId: string },
  scope: { accountId: string; regions: string[] },
  regionsPerItem: number,
  read: BatchReader = readPart,
): Promise<SnapshotAccount> {
  const batches = Math.max(1, Math.ceil(scope.regions.length / regionsPerItem));
  if (batches === 1) return read(s3, location, scope.accountId, 0, 1);
  const parts = await Promise.all(
    Array.from({ length: batches }, (_, batch) => read(s3, location, scope.accountId, batch, batches)),
  );
  const [first, ...rest] = parts;
  const merged: SnapshotAccount = {
    accountId: scope.accountId,
    errors: [...(first.errors ?? [])],
    ...(first.iam ? { iam: first.iam } : {}),
    regions: [...(first.regions ?? [])],
  };
  rest.forEach((part, index) => {
    const batch = index + 1;
    const missing = part.errors?.find((error) => error.code === 'PartMissing');
    if (missing) {
      // Only this batch's regions were lost: they are incomplete, the rest of the account stands.
      const regions = scope.regions.slice(batch * regionsPerItem, (batch + 1) * regionsPerItem);
      merged.regions?.push(...regions.map((region) => ({ region, errors: [missing] })));
      return;
    }
    merged.errors?.push(...(part.errors ?? []));
    merged.regions?.push(...(part.regions ?? []));
  });
  return merged;
}

/**
 * Reads one batch's join facts; facts that were never written (an earlier version's collect-account,
 * or a write lost after the part's) are made from the part, so a shard's context always agrees with
 * the part the account's own shard reads.
 *
 * @throws as {@link readPart}.
 */
export async function readJoinFacts(
  s3: S3Client,
  location: { bucket: string; runId: string },
  accountId: string,
  batch = 0,
  batches = 1,
): Promise<SnapshotAccount> {
  return readAccountObject(
    s3,
    location.bucket,
    joinFactsKey(location.runId, accountId, batch, batches),
    accountId,
    async () => joinFactsOf(await readPart(s3, location, accountId, batch, batches)),
  );
}

/**
 * Reads the object at `key` as a snapshot of exactly `accountId`; a missing object is what `missing`
 * makes of it.
 */
async function readAccountObject(
  s3: S3Client,
  bucket: string,
  key: string,
  accountId: string,
  missing: () => Promise<SnapshotAccount> | SnapshotAccount,
): Promise<SnapshotAccount> {
  let text: string;
  try {
    text = (await getObjectText(s3, { bucket, key })).text;
  } catch (error) {
    if (isNotFound(error)) return missing();
    throw error;
  }
  return singleAccount(parseSnapshotText(text, `s3://${bucket}/${key}`), accountId, key, bucket);
}

function singleAccount(
  snapshot: { accounts: SnapshotAccount[] },
  accountId: string,
  key: string,
  bucket: string,
): SnapshotAccount {
  const account = snapshot.accounts.find((entry) => entry.accountId === accountId);
  if (!account || snapshot.accounts.length !== 1) {
    throw new Error(`s3://${bucket}/${key} does not hold exactly account ${accountId}`);
  }
  return account;
}

/**
 * Reads one account's part; a missing part becomes an account whose only content is an error, so
 * the whole account is incomplete (and produces no "missing" or "unused" finding).
 *
 * @throws InputError when the part is not a valid snapshot; Error when it holds another account.
 */
export async function readPart(
  s3: S3Client,
  location: { bucket: string; runId: string },
  accountId: string,
  batch = 0,
  batches = 1,
): Promise<SnapshotAccount> {
  return readAccountObject(
    s3,
    location.bucket,
    partKey(location.runId, accountId, batch, batches),
    accountId,
    () => ({
      accountId,
      errors: [missingPartError(location.runId, accountId, batch, batches)],
    }),
  );
}

/** A small summary of a collected part: what the Map result array carries (a few hundred bytes). */
export interface PartSummary {
  accountId: string;
  key: string;
  regions: number;
  clusters: number;
  errors: number;
  complete: boolean;
  timedOut: boolean;
  apiCalls: number;
  /** How the account's CloudTrail usage evidence was read (ledger update or window scan). */
  usage?: UsageReadSummary;
}

/** Summarizes a part for the Step Functions payload. */
export function summarizePart(
  account: SnapshotAccount,
  key: string,
  extra: { timedOut: boolean; apiCalls: number; usage?: UsageReadSummary },
): PartSummary {
  const errors = accountErrors(account).length;
  return {
    accountId: account.accountId,
    key,
    regions: account.regions?.length ?? 0,
    clusters: (account.regions ?? []).reduce((sum, region) => sum + (region.clusters?.length ?? 0), 0),
    errors,
    complete: errors === 0,
    timedOut: extra.timedOut,
    apiCalls: extra.apiCalls,
    ...(extra.usage ? { usage: extra.usage } : {}),
  };
}
