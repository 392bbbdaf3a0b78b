import { sha256Hex } from './parse.js';
import { DEFAULT_UNUSED_AFTER_DAYS } from './schema.js';
import type { Baseline } from './types.js';

export * from './exceptions.js';
export { type GenerateBaselineOptions, generateBaseline } from './generate.js';
export { formatFieldPath } from './locate.js';
export { loadBaselineFile, parseBaseline, sha256Hex } from './parse.js';
export {
  ACCOUNT_ID_PATTERN,
  CHECK_ID_PATTERN,
  DEFAULT_UNUSED_AFTER_DAYS,
  EKS_CLUSTER_NAME_PATTERN,
  isCalendarDate,
  MAX_UNUSED_AFTER_DAYS,
  NAMESPACE_PATTERN,
  REGION_PATTERN,
  ROLE_ARN_PATTERN,
  SERVICE_ACCOUNT_PATTERN,
} from './schema.js';
export type * from './types.js';

/**
 * The baseline of an audit run without one: nothing declared, so only trust and usage checks
 * have something to judge.
 */
export function emptyBaseline(sourceName = '(no baseline)'): Baseline {
  return {
    version: 1,
    settings: { unusedAfterDays: DEFAULT_UNUSED_AFTER_DAYS },
    clusters: [],
    podIdentity: [],
    irsa: [],
    accounts: [],
    exceptions: [],
    source: { name: sourceName, sha256: sha256Hex('') },
  };
}
