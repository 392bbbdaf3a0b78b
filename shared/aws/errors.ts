import type { CollectionError } from '../model/index.js';

/** The fields AWS SDK v3 service exceptions carry; every other error lacks some of them. */
interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function fields(error: unknown): SdkErrorLike {
  return typeof error === 'object' && error !== null ? (error as SdkErrorLike) : {};
}

/**
 * The AWS error code of a failure: the SDK exception name (`AccessDeniedException`,
 * `ResourceNotFoundException`), a Node network code (`ECONNREFUSED`), or `UnknownError`.
 */
export function errorCode(error: unknown): string {
  const { name, code, Code } = fields(error);
  if (typeof Code === 'string' && Code) return Code;
  if (typeof name === 'string' && name && name !== 'Error') return name;
  if (typeof code === 'string' && code) return code;
  return 'UnknownError';
}

/** The HTTP status the service answered with, when the failure came from a response. */
export function httpStatus(error: unknown): number | undefined {
  return fields(error).$metadata?.httpStatusCode;
}

/** The error's message, or its string form when it is not an Error. */
export function errorMessage(error: unknown): string {
  const { message } = fields(error);
  return typeof message === 'string' ? message : String(error);
}

/** True for "this resource does not exist" answers (deleted between a List and a Describe). */
export function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === 'ResourceNotFoundException' ||
    code === 'NoSuchEntity' ||
    code === 'NoSuchEntityException' ||
    code === 'NotFound' ||
    code === 'NoSuchKey' ||
    httpStatus(error) === 404
  );
}

/**
 * Maps any failure to the snapshot's error record (DESIGN.md §4).
 *
 * @example toCollectionError('eks', 'ListClusters', err) // { service: 'eks', operation: 'ListClusters', code: 'AccessDeniedException', message: '...' }
 */
export function toCollectionError(
  service: string,
  operation: string,
  error: unknown,
  resource?: string,
): CollectionError {
  const record: CollectionError = {
    service,
    operation,
    code: errorCode(error),
    message: errorMessage(error),
  };
  if (resource !== undefined) record.resource = resource;
  return record;
}
