import { S3Client } from '@aws-sdk/client-s3';
import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import type { JoinFileRef } from '../lib/shards.js';
import {
  AnalyzeShardEventSchema,
  analyzeShard,
  joinFacts,
  SHARD_CONFIG_KEYS,
  type ShardResult,
} from './shard.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, SHARD_CONFIG_KEYS);

/** The clients this function calls: parts, join facts, ledgers and its outputs, all in the audit bucket. */
const SERVICES = { s3: S3Client };

/** Lambda entry point of the `JoinFacts` task and of the shard Map's `AnalyzeShard` task. */
export const handler = auditHandler(
  { event: AnalyzeShardEventSchema },
  (event): Promise<JoinFileRef | ShardResult> =>
    'join' in event
      ? joinFacts(event, config, clientFactory(config, SERVICES))
      : analyzeShard(event, config, clientFactory(config, SERVICES)),
);
