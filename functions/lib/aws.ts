import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type ClientFactory,
  createClientFactoryFor,
  type ServiceClientClasses,
} from '../../shared/aws/factory.js';
import { isNotFound } from '../../shared/aws/s3.js';
import { parseBaseline, sha256Hex } from '../../shared/baseline/index.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { InputError } from '../../shared/errors.js';
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

/** The baseline object does not exist. */
export class BaselineNotFoundError extends InputError {
  override name = 'BaselineNotFoundError';
}

/**
 * Reads the baseline object, pinned to a version when given (so every step of a run judges against
 * the same file even if someone uploads a new one mid-run).
 *
 * @throws BaselineNotFoundError when there is no such object (or version); the S3 error otherwise.
 */
export async function readBaselineObject(
  s3: S3Client,
  location: { bucket: string; key: string; versionId?: string },
): Promise<BaselineObject> {
  const uri = `s3://${location.bucket}/${location.key}`;
  try {
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ...(location.versionId ? { VersionId: location.versionId } : {}),
      }),
    );
    const text = response.Body ? await response.Body.transformToString('utf-8') : '';
    return {
      uri,
      text,
      ref: {
        bucket: location.bucket,
        key: location.key,
        ...(response.ETag ? { etag: response.ETag } : {}),
        ...(response.VersionId ? { versionId: response.VersionId } : {}),
        sha256: sha256Hex(text),
      },
    };
  } catch (error) {
    if (isNotFound(error)) {
      throw new BaselineNotFoundError(
        `${uri}: baseline not found (upload it with aws s3 cp baseline.yaml ${uri})`,
        [],
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/**
 * Parses a baseline read from S3 and records where it came from.
 *
 * @throws InputError with located problems when it is invalid.
 */
export function parseBaselineObject(object: BaselineObject): Baseline {
  const baseline = parseBaseline(object.text, object.uri);
  baseline.source = {
    ...baseline.source,
    ...(object.ref.etag ? { etag: object.ref.etag } : {}),
    ...(object.ref.versionId ? { versionId: object.ref.versionId } : {}),
  };
  return baseline;
}
