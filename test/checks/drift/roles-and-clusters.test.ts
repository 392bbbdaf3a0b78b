import { describe, expect, it } from 'vitest';
import { check as CLUSTER_MISSING } from '../../../shared/checks/drift/CLUSTER_MISSING.js';
import { check as CLUSTER_UNDECLARED } from '../../../shared/checks/drift/CLUSTER_UNDECLARED.js';
import { check as ROLE_NOT_FOUND } from '../../../shared/checks/drift/ROLE_NOT_FOUND.js';
import { eksClusterArn } from '../../../shared/model/identity.js';
import {
  baselineOf,
  DATA,
  estate,
  inventoryOf,
  irsa,
  NOW,
  OTHER,
  pi,
  REGION,
  resources,
  roleArn,
  runCheck,
  WORKLOADS,
} from '../../audit/world.js';
import { collectionError, snapshot } from '../../support/snapshot-builder.js';

describe('ROLE_NOT_FOUND', () => {
  const inventory = inventoryOf(
    estate({
      account: (account) => account.role('s3-reader').role('eks-admin', { path: '/platform/' }),
      region: (region) =>
        region.cluster('prod-blue', {}, (cluster) =>
          cluster
            .association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3-reader' })
            .association({ namespace: 'default', serviceAccount: 'ghost', roleName: 'deleted-role' }),
        ),
    }),
  );

  it("fires once per absent role, naming the baseline's and the association's references", () => {
    const baseline = baselineOf({
      podIdentity: [pi('default', 's3-reader', 's3-reader'), pi('default', 'ghost', 'deleted-role')],
      irsa: [irsa('kube-system', 'ebs-csi', 'ebs-csi')],
    });
    const { drafts } = runCheck(ROLE_NOT_FOUND, inventory, baseline);
    expect(resources(drafts)).toEqual([roleArn('deleted-role'), roleArn('ebs-csi')]);
    const deleted = drafts.find((draft) => draft.resource.id === roleArn('deleted-role'))!;
    expect(deleted.message).toContain("the baseline's Pod Identity binding for default/ghost on prod");
    expect(deleted.message).toContain('Pod Identity association');
    expect(deleted.baselineLocation?.file).toBe('baseline.yaml');
  });

  it('does not fire for a role declared without its IAM path', () => {
    const baseline = baselineOf({ irsa: [irsa('kube-system', 'admin', 'eks-admin')] });
    expect(runCheck(ROLE_NOT_FOUND, inventory, baseline).drafts.map((draft) => draft.resource.id)).toEqual([
      roleArn('deleted-role'),
    ]);
  });

  it("does not fire when the role's account IAM was not fully collected, and says it is undecided", () => {
    const partial = inventoryOf(
      estate({
        account: (account) =>
          account.iamError(collectionError('iam', 'GetAccountAuthorizationDetails', 'Throttling')),
        region: (region) => region.cluster('prod-blue'),
      }),
    );
    const run = runCheck(
      ROLE_NOT_FOUND,
      partial,
      baselineOf({ irsa: [irsa('kube-system', 'ebs-csi', 'ebs-csi')] }),
    );
    expect(run.drafts).toEqual([]);
    expect(run.unknowns).toEqual([
      expect.objectContaining({
        kind: 'absence',
        resourceId: roleArn('ebs-csi'),
        reason: `IAM of account ${WORKLOADS} was not fully collected`,
      }),
    ]);
  });

  it('fires for a declared target role in a scanned account, not for one in an account outside the snapshot', () => {
    const withData = inventoryOf(
      snapshot({ capturedAt: NOW })
        .account(WORKLOADS, (account) =>
          account.role('exporter').region(REGION, (region) => region.cluster('prod-blue')),
        )
        .account(DATA, () => undefined),
    );
    const baseline = baselineOf({
      accounts: [DATA],
      podIdentity: [
        pi('analytics', 'exporter', 'exporter', { targetRoleArn: roleArn('reader', DATA) }),
        pi('analytics', 'other', 'exporter', { targetRoleArn: roleArn('reader', OTHER) }),
      ],
    });
    const run = runCheck(ROLE_NOT_FOUND, withData, baseline);
    expect(resources(run)).toEqual([roleArn('reader', DATA)]);
    expect(run.drafts[0].restsOn).toEqual([{ level: 'iam', accountId: DATA }]);
    // The target role's account was never collected: undecided, never claimed.
    expect(run.unknowns).toEqual([
      expect.objectContaining({
        resourceId: roleArn('reader', OTHER),
        reason: `account ${OTHER} was not collected`,
      }),
    ]);
  });
});

describe('CLUSTER_MISSING', () => {
  it("fires for a member absent from its region's complete listing", () => {
    const inventory = inventoryOf(estate({ region: (region) => region.cluster('prod-blue') }));
    const { drafts } = runCheck(
      CLUSTER_MISSING,
      inventory,
      baselineOf({ members: ['prod-blue', 'prod-green'] }),
    );
    expect(resources(drafts)).toEqual([eksClusterArn(WORKLOADS, REGION, 'prod-green')]);
    expect(drafts[0].message).toContain(
      'Cluster prod-green, a member of logical cluster prod, does not exist',
    );
  });

  it('does not fire when the region listing failed', () => {
    const inventory = inventoryOf(
      estate({
        region: (region) => region.error(collectionError('eks', 'ListClusters')).cluster('prod-blue'),
      }),
    );
    const run = runCheck(CLUSTER_MISSING, inventory, baselineOf({ members: ['prod-blue', 'prod-green'] }));
    expect(run.drafts).toEqual([]);
    expect(run.unknowns.map((unknown) => [unknown.resourceId, unknown.reason])).toEqual([
      [
        eksClusterArn(WORKLOADS, REGION, 'prod-green'),
        `the EKS cluster listing of account ${WORKLOADS} region ${REGION} was not fully collected`,
      ],
    ]);
  });

  it("does not fire when the member's region was not collected at all", () => {
    const inventory = inventoryOf(
      snapshot({ capturedAt: NOW }).account(WORKLOADS, (a) => a.region('us-east-1')),
    );
    const run = runCheck(CLUSTER_MISSING, inventory, baselineOf({ members: ['prod-blue'] }));
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toBe(`region ${REGION} of account ${WORKLOADS} was not collected`);
  });

  it('does not fire when every member exists', () => {
    const inventory = inventoryOf(
      estate({ region: (region) => region.cluster('prod-blue').cluster('prod-green') }),
    );
    expect(
      runCheck(CLUSTER_MISSING, inventory, baselineOf({ members: ['prod-blue', 'prod-green'] })).drafts,
    ).toEqual([]);
  });
});

describe('CLUSTER_UNDECLARED', () => {
  const inventory = inventoryOf(
    snapshot({ capturedAt: NOW })
      .account(WORKLOADS, (account) =>
        account
          .region(REGION, (region) => region.cluster('prod-blue').cluster('scratch'))
          .region('us-east-1', (region) => region.cluster('dr')),
      )
      .account(OTHER, (account) => account.region(REGION, (region) => region.cluster('elsewhere'))),
  );

  it('fires for clusters of a scanned account that no logical cluster names, in any collected region', () => {
    const { drafts } = runCheck(CLUSTER_UNDECLARED, inventory, baselineOf());
    expect(resources(drafts)).toEqual([
      eksClusterArn(WORKLOADS, REGION, 'scratch'),
      eksClusterArn(WORKLOADS, 'us-east-1', 'dr'),
    ]);
  });

  it('does not fire for declared members, nor for accounts outside the scope', () => {
    const { drafts } = runCheck(
      CLUSTER_UNDECLARED,
      inventory,
      baselineOf({ members: ['prod-blue', 'scratch'] }),
    );
    expect(resources(drafts)).toEqual([eksClusterArn(WORKLOADS, 'us-east-1', 'dr')]);
  });
});
