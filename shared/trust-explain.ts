import { grantOf, type HygieneCheck, sentence } from './checks/support/hygiene.js';
import { check as IRSA_NO_AUDIENCE_CONDITION } from './checks/trust/IRSA_NO_AUDIENCE_CONDITION.js';
import { check as IRSA_NO_SUBJECT_CONDITION } from './checks/trust/IRSA_NO_SUBJECT_CONDITION.js';
import { check as IRSA_SUBJECT_WILDCARD } from './checks/trust/IRSA_SUBJECT_WILDCARD.js';
import { check as PI_TRUST_UNSCOPED } from './checks/trust/PI_TRUST_UNSCOPED.js';
import { check as TRUST_UNSATISFIABLE } from './checks/trust/TRUST_UNSATISFIABLE.js';
import { analyzeTrust, canAssumeCommand } from './trust/index.js';
import type { HygieneCheckId, TrustAnalysis, TrustHygieneFinding } from './trust/types.js';

const HYGIENE_CHECKS: Record<HygieneCheckId, HygieneCheck> = {
  IRSA_NO_SUBJECT_CONDITION,
  IRSA_SUBJECT_WILDCARD,
  IRSA_NO_AUDIENCE_CONDITION,
  TRUST_UNSATISFIABLE,
  PI_TRUST_UNSCOPED,
};

/** What `trust explain` prints: the grants, the facts worded and rated by their checks, and what is undecided. */
export interface TrustExplanation extends Omit<TrustAnalysis, 'findings'> {
  findings: TrustHygieneFinding[];
}

/**
 * Analyzes a trust policy and words its facts as the hygiene checks do, each admission with the
 * `trust can-assume` command that replays its witness against `file`.
 *
 * @throws InputError naming the field when the policy is malformed or is not a valid trust policy.
 */
export function explainTrust(document: unknown, file?: string): TrustExplanation {
  const analysis = analyzeTrust(document);
  return {
    grants: analysis.grants,
    findings: analysis.findings.map((finding) => {
      const { checkId, ...fact } = finding;
      const { severity, message } = HYGIENE_CHECKS[checkId].explain(finding, grantOf(analysis, finding));
      return {
        checkId,
        severity,
        message: sentence(message),
        ...fact,
        ...(finding.witness ? { canAssume: canAssumeCommand(finding.witness, file) } : {}),
      };
    }),
    undecided: analysis.undecided,
  };
}
