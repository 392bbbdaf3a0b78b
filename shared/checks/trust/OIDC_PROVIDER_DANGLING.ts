import { issuerHostPath } from '../../model/identity.js';
import { indexesFor } from '../indexes.js';
import type { Check, FindingDraft } from '../types.js';
import { sentence } from './support/hygiene.js';
import { eksIssuerRegion, irsaGrantsByIssuer, issuerLivenessDecidable } from './support/workload.js';

/** An IAM OIDC provider for an EKS issuer whose cluster is gone. */
export const check: Check = {
  meta: {
    id: 'OIDC_PROVIDER_DANGLING',
    title: 'IAM OIDC provider for a cluster that no longer exists',
    severity: 'LOW',
    category: 'trust',
    description:
      "An IAM OIDC provider names an EKS issuer (`oidc.eks.REGION.amazonaws.com/id/ID`) that belongs to no live cluster, typically left behind by a blue/green cutover. It counts against the 100-provider quota and keeps old trust statements looking valid. Decided only when the issuer's region was completely collected for the provider's account; a provider for a cluster in an account outside the audit scope looks dangling, so list such accounts in the baseline.",
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
      if (!issuerLivenessDecidable(inventory, provider.accountId, region)) continue;
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
          `OIDC provider ${provider.arn} names EKS issuer ${hostPath}, which belongs to no live cluster (region ${region} of account ${provider.accountId} was fully collected); ${
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
      });
    }
    return drafts;
  },
};
