import { describe, expect, it } from 'vitest';
import { buildUsageIndex } from '../../shared/usage/index.js';
import { estate, inventoryOf, REGION, roleArn, WORKLOADS } from '../audit/world.js';
import {
  assumeRoleForPodIdentityEvent,
  collectionError,
  irsaWebIdentityEvent,
  oidcIdFor,
  podIdentityAssumeRoleEvent,
} from '../support/snapshot-builder.js';

const piEvent = (serviceAccount: string, eventTime: string) =>
  podIdentityAssumeRoleEvent({
    accountId: WORKLOADS,
    region: REGION,
    clusterName: 'prod-blue',
    namespace: 'default',
    serviceAccount,
    roleArn: roleArn('s3-reader'),
    eventTime,
  });

const inventory = inventoryOf(
  estate({
    region: (region) =>
      region
        .cluster('prod-blue')
        .event(
          piEvent('s3-reader', '2026-10-01T00:00:00Z'),
          piEvent('s3-reader', '2026-11-25T00:00:00Z'),
          piEvent('other', '2026-11-26T00:00:00Z'),
          irsaWebIdentityEvent({
            accountId: WORKLOADS,
            region: REGION,
            oidcId: oidcIdFor('prod-blue'),
            namespace: 'kube-system',
            serviceAccount: 'external-dns',
            roleArn: roleArn('external-dns'),
            eventTime: '2026-11-27T00:00:00Z',
          }),
          irsaWebIdentityEvent({
            accountId: WORKLOADS,
            region: REGION,
            oidcId: 'DELETEDCLUSTER',
            namespace: 'kube-system',
            serviceAccount: 'old',
            roleArn: roleArn('old'),
            eventTime: '2026-11-27T00:00:00Z',
          }),
          assumeRoleForPodIdentityEvent({
            accountId: WORKLOADS,
            region: REGION,
            clusterName: 'prod-blue',
            nodeRoleArn: roleArn('eks-node'),
            eventTime: '2026-11-28T00:00:00Z',
            denied: true,
          }),
          assumeRoleForPodIdentityEvent({
            accountId: WORKLOADS,
            region: REGION,
            clusterName: 'prod-blue',
            nodeRoleArn: roleArn('eks-node'),
            instanceId: 'i-0123456789abcdef0',
            eventTime: '2026-11-27T00:00:00Z',
            denied: true,
          }),
        )
        .cloudTrailError(collectionError('cloudtrail', 'LookupEvents', 'ThrottlingException')),
  }),
);

describe('buildUsageIndex', () => {
  const index = buildUsageIndex(inventory);

  it('summarizes a role across its sessions: count, first and last seen, event ids', () => {
    const usage = index.roleUsage(roleArn('s3-reader'));
    expect(usage).toMatchObject({
      count: 3,
      firstSeen: '2026-10-01T00:00:00Z',
      lastSeen: '2026-11-26T00:00:00Z',
    });
    expect(usage?.eventIds).toHaveLength(3);
    expect(usage?.sources).toEqual(['cloudtrail:AssumeRole']);
  });

  it('answers per workload identity, per mechanism', () => {
    expect(
      index.podIdentityUsage(WORKLOADS, REGION, 'prod-blue', 'default', 's3-reader', roleArn('s3-reader'))
        ?.count,
    ).toBe(2);
    expect(
      index.podIdentityUsage(WORKLOADS, REGION, 'prod-blue', 'default', 's3-reader', roleArn('other')),
    ).toBeUndefined();
    const hostPath = `oidc.eks.${REGION}.amazonaws.com/id/${oidcIdFor('prod-blue')}`;
    expect(index.irsaUsage(hostPath, 'kube-system', 'external-dns', roleArn('external-dns'))?.count).toBe(1);
    const workloads = index
      .workloads()
      .map((w) => `${w.via} ${w.clusterName ?? '?'} ${w.namespace}/${w.serviceAccount}`);
    expect(workloads).toEqual([
      'irsa ? kube-system/old',
      'irsa prod-blue kube-system/external-dns',
      'pod-identity prod-blue default/other',
      'pod-identity prod-blue default/s3-reader',
    ]);
  });

  it('groups denied Pod Identity requests per cluster with their nodes', () => {
    const [denied] = index.deniedAttempts();
    expect(denied).toMatchObject({
      clusterName: 'prod-blue',
      count: 2,
      lastSeen: '2026-11-28T00:00:00Z',
      errorCodes: ['AccessDenied'],
    });
    expect(denied.callers).toHaveLength(2);
  });

  it('reports coverage per account-region, incomplete when collection had errors', () => {
    expect(index.coverage(WORKLOADS, REGION)).toEqual({
      accountId: WORKLOADS,
      region: REGION,
      from: '2026-08-31T02:00:00Z',
      to: '2026-11-29T02:00:00Z',
      complete: false,
    });
    expect(index.coverage(WORKLOADS, 'us-east-1')).toBeUndefined();
  });

  it('ignores events before `since`', () => {
    const recent = buildUsageIndex(inventory, { since: new Date('2026-11-01T00:00:00Z') });
    expect(recent.roleUsage(roleArn('s3-reader'))?.count).toBe(2);
    expect(recent.skipped).toEqual({});
  });
});
