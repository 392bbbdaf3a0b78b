import { grantOf, type HygieneCheck } from './checks/support/hygiene.js';
import { check as IRSA_NO_AUDIENCE_CONDITION } from './checks/trust/IRSA_NO_AUDIENCE_CONDITION.js';
import { check as IRSA_NO_SUBJECT_CONDITION } from './checks/trust/IRSA_NO_SUBJECT_CONDITION.js';
import { check as IRSA_SUBJECT_WILDCARD } from './checks/trust/IRSA_SUBJECT_WILDCARD.js';
import { check as PI_TRUST_UNSCOPED } from './checks/trust/PI_TRUST_UNSCOPED.js';
import { check as TRUST_UNSATISFIABLE } from './checks/trust/TRUST_UNSATISFIABLE.js';
import { sentence } from './text.js';
import { analyzeTrust, canAssumeCommand } from './trust/index.js';
import type { HygieneFact, TrustAnalysis, TrustHygieneFinding, UndecidedQuestion } from './trust/types.js';

const HYGIENE_CHECKS: readonly HygieneCheck[] = [
  IRSA_NO_SUBJECT_CONDITION,
  IRSA_SUBJECT_WILDCARD,
  IRSA_NO_AUDIENCE_CONDITION,
  TRUST_UNSATISFIABLE,
  PI_TRUST_UNSCOPED,
];

/** The hygiene check that reports a fact of the analyzer. */
function checkOf(fact: HygieneFact): HygieneCheck {
  const check = HYGIENE_CHECKS.find((candidate) => candidate.fact === fact);
  if (!check) throw new Error(`no trust check reports the fact ${fact}`);
  return check;
}

/** A question the analyzer left open, with the id of the check that asks it. */
export type ExplainedQuestion = Omit<UndecidedQuestion, 'fact'> & { checkId: string };

/** What `trust explain` prints: the grants, the facts worded and rated by their checks, and what is undecided. */
export interface TrustExplanation extends Omit<TrustAnalysis, 'findings' | 'undecided'> {
  findings: TrustHygieneFinding[];
  undecided: ExplainedQuestion[];
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
      const { fact: kind, ...fact } = finding;
      const check = checkOf(kind);
      const { severity, message } = check.explain(finding, grantOf(analysis, finding));
      return {
        checkId: check.meta.id,
        severity,
        message: sentence(message),
        ...fact,
        ...(finding.witness ? { canAssume: canAssumeCommand(finding.witness, file) } : {}),
      };
    }),
    undecided: analysis.undecided.map(({ fact, ...open }) => ({ checkId: checkOf(fact).meta.id, ...open })),
  };
}
