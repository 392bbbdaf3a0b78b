/**
 * The trust-policy analyzer: parse IAM trust policies, list what they grant, flag trust-hygiene
 * problems, and decide concrete assume requests with IAM semantics.
 */
import { requireTrustPolicy } from './evaluate.js';
import { extractGrants } from './grants.js';
import { hygieneFindings } from './hygiene.js';
import { parsePolicy } from './parse.js';
import type { TrustAnalysis } from './types.js';

export { canAssume, identityPolicyAllows } from './evaluate.js';
export { HYGIENE_SEVERITY, subjectWildcardCrossesNamespaces } from './hygiene.js';
export type { ParsedPolicy, ParsedStatement } from './parse.js';
export { parsePolicy } from './parse.js';
export type { ProviderArnParts } from './providers.js';
export { isEksIssuerHostPath, POD_IDENTITY_SERVICE, parseProviderArn } from './providers.js';
export type * from './types.js';
export { hasIamWildcard, matchIamPattern } from './wildcard.js';

/**
 * Analyzes a trust policy: the grants of its Allow statements and the hygiene findings the policy
 * alone decides (`IRSA_NO_SUBJECT_CONDITION`, `IRSA_SUBJECT_WILDCARD`, `IRSA_NO_AUDIENCE_CONDITION`,
 * `TRUST_UNSATISFIABLE`, `PI_TRUST_UNSCOPED`).
 *
 * @param document a parsed policy object, a JSON string or URL-encoded JSON (as IAM returns it).
 * @throws InputError naming the field when the policy is malformed.
 * @example analyzeTrust(role.AssumeRolePolicyDocument).findings.map((f) => f.checkId)
 */
export function analyzeTrust(document: unknown): TrustAnalysis {
  const policy = parsePolicy(document);
  requireTrustPolicy(policy);
  const grants = extractGrants(policy);
  return { grants, findings: hygieneFindings(grants) };
}
