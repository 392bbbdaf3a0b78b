import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { COLLECT_CONFIG_KEYS, CollectEventSchema, collectAccountPart } from './collect.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, COLLECT_CONFIG_KEYS);

/** The clients this function calls: IAM, EKS and CloudTrail of one member account; the part and ledgers in S3. */
const SERVICES = { cloudtrail: CloudTrailClient, eks: EKSClient, iam: IAMClient, s3: S3Client };

/** Lambda entry point of the Map's `CollectAccount` task (one account per invocation). */
export const handler = auditHandler(
  { event: CollectEventSchema, timeoutMarginMs: 60_000 },
  (event, context) => collectAccountPart(event, config, clientFactory(config, SERVICES), context.deadline),
);
