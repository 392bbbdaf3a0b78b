import { hygieneCheck, statementName } from '../support/hygiene.js';

/**
 * Does the trust let every service account of a cluster assume the role? Asked of the whole policy:
 * there is an audience with which the statement, minus the policy's Denies, admits every
 * `system:serviceaccount:NAMESPACE:NAME` of the issuer. No `:sub` condition, a pattern that matches
 * every subject (`system:serviceaccount:*`, `*`), or an `...IfExists`/negated condition that admits
 * them all give the same answer.
 */
export const check = hygieneCheck(
  'any-subject',
  {
    id: 'IRSA_NO_SUBJECT_CONDITION',
    title: 'IRSA trust without a service-account subject condition',
    severity: 'HIGH',
    category: 'trust',
    description:
      "Asks: does the trust let every service account of the cluster assume the role? It does when, with some audience, the statement admits every subject `system:serviceaccount:NAMESPACE:NAME` of the cluster OIDC provider after the policy's Deny statements: no condition on the `:sub` claim, or one that matches every subject (`StringLike` `system:serviceaccount:*`). Every service account in every namespace can then obtain the role; HIGH rather than CRITICAL because only workloads of that one cluster get in. The evidence carries a witness request and the `trust can-assume` command that confirms it. Reported once per role, statement and provider. A question only an undecided condition could settle (an operator or key the analyzer does not evaluate, a variable of another request key) is counted as unknown, never reported.",
    remediation:
      'Add a `StringEquals` condition on `<issuer host path>:sub` naming `system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT` (and `<issuer host path>:aud` = `sts.amazonaws.com`), then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
  },
  (finding) => ({
    severity: 'HIGH',
    message: `${statementName(finding)} trusts ${finding.issuerHostPath} without a condition that limits ${finding.issuerHostPath}:sub: ${finding.universal ?? 'every service account of the cluster'} can assume the role`,
  }),
);
