import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { COLLECT_CONFIG_KEYS, CollectEventSchema, collectAccountPart } from './collect.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, COLLECT_CONFIG_KEYS);

/** Lambda entry point of the Map's `CollectAccount` task (one account per invocation). */
export const handler = auditHandler(
  { event: CollectEventSchema, timeoutMarginMs: 60_000 },
  (event, context) => collectAccountPart(event, config, clientFactory(config), context.deadline),
);
