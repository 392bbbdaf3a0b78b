import { causeOfError, FAILURE_CAUSE_LABELS, type FailureCause } from '../aws/errors.js';
import type { CollectionError } from '../model/index.js';

export { causeOfError, FAILURE_CAUSE_LABELS, FAILURE_CAUSES, type FailureCause } from '../aws/errors.js';

/**
 * What to do about each cause, in one line: short enough to follow an account id on a terminal, and
 * the remediation of a `COLLECTION_INCOMPLETE` finding.
 */
const HINTS: Readonly<Record<FailureCause, string>> = {
  credentials:
    'the starting identity has no valid credentials: check --profile / AWS_PROFILE, refresh the session (aws sso login) or the keys',
  'access-denied':
    "the audit role is not allowed this call: grant the member role's read actions (SecurityAudit lacks the Pod Identity ones)",
  network: 'the endpoint could not be reached: check --endpoint-url, proxies and the network path to AWS',
  timeout: 'the endpoint did not answer in time: retry, or raise --request-timeout',
  throttling: 'AWS throttled the calls beyond every retry: lower --eks-rate, --iam-rate or --max-in-flight',
  'unsupported-api':
    'the endpoint does not implement this API (an emulator, a region or partition without it): collect from one that implements it',
  'server-error': 'AWS answered with a server error after every retry: collect again later',
  'unexpected-answer':
    'the answer carried no error code the service documents (a proxy or an emulator?), so it is not taken as proof that anything was deleted: check --endpoint-url',
};

/** A failed AssumeRole names its own fix: the external id and the member role's trust. */
function isAssumeRole(error: Pick<CollectionError, 'service' | 'operation'>): boolean {
  return error.service === 'sts' && error.operation === 'AssumeRole';
}

/**
 * The short advice for one recorded error, e.g. `check --external-id and the member role's trust`
 * for an AccessDenied on `sts:AssumeRole`.
 */
export function causeHint(error: CollectionError & { cause?: string }): string {
  const cause = causeOfError(error);
  if (error.code === 'AccountMismatch')
    return 'the credentials belong to another account: pass --role-name to read this one through its member role';
  if (cause === 'access-denied' && isAssumeRole(error))
    return "check --external-id and the member role's trust (is the role deployed and does it trust the caller?)";
  return HINTS[cause];
}

/**
 * The remediation of some recorded errors: the advice of each distinct cause, labelled
 * (`access denied: check --external-id …`), then "collect again".
 */
export function remediationOf(errors: ReadonlyArray<CollectionError & { cause?: string }>): string {
  const parts = causesOf(errors).map((cause) => {
    const advice = new Set(errors.filter((error) => causeOfError(error) === cause).map(causeHint));
    return `${FAILURE_CAUSE_LABELS[cause]}: ${[...advice].join('; ')}.`;
  });
  return `${parts.join(' ')} Then collect again.`;
}

/** Causes whose message says more than the hint (which profile, which answer): it is quoted. */
const QUOTED: ReadonlySet<FailureCause> = new Set(['credentials', 'unsupported-api', 'unexpected-answer']);

/** Longest message quoted in a one-line description. */
const MAX_QUOTED = 200;

/**
 * One line about a recorded error: `AccessDenied on sts:AssumeRole — check --external-id and the
 * member role's trust (…)`; for credentials, unsupported APIs and unexpected answers the service's
 * or the SDK's message follows (`[Could not resolve credentials using profile: [ops] …]`).
 */
export function describeFailure(error: CollectionError & { cause?: string }): string {
  const line = `${error.code} on ${error.service}:${error.operation} — ${causeHint(error)}`;
  const quoted = quotedMessage(error, credentialsDetail(error) ?? error.message.trim());
  return quoted === undefined ? line : `${line} [${quoted}]`;
}

/**
 * The message a one-line description of the error quotes after its hint, cut to
 * {@link MAX_QUOTED} characters; undefined when the cause's hint says all or there is no message.
 */
export function quotedMessage(
  error: CollectionError & { cause?: string },
  message: string,
): string | undefined {
  if (!QUOTED.has(causeOfError(error)) || message === '') return undefined;
  return message.length > MAX_QUOTED ? `${message.slice(0, MAX_QUOTED - 1)}…` : message;
}

/**
 * What a credentials failure's message adds to the hint: only the profile it names. The SDK's own
 * text ("Could not load credentials from any providers") says nothing the hint does not.
 */
function credentialsDetail(error: CollectionError & { cause?: string }): string | undefined {
  if (causeOfError(error) !== 'credentials' || error.code !== 'CredentialsProviderError') return undefined;
  const profile = /^profile ([^:\s]+):/.exec(error.message.trim())?.[1];
  return profile
    ? `profile ${profile} gives no credentials: is it in the shared config or credentials file, and is its session current?`
    : '';
}

/** The distinct causes of some errors, in {@link FAILURE_CAUSES} order. */
export function causesOf(errors: ReadonlyArray<CollectionError & { cause?: string }>): FailureCause[] {
  const found = new Set(errors.map((error) => causeOfError(error)));
  return (Object.keys(FAILURE_CAUSE_LABELS) as FailureCause[]).filter((cause) => found.has(cause));
}
