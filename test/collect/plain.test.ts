import { describe, expect, it } from 'vitest';
import { attachedPolicies } from '../../shared/collect/iam.js';
import { compareText, toPlain } from '../../shared/collect/plain.js';

describe('toPlain', () => {
  it('turns dates into ISO strings and drops undefined members and $metadata', () => {
    const response = {
      $metadata: { httpStatusCode: 200 },
      cluster: { name: 'prod-blue', createdAt: new Date('2026-11-01T10:00:00Z'), version: undefined },
      list: [new Date('2026-01-02T03:04:05Z')],
    };

    expect(toPlain(response)).toEqual({
      cluster: { name: 'prod-blue', createdAt: '2026-11-01T10:00:00.000Z' },
      list: ['2026-01-02T03:04:05.000Z'],
    });
    expect(JSON.parse(JSON.stringify(toPlain(response)))).toEqual(toPlain(response));
  });
});

describe('compareText', () => {
  it('orders by code unit regardless of locale', () => {
    expect(['b', 'B', 'a', 'A'].sort(compareText)).toEqual(['A', 'B', 'a', 'b']);
  });
});

describe('attachedPolicies', () => {
  const nodeRole = {
    RoleName: 'node',
    Arn: 'arn:aws:iam::111122223333:role/node',
    AttachedManagedPolicies: [
      {
        PolicyName: 'AmazonEKSWorkerNodePolicy',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      },
    ],
  };
  const workerPolicy = {
    PolicyName: 'AmazonEKSWorkerNodePolicy',
    Arn: 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
    PolicyVersionList: [
      { VersionId: 'v3', IsDefaultVersion: true, Document: '%7B%7D' },
      { VersionId: 'v2', IsDefaultVersion: false, Document: '%7B%7D' },
    ],
  };
  const unattached = { PolicyName: 'ReadOnlyAccess', Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' };

  it('keeps only policies some role attaches, with only the default version', () => {
    const kept = attachedPolicies([nodeRole], [unattached, workerPolicy]);

    expect(kept.map((policy) => policy.Arn)).toEqual(['arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy']);
    expect(kept[0].PolicyVersionList?.map((version) => version.VersionId)).toEqual(['v3']);
  });

  it('names a policy detail that arrived without its name, from the attachment', () => {
    const { PolicyName: _omitted, ...unnamed } = workerPolicy;

    const [kept] = attachedPolicies([nodeRole], [unnamed]);

    expect(kept.PolicyName).toBe('AmazonEKSWorkerNodePolicy');
  });

  it('keeps nothing when no role attaches a managed policy', () => {
    expect(attachedPolicies([{ ...nodeRole, AttachedManagedPolicies: [] }], [workerPolicy])).toEqual([]);
  });
});
