import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/IRSA_UNKNOWN_PROVIDER.js';
import { collectionError, irsaTrust, snapshot } from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, OIDC_ID, OLD_HOST_PATH, OLD_OIDC_ID, OTHER_ACCOUNT, REGION } from './harness.js';

const subject = 'system:serviceaccount:app:web';

describe('IRSA_UNKNOWN_PROVIDER', () => {
  it('fires when the trust names a provider that does not exist in the account', () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .role('web', {
          trust: irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: OLD_OIDC_ID, subject }),
        })
        .oidcProvider({ region: REGION, oidcId: OIDC_ID }),
    );

    const drafts = evaluate(check, builder);

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      resource: { type: 'AwsIamRole', id: `arn:aws:iam::${ACCOUNT}:role/web` },
      evidence: {
        providerArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OLD_HOST_PATH}`,
        statementIndexes: [0],
      },
    });
    expect(drafts[0].message).toContain(`does not exist in account ${ACCOUNT}`);
  });

  it("fires when the trust names another account's provider, which web identity never uses", () => {
    const builder = snapshot()
      .account(ACCOUNT, (a) =>
        a.role('web', {
          trust: irsaTrust({ accountId: OTHER_ACCOUNT, region: REGION, oidcId: OIDC_ID, subject }),
        }),
      )
      .account(OTHER_ACCOUNT, (a) => a.oidcProvider({ region: REGION, oidcId: OIDC_ID }));

    const drafts = evaluate(check, builder);

    expect(drafts).toHaveLength(1);
    expect(drafts[0].evidence).toMatchObject({ providerAccount: OTHER_ACCOUNT });
    expect(drafts[0].message).toContain(`belongs to account ${OTHER_ACCOUNT}`);
  });

  it('does not fire when the provider exists in the role account', () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .role('web', { trust: irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: OIDC_ID, subject }) })
        .oidcProvider({ region: REGION, oidcId: OIDC_ID }),
    );

    expect(evaluate(check, builder)).toEqual([]);
  });

  it("does not fire when the account's IAM collection is incomplete", () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .role('web', {
          trust: irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: OLD_OIDC_ID, subject }),
        })
        .iamError(collectionError('iam', 'ListOpenIDConnectProviders')),
    );

    expect(evaluate(check, builder)).toEqual([]);
  });
});
