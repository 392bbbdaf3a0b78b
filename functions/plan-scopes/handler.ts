import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { PLAN_CONFIG_KEYS, PlanEventSchema, planScopes } from './plan.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, PLAN_CONFIG_KEYS);

/**
 * The clients this function calls: the baseline and the run's plan in S3 (a broken baseline is
 * published by analyze-publish), and AWS Organizations when accounts are discovered.
 */
const SERVICES = { s3: S3Client, organizations: OrganizationsClient };

/** Lambda entry point of the state machine's `PlanScopes` task. */
export const handler = auditHandler({ event: PlanEventSchema }, (event) =>
  planScopes(event, config, clientFactory(config, SERVICES)),
);
