import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { z } from 'zod';
import { getObjectText, putObject } from '../aws/s3.js';
import { securityHubQueueKeys } from '../bucket.js';
import { type Clock, defaultClock } from '../clock.js';
import { TokenBucket } from '../collect/rate-limit.js';
import { AuditError } from '../errors.js';
import type { CheckMeta } from '../model/check.js';
import { type AsffSource, type AsffState, toAsff } from './asff.js';
import type { RecordedFinding } from './record.js';
import { loadLatest, type ReportStoreLocation, s3Uri, writeLatest } from './report-store.js';
import type { RetryPolicy } from './retry.js';
import {
  emptyImportResult,
  failItems,
  type ImportFailure,
  importAccountFindings,
  MAX_BATCH_BYTES,
  MAX_BATCH_FINDINGS,
  type PlannedImport,
} from './securityhub.js';
import type { SecurityHubMode } from './settings.js';

/**
 * BatchImportFindings' documented throttle: 10 requests per second per account and region (burst
 * 30). The queue importer keeps to the steady rate in each importing account.
 */
export const BATCH_IMPORT_PER_SECOND = 10;

/** Findings per chunk object of a queue: a multiple of the batch size, about 5 MB of JSON lines. */
export const QUEUE_CHUNK_FINDINGS = 5_000;

/** Batches in flight at once; with the pacing, enough to keep to the rate at ordinary latencies. */
export const QUEUE_BATCHES_IN_FLIGHT = 8;

/** Failures a progress object names (the state payload stays small; the log and the record hold all). */
export const NAMED_QUEUE_FAILURES = 20;

/** One finding of the queue: what its ASFF document is built from, and where it goes. */
export interface QueuedImport {
  /** The importing account (the audit account, or the member account). */
  accountId: string;
  state: AsffState;
  /** `CreatedAt` of the document (first seen). */
  createdAt: string;
  /** An earlier run put it in Security Hub (a failed import leaves that flag as it was). */
  previouslyImported: boolean;
  /** The finding (for a resolved one, as the run record kept it). */
  finding: AsffSource & Partial<Pick<RecordedFinding, 'firstSeenAt'>>;
}

const CheckContextSchema = z.object({
  id: z.string(),
  category: z.string(),
  docsUrl: z.string().optional(),
  remediation: z.unknown().optional(),
});

/** `runs/RUN_ID/securityhub/manifest.json`: what every chunk's documents share, and the chunks. */
export const ImportQueueManifestSchema = z.object({
  queueVersion: z.literal(1),
  runId: z.string(),
  mode: z.enum(['audit-account', 'member-accounts']),
  region: z.string(),
  partition: z.string(),
  updatedAt: z.string(),
  reportUrl: z.string().optional(),
  /** Where the run record is (`reports/latest.json`), so a failed import is recorded there. */
  report: z.object({ bucket: z.string(), prefix: z.string() }),
  checks: z.array(CheckContextSchema),
  findings: z.number().int().nonnegative(),
  chunks: z.array(z.object({ key: z.string(), findings: z.number().int().nonnegative() })),
});
export type ImportQueueManifest = z.infer<typeof ImportQueueManifestSchema>;

/** Where a queue's import stands: the next finding to send is line `line` of chunk `chunk`. */
export const QueueCursorSchema = z.object({
  chunk: z.number().int().nonnegative(),
  line: z.number().int().nonnegative(),
});
export type QueueCursor = z.infer<typeof QueueCursorSchema>;

/**
 * The Security Hub part of a run's state: counts so far and, while findings wait in a queue, where
 * the queue is and how far the import got. analyze-publish returns it with `done: false`; each
 * import-findings invocation returns it advanced, until `done`. Small whatever the queue's size.
 */
export const SecurityHubProgressSchema = z.object({
  imported: z.number().int().nonnegative(),
  archived: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.string().optional(),
  deferred: z.number().int().nonnegative().optional(),
  queue: z
    .object({ bucket: z.string().min(3), key: z.string().min(1), findings: z.number().int() })
    .optional(),
  cursor: QueueCursorSchema.optional(),
  done: z.boolean().optional(),
  invocations: z.number().int().nonnegative().optional(),
  calls: z.number().int().nonnegative().optional(),
  /** The first {@link NAMED_QUEUE_FAILURES} failed findings. */
  failures: z.array(z.object({ id: z.string(), accountId: z.string(), code: z.string() })).optional(),
  /** What else of the publish failed (SNS), raised once the import is done, so the run fails after it. */
  failAfterImport: z.string().optional(),
});
export type SecurityHubProgress = z.infer<typeof SecurityHubProgressSchema>;

/** Where a run's queue manifest is, and how many findings wait in the queue. */
export type QueueLocation = NonNullable<SecurityHubProgress['queue']>;

/** The progress of a run that queued findings (what each import invocation receives and returns). */
export type QueuedProgress = SecurityHubProgress & { queue: QueueLocation };

/** What a queue is written with: the plan's shared context. */
export interface ImportQueueContext {
  runId: string;
  mode: SecurityHubMode;
  region: string;
  partition: string;
  updatedAt: string;
  reportUrl?: string;
  report: ReportStoreLocation;
  checks: ReadonlyArray<Pick<CheckMeta, 'id' | 'category' | 'docsUrl' | 'remediation'>>;
}

/**
 * Writes a plan as the run's import queue (chunks first, the manifest last, so a manifest always
 * names chunks that exist): findings grouped by importing account, evidence left out (the ASFF
 * document does not carry it).
 *
 * @returns where the manifest is, and how many findings wait.
 * @throws the S3 error; a plan item without `source` (not from planSecurityHub) is a TypeError.
 */
export async function writeImportQueue(
  s3: S3Client,
  bucket: string,
  context: ImportQueueContext,
  plan: ReadonlyArray<PlannedImport>,
  chunkFindings = QUEUE_CHUNK_FINDINGS,
): Promise<{ bucket: string; key: string; findings: number }> {
  const keys = securityHubQueueKeys(context.runId);
  // Stable by account, so batches go to one account at a time and member accounts are visited once.
  const ordered = plan
    .map((item, index) => ({ item, index }))
    .sort((a, b) =>
      a.item.accountId < b.item.accountId ? -1 : a.item.accountId > b.item.accountId ? 1 : a.index - b.index,
    );
  const chunks: ImportQueueManifest['chunks'] = [];
  for (let start = 0; start < ordered.length; start += chunkFindings) {
    const lines = ordered.slice(start, start + chunkFindings).map(({ item }) => {
      if (!item.source) throw new TypeError(`planned import ${item.id ?? ''} has no source to queue`);
      const { evidence: _evidence, ...finding } = item.source.finding as AsffSource & { evidence?: unknown };
      const line: QueuedImport = {
        accountId: item.accountId,
        state: item.state,
        createdAt: item.source.createdAt,
        previouslyImported: item.source.previouslyImported,
        finding,
      };
      return `${JSON.stringify(line)}\n`;
    });
    const key = keys.chunk(chunks.length);
    await putObject(s3, { bucket, key, body: lines.join(''), contentType: 'application/x-ndjson' });
    chunks.push({ key, findings: lines.length });
  }
  const manifest: ImportQueueManifest = {
    queueVersion: 1,
    runId: context.runId,
    mode: context.mode,
    region: context.region,
    partition: context.partition,
    updatedAt: context.updatedAt,
    ...(context.reportUrl ? { reportUrl: context.reportUrl } : {}),
    report: { bucket: context.report.bucket, prefix: context.report.prefix },
    checks: context.checks.map((check) => ({
      id: check.id,
      category: check.category,
      ...(check.docsUrl ? { docsUrl: check.docsUrl } : {}),
      ...(check.remediation !== undefined ? { remediation: check.remediation } : {}),
    })),
    findings: ordered.length,
    chunks,
  };
  await putObject(s3, {
    bucket,
    key: keys.manifest,
    body: JSON.stringify(manifest),
    contentType: 'application/json',
  });
  return { bucket, key: keys.manifest, findings: ordered.length };
}

/** What {@link importQueue} needs besides the progress. */
export interface QueueImportOptions {
  s3: S3Client;
  /** The client that imports an account's findings, given the queue's mode and Security Hub region. */
  clientFor: (accountId: string, queue: Pick<ImportQueueManifest, 'mode' | 'region'>) => SecurityHubClient;
  policy: RetryPolicy;
  /** Once aborted, no further batch starts; those in flight finish and the cursor is returned. */
  deadline: AbortSignal;
  /** Waits for the importing account's turn before every call; default {@link pacedPerAccount}. */
  pace?: (accountId: string) => Promise<void>;
  /** Batches in flight at once; default {@link QUEUE_BATCHES_IN_FLIGHT}. */
  maxInFlight?: number;
}

/** The outcome of one {@link importQueue} invocation. */
export interface QueueImportResult {
  progress: QueuedProgress;
  /** The queue's manifest, as this invocation read it. */
  manifest: ImportQueueManifest;
  /** The findings that failed in this invocation, as queued, with why. */
  failed: Array<{ line: QueuedImport; failure: ImportFailure }>;
  /** Ids of the resolved findings this invocation archived. */
  archived: string[];
  /** Batches this invocation sent. */
  batches: number;
}

/**
 * Client-side pacing at BatchImportFindings' documented rate: one token bucket per importing
 * account (the limit is per account and region), on the process clock.
 */
export function pacedPerAccount(
  ratePerSecond = BATCH_IMPORT_PER_SECOND,
  clock: Clock = defaultClock(),
): (accountId: string) => Promise<void> {
  const buckets = new Map<string, TokenBucket>();
  return (accountId) => {
    let bucket = buckets.get(accountId);
    if (!bucket) {
      bucket = new TokenBucket({ ratePerSecond, clock });
      buckets.set(accountId, bucket);
    }
    return bucket.acquire();
  };
}

/** A queue was not what analyze-publish writes (a bad key, another version, a changed chunk). */
export class ImportQueueError extends AuditError {
  override name = 'ImportQueueError';
}

/**
 * Imports the queue from the progress' cursor until it is done or the deadline fires, paced per
 * importing account, at most {@link QueueImportOptions.maxInFlight} batches at once. The cursor
 * moves past a batch only when the batch has been started, and every started batch is awaited, so
 * no finding is sent by two invocations and none is skipped. Failed findings are counted, the first
 * few named in the progress, and all of them returned.
 *
 * @throws ImportQueueError when the manifest or a chunk is not a queue of this version; the S3 error.
 */
export async function importQueue(
  progress: QueuedProgress,
  options: QueueImportOptions,
): Promise<QueueImportResult> {
  const manifest = await readManifest(options.s3, progress.queue);
  const pace = options.pace ?? pacedPerAccount();
  const maxInFlight = options.maxInFlight ?? QUEUE_BATCHES_IN_FLIGHT;
  const checks = new Map(manifest.checks.map((check) => [check.id, check]));
  const clients = new Map<string, SecurityHubClient | Error>();
  const clientFor = (accountId: string) => {
    if (!clients.has(accountId)) {
      try {
        clients.set(accountId, options.clientFor(accountId, manifest));
      } catch (error) {
        clients.set(accountId, error instanceof Error ? error : new Error(String(error)));
      }
    }
    return clients.get(accountId) as SecurityHubClient | Error;
  };
  const tally = emptyImportResult();
  const failedLines: QueueImportResult['failed'] = [];
  const archivedIds: string[] = [];
  let cursor: QueueCursor = progress.cursor ?? { chunk: 0, line: 0 };
  let sent = 0;
  const inFlight = new Set<Promise<void>>();

  const send = async ({ lines: batch, items }: { lines: QueuedImport[]; items: PlannedImport[] }) => {
    const accountId = batch[0].accountId;
    const before = tally.failures.length;
    const client = clientFor(accountId);
    if (client instanceof Error) {
      failItems(tally, items, client);
    } else {
      // The first call's turn was taken before the batch started; re-sends wait for their own.
      let turns = 0;
      await importAccountFindings(client, items, options.policy, tally, () =>
        turns++ === 0 ? Promise.resolve() : pace(accountId),
      );
    }
    for (const line of batch) {
      if (line.state === 'resolved' && tally.succeededIds.has(line.finding.id))
        archivedIds.push(line.finding.id);
    }
    const byId = new Map(batch.map((line) => [line.finding.id, line]));
    for (const failure of tally.failures.slice(before)) {
      const line = byId.get(failure.id);
      if (line) failedLines.push({ line, failure });
    }
  };

  let done = true;
  outer: for (let chunk = cursor.chunk; chunk < manifest.chunks.length; chunk += 1) {
    const lines = await readChunk(options.s3, progress.queue.bucket, manifest.chunks[chunk]);
    for (const batch of lineBatches(lines, chunk === cursor.chunk ? cursor.line : 0, manifest, checks)) {
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      // The account's turn comes first, so the deadline is judged when the batch would really go.
      if (!options.deadline.aborted) await pace(batch.lines[0].accountId);
      if (options.deadline.aborted) {
        done = false;
        break outer;
      }
      const started = send(batch).finally(() => inFlight.delete(started));
      inFlight.add(started);
      sent += 1;
      cursor = { chunk, line: batch.end };
    }
    cursor = { chunk: chunk + 1, line: 0 };
  }
  await Promise.all(inFlight);
  const named = [
    ...(progress.failures ?? []),
    ...tally.failures.map(({ id, accountId, code }) => ({ id, accountId, code })),
  ].slice(0, NAMED_QUEUE_FAILURES);
  const next: QueuedProgress = {
    ...progress,
    imported: progress.imported + tally.imported,
    archived: progress.archived + tally.archived,
    failed: progress.failed + tally.failed,
    cursor,
    done,
    invocations: (progress.invocations ?? 0) + 1,
    calls: (progress.calls ?? 0) + tally.calls,
    ...(named.length > 0 ? { failures: named } : {}),
  };
  return { progress: next, manifest, failed: failedLines, archived: archivedIds, batches: sent };
}

/** A queue line as a planned import, its document built when the batch is sent. */
function plannedFrom(
  line: QueuedImport,
  manifest: ImportQueueManifest,
  checks: ReadonlyMap<string, ImportQueueManifest['checks'][number]>,
): PlannedImport {
  const context = {
    awsAccountId: line.accountId,
    region: manifest.region,
    partition: manifest.partition,
    runId: manifest.runId,
    createdAt: line.createdAt,
    updatedAt: manifest.updatedAt,
    state: line.state,
    check: checks.get(line.finding.checkId) as Pick<CheckMeta, 'id' | 'category' | 'docsUrl' | 'remediation'>,
    ...(manifest.reportUrl ? { reportUrl: manifest.reportUrl } : {}),
  };
  return {
    accountId: line.accountId,
    state: line.state,
    id: line.finding.id,
    get finding() {
      return toAsff(line.finding, context);
    },
  };
}

/**
 * The batches of a chunk from line `from`: one importing account each, at most
 * {@link MAX_BATCH_FINDINGS} findings and {@link MAX_BATCH_BYTES}; `end` is the line after the batch.
 */
function* lineBatches(
  lines: ReadonlyArray<QueuedImport>,
  from: number,
  manifest: ImportQueueManifest,
  checks: ReadonlyMap<string, ImportQueueManifest['checks'][number]>,
): Generator<{ lines: QueuedImport[]; items: PlannedImport[]; end: number }> {
  let current: QueuedImport[] = [];
  let items: PlannedImport[] = [];
  let bytes = 0;
  for (let index = from; index < lines.length; index += 1) {
    const line = lines[index];
    // The document is built once, here: the batch sends this one.
    const planned = plannedFrom(line, manifest, checks);
    const finding = planned.finding;
    const size = Buffer.byteLength(JSON.stringify(finding)) + 1;
    const full =
      current.length >= MAX_BATCH_FINDINGS ||
      bytes + size > MAX_BATCH_BYTES ||
      (current.length > 0 && current[0].accountId !== line.accountId);
    if (current.length > 0 && full) {
      yield { lines: current, items, end: index };
      current = [];
      items = [];
      bytes = 0;
    }
    current.push(line);
    items.push({ accountId: planned.accountId, state: planned.state, id: planned.id, finding });
    bytes += size;
  }
  if (current.length > 0) yield { lines: current, items, end: lines.length };
}

async function readManifest(s3: S3Client, queue: QueueLocation): Promise<ImportQueueManifest> {
  const { text } = await getObjectText(s3, { bucket: queue.bucket, key: queue.key });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ImportQueueError(`${s3Uri(queue.bucket, queue.key)} is not JSON`, { cause: error });
  }
  const parsed = ImportQueueManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    throw new ImportQueueError(
      `${s3Uri(queue.bucket, queue.key)} is not an import queue manifest (${problem.path.join('.') || '(root)'}: ${problem.message})`,
    );
  }
  return parsed.data;
}

const QueuedImportSchema = z.object({
  accountId: z.string(),
  state: z.enum(['active', 'resolved', 'suppressed']),
  createdAt: z.string(),
  previouslyImported: z.boolean(),
  finding: z.object({ id: z.string(), checkId: z.string(), accountId: z.string() }).passthrough(),
});

async function readChunk(
  s3: S3Client,
  bucket: string,
  chunk: ImportQueueManifest['chunks'][number],
): Promise<QueuedImport[]> {
  const { text } = await getObjectText(s3, { bucket, key: chunk.key });
  const lines = text.split('\n').filter((line) => line !== '');
  if (lines.length !== chunk.findings) {
    throw new ImportQueueError(
      `${s3Uri(bucket, chunk.key)} holds ${lines.length} findings, the manifest says ${chunk.findings}`,
    );
  }
  return lines.map((text, index) => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ImportQueueError(`${s3Uri(bucket, chunk.key)} line ${index + 1} is not JSON`, {
        cause: error,
      });
    }
    const parsed = QueuedImportSchema.safeParse(raw);
    if (!parsed.success) {
      const problem = parsed.error.issues[0];
      throw new ImportQueueError(
        `${s3Uri(bucket, chunk.key)} line ${index + 1}: ${problem.path.join('.') || '(root)'}: ${problem.message}`,
      );
    }
    return parsed.data as unknown as QueuedImport;
  });
}

/**
 * Records an invocation's outcome in the run record (`latest.json`), as a direct import would have:
 * a finding that was not in Security Hub before and failed is marked not imported (so it is
 * created, under the usual deferral, by a later run); a resolved finding whose archiving failed stays
 * carried as `archive-pending` (the record carries every queued resolved finding so until it is
 * archived), and one that was archived is no longer carried; the run's history line counts the
 * failures. Only the run's own record is changed: when a later run has written `latest.json`
 * since, it re-planned every finding and nothing is written.
 *
 * @returns whether the record was changed.
 * @throws the S3 error, or RunRecordError for a record that is not one.
 */
export async function recordImportOutcome(
  s3: S3Client,
  manifest: Pick<ImportQueueManifest, 'runId' | 'report'>,
  outcome: { failed: ReadonlyArray<{ line: QueuedImport }>; archived?: ReadonlyArray<string> },
): Promise<boolean> {
  const { failed } = outcome;
  const archived = new Set(outcome.archived ?? []);
  if (failed.length === 0 && archived.size === 0) return false;
  const location = manifest.report;
  const latest = await loadLatest(s3, location);
  if (latest.record?.runId !== manifest.runId) return false;
  const record = latest.record;
  const notImported = new Set(
    failed
      .filter(({ line }) => line.state !== 'resolved' && !line.previouslyImported)
      .map(({ line }) => line.finding.id),
  );
  const findings = record.findings
    .filter((finding) => !(finding.carried === 'archive-pending' && archived.has(finding.id)))
    .map((finding) => (notImported.has(finding.id) ? { ...finding, securityHubImported: false } : finding));
  // A queue written before resolved findings were carried at queue time: carry the failed ones now.
  const carried = new Set(findings.map((finding) => finding.id));
  for (const { line } of failed) {
    if (line.state !== 'resolved' || carried.has(line.finding.id)) continue;
    findings.push({
      ...(line.finding as RecordedFinding),
      firstSeenAt: line.finding.firstSeenAt ?? line.createdAt,
      securityHubImported: true,
      carried: 'archive-pending',
    });
  }
  const history =
    failed.length === 0
      ? record.history
      : record.history.map((entry) =>
          entry.runId === manifest.runId
            ? {
                ...entry,
                publishFailures: {
                  sns: entry.publishFailures?.sns ?? 0,
                  securityHub: (entry.publishFailures?.securityHub ?? 0) + failed.length,
                },
              }
            : entry,
        );
  await writeLatest(s3, location, { ...record, findings, history }, latest.etag);
  return true;
}
