import { sentence } from '../../text.js';
import { podIdentityAssumeRequest } from '../../trust/workload.js';
import { podIdentityTrustVerdict } from '../support/pod-identity-trust.js';
import { associationScope, describeAssociation } from '../support/workload.js';
import type { Check, FindingDraft } from '../types.js';

/** The role trusts Pod Identity, but its conditions reject this association's own session. */
export const check: Check = {
  meta: {
    id: 'PI_TRUST_EXCLUDES_ASSOCIATION',
    title: "Role trust rejects its own association's session tags",
    severity: 'HIGH',
    category: 'trust',
    description:
      "The association role trusts `pods.eks.amazonaws.com`, but evaluating the trust policy with the session EKS creates for this association (the `eks-cluster-arn`, `eks-cluster-name`, `kubernetes-namespace` and `kubernetes-service-account` tags, `aws:SourceAccount` = the cluster's account, `aws:SourceArn` = the cluster ARN) is denied: pods get AccessDenied at run time. Pod name and uid differ per pod: a condition on them only counts as rejecting when the trust denies even with those conditions treated as met; otherwise the result is unknown: no finding, and the audit counts it as undecided.",
    remediation:
      'Make the trust conditions match the association (cluster name or ARN, namespace, service account, source account), or point the association at the intended role: `aws eks update-pod-identity-association --cluster-name CLUSTER --association-id ASSOCIATION_ID --role-arn ROLE_ARN`. Check the result with `eks-identity-audit trust can-assume --pod-identity --tag KEY=VALUE ...`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html',
  },
  evaluate(context) {
    const drafts: FindingDraft[] = [];
    for (const association of context.inventory.associations) {
      const verdict = podIdentityTrustVerdict(context, association);
      if (verdict.kind === 'unknown') {
        context.recordUnknown?.({
          kind: 'trust',
          checkId: check.meta.id,
          resourceId: association.associationArn,
          reason: verdict.decision.reason,
        });
      }
      if (verdict.kind !== 'excluded') continue;
      const { role, decision } = verdict;
      const request = podIdentityAssumeRequest(association);
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `${describeAssociation(association)} uses role ${role.name} (${role.arn}), whose trust policy rejects this association's own session (${sentence(decision.reason).slice(0, -1)}); pods get AccessDenied until the conditions match`,
        ),
        ...associationScope(association),
        evidence: {
          roleArn: role.arn,
          reason: decision.reason,
          sessionTags: request.sessionTags ?? null,
          sourceAccount: request.sourceAccount,
          sourceArn: request.sourceArn,
          disableSessionTags: association.disableSessionTags,
          perPodConditions: verdict.perPodConditions,
        },
      });
    }
    return drafts;
  },
};
