import { driftChecks } from './drift/index.js';
import { metaChecks } from './meta/index.js';
import { runtimeChecks } from './runtime/index.js';
import { trustChecks } from './trust/index.js';
import type { Check } from './types.js';
import { usageChecks } from './usage/index.js';

export type * from './types.js';

/** Every check the audit runs, in catalogue order. */
export const checks: Check[] = [
  ...driftChecks,
  ...trustChecks,
  ...runtimeChecks,
  ...usageChecks,
  ...metaChecks,
];

/** The check with this id, if registered. */
export function checkById(id: string): Check | undefined {
  return checks.find((check) => check.meta.id === id);
}
