import type { CollectionError } from '../model/index.js';
import type { AwsService } from './service-clients.js';

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

/**
 * Services whose error answers are XML with a `<Code>` element (query protocol, and S3's REST-XML):
 * the SDK copies it to `Code`. Without one the answer named no error, whatever class the SDK picked
 * (it makes a code-less SNS 404 a `NotFoundException`, a code-less IAM or S3 404 a `NotFound`).
 */
const XML_ERROR_SERVICES: ReadonlySet<string> = new Set(['sts', 'iam', 'sns', 's3']);

/** Names the SDK gives a JSON error answer that carried no error type. */
const NO_WIRE_CODE = new Set(['Unknown', 'UnknownError', 'Error', 'SyntaxError']);

/**
 * The error code the service itself sent (`<Code>` of an XML error, the error type of a JSON one),
 * or undefined when the failure carried none: no answer at all (network, credentials), or an answer
 * without an AWS error code (a bare 404 from a proxy or an emulator that lacks the operation).
 */
export function wireErrorCode(service: string, error: unknown): string | undefined {
  const { name, Code } = fields(error);
  if (typeof Code === 'string' && Code) return Code;
  if (httpStatus(error) === undefined || XML_ERROR_SERVICES.has(service)) return undefined;
  return typeof name === 'string' && name && !NO_WIRE_CODE.has(name) ? name : undefined;
}

/**
 * The documented "this resource does not exist" codes of each service, as sent on the wire
 * (botocore's service models: EKS `ResourceNotFoundException` and `NotFoundException`, IAM
 * `NoSuchEntity`, SNS `NotFound` and `ResourceNotFound`, S3 `NoSuchKey` and `NoSuchVersion`, Security
 * Hub and CloudTrail `ResourceNotFoundException`; STS has none). S3 `NoSuchBucket` is deliberately
 * absent: a missing bucket is a configuration error, not a missing object.
 */
export const NOT_FOUND_CODES: Readonly<Record<AwsService, ReadonlySet<string>>> = {
  eks: new Set(['ResourceNotFoundException', 'NotFoundException']),
  // The SDK makes this class only from the wire code NoSuchEntity (a code-less 404 becomes NotFound).
  iam: new Set(['NoSuchEntity', 'NoSuchEntityException']),
  sns: new Set(['NotFound', 'ResourceNotFound']),
  s3: new Set(['NoSuchKey', 'NoSuchVersion']),
  securityhub: new Set(['ResourceNotFoundException']),
  cloudtrail: new Set(['ResourceNotFoundException']),
  sts: new Set(),
  // Discovery lists and never describes one resource: an unknown OU is a configuration error, not absence.
  organizations: new Set(),
};

/**
 * True only when the service said, with one of its documented codes ({@link NOT_FOUND_CODES}), that
 * the resource does not exist (deleted between a List and a Describe, an object not written yet).
 * Any other failure, a 404 without such a code included, is not evidence of absence: the caller
 * records it as a collection error so the scope is incomplete.
 */
export function isNotFound(error: unknown, service: AwsService): boolean {
  const { name, Code } = fields(error);
  const codes = NOT_FOUND_CODES[service];
  if (typeof Code === 'string' && Code) return codes.has(Code);
  // Without `<Code>` an XML service named no error; IAM's class name is only ever made from one.
  if (XML_ERROR_SERVICES.has(service) && service !== 'iam') return false;
  return typeof name === 'string' && codes.has(name);
}

/**
 * Why a call failed, as an operator acts on it: the starting identity's credentials, access denied,
 * the network, a timeout, throttling, an API the endpoint does not implement, a server error, or an
 * answer that is none of these (a 404 without an AWS error code, a validation error).
 */
export const FAILURE_CAUSES = [
  'credentials',
  'access-denied',
  'network',
  'timeout',
  'throttling',
  'unsupported-api',
  'server-error',
  'unexpected-answer',
] as const;
export type FailureCause = (typeof FAILURE_CAUSES)[number];

/** How each cause reads in a message. */
export const FAILURE_CAUSE_LABELS: Readonly<Record<FailureCause, string>> = {
  credentials: 'credentials',
  'access-denied': 'access denied',
  network: 'network',
  timeout: 'timeout',
  throttling: 'throttling',
  'unsupported-api': 'unsupported API',
  'server-error': 'server error',
  'unexpected-answer': 'unexpected answer',
};

/**
 * The error codes of each cause, as whole-code patterns (an SDK class name or a wire code; our own
 * `AccountMismatch`: the starting identity belongs to another account than the one asked for).
 */
const CREDENTIAL_CODES =
  /^(CredentialsProviderError|TokenProviderError|ExpiredToken(Exception)?|InvalidClientTokenId|UnrecognizedClientException|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSignatureException|IncompleteSignature(Exception)?|MissingAuthenticationToken(Exception)?|AuthFailure|RequestExpired|InvalidToken|AccountMismatch)$/;
const ACCESS_DENIED_CODES =
  /^(AccessDenied(Exception)?|AuthorizationError(Exception)?|Unauthorized(Operation|Access)|InvalidAccessException|NotAuthorized|Forbidden|OptInRequired|RegionDisabledException)$/;
const THROTTLING_CODES =
  /^(Throttl(ing|ed)(Exception)?|TooManyRequestsException|RequestLimitExceeded|RequestThrottled(Exception)?|SlowDown|LimitExceededException|ProvisionedThroughputExceededException|BandwidthLimitExceeded|PriorRequestNotComplete)$/;
const TIMEOUT_CODES = /^(TimeoutError|Timeout|E(SOCKET)?TIMEDOUT|RequestTimeout(Exception)?)$/;
const UNSUPPORTED_CODES =
  /^(InvalidAction|UnknownOperation(Exception)?|UnknownService|NotImplemented|UnsupportedOperation(Exception)?)$/;
const SERVER_ERROR_CODES =
  /^(InternalFailure|InternalError(Exception)?|Internal(Server)?Exception|InternalServerError|ServerException|ServiceFailure(Exception)?|ServiceUnavailable(Exception)?)$/;

/** Node's codes for a connection that failed before an answer (refused, reset, no route, DNS, TLS). */
const NETWORK_CODE =
  /^(E(CONN|HOST|NET|AI_|NOTFOUND|PIPE|PROTO)|ERR_SSL|ERR_TLS|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|NetworkingError)/;

/** The HTTP status a recorded error code names (`HTTP404`, see {@link toCollectionError}). */
const STATUS_CODE = /^HTTP(\d{3})$/;

/**
 * The cause class of an error code (and the HTTP status, when known). Codes decide first; a status
 * decides what no known code does: 401/403 access denied, 429 throttling, 501 unsupported, other
 * 5xx server errors. Everything else, a 404 without an AWS error code included, is an unexpected
 * answer.
 *
 * @example causeOfCode('AccessDenied') // 'access-denied'
 * @example causeOfCode('HTTP404') // 'unexpected-answer'
 */
export function causeOfCode(code: string, status?: number): FailureCause {
  if (CREDENTIAL_CODES.test(code)) return 'credentials';
  if (ACCESS_DENIED_CODES.test(code)) return 'access-denied';
  if (THROTTLING_CODES.test(code)) return 'throttling';
  if (TIMEOUT_CODES.test(code)) return 'timeout';
  if (UNSUPPORTED_CODES.test(code)) return 'unsupported-api';
  if (SERVER_ERROR_CODES.test(code)) return 'server-error';
  if (NETWORK_CODE.test(code)) return 'network';
  const answered = status ?? Number(STATUS_CODE.exec(code)?.[1] ?? Number.NaN);
  if (answered === 401 || answered === 403) return 'access-denied';
  if (answered === 429) return 'throttling';
  if (answered === 501) return 'unsupported-api';
  if (answered >= 500 && answered <= 599) return 'server-error';
  return 'unexpected-answer';
}

/** The cause class of a failure (see {@link causeOfCode}); a socket hang-up without a code is network. */
export function failureCause(error: unknown): FailureCause {
  const { code } = fields(error);
  // Node's network code wins over a generic name such as `Error`.
  if (typeof code === 'string' && NETWORK_CODE.test(code)) return 'network';
  if (typeof code === 'string' && TIMEOUT_CODES.test(code)) return 'timeout';
  const cause = causeOfCode(errorCode(error), httpStatus(error));
  if (cause === 'unexpected-answer' && httpStatus(error) === undefined) {
    if (/socket hang up|network|ECONNRESET/i.test(errorMessage(error))) return 'network';
  }
  return cause;
}

/** The cause class of a recorded error: the recorded one, else derived from its code. */
export function causeOfError(error: Pick<CollectionError, 'code'> & { cause?: string }): FailureCause {
  const recorded = error.cause;
  return recorded !== undefined && (FAILURE_CAUSES as readonly string[]).includes(recorded)
    ? (recorded as FailureCause)
    : causeOfCode(error.code);
}

/** The SDK's placeholders for an answer that carried no message. */
const NO_MESSAGE = new Set(['', 'Unknown', 'UnknownError']);

/**
 * Maps any failure to the snapshot's error record, with the code the service sent and the cause
 * class. An answer without an AWS error code is recorded as `HTTP<status>` (`HTTP404`), never under
 * the class name the SDK guessed for it.
 *
 * @example toCollectionError('eks', 'ListClusters', err) // { service: 'eks', operation: 'ListClusters', code: 'AccessDeniedException', message: '...', cause: 'access-denied' }
 */
export function toCollectionError(
  service: string,
  operation: string,
  error: unknown,
  resource?: string,
): CollectionError {
  const status = httpStatus(error);
  const wire = wireErrorCode(service, error);
  const code = wire ?? (status !== undefined ? `HTTP${status}` : errorCode(error));
  const message = errorMessage(error);
  const record: CollectionError = {
    service,
    operation,
    code,
    message:
      wire === undefined &&
      status !== undefined &&
      (NO_MESSAGE.has(message) || /parse|JSON|XML/i.test(message))
        ? `HTTP ${status} answer without an AWS error code`
        : message,
    cause: wire === undefined && status !== undefined ? causeOfCode(code) : failureCause(error),
  };
  if (resource !== undefined) record.resource = resource;
  return record;
}
