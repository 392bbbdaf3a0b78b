import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { type Clock, systemClock } from '../clock.js';
import { ClockedHttpHandler, ClockedRetryStrategy } from './clocked.js';
import { failureCause } from './errors.js';

/** Attempts per API call including the first. */
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * Attempts for a call whose endpoint could not be reached or did not answer in time: eight
 * attempts of a 30 s timeout would keep a run silent for minutes; throttling and server errors keep
 * the full count.
 */
export const CONNECTION_FAILURE_ATTEMPTS = 3;

/**
 * Sockets per endpoint host. Every client of the factory shares one handler, and one endpoint (EKS
 * or CloudTrail of a region, IAM, a local sandbox) serves every audited account: the SDK's default of
 * 50 would queue requests the collector's own in-flight cap already allows, and a queued request's
 * timeout runs while it waits for a socket.
 */
const MAX_SOCKETS_PER_HOST = 256;

/** What a factory's transport is built from. */
export interface TransportSettings {
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retryMode?: 'adaptive' | 'standard';
  maxAttempts?: number;
}

/**
 * The one HTTP handler every client of a factory shares: keep-alive agents with
 * {@link MAX_SOCKETS_PER_HOST} sockets, the connection and request timeouts, and a request timeout
 * that throws. On a clock with `exchange` (a virtual clock) the request timeout runs on the clock.
 */
export function createRequestHandler(settings: TransportSettings, clock: Clock): NodeHttpHandler {
  const options = {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Without this the handler only logs a warning when the request timeout passes.
    throwOnRequestTimeout: true,
  };
  return clock.exchange ? new ClockedHttpHandler(options, clock) : new NodeHttpHandler(options);
}

/**
 * The SDK's retry strategy with fewer attempts for a call that could not reach its endpoint or got
 * no answer in time ({@link CONNECTION_FAILURE_ATTEMPTS}); every other decision is the SDK's.
 */
class FewerConnectionRetries implements RetryStrategyV2 {
  constructor(
    private readonly sdk: RetryStrategyV2,
    readonly mode: 'adaptive' | 'standard',
  ) {}

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.sdk.acquireInitialRetryToken(scope);
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const cause = failureCause(errorInfo.error);
    if (
      (cause === 'network' || cause === 'timeout') &&
      token.getRetryCount() + 1 >= CONNECTION_FAILURE_ATTEMPTS
    ) {
      // The SDK's retry middleware rethrows the call's own error when no token is given.
      return Promise.reject(errorInfo.error);
    }
    return this.sdk.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: RetryToken): void {
    this.sdk.recordSuccess(token);
  }
}

/**
 * The retry part of a client's configuration: the SDK's strategy for the mode and attempts (on a
 * clock other than the system's, {@link ClockedRetryStrategy}, whose waits happen on that clock),
 * with fewer attempts for connection failures.
 */
export function retryConfig(
  settings: TransportSettings,
  clock: Clock,
): { retryStrategy: RetryStrategyV2; maxAttempts: number } {
  const retryMode = settings.retryMode ?? 'adaptive';
  const maxAttempts = settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const strategy =
    clock === systemClock
      ? retryMode === 'adaptive'
        ? new AdaptiveRetryStrategy(maxAttempts)
        : new StandardRetryStrategy(maxAttempts)
      : new ClockedRetryStrategy(clock, retryMode, maxAttempts);
  return { retryStrategy: new FewerConnectionRetries(strategy, retryMode), maxAttempts };
}

/** The SDK client surface the factory configures; every v3 client has it. */
export interface ConfigurableClient {
  middlewareStack: {
    add(
      middleware: unknown,
      options: { step: 'deserialize'; name: string; override?: boolean; priority?: 'high' },
    ): void;
  };
}

/**
 * Marks every HTTP attempt of the client as an exchange on a virtual clock, so time stands still
 * while the attempt is out. Outermost in the deserialize step, so the attempt's whole response is
 * read before time moves; a streaming body (GetObject's) is read after the call returns, so the
 * exchange lasts until that body has ended, failed or been destroyed (a body left unread holds the
 * clock: readers destroy what they stop reading). Does nothing on a clock without `exchange`.
 */
export function exchangeOnClock(client: ConfigurableClient, clock: Clock): void {
  const exchange = clock.exchange?.bind(clock);
  if (!exchange) return;
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => (args: unknown) =>
      new Promise((resolve, reject) => {
        exchange(async () => {
          const result = await next(args);
          resolve(result);
          const body = (result as { output?: { Body?: unknown } }).output?.Body;
          if (body instanceof Readable && !body.readableEnded) await finished(body).catch(() => {});
        }).catch(reject);
      }),
    { step: 'deserialize', priority: 'high', name: 'eksIdentityAuditClockExchange', override: true },
  );
}
