import type { Check } from '../types.js';
import { check as BASELINE_INVALID } from './BASELINE_INVALID.js';
import { check as COLLECTION_INCOMPLETE } from './COLLECTION_INCOMPLETE.js';
import { check as SUPPRESSION_EXPIRED } from './SUPPRESSION_EXPIRED.js';

export { type BaselineInvalidInput, baselineInvalidFinding } from './BASELINE_INVALID.js';
export { scopeResourceId } from './COLLECTION_INCOMPLETE.js';

/** Checks about the audit itself: collection gaps, the baseline, expired exceptions. */
export const metaChecks: Check[] = [COLLECTION_INCOMPLETE, BASELINE_INVALID, SUPPRESSION_EXPIRED];
