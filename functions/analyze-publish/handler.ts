import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { ANALYZE_CONFIG_KEYS, AnalyzeEventSchema, analyzeAndPublish } from './analyze.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, ANALYZE_CONFIG_KEYS);

/** Lambda entry point of the state machine's `AnalyzePublish` task. */
export const handler = auditHandler({ event: AnalyzeEventSchema }, (event) =>
  analyzeAndPublish(event, config, clientFactory(config)),
);
