import { failureCause } from '../aws/errors.js';
import { defaultClock } from '../clock.js';

/** How a publisher retries on top of the SDK's own retries. */
export interface RetryPolicy {
  /** Attempts including the first. */
  maxAttempts: number;
  /** First delay; doubles with every attempt, with full jitter, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs?: number;
  /** Waits between attempts; injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1); injectable for deterministic tests. */
  random?: () => number;
}

/**
 * True for failures worth another attempt: throttling (SNS `Throttled` 429, Security Hub
 * `LimitExceededException` 429, …), server errors, timeouts and network errors, as the one
 * classification of AWS failures ({@link failureCause}) names them.
 */
export function isTransient(error: unknown): boolean {
  const cause = failureCause(error);
  return cause === 'throttling' || cause === 'server-error' || cause === 'timeout' || cause === 'network';
}

/** The delay before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const cap = policy.maxDelayMs ?? 20_000;
  const exponential = Math.min(cap, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential * (policy.random ?? Math.random)());
}

/** Waits on the process clock (virtual under the test suite's virtual time). */
export const defaultSleep = (ms: number): Promise<void> => defaultClock().sleep(ms);

/**
 * Runs `operation` until it succeeds, a failure is not transient, or the attempts are used up;
 * waits with exponential backoff and full jitter in between.
 *
 * @throws the last failure.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
  retryable: (error: unknown) => boolean = isTransient,
): Promise<T> {
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !retryable(error)) throw error;
      await sleep(backoffDelay(policy, attempt));
    }
  }
}
