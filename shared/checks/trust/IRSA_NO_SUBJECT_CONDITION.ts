import type { Check } from '../types.js';
import { hygieneCheck } from './support/hygiene.js';

/** A role trusts an EKS OIDC provider without pinning the `:sub` claim: any service account may assume it. */
export const check: Check = hygieneCheck({
  id: 'IRSA_NO_SUBJECT_CONDITION',
  title: 'IRSA trust without a service-account subject condition',
  severity: 'HIGH',
  category: 'trust',
  description:
    'The trust policy lets a cluster OIDC provider assume the role with no condition on the `:sub` claim, so every service account in every namespace of that cluster can obtain the role. Reported once per role, statement and provider.',
  remediation:
    'Add a `StringEquals` condition on `<issuer host path>:sub` naming `system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT` (and `<issuer host path>:aud` = `sts.amazonaws.com`), then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.',
  docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
});
