import type { Coverage } from '../../usage/index.js';
import { scopeFor, sentence } from '../drift/scope.js';
import { indexesFor, push } from '../indexes.js';
import { irsaGrantsOf } from '../trust/support/workload.js';
import type { Check, FindingDraft } from '../types.js';
import { ageGap, coverageGap, roleUsedPerIam, unusedEvidence, usageIndexFor, usageWindow } from './window.js';

/** A workload role with no assume evidence over the whole unused window. */
export const check: Check = {
  meta: {
    id: 'ROLE_UNUSED',
    title: 'Workload role is unused',
    severity: 'LOW',
    category: 'usage',
    description:
      "A workload role (the role of a Pod Identity association, or a role whose trust grants an EKS OIDC issuer) was not assumed during the baseline's `unusedAfterDays` window: no CloudTrail `AssumeRole`/`AssumeRoleWithWebIdentity` and no IAM `RoleLastUsed` inside it. Only claimed when the account's IAM was collected, every CloudTrail window of the account is complete and covers the whole window, and the role is older than the window; otherwise the usage is counted as unknown.",
    remediation:
      'Confirm with the owners, remove the associations and trust grants that use it, then delete the role: `aws iam delete-role --role-name ROLE_NAME` (detach its policies first).',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const indexes = indexesFor(context);
    const usage = usageIndexFor(context);
    const window = usageWindow(context);
    const { completeness } = context.inventory;
    const drafts: FindingDraft[] = [];
    const coveragesByAccount = new Map<string, Coverage[]>();
    for (const coverage of usage.coverages()) push(coveragesByAccount, coverage.accountId, coverage);
    const roles = [...context.inventory.roles.values()]
      .filter((role) => scope.accounts.has(role.accountId))
      .sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
    for (const role of roles) {
      const associations = indexes.associationsByRoleArn.get(role.arn) ?? [];
      const eksGrants = irsaGrantsOf(indexes.trustOf(role.arn)).filter((grant) => grant.isEksIssuer);
      if (associations.length === 0 && eksGrants.length === 0) continue;
      if (roleUsedPerIam(role, window) || usage.roleUsage(role.arn)) continue;

      const gaps: string[] = [];
      if (!completeness.iamComplete(role.accountId))
        gaps.push(`IAM of account ${role.accountId} was not fully collected`);
      const gap = ageGap(role.createDate, window, `role ${role.name}`);
      if (gap) gaps.push(gap);
      const windows = coveragesByAccount.get(role.accountId) ?? [];
      if (windows.length === 0)
        gaps.push(`no CloudTrail evidence was collected for account ${role.accountId}`);
      for (const coverage of windows) {
        const coverageProblem = coverageGap(coverage, window, `${coverage.accountId} ${coverage.region}`);
        if (coverageProblem) gaps.push(coverageProblem);
      }
      if (gaps.length > 0) {
        context.recordUnknown?.({
          kind: 'usage',
          checkId: check.meta.id,
          resourceId: role.arn,
          reason: gaps.join('; '),
        });
        continue;
      }
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
            regions: windows.map((coverage) => coverage.region),
            associations: associations.map((association) => association.associationArn),
            irsaIssuers: [...new Set(eksGrants.map((grant) => grant.issuerHostPath))].sort(),
          },
        ),
        remediation: `Confirm with the owners, remove the associations and trust grants that use it, then delete it: \`aws iam delete-role --role-name ${role.name}\` (detach and delete its policies first).`,
      });
    }
    return drafts;
  },
};
