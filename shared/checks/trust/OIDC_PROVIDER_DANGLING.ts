import { issuerHostPath } from '../../model/identity.js';
import { sentence } from '../../text.js';
import { eksIssuerRegion } from '../../trust/workload.js';
import { indexesFor } from '../support/indexes.js';
import { deadIssuerBasis, RECENT_ISSUER_USE_DAYS } from '../support/issuers.js';
import { irsaGrantsByIssuer } from '../support/workload.js';
import type { Check, FindingDraft } from '../types.js';

/** An IAM OIDC provider for an EKS issuer whose cluster is gone. */
export const check: Check = {
  meta: {
    id: 'OIDC_PROVIDER_DANGLING',
    title: 'IAM OIDC provider for a cluster that no longer exists',
    severity: 'LOW',
    category: 'trust',
    description: `An IAM OIDC provider names an EKS issuer (\`oidc.eks.REGION.amazonaws.com/id/ID\`) that belongs to no live cluster, typically left behind by a blue/green cutover. It counts against the 100-provider quota and keeps old trust statements looking valid. With cross-account IRSA the provider lives in the role's account and the cluster in another, so this is decided only when the issuer region's cluster listing was completely collected in every account where the cluster could run: the provider's account, every account collected in that region, every account declaring a cluster there, and every scanned account that could not be read or was not collected at all; and not while CloudTrail shows the issuer's tokens accepted in the last ${RECENT_ISSUER_USE_DAYS} days. Otherwise it is recorded as unknown. A provider for a cluster in an account or region the audit was not asked to look at looks dangling: list such accounts and regions in the baseline.`,
    restsOn:
      "the issuer region's cluster listing in the provider's account and in every account where the issuer's cluster could run",
    remediation:
      'Remove the trust statements that still name it, then delete it: `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn PROVIDER_ARN`.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html',
  },
  evaluate(context) {
    const { inventory } = context;
    const indexes = indexesFor(context);
    const grantsByIssuer = irsaGrantsByIssuer(context);
    const drafts: FindingDraft[] = [];
    for (const provider of inventory.oidcProviders) {
      if (!provider.isEksIssuer) continue;
      const hostPath = issuerHostPath(provider.url);
      const region = eksIssuerRegion(hostPath);
      if (!region || indexes.clustersByIssuerHostPath.has(hostPath)) continue;
      const basis = deadIssuerBasis(context, hostPath, region, [provider.accountId]);
      const { accounts } = basis;
      const trustingRoles = [
        ...new Set(
          (grantsByIssuer.get(hostPath) ?? [])
            .filter(({ grant }) => grant.providerArn === provider.arn)
            .map(({ role }) => role.arn),
        ),
      ];
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `OIDC provider ${provider.arn} names EKS issuer ${hostPath}, which belongs to no live cluster (region ${region} was fully listed in ${accounts === 1 ? 'the 1 account where it could run' : `all ${accounts} accounts where it could run`}); ${
            trustingRoles.length > 0
              ? `remove it from the trust of ${trustingRoles.length} role(s) still naming it, then delete the provider`
              : 'delete the provider'
          }`,
        ),
        accountId: provider.accountId,
        region,
        resource: { type: 'AwsIamOidcProvider', id: provider.arn },
        remediation: `Remove the trust statements that still name it, then delete it: \`aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${provider.arn}\`.`,
        evidence: { issuerHostPath: hostPath, trustingRoles, clientIds: provider.clientIds },
        restsOn: basis.restsOn,
        doubts: basis.doubts,
      });
    }
    return drafts;
  },
};
