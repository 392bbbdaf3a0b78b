import type { S3Client } from '@aws-sdk/client-s3';
import { InputError } from '../errors.js';
import { errorCode, httpStatus, isNotFound as isServiceNotFound } from './errors.js';

/**
 * True when S3 answered that the object (or the version asked for) does not exist: `NoSuchKey` or
 * `NoSuchVersion`. A missing bucket (`NoSuchBucket`), a 404 without an S3 error code and every
 * other failure are not: reading them as "no object yet" would start a history or a ledger afresh.
 */
export function isNotFound(error: unknown): boolean {
  return isServiceNotFound(error, 's3');
}

/**
 * The S3 client's commands, loaded at the first call: a run that only parses S3 locations (an
 * audit of files) does not load the S3 client.
 */
function loadS3Commands(): Promise<typeof import('./s3-commands.js')> {
  return import('./s3-commands.js');
}

/** A parsed `s3://bucket/key` location. */
export interface S3Location {
  bucket: string;
  key: string;
}

/**
 * Parses `s3://bucket/key/with/slashes`.
 *
 * @throws InputError when the text is not an S3 URI with a bucket and a key.
 * @example parseS3Uri('s3://audit-config/baseline.yaml') // { bucket: 'audit-config', key: 'baseline.yaml' }
 */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri.trim());
  if (!match) throw new InputError(`not an S3 URI (expected s3://BUCKET/KEY): ${uri}`);
  return { bucket: match[1], key: match[2] };
}

/** Reads an object as UTF-8 text, with the ETag and version id that identify what was read. */
export async function getObjectText(
  s3: S3Client,
  uri: string | S3Location,
): Promise<{ text: string; etag?: string; versionId?: string }> {
  const { bucket, key } = typeof uri === 'string' ? parseS3Uri(uri) : uri;
  const { GetObjectCommand } = await loadS3Commands();
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = response.Body ? await response.Body.transformToString('utf-8') : '';
  return {
    text,
    ...(response.ETag ? { etag: response.ETag } : {}),
    ...(response.VersionId ? { versionId: response.VersionId } : {}),
  };
}

export interface PutObjectInput {
  bucket: string;
  key: string;
  body: string | Uint8Array;
  contentType: string;
  /** Write only if the current object has this ETag (optimistic concurrency). */
  ifMatch?: string;
  /** `*`: write only if no object exists at the key. */
  ifNoneMatch?: string;
}

/**
 * Writes an object, optionally conditional on its current ETag.
 *
 * @throws the S3 error; {@link isPreconditionFailed} tells a lost conditional write apart.
 */
export async function putObject(
  s3: S3Client,
  input: PutObjectInput,
): Promise<{ etag: string; versionId?: string }> {
  const { PutObjectCommand } = await loadS3Commands();
  const response = await s3.send(
    new PutObjectCommand({
      Bucket: input.bucket,
      Key: input.key,
      Body: input.body,
      ContentType: input.contentType,
      ...(input.ifMatch ? { IfMatch: input.ifMatch } : {}),
      ...(input.ifNoneMatch ? { IfNoneMatch: input.ifNoneMatch } : {}),
    }),
  );
  return {
    etag: response.ETag ?? '',
    ...(response.VersionId ? { versionId: response.VersionId } : {}),
  };
}

/** True when a conditional write lost: another writer changed the object first. */
export function isPreconditionFailed(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || httpStatus(error) === 412;
}
