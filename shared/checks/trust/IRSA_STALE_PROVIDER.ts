import { indexesFor } from '../indexes.js';
import type { Check, FindingDraft } from '../types.js';
import { sentence } from './support/hygiene.js';
import { irsaGrantsOf, issuerLivenessDecidable } from './support/workload.js';

/** A role's trust names an EKS issuer that no live cluster has (typical after a blue/green cutover). */
export const check: Check = {
  meta: {
    id: 'IRSA_STALE_PROVIDER',
    title: 'IRSA trust names the issuer of a cluster that no longer exists',
    severity: 'LOW',
    category: 'trust',
    description:
      "The trust policy grants an EKS OIDC issuer that belongs to no cluster in the inventory, typically the old cluster after a blue/green cutover. The statement is dead weight in a size-limited policy and would grant a future issuer with the same id nothing useful. Decided only when the issuer's region was completely collected for the role's account; a cluster in an account outside the audit scope looks stale, so list such accounts in the baseline.",
    remediation:
      "Remove the statement for the deleted cluster's issuer: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
  },
  evaluate(context) {
    const { inventory } = context;
    const indexes = indexesFor(context);
    const drafts: FindingDraft[] = [];
    for (const role of inventory.roles.values()) {
      const statementsByIssuer = new Map<
        string,
        { providerArn: string; region: string; statements: number[] }
      >();
      for (const grant of irsaGrantsOf(indexes.trustOf(role.arn))) {
        if (!grant.isEksIssuer || !grant.region) continue;
        if (indexes.clustersByIssuerHostPath.has(grant.issuerHostPath)) continue;
        if (!issuerLivenessDecidable(inventory, role.accountId, grant.region)) continue;
        const entry = statementsByIssuer.get(grant.issuerHostPath) ?? {
          providerArn: grant.providerArn,
          region: grant.region,
          statements: [],
        };
        entry.statements.push(grant.statementIndex);
        statementsByIssuer.set(grant.issuerHostPath, entry);
      }
      for (const [issuerHostPath, entry] of statementsByIssuer) {
        drafts.push({
          severity: check.meta.severity,
          message: sentence(
            `Role ${role.name} (${role.arn}) trusts EKS issuer ${issuerHostPath}, which belongs to no live cluster (region ${entry.region} of account ${role.accountId} was fully collected); remove the stale statement`,
          ),
          accountId: role.accountId,
          region: entry.region,
          resource: { type: 'AwsIamRole', id: role.arn },
          identity: [issuerHostPath],
          evidence: { issuerHostPath, providerArn: entry.providerArn, statementIndexes: entry.statements },
        });
      }
    }
    return drafts;
  },
};
