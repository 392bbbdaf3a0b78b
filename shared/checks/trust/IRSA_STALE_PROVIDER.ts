import { accountOfArn } from '../../model/identity.js';
import { sentence } from '../../text.js';
import { irsaGrantsOf } from '../../trust/workload.js';
import { indexesFor } from '../support/indexes.js';
import { deadIssuerBasis, RECENT_ISSUER_USE_DAYS } from '../support/issuers.js';
import type { Check, FindingDraft } from '../types.js';

/** A role's trust names an EKS issuer that no live cluster has (typical after a blue/green cutover). */
export const check: Check = {
  meta: {
    id: 'IRSA_STALE_PROVIDER',
    title: 'IRSA trust names the issuer of a cluster that no longer exists',
    severity: 'LOW',
    category: 'trust',
    description: `The trust policy grants an EKS OIDC issuer that belongs to no cluster in the inventory, typically the old cluster after a blue/green cutover. The statement is dead weight in a size-limited policy and would grant a future issuer with the same id nothing useful. An issuer names its cluster's region but not its account, and IRSA works across accounts, so this is decided only when that region's cluster listing was completely collected in every account where the cluster could run: the role's and the provider's account, every account collected in that region, every account declaring a cluster there, and every scanned account that could not be read or was not collected at all; and not while CloudTrail shows the issuer's tokens accepted in the last ${RECENT_ISSUER_USE_DAYS} days. Otherwise it is recorded as unknown. A cluster in an account or region the audit was not asked to look at looks stale: list such accounts and regions in the baseline.`,
    restsOn:
      "the issuer region's cluster listing in the role's account and in every account where the issuer's cluster could run",
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
        const entry = statementsByIssuer.get(grant.issuerHostPath) ?? {
          providerArn: grant.providerArn,
          region: grant.region,
          statements: [],
        };
        entry.statements.push(grant.statementIndex);
        statementsByIssuer.set(grant.issuerHostPath, entry);
      }
      for (const [issuerHostPath, entry] of statementsByIssuer) {
        const providerAccount = accountOfArn(entry.providerArn);
        const basis = deadIssuerBasis(context, issuerHostPath, entry.region, [
          role.accountId,
          ...(providerAccount ? [providerAccount] : []),
        ]);
        const { accounts } = basis;
        drafts.push({
          severity: check.meta.severity,
          message: sentence(
            `Role ${role.name} (${role.arn}) trusts EKS issuer ${issuerHostPath}, which belongs to no live cluster (region ${entry.region} was fully listed in ${accounts === 1 ? 'the 1 account where it could run' : `all ${accounts} accounts where it could run`}); remove the stale statement`,
          ),
          accountId: role.accountId,
          region: entry.region,
          resource: { type: 'AwsIamRole', id: role.arn },
          identity: [issuerHostPath],
          evidence: { issuerHostPath, providerArn: entry.providerArn, statementIndexes: entry.statements },
          restsOn: basis.restsOn,
          doubts: basis.doubts,
        });
      }
    }
    return drafts;
  },
};
