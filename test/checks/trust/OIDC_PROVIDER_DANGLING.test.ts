import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/OIDC_PROVIDER_DANGLING.js';
import { baselineOf } from '../../audit/world.js';
import {
  collectionError,
  irsaTrust,
  irsaWebIdentityEvent,
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

describe('OIDC_PROVIDER_DANGLING with cross-account IRSA', () => {
  // The platform account holds the provider and the role; the cluster runs in the data account.
  const PLATFORM = ACCOUNT;
  const DATA = OTHER_ACCOUNT;
  const LAKE_OIDC = 'D47A1B2C3D4E5F60718293A4B5C6D7E8';
  const lakeHostPath = `oidc.eks.${REGION}.amazonaws.com/id/${LAKE_OIDC}`;
  const providerArn = `arn:aws:iam::${PLATFORM}:oidc-provider/${lakeHostPath}`;
  const lakeDeclared = baselineOf({
    clusters: { lake: { account: DATA, region: REGION, members: ['lake-blue'] } },
    accounts: [PLATFORM],
  });
  const loaderEvent = (eventTime: string) =>
    irsaWebIdentityEvent({
      accountId: PLATFORM,
      region: REGION,
      oidcId: LAKE_OIDC,
      namespace: 'ingest',
      serviceAccount: 'loader',
      roleArn: `arn:aws:iam::${PLATFORM}:role/lake-loader`,
      eventTime,
    });
  const platform = (events: Array<ReturnType<typeof irsaWebIdentityEvent>> = []) =>
    snapshot().account(PLATFORM, (a) =>
      a
        .role('lake-loader', {
          trust: irsaTrust({
            accountId: PLATFORM,
            region: REGION,
            oidcId: LAKE_OIDC,
            subject: 'system:serviceaccount:ingest:loader',
          }),
        })
        .oidcProvider({ region: REGION, oidcId: LAKE_OIDC })
        .region(REGION, (r) => r.event(...events)),
    );

  it("is unknown, not dangling, when the declared cluster's account could not be assumed", () => {
    const run = evaluateWithBaseline(check, platform().failedAccount(DATA), lakeDeclared);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns).toEqual([
      expect.objectContaining({
        kind: 'absence',
        resourceId: providerArn,
        reason: `account ${DATA} could not be read`,
        incompleteScopes: [{ level: 'region', accountId: DATA, region: REGION }],
      }),
    ]);
  });

  it("is unknown when the declared cluster's account is not in the snapshot at all", () => {
    const run = evaluateWithBaseline(check, platform(), lakeDeclared);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toBe(`account ${DATA} was not collected`);
  });

  it('is unknown when the account declaring a cluster in that region was collected without it', () => {
    const builder = platform().account(DATA, (a) => a.region('us-east-1'));
    const run = evaluateWithBaseline(check, builder, lakeDeclared);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toBe(`region ${REGION} of account ${DATA} was not collected`);
  });

  it('does not wait for a readable account whose collection left the region out and declares nothing there', () => {
    const builder = platform().account(DATA, (a) => a.region('us-east-1'));
    const run = evaluateWithBaseline(
      check,
      builder,
      baselineOf({ clusters: {}, accounts: [PLATFORM, DATA] }),
    );
    expect(run.drafts).toHaveLength(1);
    expect(run.drafts[0].restsOn).toEqual([{ level: 'region', accountId: PLATFORM, region: REGION }]);
  });

  it('is dangling once every account where the cluster could run listed the region completely without it', () => {
    const builder = platform().account(DATA, (a) => a.region(REGION, (r) => r.cluster('lake-green')));
    const run = evaluateWithBaseline(check, builder, lakeDeclared);
    expect(run.drafts).toHaveLength(1);
    expect(run.drafts[0].resource.id).toBe(providerArn);
    expect(run.drafts[0].restsOn).toEqual([
      { level: 'region', accountId: PLATFORM, region: REGION },
      { level: 'region', accountId: DATA, region: REGION },
    ]);
    expect(run.drafts[0].message).toContain('fully listed in all 2 accounts where it could run');
  });

  it("is unknown while CloudTrail shows the issuer's tokens accepted in the last week", () => {
    const builder = platform([loaderEvent('2026-11-27T09:00:00Z')]).account(DATA, (a) => a.region(REGION));
    const run = evaluateWithBaseline(check, builder, lakeDeclared);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toContain(
      `tokens of issuer ${lakeHostPath} accepted at 2026-11-27T09:00:00Z`,
    );
  });

  it('is dangling when the last accepted token is older than a week (the cluster was deleted since)', () => {
    const builder = platform([loaderEvent('2026-10-30T09:00:00Z')]).account(DATA, (a) => a.region(REGION));
    expect(evaluateWithBaseline(check, builder, lakeDeclared).drafts).toHaveLength(1);
  });
});
