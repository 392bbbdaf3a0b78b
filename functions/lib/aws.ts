import type { S3Client } from '@aws-sdk/client-s3';
import {
  type ClientFactory,
  createClientFactoryFor,
  type ServiceClientClasses,
} from '../../shared/aws/factory.js';
import type { Baseline } from '../../shared/baseline/types.js';
import {
  BaselineNotFoundError,
  parseBaselineText,
  readBaselineObjectText,
} from '../../shared/run/baseline-source.js';
import type { FunctionConfig } from './config.js';

/** Session name the member accounts see in CloudTrail for the audit's reads. */
export const ROLE_SESSION_NAME = 'eks-identity-audit';

/**
 * The client factory of a function: the execution role as the starting identity, the member role
 * (with the external id) for audited accounts, and one endpoint for everything when configured.
 * `services` names the client classes the function calls: the bundle then carries only those.
 */
export function clientFactory(
  config: Pick<FunctionConfig, 'region' | 'memberRoleName' | 'externalId' | 'endpointUrl'>,
  services: ServiceClientClasses,
): ClientFactory {
  return createClientFactoryFor(services, {
    region: config.region,
    roleName: config.memberRoleName,
    externalId: config.externalId,
    roleSessionName: ROLE_SESSION_NAME,
    ...(config.endpointUrl ? { endpointUrl: config.endpointUrl } : {}),
  });
}

/** Identifies the exact baseline object a run uses. */
export interface BaselineRef {
  bucket: string;
  key: string;
  etag?: string;
  versionId?: string;
  sha256: string;
}

/** A baseline's text as read from S3. */
export interface BaselineObject {
  ref: BaselineRef;
  text: string;
  /** `s3://bucket/key`: the source name in every error and finding. */
  uri: string;
}

export { BaselineNotFoundError };

/**
 * Reads the baseline object through the one baseline source (`shared/run/baseline-source.ts`),
 * pinned to a version when given, and names it as the state machine's payload does.
 *
 * @throws BaselineNotFoundError when there is no such object (or version); the S3 error otherwise.
 */
export async function readBaselineObject(
  s3: S3Client,
  location: { bucket: string; key: string; versionId?: string },
): Promise<BaselineObject> {
  const read = await readBaselineObjectText(s3, location);
  const { source, ...identity } = read.provenance;
  return { uri: source, text: read.text, ref: { bucket: location.bucket, key: location.key, ...identity } };
}

/**
 * Parses a baseline read from S3 and records where it came from.
 *
 * @throws InputError with located problems when it is invalid.
 */
export function parseBaselineObject(object: BaselineObject): Baseline {
  const { bucket: _bucket, key: _key, ...identity } = object.ref;
  return parseBaselineText({ text: object.text, provenance: { source: object.uri, ...identity } });
}
