import { describe, expect, it } from 'vitest';
import type { ScopeStatus } from '../../shared/model/index.js';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { type AccountBuilder, collectionError, snapshot } from '../support/snapshot-builder.js';

const A = '111122223333';
const B = '444455556666';
const TOKYO = 'ap-northeast-1';
const VIRGINIA = 'us-east-1';

/** Account A with two regions of two clusters each; `modify` injects errors. */
function inventoryWith(modify: (account: AccountBuilder) => void = () => {}) {
  const json = snapshot()
    .account(A, (a) => {
      a.role('app')
        .region(TOKYO, (r) => r.cluster('blue').cluster('green'))
        .region(VIRGINIA, (r) => r.cluster('east'));
      modify(a);
    })
    .account(B, (b) => b.region(TOKYO, (r) => r.cluster('data')))
    .build();
  return normalizeSnapshot(parseSnapshot(json, 'test'));
}

function statuses(scopes: ScopeStatus[]): string[] {
  return scopes.map(
    (scope) =>
      `${scope.level} ${[scope.accountId, scope.region, scope.cluster].filter(Boolean).join('/')} ${scope.status}`,
  );
}

describe('completeness', () => {
  it('reports every scope complete when no level recorded an error', () => {
    // Act
    const inventory = inventoryWith();
    const { completeness } = inventory;
    // Assess
    expect(statuses(inventory.scopes)).toEqual([
      'account 111122223333 complete',
      'iam 111122223333 complete',
      'region 111122223333/ap-northeast-1 complete',
      'cluster 111122223333/ap-northeast-1/blue complete',
      'cluster 111122223333/ap-northeast-1/green complete',
      'cloudtrail 111122223333/ap-northeast-1 complete',
      'region 111122223333/us-east-1 complete',
      'cluster 111122223333/us-east-1/east complete',
      'cloudtrail 111122223333/us-east-1 complete',
      'account 444455556666 complete',
      'iam 444455556666 complete',
      'region 444455556666/ap-northeast-1 complete',
      'cluster 444455556666/ap-northeast-1/data complete',
      'cloudtrail 444455556666/ap-northeast-1 complete',
    ]);
    expect(completeness.iamComplete(A)).toBe(true);
    expect(completeness.regionComplete(A, TOKYO)).toBe(true);
    expect(completeness.clusterComplete(A, TOKYO, 'blue')).toBe(true);
    expect(completeness.cloudTrailComplete(A, TOKYO)).toBe(true);
    expect(inventory.cloudTrail.every((window) => window.complete)).toBe(true);
  });

  it('an account-level error makes IAM and every region, cluster and CloudTrail window of it incomplete, not other accounts', () => {
    // Act
    const inventory = inventoryWith((a) =>
      a.error(collectionError('sts', 'AssumeRole', 'ExpiredToken', 'token expired')),
    );
    const { completeness } = inventory;
    // Assess
    expect(completeness.iamComplete(A)).toBe(false);
    for (const region of [TOKYO, VIRGINIA]) {
      expect(completeness.regionComplete(A, region)).toBe(false);
      expect(completeness.cloudTrailComplete(A, region)).toBe(false);
    }
    expect(completeness.clusterComplete(A, TOKYO, 'blue')).toBe(false);
    expect(completeness.clusterComplete(A, VIRGINIA, 'east')).toBe(false);
    expect(
      inventory.scopes.filter((scope) => scope.accountId === A).every((s) => s.status === 'incomplete'),
    ).toBe(true);
    expect(inventory.cloudTrail.filter((window) => window.accountId === A).every((w) => !w.complete)).toBe(
      true,
    );
    expect(completeness.clusterComplete(B, TOKYO, 'data')).toBe(true);
    expect(completeness.iamComplete(B)).toBe(true);
    // The error is listed at its own level only.
    expect(inventory.scopes.find((s) => s.level === 'account' && s.accountId === A)?.errors).toHaveLength(1);
    expect(inventory.scopes.find((s) => s.level === 'iam' && s.accountId === A)?.errors).toEqual([]);
  });

  it('an IAM error marks only IAM incomplete', () => {
    const { completeness, scopes } = inventoryWith((a) =>
      a.iamError(collectionError('iam', 'GetAccountAuthorizationDetails', 'Throttling', 'Rate exceeded')),
    );
    expect(completeness.iamComplete(A)).toBe(false);
    expect(completeness.regionComplete(A, TOKYO)).toBe(true);
    expect(completeness.clusterComplete(A, TOKYO, 'blue')).toBe(true);
    expect(completeness.cloudTrailComplete(A, TOKYO)).toBe(true);
    expect(statuses(scopes).filter((s) => s.includes('incomplete'))).toEqual(['iam 111122223333 incomplete']);
  });

  it('an account without an iam object has incomplete IAM', () => {
    const { completeness } = inventoryWith((a) => a.withoutIam());
    expect(completeness.iamComplete(A)).toBe(false);
    expect(completeness.regionComplete(A, TOKYO)).toBe(true);
  });

  it('a region-level error marks its clusters and its CloudTrail window incomplete, not the other region', () => {
    const inventory = inventoryWith((a) =>
      a.region('eu-west-1', (r) => r.cluster('west').error(collectionError('eks', 'ListClusters'))),
    );
    const { completeness } = inventory;
    expect(completeness.regionComplete(A, 'eu-west-1')).toBe(false);
    expect(completeness.clusterComplete(A, 'eu-west-1', 'west')).toBe(false);
    expect(completeness.cloudTrailComplete(A, 'eu-west-1')).toBe(false);
    expect(inventory.cloudTrail.find((w) => w.region === 'eu-west-1')?.complete).toBe(false);
    expect(completeness.clusterComplete(A, TOKYO, 'blue')).toBe(true);
    expect(completeness.iamComplete(A)).toBe(true);
    expect(statuses(inventory.scopes).filter((s) => s.includes('incomplete'))).toEqual([
      'region 111122223333/eu-west-1 incomplete',
      'cluster 111122223333/eu-west-1/west incomplete',
      'cloudtrail 111122223333/eu-west-1 incomplete',
    ]);
  });

  it('a cluster-level error marks only that cluster incomplete', () => {
    const { completeness, scopes } = inventoryWith((a) =>
      a.region('eu-west-1', (r) =>
        r.cluster('west', {}, (c) =>
          c.error(
            collectionError('eks', 'ListPodIdentityAssociations', 'AccessDeniedException', 'denied', 'west'),
          ),
        ),
      ),
    );
    expect(completeness.clusterComplete(A, 'eu-west-1', 'west')).toBe(false);
    expect(completeness.regionComplete(A, 'eu-west-1')).toBe(true);
    expect(completeness.cloudTrailComplete(A, 'eu-west-1')).toBe(true);
    const west = scopes.find((scope) => scope.cluster === 'west');
    expect(west).toEqual({
      level: 'cluster',
      accountId: A,
      region: 'eu-west-1',
      cluster: 'west',
      status: 'incomplete',
      errors: [
        {
          service: 'eks',
          operation: 'ListPodIdentityAssociations',
          code: 'AccessDeniedException',
          message: 'denied',
          resource: 'west',
        },
      ],
    });
  });

  it('a CloudTrail error or a missing cloudTrail object marks only the CloudTrail window incomplete', () => {
    const inventory = inventoryWith((a) =>
      a
        .region('eu-west-1', (r) =>
          r
            .cluster('west')
            .cloudTrailError(
              collectionError('cloudtrail', 'LookupEvents', 'ThrottlingException', 'Rate exceeded'),
            ),
        )
        .region('eu-central-1', (r) => r.cluster('central').withoutCloudTrail()),
    );
    const { completeness } = inventory;
    expect(completeness.cloudTrailComplete(A, 'eu-west-1')).toBe(false);
    expect(completeness.clusterComplete(A, 'eu-west-1', 'west')).toBe(true);
    expect(inventory.cloudTrail.find((w) => w.region === 'eu-west-1')?.complete).toBe(false);
    expect(completeness.cloudTrailComplete(A, 'eu-central-1')).toBe(false);
    expect(completeness.regionComplete(A, 'eu-central-1')).toBe(true);
    expect(inventory.cloudTrail.some((w) => w.region === 'eu-central-1')).toBe(false);
    expect(
      inventory.scopes.find((s) => s.level === 'cloudtrail' && s.region === 'eu-central-1')?.status,
    ).toBe('incomplete');
  });

  it('an account whose AssumeRole failed is present but nothing in it is complete', () => {
    const inventory = normalizeSnapshot(parseSnapshot(snapshot().failedAccount(B).build(), 'test'));
    const { completeness } = inventory;
    expect(completeness.hasAccount(B)).toBe(true);
    expect(completeness.iamComplete(B)).toBe(false);
    expect(completeness.hasRegion(B, TOKYO)).toBe(false);
    expect(completeness.regionComplete(B, TOKYO)).toBe(false);
    expect(completeness.clusterComplete(B, TOKYO, 'any')).toBe(false);
    expect(completeness.cloudTrailComplete(B, TOKYO)).toBe(false);
    expect(statuses(inventory.scopes)).toEqual([
      'account 444455556666 incomplete',
      'iam 444455556666 incomplete',
    ]);
    expect(inventory.scopes[0].errors[0]).toMatchObject({
      service: 'sts',
      operation: 'AssumeRole',
      code: 'AccessDenied',
    });
  });

  it('knows which accounts and regions were collected at all', () => {
    const { completeness } = inventoryWith();
    expect(completeness.hasAccount(A)).toBe(true);
    expect(completeness.hasAccount('999999999999')).toBe(false);
    expect(completeness.hasRegion(A, VIRGINIA)).toBe(true);
    expect(completeness.hasRegion(B, VIRGINIA)).toBe(false);
    expect(completeness.regionComplete(B, VIRGINIA)).toBe(false);
    expect(completeness.cloudTrailComplete(B, VIRGINIA)).toBe(false);
  });

  it('treats a cluster absent from a fully collected region as known absent, and from an uncollected region as unknown', () => {
    const { completeness } = inventoryWith();
    expect(completeness.clusterComplete(A, TOKYO, 'deleted')).toBe(true);
    expect(completeness.clusterComplete(A, 'eu-north-1', 'deleted')).toBe(false);
  });
});
