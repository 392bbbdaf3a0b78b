import { sentence } from '../../text.js';
import { podIdentityTrustVerdict } from '../support/pod-identity-trust.js';
import { associationScope, describeAssociation } from '../support/workload.js';
import type { Check, FindingDraft } from '../types.js';

/** An association's role does not trust the Pod Identity service for the actions EKS needs. */
export const check: Check = {
  meta: {
    id: 'PI_TRUST_MISSING',
    title: 'Association role does not trust the Pod Identity service',
    severity: 'HIGH',
    category: 'trust',
    description:
      "A Pod Identity association's role exists but its trust policy does not let `pods.eks.amazonaws.com` call `sts:AssumeRole`, plus `sts:TagSession` unless the association disables session tags. Pods of the service account get no credentials (AccessDenied from the agent). Roles that are not in the inventory are left to `ROLE_NOT_FOUND`.",
    remediation:
      'Add a statement with `"Principal": {"Service": "pods.eks.amazonaws.com"}` and `"Action": ["sts:AssumeRole", "sts:TagSession"]`, scoped by session-tag conditions, then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html',
  },
  evaluate(context) {
    const drafts: FindingDraft[] = [];
    for (const association of context.inventory.associations) {
      const verdict = podIdentityTrustVerdict(context, association);
      if (verdict.kind !== 'missing') continue;
      const { role, missingActions } = verdict;
      const what =
        verdict.grants.length === 0
          ? 'does not trust pods.eks.amazonaws.com at all'
          : `does not allow pods.eks.amazonaws.com ${missingActions.join(' and ')}`;
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `${describeAssociation(association)} uses role ${role.name} (${role.arn}), whose trust policy ${what}; pods of this service account get no credentials until the trust allows ${['sts:AssumeRole', ...(association.disableSessionTags ? [] : ['sts:TagSession'])].join(' and ')}`,
        ),
        ...associationScope(association),
        evidence: {
          roleArn: role.arn,
          missingActions,
          disableSessionTags: association.disableSessionTags,
          podIdentityStatements: verdict.grants.map((grant) => grant.statementIndex),
        },
      });
    }
    return drafts;
  },
};
