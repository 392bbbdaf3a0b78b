import type { S3Client } from '@aws-sdk/client-s3';
import { isNotFound, parseS3Uri } from '../aws/s3.js';
import { loadBaselineFile, parseBaseline, sha256Hex } from '../baseline/parse.js';
import type { Baseline } from '../baseline/types.js';
import { s3Uri } from '../bucket.js';
import { InputError } from '../errors.js';
import type { BaselineProvenance } from './provenance.js';

export { type BaselineProvenance, provenanceOf } from './provenance.js';

/** Where to read a baseline: a file, or an S3 object (pinned to a version when given). */
export type BaselineLocation =
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; key: string; versionId?: string };

/**
 * A baseline location from its text: `s3://BUCKET/KEY`, else a file path.
 *
 * @throws InputError for an `s3://` text without a bucket and a key.
 * @example baselineLocation('s3://audit-config/baseline.yaml') // { kind: 's3', bucket: 'audit-config', key: 'baseline.yaml' }
 */
export function baselineLocation(text: string): BaselineLocation {
  return text.startsWith('s3://') ? { kind: 's3', ...parseS3Uri(text) } : { kind: 'file', path: text };
}

/** The name a baseline is known by in errors, findings and reports: the path or `s3://bucket/key`. */
export function baselineSourceName(location: BaselineLocation): string {
  return location.kind === 'file' ? location.path : s3Uri(location.bucket, location.key);
}

/** The baseline object does not exist (or not in the version asked for). */
export class BaselineNotFoundError extends InputError {
  override name = 'BaselineNotFoundError';
}

/** A baseline's text as read, with where it came from. */
export interface BaselineText {
  text: string;
  provenance: BaselineProvenance;
}

/**
 * Reads a baseline object's text from S3, pinned to a version when given (so every step of a run
 * judges against the same file even if someone uploads a new one mid-run).
 *
 * @throws BaselineNotFoundError when there is no such object (or version); the S3 error otherwise.
 */
export async function readBaselineObjectText(
  s3: S3Client,
  location: { bucket: string; key: string; versionId?: string },
): Promise<BaselineText> {
  const source = s3Uri(location.bucket, location.key);
  // Loaded only here, so a run with a baseline file does not load the S3 client.
  const { GetObjectCommand } = await import('../aws/s3-commands.js');
  try {
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ...(location.versionId ? { VersionId: location.versionId } : {}),
      }),
    );
    const text = response.Body ? await response.Body.transformToString('utf-8') : '';
    return {
      text,
      provenance: {
        source,
        ...(response.ETag ? { etag: response.ETag } : {}),
        ...(response.VersionId ? { versionId: response.VersionId } : {}),
        sha256: sha256Hex(text),
      },
    };
  } catch (error) {
    if (isNotFound(error)) {
      throw new BaselineNotFoundError(
        `${source}: baseline not found (upload it with aws s3 cp baseline.yaml ${source})`,
        [],
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Parses a baseline text read from S3 and records the object's ETag and version id on it.
 *
 * @throws InputError with located problems when it is invalid.
 */
export function parseBaselineText(read: BaselineText): Baseline {
  const baseline = parseBaseline(read.text, read.provenance.source);
  return {
    ...baseline,
    source: {
      ...baseline.source,
      ...(read.provenance.etag ? { etag: read.provenance.etag } : {}),
      ...(read.provenance.versionId ? { versionId: read.provenance.versionId } : {}),
    },
  };
}

/**
 * The one baseline source of every face: a file or an S3 object, read, validated and normalized,
 * with its provenance on `baseline.source`. `s3` is called only for an S3 location.
 *
 * @throws InputError (located) for an unreadable file or an invalid baseline;
 * BaselineNotFoundError for a missing object; the S3 error otherwise.
 * @example const baseline = await loadBaseline(baselineLocation('baseline.yaml'), () => factory.s3());
 */
export async function loadBaseline(location: BaselineLocation, s3: () => S3Client): Promise<Baseline> {
  if (location.kind === 'file') return loadBaselineFile(location.path);
  return parseBaselineText(await readBaselineObjectText(s3(), location));
}
