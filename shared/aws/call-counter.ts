import { compareText } from '../model/compare.js';
import type { AwsService } from './service-clients.js';
import type { ConfigurableClient } from './transport.js';

/** Counted API calls of one (account, service, operation). */
export interface ApiCallCount {
  account: string;
  service: AwsService;
  operation: string;
  count: number;
}

/** Called once per HTTP attempt; `account` is the audited account the client acts in, or `caller`. */
export type ApiCallListener = (account: string, service: AwsService, operation: string) => void;

const keyOf = (account: string, service: string, operation: string) =>
  `${account}\u0000${service}\u0000${operation}`;

/** Counts HTTP attempts (retries included) over every client it is attached to. */
export interface ApiCallCounter {
  /** Counts every attempt the client makes as a call of `service` in `account`. */
  attach(client: ConfigurableClient, account: string, service: AwsService): void;
  /** Total attempts counted. */
  total(): number;
  /** Attempts per (account, service, operation), sorted by those three. */
  entries(): ApiCallCount[];
}

/** An {@link ApiCallCounter} that also tells `listener` of each attempt. */
export function apiCallCounter(listener?: ApiCallListener): ApiCallCounter {
  let total = 0;
  const counts = new Map<string, ApiCallCount>();
  const count = (account: string, service: AwsService, operation: string) => {
    total += 1;
    const key = keyOf(account, service, operation);
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else counts.set(key, { account, service, operation, count: 1 });
    listener?.(account, service, operation);
  };
  return {
    attach(client, account, service) {
      // The deserialize step runs below the retry middleware, so every attempt is counted.
      client.middlewareStack.add(
        (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
          async (args: unknown) => {
            count(account, service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
            return next(args);
          },
        { step: 'deserialize', name: 'eksIdentityAuditApiCallCounter', override: true },
      );
    },
    total: () => total,
    entries: () =>
      [...counts.values()]
        .map((entry) => ({ ...entry }))
        .sort((a, b) =>
          compareText(keyOf(a.account, a.service, a.operation), keyOf(b.account, b.service, b.operation)),
        ),
  };
}
