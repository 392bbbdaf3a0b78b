/** The nightly run's accounts × regions come from the one scope planner (shared/run/scope.ts). */
export { type AccountScope, planAccountScopes } from '../../shared/run/scope.js';
