import { hygieneCheck, statementName } from '../support/hygiene.js';

/**
 * Does the statement take part in allowing no request at all? Asked of the whole policy: no request
 * of its principal (a web identity of the provider; the Pod Identity service with session tags and
 * without) is allowed with this statement among the allowing ones, counting the other statements
 * that allow the companion action (`sts:TagSession`) and the Denies.
 */
export const check = hygieneCheck(
  'unsatisfiable',
  {
    id: 'TRUST_UNSATISFIABLE',
    title: 'Trust statement can never match',
    severity: 'MEDIUM',
    category: 'trust',
    description:
      "Asks: does the statement take part in allowing any request at all? It does not when no request its principal can make (a web identity of the provider, with a service-account subject and an audience; the Pod Identity service with its six session tags, or without them when the association disables session tags) is allowed by the policy with this statement among the allowing ones. Each action is authorized on its own, so a statement that only allows `sts:TagSession` beside another statement's `sts:AssumeRole` is not unsatisfiable. Typical causes: a service-account subject under the `:aud` key, a `StringEquals` value with `*`, a condition key of another provider or one the request never carries, conditions on one key that exclude each other, or a Deny that takes back everything. The evidence names the key, the values and why no request matches. Requests are those EKS can make: Kubernetes names are lowercase DNS names, cluster names letters, digits, `-` and `_`, and an audience is never a service-account subject. MEDIUM: nothing is exposed, but the workload it was written for is denied at run time. A question only an undecided condition could settle (an operator or key the analyzer does not evaluate, a variable of another request key) is counted as unknown, never reported.",
    remediation:
      'Fix the statement named in the evidence (condition key, operator or value), then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`. Check the result with `eks-identity-audit trust can-assume`.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html',
  },
  (finding) => ({
    severity: 'MEDIUM',
    message: `${statementName(finding)} for ${finding.issuerHostPath ?? 'pods.eks.amazonaws.com'} can never match: ${finding.unsatisfiable ?? 'no request satisfies its conditions'}`,
  }),
);
