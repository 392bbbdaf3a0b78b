import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { ANALYZE_CONFIG_KEYS, AnalyzeEventSchema, analyzeStep } from './analyze.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, ANALYZE_CONFIG_KEYS);

/** The clients this function calls: parts and ledgers from S3, then the reports, SNS and Security Hub (also for BASELINE_INVALID). */
const SERVICES = { s3: S3Client, sns: SNSClient, securityhub: SecurityHubClient };

/** Lambda entry point of the state machine's `AnalyzePublish` task. */
export const handler = auditHandler({ event: AnalyzeEventSchema }, (event) =>
  // Security Hub's findings are queued for the ImportFindings step, which imports them paced and resumable.
  analyzeStep(event, config, clientFactory(config, SERVICES), undefined, { queueSecurityHub: true }),
);
