import type { Check } from '../types.js';

/** Trust-policy checks, one file each in this folder. */
export const trustChecks: Check[] = [];
