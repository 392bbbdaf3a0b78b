import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/IRSA_STALE_PROVIDER.js';
import { collectionError, irsaTrust, mergePolicies, snapshot } from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, OIDC_ID, OLD_HOST_PATH, OLD_OIDC_ID, OTHER_ACCOUNT, REGION } from './harness.js';

const subject = 'system:serviceaccount:app:web';
const blueGreenTrust = mergePolicies(
  irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: OLD_OIDC_ID, subject }),
  irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: OIDC_ID, subject }),
);

describe('IRSA_STALE_PROVIDER', () => {
  it('fires for the statement naming the deleted blue cluster issuer, not the live green one', () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .role('web', { trust: blueGreenTrust })
        .region(REGION, (r) => r.cluster('prod-green', { oidcId: OIDC_ID })),
    );

    const drafts = evaluate(check, builder);

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      resource: { type: 'AwsIamRole', id: `arn:aws:iam::${ACCOUNT}:role/web` },
      evidence: { issuerHostPath: OLD_HOST_PATH, statementIndexes: [0] },
    });
    expect(drafts[0].message).toMatch(/\.$/);
  });

  it('does not fire when the issuer belongs to a live cluster in another scanned account', () => {
    const builder = snapshot()
      .account(ACCOUNT, (a) =>
        a
          .role('web', {
            trust: irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: OLD_OIDC_ID, subject }),
          })
          .region(REGION),
      )
      .account(OTHER_ACCOUNT, (a) => a.region(REGION, (r) => r.cluster('shared', { oidcId: OLD_OIDC_ID })));

    expect(evaluate(check, builder)).toEqual([]);
  });

  it("does not decide when the issuer's region failed to list clusters", () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .role('web', { trust: blueGreenTrust })
        .region(REGION, (r) =>
          r.cluster('prod-green', { oidcId: OIDC_ID }).error(collectionError('eks', 'ListClusters')),
        ),
    );

    expect(evaluate(check, builder)).toEqual([]);
  });

  it("does not decide when the issuer's region was not collected for the account", () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a.role('web', { trust: blueGreenTrust }).region('us-east-1'),
    );

    expect(evaluate(check, builder)).toEqual([]);
  });
});
