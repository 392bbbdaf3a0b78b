import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { errorCode } from '../aws/errors.js';
import { isNotFound, isPreconditionFailed } from '../aws/s3.js';
import { latestKey as latestKeyUnder, reportKeys, s3Uri } from '../bucket.js';
import { AuditError } from '../errors.js';
import { compareText } from '../model/compare.js';
import type { Report } from '../report/types.js';
import {
  MAX_HISTORY,
  parseRunRecordLines,
  type RunKeys,
  type RunRecord,
  RunRecordSchema,
  runRecordChunks,
} from './record.js';
import type { ReportLinks } from './sns.js';

/** Where runs are stored: a bucket and a key prefix ending in `/` (default `reports/`). */
export interface ReportStoreLocation {
  bucket: string;
  prefix: string;
}

/**
 * The rendered report of one run, each format as the pieces of its text (the renderers' `…Chunks`
 * generators), so no format is ever held as one string.
 */
export interface RenderedReport {
  json: Iterable<string>;
  markdown: Iterable<string>;
  html: Iterable<string>;
}

/** Bytes per part of a report's multipart upload (S3 takes 5 MiB to 5 GiB; 10,000 parts at most). */
export const REPORT_PART_BYTES = 8 * 1024 * 1024;
/** Parts of one report in flight at once: memory held is about this many parts. */
const REPORT_PARTS_IN_FLIGHT = 2;

export { s3Uri };

/** The S3 console page of one object. */
export function s3ConsoleUrl(bucket: string, key: string, region: string): string {
  return `https://${region}.console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${encodeURIComponent(region)}&prefix=${encodeURIComponent(key)}`;
}

/** The key of `latest.json` under a prefix. */
export function latestKey(location: ReportStoreLocation): string {
  return latestKeyUnder(location.prefix);
}

/**
 * Keys of one run: `reports/YYYY/MM/DD/<runId>.json|.md|.html`, dated by the run's finish time (UTC).
 * Characters outside S3's safe set in the run id become `-`.
 *
 * @example runKeys({ bucket, prefix: 'reports/' }, report).html // 'reports/2026/11/29/4f1c….html'
 */
export function runKeys(
  location: ReportStoreLocation,
  report: Pick<Report, 'runId' | 'finishedAt'>,
): RunKeys {
  return reportKeys(location.prefix, report);
}

/** Links to a run's HTML report, for messages and Security Hub. */
export function reportLinks(location: ReportStoreLocation, keys: RunKeys, region: string): ReportLinks {
  return {
    s3Uri: s3Uri(location.bucket, keys.html),
    consoleUrl: s3ConsoleUrl(location.bucket, keys.html, region),
  };
}

/** `latest.json` as read, with the ETag a conditional overwrite must name. */
export interface LatestRecord {
  record?: RunRecord;
  /** Absent when there is no `latest.json` yet. */
  etag?: string;
}

/** `latest.json` is not a run record this version can read. */
export class RunRecordError extends AuditError {
  override name = 'RunRecordError';
}

/**
 * Reads `latest.json`; no record (and no ETag) when it does not exist yet.
 *
 * @throws RunRecordError when the object is not a valid run record: history is never overwritten blindly.
 */
export async function loadLatest(s3: S3Client, location: ReportStoreLocation): Promise<LatestRecord> {
  const key = latestKey(location);
  let object: { body?: Readable; etag?: string };
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
    object = {
      ...(response.Body instanceof Readable ? { body: response.Body } : {}),
      ...(response.ETag ? { etag: response.ETag } : {}),
    };
  } catch (error) {
    if (isNotFound(error)) return {};
    throw error;
  }
  let raw: unknown;
  // Line by line: an organization's record is larger than one string may be.
  const body = object.body ?? Readable.from([]);
  try {
    raw = await parseRunRecordLines(createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY }));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new RunRecordError(
      `${s3Uri(location.bucket, key)} is not JSON; move it aside to start a new history`,
      {
        cause: error,
      },
    );
  } finally {
    // A record that stops parsing part-way leaves the rest of the response unread: free its socket.
    body.destroy();
  }
  const parsed = RunRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    throw new RunRecordError(
      `${s3Uri(location.bucket, key)} is not a run record (${problem.path.join('.') || '(root)'}: ${problem.message}); move it aside to start a new history`,
    );
  }
  return { record: parsed.data, ...(object.etag ? { etag: object.etag } : {}) };
}

/**
 * Writes the run's JSON, Markdown and HTML reports under their dated keys, one after the other, each
 * as it is rendered: a report smaller than one part is one PutObject, a larger one a multipart
 * upload, which S3 shows at its key only once completed.
 *
 * @throws the S3 error, or the renderer's, after aborting the upload that was in progress: a
 * report is stored whole or not at all.
 */
export async function storeReports(
  s3: S3Client,
  location: ReportStoreLocation,
  keys: RunKeys,
  rendered: RenderedReport,
): Promise<void> {
  const formats = [
    { key: keys.json, chunks: rendered.json, contentType: 'application/json' },
    { key: keys.markdown, chunks: rendered.markdown, contentType: 'text/markdown; charset=utf-8' },
    { key: keys.html, chunks: rendered.html, contentType: 'text/html; charset=utf-8' },
  ];
  for (const format of formats) await uploadText(s3, { bucket: location.bucket, ...format });
}

/** What {@link uploadText} writes: text given in pieces, at one key. */
export interface TextUpload {
  bucket: string;
  key: string;
  chunks: Iterable<string>;
  contentType: string;
  /** Complete the write only if the current object has this ETag. */
  ifMatch?: string;
  /** `*`: complete the write only if no object exists at the key. */
  ifNoneMatch?: string;
}

/**
 * Stores text given as pieces with `@aws-sdk/lib-storage`'s `Upload`: parts of
 * {@link REPORT_PART_BYTES} go up while the rest is still being produced, and nothing larger than
 * a few parts is held. On any failure the multipart upload is aborted, so nothing shows at the key.
 *
 * @throws the S3 error or the error the pieces' producer threw.
 */
export async function uploadText(s3: S3Client, input: TextUpload): Promise<{ etag?: string }> {
  const sent = { parts: 0, bytes: 0 };
  const upload = new Upload({
    client: s3,
    partSize: REPORT_PART_BYTES,
    queueSize: REPORT_PARTS_IN_FLIGHT,
    params: {
      Bucket: input.bucket,
      Key: input.key,
      ContentType: input.contentType,
      // One PutObject or CompleteMultipartUpload carries the condition, whichever ends the write.
      ...(input.ifMatch ? { IfMatch: input.ifMatch } : {}),
      ...(input.ifNoneMatch ? { IfNoneMatch: input.ifNoneMatch } : {}),
      Body: Readable.from(utf8Pieces(input.chunks), { objectMode: false }),
    },
  });
  upload.on('httpUploadProgress', (progress) => {
    sent.parts = Math.max(sent.parts, progress.part ?? 0);
    sent.bytes = Math.max(sent.bytes, progress.loaded ?? 0);
  });
  try {
    const done = await upload.done();
    return done.ETag ? { etag: done.ETag } : {};
  } catch (error) {
    // A completion whose answer was lost (a timeout) is retried, and S3 answers the retry
    // `NoSuchUpload`: the first one used the upload up. The object at the key then tells.
    if (errorCode(error) !== 'NoSuchUpload' || sent.parts < 2) throw error;
    const stored = await completedObject(s3, input, sent);
    if (!stored) throw error;
    return { etag: stored };
  }
}

/**
 * The ETag of the object a multipart upload of `sent.parts` parts and `sent.bytes` bytes made at
 * the key, or undefined when the object there is not that upload's.
 */
async function completedObject(
  s3: S3Client,
  input: TextUpload,
  sent: { parts: number; bytes: number },
): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: input.bucket, Key: input.key }));
    const multipart = head.ETag?.endsWith(`-${sent.parts}"`) === true;
    return multipart && head.ContentLength === sent.bytes ? head.ETag : undefined;
  } catch (error) {
    if (isNotFound(error) || errorCode(error) === 'NotFound') return undefined;
    throw error;
  }
}

function* utf8Pieces(chunks: Iterable<string>): Generator<Buffer> {
  for (const chunk of chunks) if (chunk.length > 0) yield Buffer.from(chunk, 'utf8');
}

/**
 * Merges two records written concurrently: the history is the union of both (by run id, newest first),
 * and the findings are those of the run that finished last.
 */
export function mergeRecords(ours: RunRecord, theirs: RunRecord): RunRecord {
  const history = new Map<string, RunRecord['history'][number]>();
  for (const entry of [...ours.history, ...theirs.history])
    if (!history.has(entry.runId)) history.set(entry.runId, entry);
  const merged = [...history.values()].sort((a, b) => compareRuns(b, a)).slice(0, MAX_HISTORY);
  const newest = compareRuns(ours, theirs) >= 0 ? ours : theirs;
  return { ...newest, history: merged };
}

function compareRuns(
  a: { finishedAt: string; runId: string },
  b: { finishedAt: string; runId: string },
): number {
  const time = Date.parse(a.finishedAt) - Date.parse(b.finishedAt);
  if (time !== 0 && !Number.isNaN(time)) return time;
  return compareText(a.runId, b.runId);
}

/** The outcome of writing `latest.json`. */
export interface LatestWrite {
  etag: string;
  /** The record as finally written (merged with a concurrent writer's, when there was one). */
  record: RunRecord;
  /** Conditional writes that lost to another writer before this one won. */
  conflicts: number;
}

/**
 * Writes `latest.json` last, conditionally: `If-Match` on the ETag read at the start of the run (or
 * `If-None-Match: *` when there was none), so a concurrent run's write is never overwritten. On a
 * conflict it re-reads, merges ({@link mergeRecords}) and tries again.
 *
 * @throws the S3 error after `maxConflicts` lost writes, or on any other failure.
 */
export async function writeLatest(
  s3: S3Client,
  location: ReportStoreLocation,
  record: RunRecord,
  expectedEtag: string | undefined,
  maxConflicts = 10,
): Promise<LatestWrite> {
  const key = latestKey(location);
  let candidate = record;
  let etag = expectedEtag;
  for (let conflicts = 0; ; conflicts += 1) {
    try {
      const written = await uploadText(s3, {
        bucket: location.bucket,
        key,
        chunks: runRecordChunks(candidate),
        contentType: 'application/json',
        ...(etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag }),
      });
      if (!written.etag) throw new Error(`S3 returned no ETag for ${s3Uri(location.bucket, key)}`);
      return { etag: written.etag, record: candidate, conflicts };
    } catch (error) {
      if (!isPreconditionFailed(error) || conflicts + 1 >= maxConflicts) throw error;
      const current = await loadLatest(s3, location);
      etag = current.etag;
      candidate = current.record ? mergeRecords(record, current.record) : record;
    }
  }
}
