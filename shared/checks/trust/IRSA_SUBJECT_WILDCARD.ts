import type { IrsaAssumeRequest } from '../../trust/types.js';
import { hygieneCheck, statementName } from '../support/hygiene.js';

function subjectOf(request: unknown): string {
  return (request as IrsaAssumeRequest | undefined)?.subject ?? '';
}

/**
 * Does the trust admit service accounts it does not name? Asked of the whole policy: the statement,
 * minus the Denies, admits a subject that no wildcard-free `:sub` value of the policy spells out
 * (a `StringLike` pattern, a negated condition). HIGH when such subjects span namespaces.
 */
export const check = hygieneCheck(
  'unnamed-subjects',
  {
    id: 'IRSA_SUBJECT_WILDCARD',
    title: 'IRSA subject condition uses a wildcard',
    severity: 'MEDIUM',
    category: 'trust',
    description:
      "Asks: does the trust admit a service account that the policy does not name? It does when the statement, after the policy's Deny statements, admits a subject that no wildcard-free `:sub` value spells out, typically through `StringLike` with `*` or `?` (in IAM patterns `*` also matches `:`, so `system:serviceaccount:team-*` spans namespaces) or a `StringNotEquals`. HIGH when the service accounts it admits without naming them span more than one namespace, MEDIUM when they stay inside one. A trust that admits every service account is `IRSA_NO_SUBJECT_CONDITION` instead. The evidence carries witness requests and the `trust can-assume` commands that confirm them. Reported once per role, statement and provider. A question only an undecided condition could settle (an operator or key the analyzer does not evaluate, a variable of another request key) is counted as unknown, never reported.",
    remediation:
      'Replace the `StringLike` subject pattern with `StringEquals` and the exact `system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT` values, then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`. If the names really vary, add a baseline exception with the reason.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
  },
  (finding) =>
    finding.crossesNamespaces
      ? {
          // Crossing namespaces lets workloads of other teams in: the exposure of a missing subject.
          severity: 'HIGH',
          message: `${statementName(finding)} trusts ${finding.issuerHostPath} subjects it does not name, across namespaces (for example ${subjectOf(finding.witness)} and ${subjectOf(finding.otherWitness)}): service accounts of any matching namespace can assume the role`,
        }
      : {
          severity: 'MEDIUM',
          message: `${statementName(finding)} trusts ${finding.issuerHostPath} subjects it does not name in one namespace (for example ${subjectOf(finding.witness)}): every matching service account in that namespace can assume the role`,
        },
);
