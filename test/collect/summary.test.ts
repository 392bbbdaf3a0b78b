import { describe, expect, it } from 'vitest';
import { summarizeSnapshot } from '../../shared/collect/summary.js';
import type { Snapshot } from '../../shared/snapshot/index.js';

const denied = { service: 'eks', operation: 'ListAddons', code: 'AccessDeniedException', message: 'denied' };

const snapshot: Snapshot = {
  snapshotVersion: 1,
  capturedAt: '2026-11-29T02:00:00Z',
  accounts: [
    {
      accountId: '222233334444',
      errors: [],
      iam: {
        roles: [
          { RoleName: 'a', Arn: 'arn:aws:iam::222233334444:role/a', AssumeRolePolicyDocument: '{}' },
          { RoleName: 'b', Arn: 'arn:aws:iam::222233334444:role/b', AssumeRolePolicyDocument: '{}' },
        ],
        errors: [],
      },
      regions: [
        {
          region: 'eu-west-1',
          errors: [],
          clusters: [
            {
              cluster: { name: 'prod-blue', arn: 'arn:aws:eks:eu-west-1:222233334444:cluster/prod-blue' },
              podIdentityAssociations: [
                {
                  clusterName: 'prod-blue',
                  namespace: 'default',
                  serviceAccount: 's3-reader',
                  roleArn: 'arn:aws:iam::222233334444:role/a',
                  associationArn: 'arn:aws:eks:eu-west-1:222233334444:podidentityassociation/prod-blue/a-1',
                  associationId: 'a-1',
                },
              ],
              errors: [denied],
            },
          ],
          cloudTrail: {
            from: '2026-08-31T02:00:00Z',
            to: '2026-11-29T02:00:00Z',
            events: [
              {
                EventId: 'e-1',
                EventName: 'AssumeRole',
                EventTime: '2026-11-01T00:00:00Z',
                EventSource: 'sts.amazonaws.com',
              },
            ],
            errors: [],
          },
        },
      ],
    },
    {
      accountId: '333344445555',
      errors: [{ service: 'sts', operation: 'AssumeRole', code: 'AccessDenied', message: 'not authorized' }],
    },
  ],
};

describe('summarizeSnapshot', () => {
  it('counts what was collected and names each scope that recorded errors', () => {
    expect(summarizeSnapshot(snapshot)).toEqual({
      accounts: 2,
      clusters: 1,
      associations: 1,
      roles: 2,
      events: 1,
      incomplete: [
        {
          scope: 'cluster 222233334444/eu-west-1/prod-blue',
          level: 'cluster',
          accountId: '222233334444',
          region: 'eu-west-1',
          cluster: 'prod-blue',
          errors: [denied],
        },
        {
          scope: 'account 333344445555',
          level: 'account',
          accountId: '333344445555',
          errors: [expect.objectContaining({ operation: 'AssumeRole' })],
        },
      ],
    });
  });

  it('lists no incomplete scope for a clean snapshot', () => {
    const clean: Snapshot = { ...snapshot, accounts: [{ ...snapshot.accounts[0], regions: [] }] };
    expect(summarizeSnapshot(clean).incomplete).toEqual([]);
  });
});
