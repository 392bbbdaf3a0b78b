import { clientFactory } from '../lib/aws.js';
import { loadConfig } from '../lib/config.js';
import { auditHandler } from '../lib/middleware.js';
import { PLAN_CONFIG_KEYS, PlanEventSchema, planScopes } from './plan.js';

// Configuration is validated once, at cold start: a missing variable fails the init with its name.
const config = loadConfig(process.env, PLAN_CONFIG_KEYS);

/** Lambda entry point of the state machine's `PlanScopes` task. */
export const handler = auditHandler({ event: PlanEventSchema }, (event) =>
  planScopes(event, config, clientFactory(config)),
);
