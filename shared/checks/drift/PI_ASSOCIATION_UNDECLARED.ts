import { sentence } from '../../text.js';
import { scopeFor } from '../support/scope.js';
import type { Check, FindingDraft } from '../types.js';

/** An association on a declared member cluster whose service account the baseline does not declare. */
export const check: Check = {
  meta: {
    id: 'PI_ASSOCIATION_UNDECLARED',
    title: 'Pod Identity association is not declared',
    severity: 'MEDIUM',
    category: 'drift',
    description:
      'A member cluster of a declared logical cluster has a Pod Identity association whose namespace and service account the baseline does not declare: someone granted AWS access outside review. Associations of a declared service account with other values are reported as `PI_ASSOCIATION_CHANGED` instead.',
    remediation:
      'Declare the binding under `podIdentity:` in the baseline after review, or delete the association: `aws eks delete-pod-identity-association --cluster-name CLUSTER --association-id ID`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const drafts: FindingDraft[] = [];
    for (const member of scope.members) {
      if (member.state !== 'present' || !member.cluster) continue;
      for (const association of member.cluster.associations) {
        const declared = scope.declaredPodIdentity(
          member.logical.name,
          association.namespace,
          association.serviceAccount,
        );
        if (declared.length > 0) continue;
        const owner = association.ownerArn ? ` (owned by ${association.ownerArn})` : '';
        drafts.push({
          severity: check.meta.severity,
          message: sentence(
            `Pod Identity association ${association.associationId}${owner} gives ${association.namespace}/${association.serviceAccount} on cluster ${member.name} role ${association.roleArn}, but logical cluster ${member.logical.name} declares no such binding. Declare it in the baseline or delete the association`,
          ),
          accountId: association.accountId,
          region: association.region,
          cluster: association.clusterName,
          resource: { type: 'AwsEksPodIdentityAssociation', id: association.associationArn },
          evidence: {
            logicalCluster: member.logical.name,
            namespace: association.namespace,
            serviceAccount: association.serviceAccount,
            roleArn: association.roleArn,
            ...(association.targetRoleArn ? { targetRoleArn: association.targetRoleArn } : {}),
            ...(association.ownerArn ? { ownerArn: association.ownerArn } : {}),
          },
          remediation: `Declare the binding under \`podIdentity:\` for logical cluster ${member.logical.name} after review, or delete it: \`aws eks delete-pod-identity-association --region ${association.region} --cluster-name ${association.clusterName} --association-id ${association.associationId}\`.`,
        });
      }
    }
    return drafts;
  },
};
