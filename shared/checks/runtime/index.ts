import type { Check } from '../types.js';

/** Runtime-readiness checks (agent, Fargate, node role, dual binding), one file each in this folder. */
export const runtimeChecks: Check[] = [];
