import {
  AdaptiveRetryStrategy,
  DefaultRateLimiter,
  MAXIMUM_RETRY_DELAY,
  type RateLimiter,
  Retry,
  StandardRetryStrategy,
} from '@smithy/core/retry';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { Clock } from '../clock.js';

/**
 * The SDK's retry strategy and HTTP handler waiting on a {@link Clock} instead of the wall clock,
 * for the client factory when it is given a clock other than the system clock (tests on virtual
 * time). Production clients never use them: on the system clock the SDK is configured as it is.
 */

/** The private parts of the SDK's rate limiter that {@link clockedRateLimiter} reads. */
interface RateLimiterState {
  enabled: boolean;
  availableTokens: number;
  fillRate: number;
  refillTokenBucket(): void;
}

/**
 * Adaptive mode's client-side rate limiter, the SDK's own (CUBIC over a token bucket, slowing down
 * after throttles), reading its time from a clock and waiting on it.
 */
function clockedRateLimiter(clock: Clock): RateLimiter {
  // The SDK keeps the limiter's time source and its wait private; this replaces exactly those two.
  // @ts-expect-error overrides the private getCurrentTimeInSeconds and acquireTokenBucket
  class ClockedRateLimiter extends DefaultRateLimiter {
    override getCurrentTimeInSeconds(): number {
      // The SDK reads a timestamp of 0 as "not set yet": start the clock's timeline at 1 s.
      return clock.now() / 1000 + 1;
    }

    override async acquireTokenBucket(amount: number): Promise<void> {
      const state = this as unknown as RateLimiterState;
      if (!state.enabled) return;
      state.refillTokenBucket();
      while (amount > state.availableTokens) {
        await clock.sleep(((amount - state.availableTokens) / state.fillRate) * 1000);
        state.refillTokenBucket();
      }
      state.availableTokens -= amount;
    }
  }
  return new ClockedRateLimiter();
}

/** The SDK's backoff asked to wait nothing, so the wait happens on the clock instead. */
const NO_SDK_WAIT = { computeNextBackoffDelay: () => 0, setDelayBase: () => {} };

/**
 * The SDK's retry strategy (same mode, attempts, retry quota and decisions) waiting on a clock: the
 * backoff the SDK computes (full jitter up to base × 2^retries, base 50 ms, 1 s after a throttle,
 * at most 20 s) is slept on `clock`, and adaptive mode's rate limiter runs on it.
 */
export class ClockedRetryStrategy implements RetryStrategyV2 {
  private readonly sdk: RetryStrategyV2;

  constructor(
    private readonly clock: Clock,
    readonly mode: 'adaptive' | 'standard',
    maxAttempts: number,
  ) {
    this.sdk =
      mode === 'adaptive'
        ? new AdaptiveRetryStrategy(maxAttempts, {
            maxAttempts,
            backoff: NO_SDK_WAIT,
            rateLimiter: clockedRateLimiter(clock),
          })
        : new StandardRetryStrategy({ maxAttempts, backoff: NO_SDK_WAIT });
  }

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.sdk.acquireInitialRetryToken(scope);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const next = await this.sdk.refreshRetryTokenForRetry(token, errorInfo);
    const base = errorInfo.errorType === 'THROTTLING' ? Retry.throttlingDelay() : Retry.delay();
    const cap = Math.min(base * 2 ** token.getRetryCount(), MAXIMUM_RETRY_DELAY);
    await this.clock.sleep(Math.floor(Math.random() * cap));
    return next;
  }

  recordSuccess(token: RetryToken): void {
    this.sdk.recordSuccess(token);
  }
}

/**
 * The wall-clock request timeout behind the one on the clock: only for a request whose server is not
 * on the same clock (another process), never for a slow answer on a loaded machine.
 */
const WALL_CLOCK_BACKSTOP_MS = 60_000;

/**
 * The node HTTP handler with the request timeout on a clock: an attempt the server has not answered
 * when the request timeout has passed on the clock is abandoned with the handler's own
 * `TimeoutError` (which the SDK retries), as on the wall clock.
 */
export class ClockedHttpHandler extends NodeHttpHandler {
  private readonly timeoutMs: number;

  constructor(
    options: NodeHttpHandlerOptions & { requestTimeout: number },
    private readonly clock: Clock,
  ) {
    super({ ...options, requestTimeout: Math.max(options.requestTimeout, WALL_CLOCK_BACKSTOP_MS) });
    this.timeoutMs = options.requestTimeout;
  }

  override async handle(request: Parameters<NodeHttpHandler['handle']>[0], options: HttpHandlerOptions = {}) {
    const expired = new AbortController();
    const answered = new AbortController();
    this.clock.sleep(this.timeoutMs, answered.signal).then(
      () => expired.abort(),
      () => {},
    );
    const caller = options.abortSignal as AbortSignal | undefined;
    const abortSignal = caller ? AbortSignal.any([caller, expired.signal]) : expired.signal;
    try {
      return await super.handle(request, { ...options, abortSignal });
    } catch (error) {
      if (!expired.signal.aborted || caller?.aborted) throw error;
      throw Object.assign(
        new Error(`the request got no answer within the ${this.timeoutMs} ms request timeout`, {
          cause: error,
        }),
        { name: 'TimeoutError', code: 'ETIMEDOUT' },
      );
    } finally {
      answered.abort();
    }
  }
}
