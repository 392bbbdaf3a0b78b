import type { PodIdentityBinding } from '../../baseline/types.js';
import type { AssociationInventory } from '../../model/inventory.js';
import { sentence } from '../../text.js';
import { identityKey, indexesFor } from '../support/indexes.js';
import { flag, scopeFor } from '../support/scope.js';
import type { Check, FindingDraft } from '../types.js';

/** Differences between a declared binding and a deployed association, in words. */
export function associationDifferences(
  binding: PodIdentityBinding,
  association: AssociationInventory,
): string[] {
  const differences: string[] = [];
  if (association.roleArn !== binding.roleArn) {
    differences.push(`role is ${association.roleArn}, the baseline declares ${binding.roleArn}`);
  }
  if ((association.targetRoleArn ?? undefined) !== (binding.targetRoleArn ?? undefined)) {
    differences.push(
      `target role is ${association.targetRoleArn ?? 'not set'}, the baseline declares ${binding.targetRoleArn ?? 'none'}`,
    );
  }
  if (association.disableSessionTags !== (binding.disableSessionTags ?? false)) {
    differences.push(
      `session tags are ${association.disableSessionTags ? 'disabled' : 'enabled'}, the baseline declares them ${binding.disableSessionTags ? 'disabled' : 'enabled'}`,
    );
  }
  return differences;
}

/** An association exists for a declared service account but with another role, target role or tag setting. */
export const check: Check = {
  meta: {
    id: 'PI_ASSOCIATION_CHANGED',
    title: 'Pod Identity association differs from the baseline',
    severity: 'HIGH',
    category: 'drift',
    description:
      'A member cluster has an association for a declared service account, but its role, cross-account target role or `disableSessionTags` setting differs from the declaration: pods run with other permissions than reviewed, or lose the session tags their ABAC policies rely on.',
    remediation:
      'Update the association to the declared values: `aws eks update-pod-identity-association --cluster-name CLUSTER --association-id ID --role-arn ROLE_ARN`, or update the baseline after review.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const indexes = indexesFor(context);
    const drafts: FindingDraft[] = [];
    for (const binding of context.baseline.podIdentity) {
      for (const member of scope.membersOf(binding.cluster)) {
        if (member.state !== 'present') continue;
        const key = identityKey(
          member.accountId,
          member.region,
          member.name,
          binding.namespace,
          binding.serviceAccount,
        );
        const associations = indexes.associationsByIdentity.get(key) ?? [];
        // Another declaration for the same service account may describe this association exactly.
        const declared = scope.declaredPodIdentity(
          binding.cluster,
          binding.namespace,
          binding.serviceAccount,
        );
        for (const association of associations) {
          if (declared.some((other) => associationDifferences(other, association).length === 0)) continue;
          const differences = associationDifferences(binding, association);
          const command =
            `aws eks update-pod-identity-association --region ${member.region} --cluster-name ${member.name}` +
            ` --association-id ${association.associationId}${flag('--role-arn', binding.roleArn)}` +
            (binding.targetRoleArn ? flag('--target-role-arn', binding.targetRoleArn) : '') +
            (association.disableSessionTags !== (binding.disableSessionTags ?? false)
              ? binding.disableSessionTags
                ? ' --disable-session-tags'
                : ' --no-disable-session-tags'
              : '');
          drafts.push({
            severity: check.meta.severity,
            message: sentence(
              `Pod Identity association ${association.associationId} for ${binding.namespace}/${binding.serviceAccount} on cluster ${member.name} differs from the baseline: ${differences.join('; ')}. Update the association or the baseline`,
            ),
            accountId: member.accountId,
            region: member.region,
            cluster: member.name,
            resource: { type: 'AwsEksPodIdentityAssociation', id: association.associationArn },
            identity: [binding.roleArn],
            evidence: {
              logicalCluster: binding.cluster,
              differences,
              actual: {
                roleArn: association.roleArn,
                targetRoleArn: association.targetRoleArn ?? null,
                disableSessionTags: association.disableSessionTags,
              },
              declared: {
                roleArn: binding.roleArn,
                targetRoleArn: binding.targetRoleArn ?? null,
                disableSessionTags: binding.disableSessionTags ?? false,
              },
            },
            remediation: `Update the association to the declared values: \`${command}\`, or update the baseline after review.`,
            baselineLocation: binding.location,
          });
        }
      }
    }
    return drafts;
  },
};
