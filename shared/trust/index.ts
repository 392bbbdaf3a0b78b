/**
 * The trust-policy analyzer: parse IAM trust policies, list what they grant, flag trust-hygiene
 * problems, and decide concrete assume requests with IAM semantics.
 */
import { parseTrustPolicy, trustPolicySource } from './evaluate.js';
import { type AnalysisOptions, analyzeParsedTrust } from './hygiene.js';
import type { TrustAnalysis } from './types.js';

export { canAssumeCommand } from './command.js';
export {
  canAssume,
  canAssumeParsed,
  identityPolicyAllows,
  parseTrustPolicy,
  rememberTrustPolicy,
  requireTrustPolicy,
  trustPolicySource,
} from './evaluate.js';

import { mapLevel } from '../parts-map.js';

export type { AnalysisOptions } from './hygiene.js';
export type { ParsedPolicy, ParsedStatement } from './parse.js';
export { parsePolicy } from './parse.js';
export { somePodMayAssume } from './pods.js';
export type { ProviderArnParts } from './providers.js';
export { isEksIssuerHostPath, POD_IDENTITY_SERVICE, parseProviderArn } from './providers.js';
export type * from './types.js';
export { hasIamWildcard, matchIamPattern } from './wildcard.js';

/**
 * Analyzes a trust policy: the grants of its Allow statements, the trust-hygiene facts the policy
 * alone decides (`IRSA_NO_SUBJECT_CONDITION`, `IRSA_SUBJECT_WILDCARD`, `IRSA_NO_AUDIENCE_CONDITION`,
 * `TRUST_UNSATISFIABLE`, `PI_TRUST_UNSCOPED`), each a question over the whole policy answered with
 * the evaluator's semantics and shown by a witness request, and the questions it left undecided.
 * Severity and wording belong to the checks.
 *
 * @param document a parsed policy object, a JSON string or URL-encoded JSON (as IAM returns it).
 * @param options the role's account, when known (witnesses then name it).
 * @returns an analysis that callers share and must not modify: roles with the same trust text (every
 *   role made from one template) get the same object.
 * @throws InputError naming the field when the policy is malformed or is not a valid trust policy.
 * @example analyzeTrust(role.AssumeRolePolicyDocument).findings.map((f) => f.fact)
 */
export function analyzeTrust(document: unknown, options: AnalysisOptions = {}): TrustAnalysis {
  const text = policyText(document);
  const account = options.accountId ?? '';
  const known = text === undefined ? undefined : analyses.get(account)?.get(text);
  if (known) return known;
  const analysis = analyzeParsedTrust(parseTrustPolicy(document), options);
  if (text !== undefined) {
    if (analysisCount >= 2_000) {
      analyses.clear();
      analysisCount = 0;
    }
    mapLevel(analyses, account).set(text, analysis);
    analysisCount += 1;
  }
  return analysis;
}

/** Analyses by account and policy text, so identical trust policies are analyzed once. */
const analyses = new Map<string, Map<string, TrustAnalysis>>();
let analysisCount = 0;

/**
 * The text identifying a policy's content: the text it was read from when known (no need to write
 * it out again), else its JSON. Two spellings of one policy are then analyzed twice, never wrongly.
 */
function policyText(document: unknown): string | undefined {
  if (typeof document === 'string') return document;
  if (typeof document === 'object' && document !== null) {
    const source = trustPolicySource(document);
    if (source !== undefined) return source;
  }
  try {
    return JSON.stringify(document);
  } catch {
    return undefined;
  }
}
