import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { IMPORT_CONFIG_KEYS, ImportEventSchema, importFindingsStep } from './import.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, IMPORT_CONFIG_KEYS);

/** The clients this function calls: the queue and the run record in S3, and Security Hub. */
const SERVICES = { s3: S3Client, securityhub: SecurityHubClient };

/**
 * Lambda entry point of the state machine's `ImportFindings` task. The margin covers the batches
 * in flight when the deadline fires (with their retries) and recording failures in the run record.
 */
export const handler = auditHandler(
  { event: ImportEventSchema, timeoutMarginMs: 120_000 },
  (event, context) =>
    importFindingsStep(event, { factory: clientFactory(config, SERVICES), deadline: context.deadline }),
);
