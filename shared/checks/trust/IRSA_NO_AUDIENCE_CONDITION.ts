import type { Check } from '../types.js';
import { hygieneCheck } from './support/hygiene.js';

/** A role's IRSA trust does not require the `sts.amazonaws.com` audience. */
export const check: Check = hygieneCheck({
  id: 'IRSA_NO_AUDIENCE_CONDITION',
  title: 'IRSA trust without an audience condition',
  severity: 'LOW',
  category: 'trust',
  description:
    'The trust policy does not require `<issuer host path>:aud` = `sts.amazonaws.com`, so tokens the cluster issues for other audiences are accepted too. Reported once per role, statement and provider.',
  remediation:
    'Add `"<issuer host path>:aud": "sts.amazonaws.com"` to the statement\'s `StringEquals` block, then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.',
  docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
});
