import type { CutoverCheck } from '../context.js';
import { check as CUTOVER_ASSUME_FAILURES } from './CUTOVER_ASSUME_FAILURES.js';
import { check as CUTOVER_NEW_NOT_SERVING } from './CUTOVER_NEW_NOT_SERVING.js';
import { check as CUTOVER_OLD_ASSOCIATIONS_LEFT } from './CUTOVER_OLD_ASSOCIATIONS_LEFT.js';
import { check as CUTOVER_OLD_ISSUER_STILL_TRUSTED } from './CUTOVER_OLD_ISSUER_STILL_TRUSTED.js';
import { check as CUTOVER_OLD_OIDC_PROVIDER_LEFT } from './CUTOVER_OLD_OIDC_PROVIDER_LEFT.js';

/** The post-phase pack: what is left to clean up after the switch, in the order the plan lists it. */
export const postChecks: readonly CutoverCheck[] = [
  CUTOVER_ASSUME_FAILURES,
  CUTOVER_NEW_NOT_SERVING,
  CUTOVER_OLD_ISSUER_STILL_TRUSTED,
  CUTOVER_OLD_OIDC_PROVIDER_LEFT,
  CUTOVER_OLD_ASSOCIATIONS_LEFT,
];
