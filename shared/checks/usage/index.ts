import type { Check } from '../types.js';
import { check as IRSA_BINDING_UNUSED } from './IRSA_BINDING_UNUSED.js';
import { check as PI_ASSOCIATION_UNUSED } from './PI_ASSOCIATION_UNUSED.js';
import { check as PI_ASSUME_DENIED } from './PI_ASSUME_DENIED.js';
import { check as ROLE_UNUSED } from './ROLE_UNUSED.js';
import { check as UNDECLARED_USAGE } from './UNDECLARED_USAGE.js';

/** Usage checks: CloudTrail evidence and IAM RoleLastUsed over the baseline's unused window. */
export const usageChecks: Check[] = [
  ROLE_UNUSED,
  PI_ASSOCIATION_UNUSED,
  IRSA_BINDING_UNUSED,
  PI_ASSUME_DENIED,
  UNDECLARED_USAGE,
];
