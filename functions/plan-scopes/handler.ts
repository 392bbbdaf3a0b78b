import { S3Client } from '@aws-sdk/client-s3';
import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { PLAN_CONFIG_KEYS, PlanEventSchema, planScopes } from './plan.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, PLAN_CONFIG_KEYS);

/** The only client this function calls: the baseline from S3 (a broken baseline is published by analyze-publish). */
const SERVICES = { s3: S3Client };

/** Lambda entry point of the state machine's `PlanScopes` task. */
export const handler = auditHandler({ event: PlanEventSchema }, (event) =>
  planScopes(event, config, clientFactory(config, SERVICES)),
);
