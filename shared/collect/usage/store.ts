import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorCode, errorMessage } from '../../aws/errors.js';
import { isNotFound, isPreconditionFailed, parseS3Uri } from '../../aws/s3.js';
import { ledgerKey as ledgerKeyUnder } from '../../bucket.js';
import { AuditError } from '../../errors.js';
import {
  compactLedger,
  emptyLedger,
  type Ledger,
  mergeLedgers,
  serializeLedger,
  validateLedger,
} from '../../usage/ledger.js';

/**
 * Ledgers above this size are stored gzip-compressed. Below it plain JSON stays readable with
 * `aws s3 cp … -`; above it the JSON of thousands of event ids compresses about tenfold.
 */
const GZIP_ABOVE_BYTES = 256 * 1024;

/** Conditional writes lost to another writer are retried this often before giving up. */
export const DEFAULT_WRITE_ATTEMPTS = 5;

/** What a store holds for one account-region. */
export interface StoredLedger {
  /** Absent when nothing is stored, or when what is stored is not a valid ledger (see `problem`). */
  ledger?: Ledger;
  /** The stored object's ETag (also for an invalid object, so it can be overwritten conditionally). */
  etag?: string;
  /** Why the stored object was not accepted (corrupt JSON, wrong schema, wrong account-region). */
  problem?: string;
}

/** Where ledgers live: one object per account-region, written with optimistic concurrency. */
export interface LedgerStore {
  read(accountId: string, region: string): Promise<StoredLedger>;
  /**
   * Writes the ledger only if the stored object still has `expectedEtag` (or, when undefined, if
   * nothing is stored).
   *
   * @throws {@link LedgerConflictError} when another writer got there first.
   */
  write(ledger: Ledger, expectedEtag: string | undefined): Promise<{ etag: string }>;
  /** A human-readable location for messages (`s3://bucket/usage/A/R/ledger.json`). */
  describe(accountId: string, region: string): string;
}

/**
 * A ledger could not be read or written for a reason other than absence or a lost race (access
 * denied, throttling or server errors beyond the retries, an unreachable endpoint); `cause` is the
 * S3 error and the message names the ledger.
 */
export class LedgerStoreError extends AuditError {
  override name = 'LedgerStoreError';
}

/** A conditional ledger write lost to a concurrent writer. */
export class LedgerConflictError extends AuditError {
  override name = 'LedgerConflictError';
}

/** Decodes a stored ledger body: gzip is recognized by its magic bytes, whatever the headers say. */
function decodeLedgerBody(body: Uint8Array, accountId: string, region: string, where: string): StoredLedger {
  let text: string;
  try {
    const bytes = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
    text = Buffer.from(bytes).toString('utf8');
  } catch (error) {
    return { problem: `${where}: not readable gzip (${(error as Error).message})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `${where}: not JSON (${(error as Error).message})` };
  }
  const result = validateLedger(json);
  if ('problem' in result) return { problem: `${where}: ${result.problem}` };
  if (result.ledger.accountId !== accountId || result.ledger.region !== region) {
    return {
      problem: `${where}: holds the ledger of ${result.ledger.accountId} ${result.ledger.region}, not ${accountId} ${region}`,
    };
  }
  return { ledger: result.ledger };
}

/** Encodes a ledger for storage: canonical JSON, gzip-compressed above {@link GZIP_ABOVE_BYTES}. */
function encodeLedgerBody(
  ledger: Ledger,
  gzipAboveBytes = GZIP_ABOVE_BYTES,
): { body: Uint8Array; gzip: boolean } {
  const json = Buffer.from(serializeLedger(ledger), 'utf8');
  if (json.length <= gzipAboveBytes) return { body: json, gzip: false };
  return { body: gzipSync(json), gzip: true };
}

/** Where an S3 ledger store keeps its objects. */
interface S3LedgerLocation {
  bucket: string;
  /** Key prefix without a trailing slash; '' for the bucket root. */
  prefix: string;
}

/**
 * Parses `s3://bucket` or `s3://bucket/prefix` (the `--usage-ledger` value).
 *
 * @throws InputError when it is not an S3 URI.
 */
export function parseLedgerLocation(uri: string): S3LedgerLocation {
  const trimmed = uri.trim().replace(/\/+$/, '');
  if (/^s3:\/\/[^/]+$/.test(trimmed)) return { bucket: trimmed.slice('s3://'.length), prefix: '' };
  const { bucket, key } = parseS3Uri(trimmed);
  return { bucket, prefix: key.replace(/^\/+|\/+$/g, '') };
}

/** The object key of an account-region's ledger: `[prefix/]usage/ACCOUNT/REGION/ledger.json`. */
export function ledgerKey(location: S3LedgerLocation, accountId: string, region: string): string {
  return ledgerKeyUnder(location.prefix, accountId, region);
}

/**
 * Ledgers in S3, one object per account-region. One key whether compressed or not (gzip carries
 * `Content-Encoding: gzip`), so the ETag condition always guards the one object that matters.
 */
export class S3LedgerStore implements LedgerStore {
  constructor(
    private readonly s3: S3Client,
    private readonly location: S3LedgerLocation,
    private readonly gzipAboveBytes = GZIP_ABOVE_BYTES,
  ) {}

  describe(accountId: string, region: string): string {
    return `s3://${this.location.bucket}/${ledgerKey(this.location, accountId, region)}`;
  }

  async read(accountId: string, region: string): Promise<StoredLedger> {
    try {
      const response = await this.s3.send(
        new GetObjectCommand({
          Bucket: this.location.bucket,
          Key: ledgerKey(this.location, accountId, region),
        }),
      );
      const body = response.Body ? await response.Body.transformToByteArray() : new Uint8Array();
      const decoded = decodeLedgerBody(body, accountId, region, this.describe(accountId, region));
      return { ...decoded, ...(response.ETag ? { etag: response.ETag } : {}) };
    } catch (error) {
      if (isNotFound(error)) return {};
      throw new LedgerStoreError(
        `cannot read the usage ledger ${this.describe(accountId, region)} (${errorCode(error)}: ${errorMessage(error)})`,
        { cause: error },
      );
    }
  }

  async write(ledger: Ledger, expectedEtag: string | undefined): Promise<{ etag: string }> {
    const { body, gzip } = encodeLedgerBody(ledger, this.gzipAboveBytes);
    try {
      const response = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.location.bucket,
          Key: ledgerKey(this.location, ledger.accountId, ledger.region),
          Body: body,
          ContentType: 'application/json',
          ...(gzip ? { ContentEncoding: 'gzip' } : {}),
          ...(expectedEtag ? { IfMatch: expectedEtag } : { IfNoneMatch: '*' }),
        }),
      );
      return { etag: response.ETag ?? '' };
    } catch (error) {
      // If-Match on an object deleted meanwhile answers 404: that, too, is another writer's doing.
      if (isPreconditionFailed(error) || (expectedEtag && isNotFound(error))) {
        throw new LedgerConflictError(
          `${this.describe(ledger.accountId, ledger.region)} changed while this run updated it`,
          { cause: error },
        );
      }
      throw new LedgerStoreError(
        `cannot write the usage ledger ${this.describe(ledger.accountId, ledger.region)} (${errorCode(error)}: ${errorMessage(error)})`,
        { cause: error },
      );
    }
  }
}

/** Ledgers in memory with the same conditional-write semantics (snapshot audits and tests). */
export class MemoryLedgerStore implements LedgerStore {
  private readonly objects = new Map<string, { body: Uint8Array; etag: string }>();
  private sequence = 0;

  describe(accountId: string, region: string): string {
    return `memory:${ledgerKeyUnder('', accountId, region)}`;
  }

  async read(accountId: string, region: string): Promise<StoredLedger> {
    const stored = this.objects.get(`${accountId}/${region}`);
    if (!stored) return {};
    return {
      ...decodeLedgerBody(stored.body, accountId, region, this.describe(accountId, region)),
      etag: stored.etag,
    };
  }

  async write(ledger: Ledger, expectedEtag: string | undefined): Promise<{ etag: string }> {
    const key = `${ledger.accountId}/${ledger.region}`;
    const current = this.objects.get(key);
    if (current?.etag !== expectedEtag) {
      throw new LedgerConflictError(
        `${this.describe(ledger.accountId, ledger.region)} changed while this run updated it`,
      );
    }
    this.sequence += 1;
    const etag = `"${this.sequence}"`;
    this.objects.set(key, { body: encodeLedgerBody(ledger).body, etag });
    return { etag };
  }

  /** The stored object's size in bytes (0 when nothing is stored): what each commit writes. */
  storedBytes(accountId: string, region: string): number {
    return this.objects.get(`${accountId}/${region}`)?.body.length ?? 0;
  }

  /** Stores raw bytes, as if another program wrote the object. */
  putRaw(accountId: string, region: string, body: string | Uint8Array): void {
    this.sequence += 1;
    this.objects.set(`${accountId}/${region}`, {
      body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
      etag: `"${this.sequence}"`,
    });
  }
}

/** The outcome of {@link commitLedger}. */
export interface CommittedLedger {
  ledger: Ledger;
  etag: string;
  /** Conditional writes made (1 when nobody else wrote meanwhile). */
  attempts: number;
  /** Set when the stored object was not a valid ledger and was replaced. */
  replacedProblem?: string;
}

/**
 * Merges a run's contribution into the stored ledger with optimistic concurrency: read (ETag) →
 * merge → conditional write (`If-Match`, or `If-None-Match: *` for the first write); on a conflict
 * re-read and re-merge, up to `maxAttempts` times. Because merging is a join, every event of both
 * writers ends up in the ledger, each counted once.
 *
 * @throws {@link LedgerConflictError} when every attempt lost.
 */
export async function commitLedger(
  store: LedgerStore,
  contribution: Ledger,
  now: Date,
  maxAttempts = DEFAULT_WRITE_ATTEMPTS,
  compaction: { gapsBefore?: Date } = {},
): Promise<CommittedLedger> {
  const committed = await commitLedgerChange(
    store,
    contribution,
    (base) => mergeLedgers(base, contribution),
    now,
    maxAttempts,
    compaction,
  );
  // A merge always yields a ledger, so something was written.
  return committed as CommittedLedger;
}

/**
 * {@link commitLedger} with the change computed from the stored ledger on every attempt: a change
 * that is not a join (adding counts exactly once) decides again, against what a concurrent writer
 * stored, what it still has to add. `change` returns undefined when nothing is left to write; the
 * result is then undefined too.
 *
 * @throws {@link LedgerConflictError} when every attempt lost.
 */
export async function commitLedgerChange(
  store: LedgerStore,
  where: Pick<Ledger, 'accountId' | 'region'>,
  change: (base: Ledger) => Ledger | undefined,
  now: Date,
  maxAttempts = DEFAULT_WRITE_ATTEMPTS,
  compaction: { gapsBefore?: Date } = {},
): Promise<CommittedLedger | undefined> {
  const { accountId, region } = where;
  let lastConflict: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const stored = await store.read(accountId, region);
    const changed = change(stored.ledger ?? emptyLedger(accountId, region));
    if (!changed) return undefined;
    const merged = compactLedger(changed, now, compaction);
    try {
      const { etag } = await store.write(merged, stored.etag);
      return {
        ledger: merged,
        etag,
        attempts: attempt,
        ...(stored.problem ? { replacedProblem: stored.problem } : {}),
      };
    } catch (error) {
      if (!(error instanceof LedgerConflictError)) throw error;
      lastConflict = error;
    }
  }
  throw new LedgerConflictError(
    `${store.describe(accountId, region)}: gave up after ${maxAttempts} conflicting writes`,
    { cause: lastConflict },
  );
}
