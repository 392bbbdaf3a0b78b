import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { CUTOVER_CONFIG_KEYS, CutoverEventSchema, cutoverCheck } from './cutover.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, CUTOVER_CONFIG_KEYS);

/** The clients this function calls: IAM, EKS and CloudTrail of the clusters' accounts; the baseline from S3. */
const SERVICES = { cloudtrail: CloudTrailClient, eks: EKSClient, iam: IAMClient, s3: S3Client };

/**
 * Lambda entry point, invoked synchronously (`aws lambda invoke`) with
 * `{ cluster, from, to, phase, since? }`; returns the cutover report JSON, or fails with
 * `EventValidationError` naming each invalid field.
 */
export const handler = auditHandler({ event: CutoverEventSchema }, (event, context) =>
  cutoverCheck(event, config, clientFactory(config, SERVICES), context.deadline),
);
