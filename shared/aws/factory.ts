import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type Clock, defaultClock, systemClock } from '../clock.js';
import { ClockedHttpHandler, ClockedRetryStrategy } from './clocked.js';

/** AWS credentials as SDK v3 clients accept them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A source of credentials the SDK calls whenever it needs (fresh) ones. */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** The services this project calls, named as in IAM action prefixes. */
export type AwsService =
  | 'sts'
  | 'iam'
  | 'eks'
  | 'cloudtrail'
  | 's3'
  | 'sns'
  | 'securityhub'
  | 'organizations';

/** Label used in API-call accounting for clients that act as the starting identity. */
export const CALLER_ACCOUNT = 'caller';

export interface ClientFactoryOptions {
  /** Default region: STS, S3, SNS, Security Hub and IAM clients use it unless told otherwise. */
  region: string;
  /** Named profile for the starting identity (standard credential chain otherwise). */
  profile?: string;
  /** One endpoint for every service (a local sandbox); S3 then uses path-style addressing. */
  endpointUrl?: string;
  /** Starting identity; default: the standard chain (`fromNodeProviderChain({ profile })`). */
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** Member role to assume in every audited account; undefined = use the starting identity directly. */
  roleName?: string;
  /** External id the member role's trust requires. */
  externalId?: string;
  /** Session name on member-account AssumeRole calls (shows in the members' CloudTrail). */
  roleSessionName?: string;
  /** Attempts per API call including the first. Default 8. */
  maxAttempts?: number;
  /** The SDK's retry mode. Default `adaptive` (client-side rate limiting after throttles). */
  retryMode?: 'adaptive' | 'standard';
  /** TCP connect timeout. Default 5 s. */
  connectionTimeoutMs?: number;
  /** Time allowed for a response once connected. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Called once per HTTP attempt (retries included). `account` is the audited account the client
   * acts in, or {@link CALLER_ACCOUNT} for clients that use the starting identity.
   */
  onApiCall?: (account: string, service: AwsService, operation: string) => void;
  /** Partition of the member role ARNs. Default `aws`. */
  partition?: string;
  /** Lifetime requested for member-account sessions. Default 3600 s. */
  sessionDurationSeconds?: number;
  /** Clock for credential refresh decisions; injectable for tests. */
  now?: () => number;
  /**
   * The clock the SDK's retries wait on. Default: {@link defaultClock}, the system clock outside
   * tests, with which the SDK waits as it always does (its own backoff and, in adaptive mode, its
   * client-side rate limiter). Any other clock keeps the retry mode, attempts and retry decisions,
   * and runs the SDK's backoff and adaptive rate limiter on that clock; a clock with
   * `exchange` (a virtual clock) also stands still during every HTTP attempt, and the request
   * timeout runs on it too (a request the server holds, with latency or a hang, times out on the
   * clock; a wall-clock timeout of at least a minute stays as a backstop).
   */
  clock?: Clock;
}

/** Counted API calls of one (account, service, operation). */
export interface ApiCallCount {
  account: string;
  service: AwsService;
  operation: string;
  count: number;
}

/**
 * Hands out configured AWS clients: one cached client per (service, account, region), with
 * member-account credentials from AssumeRole.
 */
export interface ClientFactory {
  sts(region?: string): STSClient;
  iam(accountId: string): IAMClient;
  eks(accountId: string, region: string): EKSClient;
  cloudTrail(accountId: string, region: string): CloudTrailClient;
  s3(region?: string): S3Client;
  sns(region?: string): SNSClient;
  /** Starting identity without `accountId`; the member role's credentials with it. */
  securityHub(accountId?: string, region?: string): SecurityHubClient;
  /** AWS Organizations as the starting identity (the management account or a delegated administrator). */
  organizations(): OrganizationsClient;
  /** The starting identity (GetCallerIdentity, cached). */
  callerIdentity(): Promise<{ accountId: string; arn: string }>;
  /**
   * Credentials for an audited account (AssumeRole into the member role, cached and refreshed
   * before expiry; the starting identity in single-account mode).
   *
   * @throws {@link AssumeRoleError} when the member role cannot be assumed.
   */
  accountCredentials(accountId: string): Promise<AwsCredentials>;
  /** Total HTTP attempts made by every client of this factory. */
  apiCallCount(): number;
  /** Attempts per (account, service, operation), sorted. */
  apiCalls(): ApiCallCount[];
  /** The options the factory was built with (defaults applied). */
  readonly options: Readonly<ClientFactoryOptions>;
}

/** AssumeRole into a member account failed; `cause` is the STS error. */
export class AssumeRoleError extends Error {
  override name = 'AssumeRoleError';
  constructor(
    readonly roleArn: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`cannot assume ${roleArn}: ${reason}`, options);
  }
}

/** Refresh member credentials this long before they expire (more than the SDK's own 5-minute margin). */
const REFRESH_MARGIN_MS = 10 * 60 * 1000;
const DEFAULT_MAX_ATTEMPTS = 8;
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * Sockets per endpoint host. Every client of the factory shares one handler, and one endpoint (EKS
 * or CloudTrail of a region, IAM, a local sandbox) serves every audited account: the SDK's default of
 * 50 would queue requests the collector's own in-flight cap already allows, and a queued request's
 * timeout runs while it waits for a socket.
 */
const MAX_SOCKETS_PER_HOST = 256;

interface CachedCredentials {
  value?: AwsCredentials;
  pending?: Promise<AwsCredentials>;
}

/** The SDK client surface the factory configures; every v3 client has it. */
interface ConfigurableClient {
  middlewareStack: {
    add(
      middleware: unknown,
      options: { step: 'deserialize'; name: string; override?: boolean; priority?: 'high' },
    ): void;
  };
}

/**
 * The client classes a factory may build, besides STS (which it always needs for AssumeRole). A
 * Lambda function passes only the ones it calls, so its bundle leaves the other clients out.
 */
export interface ServiceClientClasses {
  iam?: typeof IAMClient;
  eks?: typeof EKSClient;
  cloudtrail?: typeof CloudTrailClient;
  s3?: typeof S3Client;
  sns?: typeof SNSClient;
  securityhub?: typeof SecurityHubClient;
  organizations?: typeof OrganizationsClient;
}

/** A factory was asked for a client of a service it was not given the class of. */
export class ServiceNotConfiguredError extends Error {
  override name = 'ServiceNotConfiguredError';
  constructor(readonly service: AwsService) {
    super(`this client factory was built without the ${service} client`);
  }
}

/**
 * The standard credential chain, for a named profile when given. The chain's own failure says only
 * "Could not load credentials from any providers": with a profile, the error names it.
 */
function standardChain(profile: string | undefined): AwsCredentialsProvider {
  const chain = fromNodeProviderChain(profile ? { profile } : {});
  if (!profile) return chain;
  return async () => {
    try {
      return await chain();
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'CredentialsProviderError') throw error;
      throw Object.assign(
        new Error(
          `profile ${profile}: ${error.message} (is the profile in the shared config or credentials file, and are its credentials valid?)`,
          { cause: error },
        ),
        { name: 'CredentialsProviderError' },
      );
    }
  };
}

/**
 * Builds a {@link ClientFactory} that can build the given service clients (and STS).
 * `createClientFactory` in `clients.ts` passes every client this project uses.
 *
 * @example
 * const factory = createClientFactoryFor({ s3: S3Client }, { region: 'us-east-1' });
 */
export function createClientFactoryFor(
  classes: ServiceClientClasses,
  options: ClientFactoryOptions,
): ClientFactory {
  function classOf<K extends keyof ServiceClientClasses>(service: K): NonNullable<ServiceClientClasses[K]> {
    const found = classes[service];
    if (!found) throw new ServiceNotConfiguredError(service);
    return found;
  }

  const settings: ClientFactoryOptions = {
    ...options,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    connectionTimeoutMs: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    roleSessionName: options.roleSessionName ?? 'eks-identity-audit',
    partition: options.partition ?? 'aws',
    sessionDurationSeconds: options.sessionDurationSeconds ?? 3600,
  };
  const now = settings.now ?? Date.now;
  const clock = options.clock ?? defaultClock();
  const startingCredentials: AwsCredentials | AwsCredentialsProvider =
    settings.credentials ?? standardChain(settings.profile);
  const handlerOptions = {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Without this the handler only logs a warning when the request timeout passes.
    throwOnRequestTimeout: true,
  };
  const requestHandler = clock.exchange
    ? new ClockedHttpHandler(handlerOptions, clock)
    : new NodeHttpHandler(handlerOptions);
  const clients = new Map<string, unknown>();
  const memberCredentials = new Map<string, CachedCredentials>();
  const callCounts = new Map<string, ApiCallCount>();
  let totalCalls = 0;
  let caller: Promise<{ accountId: string; arn: string }> | undefined;

  function countCall(account: string, service: AwsService, operation: string): void {
    totalCalls += 1;
    const key = `${account}\u0000${service}\u0000${operation}`;
    const entry = callCounts.get(key);
    if (entry) entry.count += 1;
    else callCounts.set(key, { account, service, operation, count: 1 });
    settings.onApiCall?.(account, service, operation);
  }

  function commonConfig(region: string, credentials: AwsCredentials | AwsCredentialsProvider) {
    const retryMode = settings.retryMode ?? 'adaptive';
    const maxAttempts = settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    return {
      region,
      credentials,
      ...(clock === systemClock
        ? { retryMode, maxAttempts }
        : { retryStrategy: new ClockedRetryStrategy(clock, retryMode, maxAttempts), maxAttempts }),
      requestHandler,
      ...(settings.endpointUrl ? { endpoint: settings.endpointUrl } : {}),
    };
  }

  function instrument<T extends ConfigurableClient>(client: T, account: string, service: AwsService): T {
    // The deserialize step runs below the retry middleware, so every attempt is counted.
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          countCall(account, service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
          return next(args);
        },
      { step: 'deserialize', name: 'eksIdentityAuditApiCallCounter', override: true },
    );
    const exchange = clock.exchange?.bind(clock);
    if (exchange) {
      // Outermost in the deserialize step, so the attempt's whole response is read before time moves.
      client.middlewareStack.add(
        (next: (args: unknown) => Promise<unknown>) => (args: unknown) => exchange(() => next(args)),
        { step: 'deserialize', priority: 'high', name: 'eksIdentityAuditClockExchange', override: true },
      );
    }
    return client;
  }

  function cached<T>(key: string, build: () => T): T {
    let client = clients.get(key) as T | undefined;
    if (!client) {
      client = build();
      clients.set(key, client);
    }
    return client;
  }

  function memberRoleArn(accountId: string): string {
    return `arn:${settings.partition}:iam::${accountId}:role/${settings.roleName}`;
  }

  async function assumeMemberRole(accountId: string): Promise<AwsCredentials> {
    const roleArn = memberRoleArn(accountId);
    try {
      const response = await stsClient().send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: settings.roleSessionName,
          DurationSeconds: settings.sessionDurationSeconds,
          ...(settings.externalId ? { ExternalId: settings.externalId } : {}),
        }),
      );
      const issued = response.Credentials;
      if (!issued?.AccessKeyId || !issued.SecretAccessKey) {
        throw new Error('AssumeRole returned no credentials');
      }
      return {
        accessKeyId: issued.AccessKeyId,
        secretAccessKey: issued.SecretAccessKey,
        sessionToken: issued.SessionToken,
        expiration: issued.Expiration,
      };
    } catch (error) {
      throw new AssumeRoleError(roleArn, { cause: error });
    }
  }

  function isFresh(credentials: AwsCredentials): boolean {
    return !credentials.expiration || credentials.expiration.getTime() - now() > REFRESH_MARGIN_MS;
  }

  async function accountCredentials(accountId: string): Promise<AwsCredentials> {
    if (settings.roleName === undefined) {
      return typeof startingCredentials === 'function' ? startingCredentials() : startingCredentials;
    }
    let entry = memberCredentials.get(accountId);
    if (!entry) {
      entry = {};
      memberCredentials.set(accountId, entry);
    }
    if (entry.value && isFresh(entry.value)) return entry.value;
    if (entry.pending) return entry.pending;
    const slot = entry;
    // One AssumeRole per account at a time; a failure is not cached so a later call retries.
    const pending = assumeMemberRole(accountId)
      .then((credentials) => {
        slot.value = credentials;
        return credentials;
      })
      .finally(() => {
        slot.pending = undefined;
      });
    slot.pending = pending;
    return pending;
  }

  function credentialsFor(accountId: string): AwsCredentials | AwsCredentialsProvider {
    return settings.roleName === undefined ? startingCredentials : () => accountCredentials(accountId);
  }

  function stsClient(region = settings.region): STSClient {
    return cached(`sts\u0000${CALLER_ACCOUNT}\u0000${region}`, () =>
      instrument(new STSClient(commonConfig(region, startingCredentials)), CALLER_ACCOUNT, 'sts'),
    );
  }

  const factory: ClientFactory = {
    options: settings,
    sts: stsClient,
    iam: (accountId) =>
      cached(`iam\u0000${accountId}\u0000${settings.region}`, () =>
        instrument(
          new (classOf('iam'))(commonConfig(settings.region, credentialsFor(accountId))),
          accountId,
          'iam',
        ),
      ),
    eks: (accountId, region) =>
      cached(`eks\u0000${accountId}\u0000${region}`, () =>
        instrument(new (classOf('eks'))(commonConfig(region, credentialsFor(accountId))), accountId, 'eks'),
      ),
    cloudTrail: (accountId, region) =>
      cached(`cloudtrail\u0000${accountId}\u0000${region}`, () =>
        instrument(
          new (classOf('cloudtrail'))(commonConfig(region, credentialsFor(accountId))),
          accountId,
          'cloudtrail',
        ),
      ),
    s3: (region = settings.region) =>
      cached(`s3\u0000${CALLER_ACCOUNT}\u0000${region}`, () =>
        instrument(
          new (classOf('s3'))({
            ...commonConfig(region, startingCredentials),
            forcePathStyle: settings.endpointUrl !== undefined,
            // As the AWS CLI does: a bucket of another region answers 301 with its region, and the
            // request is sent again there (reports, ledgers and baselines live wherever the bucket is).
            followRegionRedirects: true,
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }),
          CALLER_ACCOUNT,
          's3',
        ),
      ),
    sns: (region = settings.region) =>
      cached(`sns\u0000${CALLER_ACCOUNT}\u0000${region}`, () =>
        instrument(new (classOf('sns'))(commonConfig(region, startingCredentials)), CALLER_ACCOUNT, 'sns'),
      ),
    securityHub: (accountId, region = settings.region) => {
      const account = accountId ?? CALLER_ACCOUNT;
      const credentials = accountId === undefined ? startingCredentials : credentialsFor(accountId);
      return cached(`securityhub\u0000${account}\u0000${region}`, () =>
        instrument(new (classOf('securityhub'))(commonConfig(region, credentials)), account, 'securityhub'),
      );
    },
    organizations: () =>
      cached(`organizations\u0000${CALLER_ACCOUNT}`, () =>
        instrument(
          new (classOf('organizations'))(commonConfig(settings.region, startingCredentials)),
          CALLER_ACCOUNT,
          'organizations',
        ),
      ),
    callerIdentity: () => {
      caller ??= stsClient()
        .send(new GetCallerIdentityCommand({}))
        .then((identity) => {
          if (!identity.Account || !identity.Arn) throw new Error('GetCallerIdentity returned no account');
          return { accountId: identity.Account, arn: identity.Arn };
        });
      // A failed lookup is not cached: the next call asks again.
      caller.catch(() => {
        caller = undefined;
      });
      return caller;
    },
    accountCredentials,
    apiCallCount: () => totalCalls,
    apiCalls: () =>
      [...callCounts.values()]
        .map((entry) => ({ ...entry }))
        .sort((a, b) =>
          `${a.account}\u0000${a.service}\u0000${a.operation}` <
          `${b.account}\u0000${b.service}\u0000${b.operation}`
            ? -1
            : 1,
        ),
  };
  return factory;
}
