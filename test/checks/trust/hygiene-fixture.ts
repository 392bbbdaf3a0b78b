import { irsaTrust, type PolicyDocument, snapshot } from '../../support/snapshot-builder.js';
import { ACCOUNT, OIDC_ID, REGION } from './harness.js';

/** One account with a live cluster (issuer `OIDC_ID`), its provider, and the given roles. */
export function withRoles(roles: Record<string, PolicyDocument>) {
  return snapshot().account(ACCOUNT, (account) => {
    for (const [name, trust] of Object.entries(roles)) account.role(name, { trust });
    account
      .oidcProvider({ region: REGION, oidcId: OIDC_ID })
      .region(REGION, (region) => region.cluster('prod-blue', { oidcId: OIDC_ID }));
  });
}

/** An IRSA trust for the live cluster's issuer. */
export function clusterIrsaTrust(
  options: Omit<Parameters<typeof irsaTrust>[0], 'accountId' | 'region' | 'oidcId'>,
) {
  return irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: OIDC_ID, ...options });
}
