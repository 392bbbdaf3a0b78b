import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { CUTOVER_CONFIG_KEYS, CutoverEventSchema, cutoverCheck } from './cutover.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, CUTOVER_CONFIG_KEYS);

/**
 * Lambda entry point, invoked synchronously (`aws lambda invoke`) with
 * `{ cluster, from, to, phase, since? }`; returns the cutover report JSON, or fails with
 * `EventValidationError` naming each invalid field.
 */
export const handler = auditHandler({ event: CutoverEventSchema }, (event, context) =>
  cutoverCheck(event, config, clientFactory(config), context.deadline),
);
