import type { PodIdentityAssumeRequest } from '../../trust/types.js';
import { hygieneCheck, statementName } from '../support/hygiene.js';

/**
 * Does the trust admit an association on any cluster of an account? Asked of the whole policy: for
 * some account, every association (any cluster, namespace and service account), with session tags
 * or without them, is allowed with this statement among the allowing ones.
 */
export const check = hygieneCheck(
  'any-association',
  {
    id: 'PI_TRUST_UNSCOPED',
    title: 'Pod Identity trust not scoped to a cluster, namespace, service account or account',
    severity: 'MEDIUM',
    category: 'trust',
    description:
      'Asks: does the trust admit every Pod Identity association of an account, on any cluster, namespace and service account? It does when, for some account, the statement (with the statements that allow the companion action, after the Deny statements) admits them all, either with the six session tags or without them, as an association with `disableSessionTags` makes the request. Conditions that match every value (`arn:aws:eks:*:*:cluster/*`, `*`), scopes written with `...IfExists` or guarded by `Null`, which an association without session tags bypasses, and `aws:SourceAccount` alone (associations only use roles of their own account) do not scope it. Any association in the account can then use the role; the only gate left is who may call `eks:CreatePodIdentityAssociation` with `iam:PassRole`. The evidence carries a witness request and the `trust can-assume` command that confirms it. A question only an undecided condition could settle (an operator or key the analyzer does not evaluate, a variable of another request key) is counted as unknown, never reported.',
    remediation:
      'Add conditions on the session tags, such as `StringEquals` on `aws:RequestTag/eks-cluster-name`, `aws:RequestTag/kubernetes-namespace` and `aws:RequestTag/kubernetes-service-account` (without `IfExists`), or `ArnEquals aws:SourceArn` for the clusters, then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html',
  },
  (finding) => {
    const tagged = (finding.witness as PodIdentityAssumeRequest | undefined)?.sessionTags !== undefined;
    return {
      severity: 'MEDIUM',
      message: `${statementName(finding)} trusts pods.eks.amazonaws.com with nothing that limits which association may use it: ${finding.universal ?? 'every association of the account'} can use the role${tagged ? '' : ' (an association only needs disableSessionTags)'}`,
    };
  },
);
