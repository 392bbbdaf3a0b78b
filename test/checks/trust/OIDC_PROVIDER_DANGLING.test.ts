import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/OIDC_PROVIDER_DANGLING.js';
import { collectionError, irsaTrust, snapshot } from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, OIDC_ID, OLD_HOST_PATH, OLD_OIDC_ID, REGION } from './harness.js';

const oldProviderArn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${OLD_HOST_PATH}`;

describe('OIDC_PROVIDER_DANGLING', () => {
  it('fires for the provider of a deleted cluster and names the roles still trusting it', () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .role('web', {
          trust: irsaTrust({
            accountId: ACCOUNT,
            region: REGION,
            oidcId: OLD_OIDC_ID,
            subject: 'system:serviceaccount:app:web',
          }),
        })
        .oidcProvider({ region: REGION, oidcId: OLD_OIDC_ID })
        .oidcProvider({ region: REGION, oidcId: OIDC_ID })
        .region(REGION, (r) => r.cluster('prod-green', { oidcId: OIDC_ID })),
    );

    const drafts = evaluate(check, builder);

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      resource: { type: 'AwsIamOidcProvider', id: oldProviderArn },
      evidence: { issuerHostPath: OLD_HOST_PATH, trustingRoles: [`arn:aws:iam::${ACCOUNT}:role/web`] },
    });
    expect(drafts[0].remediation).toContain(`--open-id-connect-provider-arn ${oldProviderArn}`);
  });

  it('does not fire for the provider of a live cluster or a non-EKS provider', () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .oidcProvider({ region: REGION, oidcId: OIDC_ID })
        .oidcProvider({ url: 'token.actions.githubusercontent.com' })
        .region(REGION, (r) => r.cluster('prod-green', { oidcId: OIDC_ID })),
    );

    expect(evaluate(check, builder)).toEqual([]);
  });

  it('does not decide when a cluster of the region could not be collected', () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .oidcProvider({ region: REGION, oidcId: OLD_OIDC_ID })
        .region(REGION, (r) => r.error(collectionError('eks', 'ListClusters'))),
    );

    expect(evaluate(check, builder)).toEqual([]);
  });
});
