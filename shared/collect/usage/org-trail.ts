import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { errorCode, errorMessage } from '../../aws/errors.js';
import type { CloudTrailEventRecord } from '../../model/inventory.js';
import {
  addCountedEvents,
  countedLedger,
  DAY_MS,
  DEFAULT_OVERLAP_MS,
  dayOf,
  emptyLedger,
  foldRecords,
  type Ledger,
  type LedgerBackfill,
  type LedgerProgress,
  mergeLedgers,
} from '../../usage/ledger.js';
import { CLOUDTRAIL_RETENTION_DAYS } from './incremental.js';
import { unreadSpans } from './resumable.js';
import { type CommittedLedger, commitLedgerChange, type LedgerStore } from './store.js';
import { isUsageEvidenceRecord, readTrailFile, TrailFileError, trailRecordOf } from './trail-records.js';

/**
 * Usage evidence from an organization trail's log files in S3 instead of LookupEvents. CloudTrail
 * delivers each account-region's records as `.json.gz` files under
 * `[PREFIX/]AWSLogs/o-ORGID/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/` (the day the file was delivered).
 * A night lists the day folders that may hold files not read yet, reads only the files its ledger
 * does not list as read (per-object progress, `trailObjects`), folds the evidence records into the
 * same ledgers the lookups fill, and then, when every listed file was read, records the span those
 * folders prove complete as covered. The cost grows with new log files, not with the window or with
 * how many accounts the organization has.
 */

/**
 * A file delivered at time T may hold records of any time before T; CloudTrail delivers within
 * about 5 minutes on average (not guaranteed). A listing made at L claims the records up to L minus
 * this lag; a later file with older records is still read the next night, because the day folders
 * from the high-water mark on are listed again. The usage checks accept evidence ending this much
 * before the window end.
 */
const TRAIL_DELIVERY_LAG_MS = 15 * 60 * 1000;

/** Day folders are listed again from this long before the high-water mark (late deliveries). */
const RELIST_MS = DEFAULT_OVERLAP_MS;

/** Conditional ledger writes per batch: batches of one account-region commit concurrently. */
const TRAIL_WRITE_ATTEMPTS = 12;

/**
 * Log files per batch (the Map's `MaxItemsPerBatch`): each batch reads and writes each of its
 * account-regions' ledgers once, so larger batches write less; 500 files of a busy account-region
 * (a day and a half of deliveries) fold in well under a minute.
 */
export const TRAIL_BATCH_SIZE = 500;

/** Files read at once by one batch. */
const FILE_READ_CONCURRENCY = 8;

/** Where an organization trail delivers its log files. */
export interface TrailLocation {
  bucket: string;
  /** The trail's S3 key prefix without a trailing slash; '' when it has none. */
  prefix: string;
  /** The organization id (`o-…`) in the key path. */
  organizationId: string;
}

/** What a log file's key says. */
interface TrailKey {
  key: string;
  accountId: string;
  region: string;
  /** The day folder, `YYYY-MM-DD`. */
  day: string;
  /** The delivery time from the file name (minute precision). */
  deliveredAt: string;
}

const TRAIL_KEY =
  /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[A-Za-z0-9]+\.json\.gz$/;

/**
 * Parses a CloudTrail log file key (`…/AWSLogs/o-…/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`).
 * Digest files, `CloudTrail-Insight` files and anything else return undefined.
 */
export function parseTrailKey(key: string): TrailKey | undefined {
  const match = TRAIL_KEY.exec(key);
  if (!match) return undefined;
  const [, accountId, region, year, month, day, fileAccount, fileRegion, y, m, d, hh, mm] = match;
  if (fileAccount !== accountId || fileRegion !== region) return undefined;
  return {
    key,
    accountId,
    region,
    day: `${year}-${month}-${day}`,
    deliveredAt: `${y}-${m}-${d}T${hh}:${mm}:00.000Z`,
  };
}

/** The day folder of one account-region: `[PREFIX/]AWSLogs/o-…/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`. */
export function trailDayPrefix(
  location: TrailLocation,
  accountId: string,
  region: string,
  day: string,
): string {
  const path = `AWSLogs/${location.organizationId}/${accountId}/CloudTrail/${region}/${day.replaceAll('-', '/')}/`;
  return location.prefix ? `${location.prefix}/${path}` : path;
}

/** Where log files are listed and read from (S3, or a model of it in benchmarks). */
export interface TrailObjectSource {
  /** Every key under the prefix. */
  list(prefix: string): Promise<string[]>;
  get(key: string): Promise<Uint8Array>;
  /** `s3://bucket/key`, for messages. */
  describe(key: string): string;
}

/** Log files in an S3 bucket. */
export class S3TrailObjectSource implements TrailObjectSource {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  describe(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async get(key: string): Promise<Uint8Array> {
    const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return response.Body ? await response.Body.transformToByteArray() : new Uint8Array();
  }
}

/**
 * The day folders of one account-region a night lists: those that may hold records of a span of
 * the window its ledger does not cover yet (each span's days, and the next day while a record of
 * the span may still be delivered there). Folders between covered spans are not listed again: their
 * files are read, and once they fall behind the high-water mark the ledger no longer lists them
 * (see `compactLedger`), so listing them again would read them twice.
 */
export function trailDaysToList(ledger: Ledger | undefined, now: Date, windowDays: number): string[] {
  const days = Math.min(windowDays, CLOUDTRAIL_RETENTION_DAYS);
  const spans = unreadSpans(ledger, now, { windowDays: days, overlapMs: RELIST_MS });
  const list = new Set<string>();
  for (const span of spans) {
    const last = Math.min(span.to + TRAIL_DELIVERY_LAG_MS, now.getTime());
    for (let time = Date.parse(`${dayOf(span.from)}T00:00:00.000Z`); time <= last; time += DAY_MS)
      list.add(dayOf(time));
  }
  return [...list].sort();
}

/** What folding one batch of log files did. */
export interface TrailBatchResult {
  /** Files read (new to their ledger). */
  filesRead: number;
  /** Files skipped because their ledger lists them as read. */
  filesKnown: number;
  /** Keys that are not CloudTrail log files of any account-region (digests, other objects). */
  ignored: number;
  /** Records in the files read, and how many were usage evidence. */
  records: number;
  evidence: number;
  /** Files that could not be read or parsed, with why: they stay unread, and the listing is not sealed. */
  failures: Array<{ key: string; message: string }>;
  /** Account-regions (`ACCOUNT/REGION`) whose ledgers were written. */
  ledgers: string[];
}

/**
 * Reads a batch of log files (the Map's `ItemBatcher` batch, or a slice of a listing) and folds
 * their evidence into the ledgers of their account-regions, recording each file as read. Files the
 * ledger already lists are not read again. A file that cannot be read is reported under `failures`
 * and stays unread; the others are committed.
 *
 * @throws the store's errors (S3 unreachable, conflicts beyond the retry budget).
 */
export async function foldTrailBatch(options: {
  source: TrailObjectSource;
  keys: readonly string[];
  store: LedgerStore;
  now: Date;
}): Promise<TrailBatchResult> {
  const result: TrailBatchResult = {
    filesRead: 0,
    filesKnown: 0,
    ignored: 0,
    records: 0,
    evidence: 0,
    failures: [],
    ledgers: [],
  };
  const groups = new Map<string, TrailKey[]>();
  for (const key of new Set(options.keys)) {
    const parsed = parseTrailKey(key);
    if (!parsed) {
      result.ignored += 1;
      continue;
    }
    const group = `${parsed.accountId}/${parsed.region}`;
    groups.set(group, [...(groups.get(group) ?? []), parsed]);
  }
  const limit = pLimit(FILE_READ_CONCURRENCY);
  for (const [group, files] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const { accountId, region } = files[0];
    const stored = await options.store.read(accountId, region);
    const known = recordedTrailObjects(stored.ledger);
    const fresh = files.filter((file) => !known.has(file.key));
    result.filesKnown += files.length - fresh.length;
    if (fresh.length === 0) continue;
    const read = await Promise.all(
      fresh.map((file) =>
        limit(async () => {
          try {
            const records = readTrailFile(
              await options.source.get(file.key),
              options.source.describe(file.key),
            );
            return { file, records };
          } catch (error) {
            const message =
              error instanceof TrailFileError
                ? error.message
                : `${options.source.describe(file.key)}: ${errorCode(error)}: ${errorMessage(error)}`;
            return { file, message };
          }
        }),
      ),
    );
    const folded: Array<{ file: TrailKey; evidence: CloudTrailEventRecord[] }> = [];
    for (const outcome of read) {
      if ('message' in outcome) {
        result.failures.push({ key: outcome.file.key, message: outcome.message ?? 'unreadable' });
        continue;
      }
      result.filesRead += 1;
      result.records += outcome.records.length;
      const evidence: CloudTrailEventRecord[] = [];
      for (const record of outcome.records) {
        if (isUsageEvidenceRecord(record)) evidence.push(trailRecordOf(record, outcome.file));
      }
      result.evidence += evidence.length;
      folded.push({ file: outcome.file, evidence });
    }
    if (folded.length === 0) continue;
    // Folded once; a retry after a concurrent writer recorded some of these files folds the rest again.
    const whole = trailContribution(accountId, region, folded);
    const committed = await commitLedgerChange(
      options.store,
      { accountId, region },
      (base) => addTrailFiles(base, folded, whole),
      options.now,
      TRAIL_WRITE_ATTEMPTS,
    );
    if (committed) result.ledgers.push(group);
  }
  return result;
}

/** The log files a ledger records as read. */
function recordedTrailObjects(ledger: Ledger | undefined): Set<string> {
  return new Set(Object.values(ledger?.trailObjects ?? {}).flat());
}

/** Counts of the folded files' evidence without event ids, the files recorded as read. */
function trailContribution(
  accountId: string,
  region: string,
  files: ReadonlyArray<{ file: TrailKey; evidence: CloudTrailEventRecord[] }>,
): Ledger {
  const trailObjects: Record<string, string[]> = {};
  for (const { file } of files) trailObjects[file.day] = [...(trailObjects[file.day] ?? []), file.key];
  return {
    ...countedLedger(
      foldRecords(
        emptyLedger(accountId, region),
        files.flatMap((file) => file.evidence),
      ),
    ),
    trailObjects,
  };
}

/**
 * Adds the evidence of the folded files the ledger does not record as read yet (`whole`: all of
 * them, folded), and records them; undefined when it records them all. A log file is read once and only once (its key is recorded in
 * the same conditional write that adds its counts), so its records need no event ids in the ledger:
 * a commit writes what the batch adds plus a ledger that does not grow with the account's traffic.
 */
function addTrailFiles(
  base: Ledger,
  folded: ReadonlyArray<{ file: TrailKey; evidence: CloudTrailEventRecord[] }>,
  whole: Ledger,
): Ledger | undefined {
  const recorded = recordedTrailObjects(base);
  const fresh = folded.filter(({ file }) => !recorded.has(file.key));
  if (fresh.length === 0) return undefined;
  return addCountedEvents(
    base,
    fresh.length === folded.length ? whole : trailContribution(base.accountId, base.region, fresh),
  );
}

/**
 * Records what reading one day folder completely proves. Every file listed in the folder at
 * `listedAt` has been read; a record is delivered in its own day's folder or a later one, and
 * within the delivery lag, so the account-region's records from the folder's start up to the next
 * folder's start minus the lag (or `listedAt` minus the lag, for today) are all in the ledger. The
 * lag before the folder's start is proven too when the previous folder was read (the ledger covers
 * up to there), and the lag before the next folder's start when the next folder was (folders of one
 * night are sealed in any order). Coverage starts at the first folder that holds a file: a folder
 * without files and with nothing covered before it may lie before the trail existed, and absence
 * there proves nothing. Sealing folders one by one, oldest first, lets the ledger seal each day's
 * event ids into per-day counts as soon as the day is whole.
 */
export async function sealTrailDay(options: {
  store: LedgerStore;
  accountId: string;
  region: string;
  /** The folder, `YYYY-MM-DD`. */
  day: string;
  listedAt: Date;
  windowDays: number;
  /** Set on the night's last seal: the progress figures the backfill estimate reads. */
  progress?: { filesRead: number; readMs: number };
}): Promise<Ledger> {
  const { store, accountId, region, listedAt } = options;
  const dayStart = Date.parse(`${options.day}T00:00:00.000Z`);
  const nextStart = dayStart + DAY_MS;
  const windowStart = listedAt.getTime() - Math.min(options.windowDays, CLOUDTRAIL_RETENTION_DAYS) * DAY_MS;
  const contribution = (base: Ledger): Ledger => {
    const holds = (time: number) =>
      base.covered.some((interval) => Date.parse(interval.from) <= time && Date.parse(interval.to) >= time);
    const started =
      (base.trailObjects?.[options.day]?.length ?? 0) > 0 ||
      base.covered.some((interval) => Date.parse(interval.from) < dayStart);
    const from = Math.max(
      windowStart,
      holds(dayStart - TRAIL_DELIVERY_LAG_MS) ? dayStart - TRAIL_DELIVERY_LAG_MS : dayStart,
    );
    const to =
      nextStart <= listedAt.getTime() - TRAIL_DELIVERY_LAG_MS && holds(nextStart)
        ? nextStart
        : Math.min(nextStart, listedAt.getTime()) - TRAIL_DELIVERY_LAG_MS;
    const backfill: LedgerBackfill | undefined = base.highWaterMark
      ? undefined
      : { at: listedAt.toISOString(), reason: 'first-run' };
    return {
      ...emptyLedger(accountId, region),
      covered:
        started && to > from ? [{ from: new Date(from).toISOString(), to: new Date(to).toISOString() }] : [],
      backfills: backfill ? [backfill] : [],
      ...(options.progress
        ? {
            progress: {
              at: listedAt.toISOString(),
              source: 'org-trail',
              calls: options.progress.filesRead,
              readMs: options.progress.readMs,
              finished: true,
            } satisfies LedgerProgress,
          }
        : {}),
    };
  };
  const committed = await commitLedgerChange(
    store,
    { accountId, region },
    (base) => mergeLedgers(base, contribution(base)),
    listedAt,
    TRAIL_WRITE_ATTEMPTS,
    { gapsBefore: new Date(windowStart) },
  );
  // A merge always yields a ledger to write.
  return (committed as CommittedLedger).ledger;
}

/** Milliseconds the ledger covers. */
function coveredSpan(ledger: Ledger): number {
  return ledger.covered.reduce(
    (sum, interval) => sum + Date.parse(interval.to) - Date.parse(interval.from),
    0,
  );
}

/** What one night of organization-trail reading did to one account-region. */
interface TrailUpdate {
  accountId: string;
  region: string;
  /** Day folders listed. */
  days: string[];
  /** Objects listed, files read (new), files skipped as read before. */
  listed: number;
  filesRead: number;
  filesKnown: number;
  evidence: number;
  /** Unreadable files: their folder and the later ones were not sealed, so coverage did not advance past them. */
  failures: Array<{ key: string; message: string }>;
  ledger?: Ledger;
}

/**
 * One night of organization-trail reading for each account-region, in process: the steps the
 * nightly Distributed Map runs (list each day folder, read the new files in batches, seal the
 * listing), for the CLI, the tests and the benchmark.
 *
 * @throws the store's and the listing's S3 errors.
 */
export async function updateFromOrgTrail(options: {
  source: TrailObjectSource;
  location: TrailLocation;
  store: LedgerStore;
  accounts: readonly string[];
  regions: readonly string[];
  now: Date;
  windowDays?: number;
  /** Files per batch (the Map's `MaxItemsPerBatch`). Default {@link TRAIL_BATCH_SIZE}. */
  batchSize?: number;
}): Promise<TrailUpdate[]> {
  const windowDays = options.windowDays ?? CLOUDTRAIL_RETENTION_DAYS;
  const batchSize = options.batchSize ?? TRAIL_BATCH_SIZE;
  const updates: TrailUpdate[] = [];
  for (const accountId of [...new Set(options.accounts)].sort()) {
    for (const region of [...new Set(options.regions)].sort()) {
      const stored = await options.store.read(accountId, region);
      const days = trailDaysToList(stored.problem ? undefined : stored.ledger, options.now, windowDays);
      const update: TrailUpdate = {
        accountId,
        region,
        days,
        listed: 0,
        filesRead: 0,
        filesKnown: 0,
        evidence: 0,
        failures: [],
      };
      // Coverage starts at the first folder that holds a file (sealTrailDay keeps to that rule too);
      // skipping the folders before it tonight spares their writes.
      let started = Boolean(stored.ledger?.highWaterMark);
      const before = stored.ledger ? coveredSpan(stored.ledger) : 0;
      for (const [index, day] of days.entries()) {
        const keys = await options.source.list(trailDayPrefix(options.location, accountId, region, day));
        update.listed += keys.length;
        if (keys.length > 0) started = true;
        for (let offset = 0; offset < keys.length; offset += batchSize) {
          const batch = await foldTrailBatch({
            source: options.source,
            keys: keys.slice(offset, offset + batchSize),
            store: options.store,
            now: options.now,
          });
          update.filesRead += batch.filesRead;
          update.filesKnown += batch.filesKnown;
          update.evidence += batch.evidence;
          update.failures.push(...batch.failures);
        }
        // A folder with an unreadable file is not sealed, nor is any after it: coverage stays contiguous.
        if (update.failures.length > 0) break;
        if (!started) continue;
        const last = index === days.length - 1;
        update.ledger = await sealTrailDay({
          store: options.store,
          accountId,
          region,
          day,
          listedAt: options.now,
          windowDays,
          ...(last
            ? {
                progress: {
                  filesRead: update.filesRead,
                  readMs: Math.max(0, coveredSpan(update.ledger ?? emptyLedger(accountId, region)) - before),
                },
              }
            : {}),
        });
      }
      update.ledger ??= (await options.store.read(accountId, region)).ledger;
      updates.push(update);
    }
  }
  return updates;
}
