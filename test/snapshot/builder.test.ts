import { describe, expect, it } from 'vitest';
import {
  assumeRoleForPodIdentityEvent,
  crossAccountTargetTrust,
  irsaTrust,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
  snapshot,
  targetRoleAssumeRoleEvent,
} from '../support/snapshot-builder.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';

const detailOf = (event: Record<string, unknown>) => JSON.parse(event.CloudTrailEvent as string);

describe('snapshot builder', () => {
  it('derives the same ids from the same names and different ids from different names', () => {
    const build = (serviceAccount: string) =>
      snapshot()
        .account(ACCOUNT, (a) =>
          a.region(REGION, (r) =>
            r.cluster('c', {}, (c) => c.association({ namespace: 'ns', serviceAccount, roleName: 'role' })),
          ),
        )
        .build() as unknown as {
        accounts: Array<{
          regions: Array<{ clusters: Array<{ podIdentityAssociations: Array<{ associationId: string }> }> }>;
        }>;
      };
    const idOf = (sa: string) =>
      build(sa).accounts[0].regions[0].clusters[0].podIdentityAssociations[0].associationId;
    expect(idOf('a')).toBe(idOf('a'));
    expect(idOf('a')).not.toBe(idOf('b'));
    expect(idOf('a')).toMatch(/^a-[0-9a-f]{17}$/);
  });

  it('writes IRSA trust with aud and sub conditions, or without them when asked', () => {
    const trust = irsaTrust({
      accountId: ACCOUNT,
      region: REGION,
      oidcId: 'ID1',
      subject: 'system:serviceaccount:a:b',
    });
    expect(trust.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: {
        Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/ID1`,
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`oidc.eks.${REGION}.amazonaws.com/id/ID1:aud`]: 'sts.amazonaws.com',
          [`oidc.eks.${REGION}.amazonaws.com/id/ID1:sub`]: 'system:serviceaccount:a:b',
        },
      },
    });
    const open = irsaTrust({
      accountId: ACCOUNT,
      region: REGION,
      oidcId: 'ID1',
      subject: null,
      audience: null,
    });
    expect(open.Statement[0].Condition).toBeUndefined();
    const wildcard = irsaTrust({
      accountId: ACCOUNT,
      region: REGION,
      oidcId: 'ID1',
      subject: 'system:serviceaccount:a:*',
      subjectOperator: 'StringLike',
    });
    expect(wildcard.Statement[0].Condition).toHaveProperty([
      'StringLike',
      `oidc.eks.${REGION}.amazonaws.com/id/ID1:sub`,
    ]);
  });

  it('writes Pod Identity and target-role trust with and without TagSession', () => {
    expect(podIdentityTrust().Statement[0].Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(podIdentityTrust({ tagSession: false }).Statement[0].Action).toEqual(['sts:AssumeRole']);
    const target = crossAccountTargetTrust({
      sourceAccountId: ACCOUNT,
      associationRoleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
      externalId: 'x',
    });
    expect(target.Statement[0]).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Condition: {
        ArnEquals: { 'aws:PrincipalARN': `arn:aws:iam::${ACCOUNT}:role/app` },
        StringEquals: { 'sts:ExternalId': 'x' },
      },
    });
  });

  it('omits session tags from the Pod Identity AssumeRole record when the association disables them', () => {
    const base = {
      accountId: ACCOUNT,
      region: REGION,
      clusterName: 'c',
      namespace: 'ns',
      serviceAccount: 'sa',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
      eventTime: '2026-11-01T00:00:00Z',
    };
    const tagged = detailOf(podIdentityAssumeRoleEvent(base));
    const untagged = detailOf(podIdentityAssumeRoleEvent({ ...base, disableSessionTags: true }));
    expect(tagged.requestParameters.transitiveTagKeys).toHaveLength(6);
    expect(tagged.requestParameters.tags[0]).toEqual({
      key: 'eks-cluster-arn',
      value: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/c`,
    });
    expect(untagged.requestParameters.tags).toBeUndefined();
    expect(untagged.requestParameters.roleArn).toBe(base.roleArn);
  });

  it('records AccessDenied on AssumeRoleForPodIdentity only when denied', () => {
    const base = {
      accountId: ACCOUNT,
      region: REGION,
      clusterName: 'c',
      nodeRoleArn: `arn:aws:iam::${ACCOUNT}:role/node`,
      eventTime: '2026-11-01T00:00:00Z',
    };
    expect(detailOf(assumeRoleForPodIdentityEvent(base)).errorCode).toBeUndefined();
    const denied = detailOf(assumeRoleForPodIdentityEvent({ ...base, denied: true }));
    expect(denied.errorCode).toBe('AccessDenied');
    expect(denied.requestParameters).toEqual({ clusterName: 'c', token: 'HIDDEN_DUE_TO_SECURITY_REASONS' });
  });

  it('passes an external id instead of tags on the target-role AssumeRole when asked', () => {
    const event = targetRoleAssumeRoleEvent({
      targetAccountId: '444455556666',
      region: REGION,
      targetRoleArn: 'arn:aws:iam::444455556666:role/reader',
      associationRoleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
      clusterName: 'c',
      namespace: 'ns',
      serviceAccount: 'sa',
      eventTime: '2026-11-01T00:00:00Z',
      externalId: `${REGION}/${ACCOUNT}/c/ns/sa`,
      sessionTags: false,
    });
    const detail = detailOf(event);
    expect(detail.requestParameters.externalId).toBe(`${REGION}/${ACCOUNT}/c/ns/sa`);
    expect(detail.requestParameters.tags).toBeUndefined();
    expect(detail.recipientAccountId).toBe('444455556666');
    expect(event.Resources).toEqual([
      { ResourceType: 'AWS::IAM::Role', ResourceName: 'arn:aws:iam::444455556666:role/reader' },
    ]);
  });
});
