import { S3Client } from '@aws-sdk/client-s3';
import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { TRAIL_CONFIG_KEYS, TrailEventSchema, trailStep } from './trail.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, TRAIL_CONFIG_KEYS);

/** The clients this function calls: the organization trail's log files and the ledgers, both in S3. */
const SERVICES = { s3: S3Client };

/** Lambda entry point of the organization-trail steps (plan, a batch of log files, seal). */
export const handler = auditHandler({ event: TrailEventSchema }, (event) =>
  trailStep(event, config, clientFactory(config, SERVICES)),
);
