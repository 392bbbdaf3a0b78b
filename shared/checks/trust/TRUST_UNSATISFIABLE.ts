import type { Check } from '../types.js';
import { hygieneCheck } from './support/hygiene.js';

/** A trust statement whose conditions can never all be true. */
export const check: Check = hygieneCheck({
  id: 'TRUST_UNSATISFIABLE',
  title: 'Trust statement can never match',
  severity: 'MEDIUM',
  category: 'trust',
  description:
    'A trust statement cannot match any request, for example a service-account subject placed under the `:aud` key, a wildcard in a condition key name, or a `StringEquals` value with `*`. The workload it was written for is denied at run time.',
  remediation:
    'Fix the statement named in the evidence (condition key, operator or value), then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`. Check the result with `eks-identity-audit trust can-assume`.',
  docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html',
});
