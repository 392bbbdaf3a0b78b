import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type Clock, systemClock } from '../clock.js';
import { ClockedHttpHandler, ClockedRetryStrategy } from './clocked.js';

/** Attempts per API call including the first. */
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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
 * The retry part of a client's configuration. On the system clock the SDK is configured as it
 * always is (mode and attempts); on any other clock the same mode and attempts run through
 * {@link ClockedRetryStrategy}, whose waits happen on that clock.
 */
export function retryConfig(
  settings: TransportSettings,
  clock: Clock,
):
  | { retryMode: 'adaptive' | 'standard'; maxAttempts: number }
  | { retryStrategy: ClockedRetryStrategy; maxAttempts: number } {
  const retryMode = settings.retryMode ?? 'adaptive';
  const maxAttempts = settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  return clock === systemClock
    ? { retryMode, maxAttempts }
    : { retryStrategy: new ClockedRetryStrategy(clock, retryMode, maxAttempts), maxAttempts };
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
 * read before time moves. Does nothing on a clock without `exchange`.
 */
export function exchangeOnClock(client: ConfigurableClient, clock: Clock): void {
  const exchange = clock.exchange?.bind(clock);
  if (!exchange) return;
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => (args: unknown) => exchange(() => next(args)),
    { step: 'deserialize', priority: 'high', name: 'eksIdentityAuditClockExchange', override: true },
  );
}
