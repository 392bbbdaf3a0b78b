import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  type ClientFactory,
  type ClientFactoryOptions,
  createClientFactoryFor,
  type ServiceClientClasses,
} from './factory.js';

export * from './factory.js';

/** Every service client this project uses. */
export const ALL_SERVICE_CLIENTS: Readonly<Required<ServiceClientClasses>> = {
  iam: IAMClient,
  eks: EKSClient,
  cloudtrail: CloudTrailClient,
  s3: S3Client,
  sns: SNSClient,
  securityhub: SecurityHubClient,
  organizations: OrganizationsClient,
};

/**
 * Builds a {@link ClientFactory} for every service this project uses (the CLI's). A Lambda function
 * uses {@link createClientFactoryFor} with only the clients it calls.
 *
 * @example
 * const factory = createClientFactory({ region: 'us-east-1', roleName: 'EksIdentityAuditRead', externalId: 'x' });
 * const eks = factory.eks('111122223333', 'eu-west-1');
 */
export function createClientFactory(options: ClientFactoryOptions): ClientFactory {
  return createClientFactoryFor(ALL_SERVICE_CLIENTS, options);
}
