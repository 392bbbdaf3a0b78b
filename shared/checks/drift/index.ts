import type { Check } from '../types.js';
import { check as CLUSTER_MISSING } from './CLUSTER_MISSING.js';
import { check as CLUSTER_UNDECLARED } from './CLUSTER_UNDECLARED.js';
import { check as IRSA_BINDING_MISSING } from './IRSA_BINDING_MISSING.js';
import { check as IRSA_BINDING_UNDECLARED } from './IRSA_BINDING_UNDECLARED.js';
import { check as PI_ASSOCIATION_CHANGED } from './PI_ASSOCIATION_CHANGED.js';
import { check as PI_ASSOCIATION_MISSING } from './PI_ASSOCIATION_MISSING.js';
import { check as PI_ASSOCIATION_UNDECLARED } from './PI_ASSOCIATION_UNDECLARED.js';
import { check as ROLE_NOT_FOUND } from './ROLE_NOT_FOUND.js';

/** Drift checks: what is deployed against what the baseline declares. */
export const driftChecks: Check[] = [
  PI_ASSOCIATION_MISSING,
  PI_ASSOCIATION_UNDECLARED,
  PI_ASSOCIATION_CHANGED,
  IRSA_BINDING_MISSING,
  IRSA_BINDING_UNDECLARED,
  ROLE_NOT_FOUND,
  CLUSTER_MISSING,
  CLUSTER_UNDECLARED,
];
