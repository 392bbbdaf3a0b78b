import type { Clock } from '../clock.js';
import { errorCode, failureCause } from './errors.js';
import type { AwsService } from './service-clients.js';
import type { ConfigurableClient } from './transport.js';

/** One HTTP attempt of an AWS call: who made it, in which lane (account and region), when. */
export interface ApiAttempt {
  /** The audited account, or the caller's marker for clients of the starting identity. */
  account: string;
  region: string;
  service: AwsService;
  operation: string;
  /** On the factory's clock, in milliseconds. */
  startedAt: number;
}

/** How an attempt ended: `ok`, or the error code (`ThrottlingException`, `ECONNREFUSED`, `TimeoutError`). */
export interface ApiAttemptResult {
  latencyMs: number;
  outcome: string;
  /** The cause class of a failure (`throttling`, `network`, `timeout`, …). */
  cause?: ReturnType<typeof failureCause>;
}

/** Watches the HTTP attempts of a factory's clients. */
export interface ApiAttemptObserver {
  started?(attempt: ApiAttempt): void;
  finished?(attempt: ApiAttempt, result: ApiAttemptResult): void;
}

/**
 * Tells `observer` when each HTTP attempt of the client starts and how it ended. In the deserialize
 * step, below the retry middleware, so every attempt is seen.
 */
export function observeAttempts(
  client: ConfigurableClient,
  account: string,
  service: AwsService,
  observer: ApiAttemptObserver,
  clock: Clock,
): void {
  const regionOf = (client as unknown as { config: { region: () => Promise<string> } }).config.region;
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        const attempt: ApiAttempt = {
          account,
          region: await regionOf(),
          service,
          operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
          startedAt: clock.now(),
        };
        observer.started?.(attempt);
        try {
          const output = await next(args);
          observer.finished?.(attempt, { latencyMs: clock.now() - attempt.startedAt, outcome: 'ok' });
          return output;
        } catch (error) {
          observer.finished?.(attempt, {
            latencyMs: clock.now() - attempt.startedAt,
            outcome: errorCode(error),
            cause: failureCause(error),
          });
          throw error;
        }
      },
    { step: 'deserialize', name: 'eksIdentityAuditApiAttemptObserver', override: true },
  );
}
