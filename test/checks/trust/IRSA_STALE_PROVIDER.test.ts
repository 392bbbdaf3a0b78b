import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/IRSA_STALE_PROVIDER.js';
import { baselineOf } from '../../audit/world.js';
import {
  type AccountBuilder,
  collectionError,
  irsaTrust,
  mergePolicies,
  snapshot,
} from '../../support/snapshot-builder.js';
import {
  ACCOUNT,
  evaluate,
  evaluateWithBaseline,
  OIDC_ID,
  OLD_HOST_PATH,
  OLD_OIDC_ID,
  OTHER_ACCOUNT,
  REGION,
} from './harness.js';

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

describe('IRSA_STALE_PROVIDER with cross-account IRSA', () => {
  // Role and provider in the platform account, the cluster in the data account.
  const PLATFORM = ACCOUNT;
  const DATA = OTHER_ACCOUNT;
  const loader = (a: AccountBuilder) =>
    a
      .role('lake-loader', {
        trust: irsaTrust({ accountId: PLATFORM, region: REGION, oidcId: OLD_OIDC_ID, subject }),
      })
      .oidcProvider({ region: REGION, oidcId: OLD_OIDC_ID })
      .region(REGION);
  const lakeDeclared = baselineOf({
    clusters: { lake: { account: DATA, region: REGION, members: ['lake-blue'] } },
    accounts: [PLATFORM],
  });

  it("is unknown, not stale, when the declared cluster's account could not be assumed", () => {
    const run = evaluateWithBaseline(
      check,
      snapshot().account(PLATFORM, loader).failedAccount(DATA),
      lakeDeclared,
    );
    expect(run.drafts).toEqual([]);
    expect(run.unknowns).toEqual([
      expect.objectContaining({
        kind: 'absence',
        resourceId: `arn:aws:iam::${PLATFORM}:role/lake-loader ${OLD_HOST_PATH}`,
        reason: `account ${DATA} could not be read`,
      }),
    ]);
  });

  it("is unknown when the data account's cluster listing of the issuer's region failed", () => {
    const builder = snapshot()
      .account(PLATFORM, loader)
      .account(DATA, (a) => a.region(REGION, (r) => r.error(collectionError('eks', 'ListClusters'))));
    const run = evaluateWithBaseline(check, builder, lakeDeclared);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].incompleteScopes).toEqual([{ level: 'region', accountId: DATA, region: REGION }]);
  });

  it('is stale once the data account listed the region completely without the cluster', () => {
    const builder = snapshot()
      .account(PLATFORM, loader)
      .account(DATA, (a) => a.region(REGION, (r) => r.cluster('lake-green', { oidcId: OIDC_ID })));
    expect(evaluateWithBaseline(check, builder, lakeDeclared).drafts).toHaveLength(1);
  });

  it('is not stale when the issuer belongs to the live cluster in the data account', () => {
    const builder = snapshot()
      .account(PLATFORM, loader)
      .account(DATA, (a) => a.region(REGION, (r) => r.cluster('lake-blue', { oidcId: OLD_OIDC_ID })));
    const run = evaluateWithBaseline(check, builder, lakeDeclared);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns).toEqual([]);
  });
});
