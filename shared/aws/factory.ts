import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { type Clock, defaultClock } from '../clock.js';
import { type ApiAttemptObserver, observeAttempts } from './attempts.js';
import { type ApiCallCount, apiCallCounter } from './call-counter.js';
import {
  type AwsCredentials,
  type AwsCredentialsProvider,
  accountCredentials,
  type CredentialSource,
  standardChain,
} from './credentials.js';
import { endpointConfig } from './endpoints.js';
import { type AwsService, type ServiceClientClasses, serviceClients } from './service-clients.js';
import {
  createRequestHandler,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  exchangeOnClock,
  retryConfig,
} from './transport.js';

export type { ApiAttempt, ApiAttemptObserver, ApiAttemptResult } from './attempts.js';
export type { ApiCallCount } from './call-counter.js';
export {
  AssumeRoleError,
  type AwsCredentials,
  type AwsCredentialsProvider,
} from './credentials.js';
export { type AwsService, type ServiceClientClasses, ServiceNotConfiguredError } from './service-clients.js';

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
  /**
   * Told when each HTTP attempt starts and how it ended (`--verbose`, progress lines): every client
   * of the factory reports through it, so no collector has to.
   */
  observer?: ApiAttemptObserver;
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

/** The options with their defaults applied: what {@link ClientFactory.options} shows. */
type Settings = ClientFactoryOptions &
  Required<
    Pick<
      ClientFactoryOptions,
      | 'maxAttempts'
      | 'connectionTimeoutMs'
      | 'requestTimeoutMs'
      | 'roleSessionName'
      | 'partition'
      | 'sessionDurationSeconds'
    >
  >;

function withDefaults(options: ClientFactoryOptions): Settings {
  return {
    ...options,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    connectionTimeoutMs: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    roleSessionName: options.roleSessionName ?? 'eks-identity-audit',
    partition: options.partition ?? 'aws',
    sessionDurationSeconds: options.sessionDurationSeconds ?? 3600,
  };
}

/**
 * Builds a {@link ClientFactory} that can build the given service clients (and STS).
 * `createClientFactory` in `clients.ts` passes every client this project uses.
 *
 * The parts: {@link accountCredentials} (the starting identity, member sessions from STS),
 * the transport every client shares (one HTTP handler, the retry configuration, both on the clock),
 * the endpoint, {@link serviceClients} (one cached client per service, account and region) and the
 * {@link apiCallCounter} attached to every client.
 *
 * @example
 * const factory = createClientFactoryFor({ s3: S3Client }, { region: 'us-east-1' });
 */
export function createClientFactoryFor(
  classes: ServiceClientClasses,
  options: ClientFactoryOptions,
): ClientFactory {
  const settings = withDefaults(options);
  const clock = options.clock ?? defaultClock();
  const requestHandler = createRequestHandler(settings, clock);
  const counter = apiCallCounter(settings.onApiCall);
  const clients = serviceClients(
    classes,
    (region: string, credentials: CredentialSource) => ({
      region,
      credentials,
      ...retryConfig(settings, clock),
      requestHandler,
      ...endpointConfig(settings.endpointUrl),
    }),
    settings.endpointUrl,
    (client, account, service) => {
      counter.attach(client, account, service);
      if (settings.observer) observeAttempts(client, account, service, settings.observer, clock);
      exchangeOnClock(client, clock);
    },
  );
  // The settings carry the member role's (roleName, partition, session name and duration, external id).
  const credentials = accountCredentials(
    settings.credentials ?? standardChain(settings.profile),
    settings,
    () => sts(),
    settings.now ?? Date.now,
  );
  /** A client acting in an audited account (member credentials). */
  const member = <S extends AwsService>(service: S, accountId: string, region: string) =>
    clients(service, accountId, region, credentials.sourceFor(accountId));
  /** A client acting as the starting identity. */
  const caller = <S extends AwsService>(service: S, region: string) =>
    clients(service, CALLER_ACCOUNT, region, credentials.starting);
  const sts = (region = settings.region): STSClient => caller('sts', region);
  let callerIdentity: Promise<{ accountId: string; arn: string }> | undefined;

  return {
    options: settings,
    sts,
    iam: (accountId) => member('iam', accountId, settings.region),
    eks: (accountId, region) => member('eks', accountId, region),
    cloudTrail: (accountId, region) => member('cloudtrail', accountId, region),
    s3: (region = settings.region) => caller('s3', region),
    sns: (region = settings.region) => caller('sns', region),
    securityHub: (accountId, region = settings.region) =>
      accountId === undefined ? caller('securityhub', region) : member('securityhub', accountId, region),
    organizations: () => caller('organizations', settings.region),
    callerIdentity: () => {
      callerIdentity ??= sts()
        .send(new GetCallerIdentityCommand({}))
        .then((identity) => {
          if (!identity.Account || !identity.Arn) throw new Error('GetCallerIdentity returned no account');
          return { accountId: identity.Account, arn: identity.Arn };
        });
      // A failed lookup is not cached: the next call asks again.
      callerIdentity.catch(() => {
        callerIdentity = undefined;
      });
      return callerIdentity;
    },
    accountCredentials: (accountId) => credentials.forAccount(accountId),
    apiCallCount: () => counter.total(),
    apiCalls: () => counter.entries(),
  };
}
