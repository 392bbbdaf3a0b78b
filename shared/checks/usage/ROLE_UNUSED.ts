import { scopeRef } from '../../model/scope.js';
import { sentence } from '../../text.js';
import { irsaGrantsOf } from '../../trust/workload.js';
import { ageGap, roleUsedPerIam, unusedEvidence } from '../../usage/window.js';
import { indexesFor } from '../support/indexes.js';
import { scopeFor } from '../support/scope.js';
import { usageIndexFor, usageWindow } from '../support/usage.js';
import type { Check, FindingDraft } from '../types.js';

/** A workload role with no assume evidence over the whole unused window. */
export const check: Check = {
  meta: {
    id: 'ROLE_UNUSED',
    title: 'Workload role is unused',
    severity: 'LOW',
    category: 'usage',
    description:
      "A workload role (the role of a Pod Identity association, or a role whose trust grants an EKS OIDC issuer) was not assumed during the baseline's `unusedAfterDays` window: no CloudTrail `AssumeRole`/`AssumeRoleWithWebIdentity` and no IAM `RoleLastUsed` inside it. IAM `RoleLastUsed` covers every region; the claim also needs the account's IAM data completely collected and the role account's CloudTrail of every collected region, and of the regions of its associations and trusted issuers, complete over the whole window, and the role older than the window; otherwise the usage is counted as unknown.",
    restsOn:
      "the IAM data of the role's account and its CloudTrail of every collected region and of the regions where the role is used",
    remediation:
      'Confirm with the owners, remove the associations and trust grants that use it, then delete the role: `aws iam delete-role --role-name ROLE_NAME` (detach its policies first).',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const indexes = indexesFor(context);
    const usage = usageIndexFor(context);
    const window = usageWindow(context);
    const drafts: FindingDraft[] = [];
    for (const role of scope.scannedRoles()) {
      const associations = indexes.associationsByRoleArn.get(role.arn) ?? [];
      const eksGrants = irsaGrantsOf(indexes.trustOf(role.arn)).filter((grant) => grant.isEksIssuer);
      if (associations.length === 0 && eksGrants.length === 0) continue;
      if (roleUsedPerIam(role, window) || usage.roleUsage(role.arn)) continue;

      const doubts: string[] = [];
      const gap = ageGap(role.createDate, window, `role ${role.name}`);
      if (gap) doubts.push(gap);
      // Where its assumes would be logged in the role's account: every collected region, and the
      // regions of its associations' clusters and of the issuers it trusts (the default STS region
      // of an IRSA workload). IAM RoleLastUsed covers any other region.
      const regions = [
        ...new Set([
          ...(indexes.regionsByAccount.get(role.accountId) ?? []),
          ...associations.map((association) => association.region),
          ...eksGrants.flatMap((grant) => (grant.region ? [grant.region] : [])),
        ]),
      ].sort();
      const usedBy = [
        ...associations.map(
          (association) =>
            `association ${association.associationId} (${association.namespace}/${association.serviceAccount} on ${association.clusterName})`,
        ),
        ...(eksGrants.length > 0 ? ['IRSA trust'] : []),
      ];
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Role ${role.name} was not assumed in the last ${window.days} days (${role.lastUsedDate ? `IAM last used ${role.lastUsedDate}` : 'IAM records no use'}); it is a workload role through ${usedBy.join(', ')}. Remove it if nothing needs it`,
        ),
        accountId: role.accountId,
        resource: { type: 'AwsIamRole', id: role.arn },
        evidence: unusedEvidence(
          window,
          ['cloudtrail:AssumeRole', 'cloudtrail:AssumeRoleWithWebIdentity', 'iam:RoleLastUsed'],
          role,
          true,
          {
            regions,
            associations: associations.map((association) => association.associationArn),
            irsaIssuers: [...new Set(eksGrants.map((grant) => grant.issuerHostPath))].sort(),
          },
        ),
        remediation: `Confirm with the owners, remove the associations and trust grants that use it, then delete it: \`aws iam delete-role --role-name ${role.name}\` (detach and delete its policies first).`,
        restsOn: [
          scopeRef.iam(role.accountId),
          ...regions.map((region) => scopeRef.cloudTrail(role.accountId, region)),
        ],
        doubts,
      });
    }
    return drafts;
  },
};
