import type { Check } from '../types.js';
import { hygieneCheck } from './support/hygiene.js';

/** A role trusts the Pod Identity service with nothing that limits which association may use it. */
export const check: Check = hygieneCheck({
  id: 'PI_TRUST_UNSCOPED',
  title: 'Pod Identity trust not scoped to a cluster, namespace, service account or account',
  severity: 'MEDIUM',
  category: 'trust',
  description:
    'The role trusts `pods.eks.amazonaws.com` with no condition on the session tags (`eks-cluster-arn`, `eks-cluster-name`, `kubernetes-namespace`, `kubernetes-service-account`) or on `aws:SourceAccount`/`aws:SourceArn`. Any Pod Identity association in the account can then use it; the only gate left is who may call `eks:CreatePodIdentityAssociation` with `iam:PassRole`.',
  remediation:
    'Add conditions such as `StringEquals` on `aws:SourceAccount`, `aws:RequestTag/kubernetes-namespace` and `aws:RequestTag/kubernetes-service-account` (or `ArnLike aws:SourceArn` for the clusters), then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.',
  docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html',
});
