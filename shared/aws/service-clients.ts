import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { AuditError } from '../errors.js';
import type { CredentialSource } from './credentials.js';
import { s3Addressing } from './endpoints.js';

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
export class ServiceNotConfiguredError extends AuditError {
  override name = 'ServiceNotConfiguredError';
  constructor(readonly service: AwsService) {
    super(`this client factory was built without the ${service} client`);
  }
}

type AllClasses = Required<ServiceClientClasses> & { sts: typeof STSClient };

/** The client of a service. */
export type ClientOf<S extends AwsService> = InstanceType<AllClasses[S]>;

/** Configuration one service adds to the common part, given the factory's endpoint URL. */
const SERVICE_CONFIG: Partial<Record<AwsService, (endpointUrl: string | undefined) => object>> = {
  s3: s3Addressing,
};

/**
 * Hands out the client of a service acting in `account` (an audited account, or `caller` for the
 * starting identity) in `region`, built with `credentials` on first use.
 */
export type ServiceClients = <S extends AwsService>(
  service: S,
  account: string,
  region: string,
  credentials: CredentialSource,
) => ClientOf<S>;

/**
 * Builds and caches service clients: one per (service, account, region). Each is built from the
 * factory's common configuration for its region and credentials, plus what its service needs
 * ({@link SERVICE_CONFIG}), and handed to `prepare` (call counting, the clock) once. Asking for a
 * service whose class was not given throws {@link ServiceNotConfiguredError}.
 */
export function serviceClients(
  classes: ServiceClientClasses,
  common: (region: string, credentials: CredentialSource) => object,
  endpointUrl: string | undefined,
  prepare: (client: ClientOf<AwsService>, account: string, service: AwsService) => void,
): ServiceClients {
  const known: Partial<AllClasses> = { ...classes, sts: STSClient };
  const clients = new Map<string, unknown>();
  return <S extends AwsService>(
    service: S,
    account: string,
    region: string,
    credentials: CredentialSource,
  ): ClientOf<S> => {
    const key = `${service}\u0000${account}\u0000${region}`;
    let client = clients.get(key) as ClientOf<S> | undefined;
    if (!client) {
      const Client = known[service] as unknown as (new (config: object) => ClientOf<S>) | undefined;
      if (!Client) throw new ServiceNotConfiguredError(service);
      client = new Client({
        ...common(region, credentials),
        ...SERVICE_CONFIG[service]?.(endpointUrl),
      });
      prepare(client, account, service);
      clients.set(key, client);
    }
    return client;
  };
}
