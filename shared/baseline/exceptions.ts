import type { Finding } from '../model/finding.js';
import { matchIamPattern } from '../trust/wildcard.js';
import type { Baseline, BaselineException } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * True when `text` matches the IAM-style glob `pattern` as a whole: `*` is any run of characters
 * (including `:` and `/`), `?` exactly one; everything else is literal and case-sensitive. The same
 * matcher as trust-policy wildcards, so exception globs read like IAM patterns.
 *
 * @example globMatches('arn:aws:iam::111122223333:role/crossplane-*', 'arn:aws:iam::111122223333:role/crossplane-aws') // true
 */
export function globMatches(pattern: string, text: string): boolean {
  return matchIamPattern(pattern, text);
}

/**
 * The first instant at which an exception no longer applies: the UTC midnight after its `expires`
 * day (an exception expiring 2027-03-31 applies through that whole day, UTC). Undefined when it
 * never expires.
 */
export function exceptionEnd(exception: Pick<BaselineException, 'expires'>): Date | undefined {
  if (exception.expires === undefined) return undefined;
  return new Date(Date.parse(`${exception.expires}T00:00:00Z`) + DAY_MS);
}

/** True when the exception has an `expires` day that is over at `now`. */
export function isExpired(exception: Pick<BaselineException, 'expires'>, now: Date): boolean {
  const end = exceptionEnd(exception);
  return end !== undefined && now.getTime() >= end.getTime();
}

/**
 * True when the exception suppresses the finding at `now`: same check id, the exception's
 * `resource` glob matches the finding's resource id, and it has not expired.
 */
export function matchesException(
  exception: BaselineException,
  finding: Pick<Finding, 'checkId' | 'resource'>,
  now: Date,
): boolean {
  return (
    exception.check === finding.checkId &&
    globMatches(exception.resource, finding.resource.id) &&
    !isExpired(exception, now)
  );
}

/**
 * Marks findings that a baseline exception covers as `suppressed`, with the exception's reason.
 * Findings stay in the list (a suppressed finding is still reported); the input is not mutated.
 */
export function applyExceptions<
  T extends Pick<Finding, 'checkId' | 'resource' | 'suppressed' | 'suppressionReason'>,
>(findings: readonly T[], baseline: Pick<Baseline, 'exceptions'>, now: Date): T[] {
  // Only exceptions of a finding's own check can match it: look those up by check id, in baseline
  // order (the first match gives the reason), leaving out the expired ones.
  const byCheck = new Map<string, BaselineException[]>();
  for (const exception of baseline.exceptions) {
    if (isExpired(exception, now)) continue;
    const ofCheck = byCheck.get(exception.check);
    if (ofCheck) ofCheck.push(exception);
    else byCheck.set(exception.check, [exception]);
  }
  if (byCheck.size === 0) return [...findings];
  return findings.map((finding) => {
    const candidates = byCheck.get(finding.checkId);
    const exception = candidates?.find((candidate) => globMatches(candidate.resource, finding.resource.id));
    return exception ? { ...finding, suppressed: true, suppressionReason: exception.reason } : finding;
  });
}

/** Exceptions whose `expires` day is over at `now`: the `SUPPRESSION_EXPIRED` check reports them. */
export function expiredExceptions(baseline: Pick<Baseline, 'exceptions'>, now: Date): BaselineException[] {
  return baseline.exceptions.filter((exception) => isExpired(exception, now));
}
