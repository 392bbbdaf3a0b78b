import type { Check } from '../types.js';
import { hygieneCheck } from './support/hygiene.js';

/** A role's IRSA `:sub` condition matches service accounts by wildcard. */
export const check: Check = hygieneCheck({
  id: 'IRSA_SUBJECT_WILDCARD',
  title: 'IRSA subject condition uses a wildcard',
  severity: 'MEDIUM',
  category: 'trust',
  description:
    'The `:sub` condition uses `StringLike` with `*` or `?`, so service accounts beyond the intended one can assume the role. In IAM patterns `*` also matches `:`, so `system:serviceaccount:*` is every namespace. HIGH when the pattern crosses namespaces, MEDIUM when it stays inside one. Reported once per role, statement and provider.',
  remediation:
    'Replace the `StringLike` subject pattern with `StringEquals` and the exact `system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT` values, then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`. If the names really vary, add a baseline exception with the reason.',
  docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
});
