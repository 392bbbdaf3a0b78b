import { describe, expect, it } from 'vitest';
import type { AssociationInventory } from '../../shared/model/inventory.js';
import {
  eksIssuerRegion,
  hasPerPodConditions,
  targetRoleExternalId,
  withoutPerPodConditions,
} from '../../shared/trust/workload.js';

const podNameKey = 'aws:RequestTag/kubernetes-pod-name';

describe('withoutPerPodConditions', () => {
  it('strips pod-name conditions from Allow statements and keeps the other keys', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { [podNameKey]: 'web-0', 'aws:RequestTag/kubernetes-namespace': 'app' } },
      },
    };

    expect(withoutPerPodConditions(policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'app' } },
        },
      ],
    });
  });

  it('drops Deny statements that depend on the pod uid, since some pod escapes them', () => {
    const deny = {
      Effect: 'Deny',
      Principal: '*',
      Action: 'sts:AssumeRole',
      Condition: { StringNotEquals: { 'aws:requesttag/KUBERNETES-POD-UID': 'x' } },
    };
    const allow = {
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: 'sts:AssumeRole',
    };

    expect(withoutPerPodConditions({ Version: '2012-10-17', Statement: [deny, allow] })).toEqual({
      Version: '2012-10-17',
      Statement: [allow],
    });
    expect(hasPerPodConditions({ Statement: [deny] })).toBe(true);
    expect(hasPerPodConditions({ Statement: [allow] })).toBe(false);
  });
});

describe('eksIssuerRegion', () => {
  it('reads the region of EKS issuers only', () => {
    expect(eksIssuerRegion('oidc.eks.eu-west-1.amazonaws.com/id/ABC123')).toBe('eu-west-1');
    expect(eksIssuerRegion('oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC123')).toBe('cn-north-1');
    expect(eksIssuerRegion('token.actions.githubusercontent.com')).toBeUndefined();
  });
});

describe('targetRoleExternalId', () => {
  const association = {
    accountId: '111122223333',
    region: 'us-east-1',
    clusterName: 'prod',
    namespace: 'app',
    serviceAccount: 'web',
  } as AssociationInventory;

  it('uses the external id the association reports', () => {
    expect(targetRoleExternalId({ ...association, externalId: 'abc' })).toBe('abc');
  });

  it('falls back to REGION/ACCOUNT/CLUSTER/NAMESPACE/SA', () => {
    expect(targetRoleExternalId(association)).toBe('us-east-1/111122223333/prod/app/web');
  });
});
