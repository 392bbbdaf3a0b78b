import { describe, expect, it } from 'vitest';
import {
  CLOUDTRAIL_LOOKUPS,
  isIrsaEvidence,
  isPodIdentityAssumeRole,
  parseCloudTrailEvent,
} from '../../shared/collect/cloudtrail-lookups.js';

const podIdentityAssumeRole = {
  eventVersion: '1.08',
  userIdentity: { type: 'AWSService', invokedBy: 'pods.eks.amazonaws.com' },
  eventTime: '2026-11-20T08:00:00Z',
  eventSource: 'sts.amazonaws.com',
  eventName: 'AssumeRole',
  sourceIPAddress: 'pods.eks.amazonaws.com',
  userAgent: 'pods.eks.amazonaws.com',
  requestParameters: {
    roleArn: 'arn:aws:iam::111122223333:role/s3-reader',
    roleSessionName: 'eks-prod-blue-s3-reader-6c7f9-1f2e3d4c',
    durationSeconds: 21600,
    tags: [
      { key: 'eks-cluster-arn', value: 'arn:aws:eks:us-east-1:111122223333:cluster/prod-blue' },
      { key: 'kubernetes-namespace', value: 'default' },
    ],
  },
};

const ciAssumeRole = {
  userIdentity: {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::111122223333:assumed-role/deployer/ci',
    invokedBy: undefined,
  },
  eventSource: 'sts.amazonaws.com',
  eventName: 'AssumeRole',
  sourceIPAddress: '203.0.113.10',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: {
    roleArn: 'arn:aws:iam::111122223333:role/admin',
    roleSessionName: 'ci',
    externalId: 'abc',
  },
};

describe('isPodIdentityAssumeRole', () => {
  it('keeps the AssumeRole that pods.eks.amazonaws.com made', () => {
    expect(isPodIdentityAssumeRole(podIdentityAssumeRole)).toBe(true);
  });

  it('keeps a cross-account target-role AssumeRole that carries EKS session tags', () => {
    const chained = {
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/s3-reader/eks-x' },
      eventName: 'AssumeRole',
      requestParameters: {
        roleArn: 'arn:aws:iam::444455556666:role/target',
        tags: [{ key: 'kubernetes-service-account', value: 's3-reader' }],
      },
    };
    expect(isPodIdentityAssumeRole(chained)).toBe(true);
  });

  it('keeps a target-role AssumeRole whose external id is REGION/ACCOUNT/CLUSTER/NAMESPACE/SA', () => {
    const chained = {
      userIdentity: { type: 'AssumedRole' },
      eventName: 'AssumeRole',
      requestParameters: {
        roleArn: 'arn:aws:iam::444455556666:role/target',
        externalId: 'us-east-1/111122223333/prod-blue/default/s3-reader',
      },
    };
    expect(isPodIdentityAssumeRole(chained)).toBe(true);
  });

  it('drops an ordinary AssumeRole by a person or pipeline', () => {
    expect(isPodIdentityAssumeRole(ciAssumeRole)).toBe(false);
  });

  it('drops an AssumeRole whose tags are not EKS session tags', () => {
    const tagged = { ...ciAssumeRole, requestParameters: { tags: [{ key: 'team', value: 'payments' }] } };
    expect(isPodIdentityAssumeRole(tagged)).toBe(false);
  });
});

describe('isIrsaEvidence', () => {
  it('keeps a web-identity assume with an EKS service-account token', () => {
    const record = {
      eventName: 'AssumeRoleWithWebIdentity',
      userIdentity: {
        type: 'WebIdentityUser',
        userName: 'system:serviceaccount:kube-system:ebs-csi-controller-sa',
        identityProvider:
          'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
      },
    };
    expect(isIrsaEvidence(record)).toBe(true);
  });

  it('drops web-identity federation from a CI system', () => {
    const record = {
      eventName: 'AssumeRoleWithWebIdentity',
      userIdentity: {
        type: 'WebIdentityUser',
        userName: 'repo:example/app:ref:refs/heads/main',
        identityProvider: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
      },
    };
    expect(isIrsaEvidence(record)).toBe(false);
  });
});

describe('parseCloudTrailEvent', () => {
  it('parses the JSON record and refuses what is not a JSON object', () => {
    expect(parseCloudTrailEvent({ CloudTrailEvent: JSON.stringify(podIdentityAssumeRole) })).toMatchObject({
      eventName: 'AssumeRole',
    });
    expect(parseCloudTrailEvent({ CloudTrailEvent: '{not json' })).toBeUndefined();
    expect(parseCloudTrailEvent({ CloudTrailEvent: '[]' })).toBeUndefined();
    expect(parseCloudTrailEvent({})).toBeUndefined();
  });
});

describe('CLOUDTRAIL_LOOKUPS', () => {
  it('asks one lookup attribute per query for the three kinds of evidence', () => {
    expect(CLOUDTRAIL_LOOKUPS.map((lookup) => lookup.attribute)).toEqual([
      { AttributeKey: 'EventName', AttributeValue: 'AssumeRoleWithWebIdentity' },
      { AttributeKey: 'EventSource', AttributeValue: 'eks-auth.amazonaws.com' },
      { AttributeKey: 'EventName', AttributeValue: 'AssumeRole' },
    ]);
  });

  it('keeps every eks-auth record, including AccessDenied ones', () => {
    const eksAuth = CLOUDTRAIL_LOOKUPS[1];
    expect(
      eksAuth.keep({
        eventSource: 'eks-auth.amazonaws.com',
        eventName: 'AssumeRoleForPodIdentity',
        errorCode: 'AccessDenied',
      }),
    ).toBe(true);
  });
});
