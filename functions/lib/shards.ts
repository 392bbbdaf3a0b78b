import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { z } from 'zod';
import { getObjectText, isNotFound, putObject } from '../../shared/aws/s3.js';
import { joinFileKey, shardOutputKey, shardResultsPrefix, shardsKey } from '../../shared/bucket.js';
import { InputError } from '../../shared/errors.js';
import { compareText } from '../../shared/model/compare.js';
import { type Finding, FindingSchema } from '../../shared/model/finding.js';
import { uploadText } from '../../shared/publish/report-store.js';
import { compareFindings } from '../../shared/report/index.js';
import type { Report } from '../../shared/report/types.js';
import { type SnapshotAccount, SnapshotAccountSchema } from '../../shared/snapshot/index.js';
import { readAccountParts, readJoinFacts } from './parts.js';
import { readRunJson } from './run-object.js';

export { shardResultsPrefix, shardsKey };

/**
 * Accounts one analysis shard takes at most. At 100 associations an account's part is about
 * 0.2 MiB on disk and a few MiB in memory once normalized and indexed; 250 accounts keep a shard
 * near a gigabyte and a few minutes, far inside Lambda's 10,240 MB and 15 minutes, with every other
 * account's join facts beside them.
 */
export const ACCOUNTS_PER_SHARD = 250;

/** One item of the shard Map: the shard's place and its slice of the plan's accounts. */
export interface ShardItem {
  shard: number;
  shards: number;
  /** The first planned account of the shard (index into plan.json's accounts). */
  from: number;
  /** One past the last. */
  to: number;
}

/** The shard Map's `ItemSelector`: the run's id, start and baseline from the state, one item of `shards.json`. */
export const SHARD_ITEM_SELECTOR = {
  'runId.$': '$.runId',
  'startedAt.$': '$.startedAt',
  'baseline.$': '$.baseline',
  'shard.$': '$$.Map.Item.Value.shard',
  'shards.$': '$$.Map.Item.Value.shards',
  'from.$': '$$.Map.Item.Value.from',
  'to.$': '$$.Map.Item.Value.to',
} as const;

/** The shards of a plan of `accounts` accounts, in plan order (at least one, so a run always publishes). */
export function shardItems(accounts: number, size = ACCOUNTS_PER_SHARD): ShardItem[] {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`shard size must be a positive integer, got ${size}`);
  const shards = Math.max(1, Math.ceil(accounts / size));
  return Array.from({ length: shards }, (_, shard) => ({
    shard,
    shards,
    from: shard * size,
    to: Math.min(accounts, (shard + 1) * size),
  }));
}

/** What the state says of the shards: where `shards.json` is and how many, never the list. */
export interface ShardsRef {
  bucket: string;
  key: string;
  count: number;
  /** The shard Map's ResultWriter prefix. */
  results: { bucket: string; prefix: string };
}

/** Writes the shard Map's items beside the plan. */
export async function writeShards(
  s3: S3Client,
  location: { bucket: string; runId: string },
  accounts: number,
  size = ACCOUNTS_PER_SHARD,
): Promise<ShardsRef> {
  const items = shardItems(accounts, size);
  const key = shardsKey(location.runId);
  await putObject(s3, {
    bucket: location.bucket,
    key,
    body: JSON.stringify(items),
    contentType: 'application/json',
  });
  return {
    bucket: location.bucket,
    key,
    count: items.length,
    results: { bucket: location.bucket, prefix: shardResultsPrefix(location.runId) },
  };
}

const ShardItemsSchema = z.array(
  z.object({
    shard: z.number().int().min(0),
    shards: z.number().int().min(1),
    from: z.number().int().min(0),
    to: z.number().int().min(0),
  }),
);

/** The shard Map's items as plan-scopes wrote them (what its `ItemReader` reads), validated. */
export async function readShardItems(
  s3: S3Client,
  where: { bucket: string; key: string },
): Promise<ShardItem[]> {
  const value = await readRunJson(s3, where, 'the analysis shards are missing (plan-scopes writes them)');
  const parsed = ShardItemsSchema.safeParse(value);
  if (!parsed.success)
    throw new InputError(
      `s3://${where.bucket}/${where.key}: not the shard Map's items (${parsed.error.issues[0]?.message})`,
    );
  return parsed.data;
}

export const ShardsRefSchema = z.object({
  bucket: z.string().min(3),
  key: z.string().min(1),
  count: z.number().int().min(1),
  results: z.object({ bucket: z.string().min(3), prefix: z.string().min(1) }).optional(),
});

/** What a shard writes beside its findings: its counts, its accounts' scopes and gaps. */
export const ShardSummarySchema = z.object({
  runId: z.string(),
  shard: z.number().int().min(0),
  shards: z.number().int().min(1),
  accounts: z.number().int().min(0),
  findings: z.number().int().min(0),
  scopes: z.array(z.record(z.string(), z.unknown())),
  missingParts: z.array(z.string()),
  /** Ledger mode: the shard's account-regions with a usable ledger, and those without (`ACCOUNT/REGION`). */
  ledgers: z.number().int().min(0).optional(),
  missingLedgers: z.array(z.string()).optional(),
});
export type ShardSummary = z.infer<typeof ShardSummarySchema>;

/** An undecided question as a shard writes it: `[kind, id]`, kinds `usage`, `absence`, `undecided`. */
type UnknownLine = ['usage' | 'absence' | 'undecided', string];

/** Writes one shard's findings (sorted, one per line), its undecided questions and its summary. */
export async function writeShardOutputs(
  s3: S3Client,
  location: { bucket: string; runId: string },
  output: {
    shard: number;
    findings: Finding[];
    usageUnknown: string[];
    absenceUnknown: string[];
    undecided: string[];
    summary: ShardSummary;
  },
): Promise<void> {
  const { bucket, runId } = location;
  await uploadText(s3, {
    bucket,
    key: shardOutputKey(runId, output.shard, 'findings.jsonl'),
    chunks: linesOf(output.findings),
    contentType: 'application/x-ndjson',
  });
  const unknowns: UnknownLine[] = [
    ...output.usageUnknown.map((id): UnknownLine => ['usage', id]),
    ...output.absenceUnknown.map((id): UnknownLine => ['absence', id]),
    ...output.undecided.map((id): UnknownLine => ['undecided', id]),
  ].sort(compareUnknowns);
  await uploadText(s3, {
    bucket,
    key: shardOutputKey(runId, output.shard, 'unknowns.jsonl'),
    chunks: linesOf(unknowns),
    contentType: 'application/x-ndjson',
  });
  // The summary last: a shard whose summary is there wrote everything.
  await putObject(s3, {
    bucket,
    key: shardOutputKey(runId, output.shard, 'summary.json'),
    body: JSON.stringify(output.summary),
    contentType: 'application/json',
  });
}

function* linesOf(values: Iterable<unknown>): Generator<string> {
  for (const value of values) yield `${JSON.stringify(value)}\n`;
}

/** Join facts read at once when the join file is built. */
const JOIN_READ_CONCURRENCY = 32;

/** What the join step returns (into the state): where the join file is and how big. */
export interface JoinFileRef {
  bucket: string;
  key: string;
  accounts: number;
  bytes: number;
}

/**
 * Builds the run's join file once: every planned account's join facts (made from its part where
 * collect-account wrote none), one account per line in plan order. Each shard then reads one object
 * instead of one per account.
 */
export async function writeJoinFile(
  s3: S3Client,
  location: { bucket: string; runId: string },
  plan: { accounts: Array<{ accountId: string; regions: string[] }>; regionsPerItem: number },
): Promise<JoinFileRef> {
  const limit = pLimit(JOIN_READ_CONCURRENCY);
  const lines = await Promise.all(
    plan.accounts.map((scope) =>
      limit(
        async () =>
          `${JSON.stringify(await readAccountParts(s3, location, scope, plan.regionsPerItem, readJoinFacts))}\n`,
      ),
    ),
  );
  const key = joinFileKey(location.runId);
  await uploadText(s3, { bucket: location.bucket, key, chunks: lines, contentType: 'application/x-ndjson' });
  return {
    bucket: location.bucket,
    key,
    accounts: lines.length,
    bytes: lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0),
  };
}

/**
 * The other accounts' join facts from the run's join file, read line by line (each validated as a
 * snapshot account), or undefined when the run has no join file (an earlier state machine).
 *
 * @throws InputError naming the line that is not a snapshot account.
 */
export async function readJoinFile(
  s3: S3Client,
  location: { bucket: string; runId: string },
  skip: ReadonlySet<string>,
): Promise<SnapshotAccount[] | undefined> {
  const key = joinFileKey(location.runId);
  const accounts: SnapshotAccount[] = [];
  let line = 0;
  try {
    for await (const text of objectLines(s3, location.bucket, key)) {
      line += 1;
      const parsed = SnapshotAccountSchema.safeParse(JSON.parse(text));
      if (!parsed.success)
        throw new InputError(
          `s3://${location.bucket}/${key}:${line}: not a snapshot account (${parsed.error.issues[0]?.message})`,
        );
      if (!skip.has(parsed.data.accountId)) accounts.push(parsed.data);
    }
  } catch (error) {
    if (line === 0 && isNotFound(error)) return undefined;
    throw error;
  }
  return accounts;
}

/** The lines of an object in S3, read as they arrive. */
async function* objectLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = response.Body;
  if (!(body instanceof Readable)) throw new Error(`s3://${bucket}/${key}: no readable body`);
  try {
    for await (const line of createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY }))
      if (line.length > 0) yield line;
  } finally {
    // A reader that stops early (a failed merge) leaves the rest unread: free the socket.
    body.destroy();
  }
}

/**
 * Merges sorted sequences into one sorted sequence, holding one head per sequence (a k-way merge
 * by linear scan: a run has a few dozen shards).
 */
export async function* mergeSorted<T>(
  sources: ReadonlyArray<AsyncIterator<T>>,
  compare: (a: T, b: T) => number,
): AsyncGenerator<T> {
  const heads = await Promise.all(sources.map((source) => source.next()));
  for (;;) {
    let best = -1;
    for (let index = 0; index < heads.length; index += 1) {
      const head = heads[index];
      if (head?.done) continue;
      if (best < 0 || compare(head?.value as T, heads[best]?.value as T) < 0) best = index;
    }
    if (best < 0) return;
    yield heads[best]?.value as T;
    heads[best] = await (sources[best] as AsyncIterator<T>).next();
  }
}

/** What the publishing step reads back from the shards: the run's report inputs, merged. */
export interface MergedShards {
  findings: Finding[];
  scopes: Report['scopes'];
  usageUnknown: number;
  absenceUnknown: number;
  undecided: string[];
  missingParts: string[];
  ledgers: number;
  missingLedgers: string[];
  summaries: ShardSummary[];
}

/** Parts of the merge read at once. */
const SHARD_READ_CONCURRENCY = 8;

/**
 * Reads every shard's summary, then merges the shards' sorted findings (k-way, streamed line by
 * line) and their undecided questions (each counted once over the run).
 *
 * @throws InputError naming the shards that wrote no summary (their Map items failed): a run
 * without some of its findings is never published as if complete.
 */
export async function readShardOutputs(
  s3: S3Client,
  location: { bucket: string; runId: string },
  count: number,
): Promise<MergedShards> {
  const { bucket, runId } = location;
  const limit = pLimit(SHARD_READ_CONCURRENCY);
  const read = await Promise.all(
    Array.from({ length: count }, (_, shard) =>
      limit(async () => {
        const key = shardOutputKey(runId, shard, 'summary.json');
        try {
          return ShardSummarySchema.parse(JSON.parse((await getObjectText(s3, { bucket, key })).text));
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    ),
  );
  const missing = read.flatMap((summary, shard) => (summary ? [] : [shard]));
  if (missing.length > 0)
    throw new InputError(
      `run ${runId}: analysis shards ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''} of ${count} wrote no results (see the shard Map's run); nothing was published`,
    );
  const summaries = read as ShardSummary[];
  const findings: Finding[] = [];
  const findingSources = summaries.map((summary) =>
    parsedLines(objectLines(s3, bucket, shardOutputKey(runId, summary.shard, 'findings.jsonl')), (line) => {
      // Validated, but kept as written: the report's findings keep the fields and order the checks gave.
      const finding: unknown = JSON.parse(line);
      FindingSchema.parse(finding);
      return finding as Finding;
    }),
  );
  for await (const finding of mergeSorted(findingSources, compareFindings)) findings.push(finding);
  const unknownSources = summaries.map((summary) =>
    parsedLines(
      objectLines(s3, bucket, shardOutputKey(runId, summary.shard, 'unknowns.jsonl')),
      (line) => JSON.parse(line) as UnknownLine,
    ),
  );
  const counts = { usage: 0, absence: 0 };
  const undecided: string[] = [];
  let previous: UnknownLine | undefined;
  for await (const line of mergeSorted(unknownSources, compareUnknowns)) {
    if (previous && compareUnknowns(previous, line) === 0) continue;
    previous = line;
    if (line[0] === 'undecided') undecided.push(line[1]);
    else counts[line[0]] += 1;
  }
  return {
    findings,
    scopes: summaries.flatMap((summary) => summary.scopes as Report['scopes']),
    usageUnknown: counts.usage,
    absenceUnknown: counts.absence,
    undecided,
    missingParts: summaries.flatMap((summary) => summary.missingParts),
    ledgers: summaries.reduce((sum, summary) => sum + (summary.ledgers ?? 0), 0),
    missingLedgers: summaries.flatMap((summary) => summary.missingLedgers ?? []),
    summaries,
  };
}

function compareUnknowns(a: UnknownLine, b: UnknownLine): number {
  return compareText(a[0], b[0]) || compareText(a[1], b[1]);
}

async function* parsedLines<T>(lines: AsyncIterable<string>, parse: (line: string) => T): AsyncGenerator<T> {
  for await (const line of lines) yield parse(line);
}
