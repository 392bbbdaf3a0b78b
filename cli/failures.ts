import { failureCause } from '../shared/aws/errors.js';

/** What the run knew about where it was sending calls, for naming the fix. */
export interface FailureContext {
  /** `--endpoint-url` / `AWS_ENDPOINT_URL`, when one was given. */
  endpointUrl?: string;
  /** `--profile` / `AWS_PROFILE`. */
  profile?: string;
  /** The request timeout the attempts had. */
  requestTimeoutMs?: number;
}

/** The fields Node and the SDK put on a failed connection. */
interface NetworkFields {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  hostname?: unknown;
  address?: unknown;
  port?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function fieldsOf(error: unknown): NetworkFields {
  return typeof error === 'object' && error !== null ? (error as NetworkFields) : {};
}

/** The error and the ones it wraps (`cause`, an `AggregateError`'s `errors`), outermost first. */
function chain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue = [error];
  while (queue.length > 0 && seen.length < 10) {
    const next = queue.shift();
    if (next === undefined || next === null || seen.includes(next)) continue;
    seen.push(next);
    const { cause, errors } = fieldsOf(next);
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return seen;
}

const CREDENTIALS_NAMES = new Set(['CredentialsProviderError', 'TokenProviderError']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const REFUSED_CODES = new Set(['ECONNREFUSED']);

/** `host:port` of the endpoint, from the error or the context. */
function hostOf(error: unknown, context: FailureContext): string | undefined {
  for (const link of chain(error)) {
    const { hostname, address, port } = fieldsOf(link);
    const host = typeof hostname === 'string' ? hostname : typeof address === 'string' ? address : undefined;
    if (host) return typeof port === 'number' || typeof port === 'string' ? `${host}:${port}` : host;
  }
  if (context.endpointUrl) {
    try {
      return new URL(context.endpointUrl).host;
    } catch {
      return context.endpointUrl;
    }
  }
  return undefined;
}

/** Where the endpoint came from, for the fix. */
function endpointAdvice(context: FailureContext): string {
  return context.endpointUrl
    ? 'check --endpoint-url (or AWS_ENDPOINT_URL)'
    : 'check --region, HTTPS_PROXY/NO_PROXY and the network path to AWS';
}

/**
 * One line naming the cause and the fix for the SDK's failures an operator meets first: no
 * credentials, a refused connection, a name that does not resolve, an endpoint that does not
 * answer. Undefined for anything else (the caller then says what it knows). The SDK's own text
 * ("Could not load credentials from any providers", "connect ECONNREFUSED …") is not repeated.
 *
 * @example explainAwsFailure(error, { endpointUrl: 'http://127.0.0.1:4566' })
 * // 'cannot connect to 127.0.0.1:4566 (connection refused): is the endpoint running? check --endpoint-url (or AWS_ENDPOINT_URL)'
 */
/** True when the SDK found no usable credentials (the standard chain, or a profile). */
export function isCredentialsFailure(error: unknown): boolean {
  return chain(error).some((link) => {
    const { name } = fieldsOf(link);
    return typeof name === 'string' && CREDENTIALS_NAMES.has(name);
  });
}

export function explainAwsFailure(error: unknown, context: FailureContext = {}): string | undefined {
  const links = chain(error);
  const named = (names: Set<string>) =>
    links.some((link) => {
      const { name } = fieldsOf(link);
      return typeof name === 'string' && names.has(name);
    });
  const coded = (codes: Set<string>) =>
    links.some((link) => {
      const { code } = fieldsOf(link);
      return typeof code === 'string' && codes.has(code);
    });
  if (named(CREDENTIALS_NAMES)) {
    const profile = context.profile;
    return profile
      ? `no AWS credentials from profile ${profile}: check that it is in the shared config (~/.aws/config, or AWS_CONFIG_FILE) and that its session is current (aws sso login --profile ${profile}), or pass another --profile`
      : 'no AWS credentials found (environment, shared config, SSO, instance role): pass --profile NAME or set AWS_PROFILE, run aws sso login, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  const host = hostOf(error, context) ?? 'the AWS endpoint';
  if (coded(REFUSED_CODES)) {
    return `cannot connect to ${host} (connection refused): is the endpoint running? ${endpointAdvice(context)}`;
  }
  if (coded(DNS_CODES)) {
    return `cannot resolve the host name ${host} (DNS): ${context.endpointUrl ? 'check --endpoint-url (or AWS_ENDPOINT_URL) for a typo' : 'check --region for a typo'}, and this machine's DNS`;
  }
  const cause = failureCause(error);
  if (cause === 'timeout' || links.some((link) => failureCause(link) === 'timeout')) {
    const within = context.requestTimeoutMs ? ` within ${Math.round(context.requestTimeoutMs / 1000)} s` : '';
    return `${host} did not answer${within}, after every attempt: ${endpointAdvice(context)}; raise --request-timeout if it is only slow`;
  }
  if (cause === 'network') {
    return `the connection to ${host} failed: ${endpointAdvice(context)}`;
  }
  return undefined;
}
