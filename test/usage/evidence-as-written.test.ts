import { describe, expect, it } from 'vitest';
import type { CloudTrailEventRecord } from '../../shared/model/inventory.js';
import { parseEvidence } from '../../shared/usage/index.js';

/**
 * CloudTrail records written out by hand in the shape CloudTrail delivers them (the documented
 * event anatomy: `userIdentity`, `requestParameters`, `responseElements`, extra fields this project
 * does not read), not made by the project's own event builders.
 */
const ACCOUNT = '111122223333';
const REGION = 'us-west-2';
const OIDC = 'oidc.eks.us-west-2.amazonaws.com/id/5C5D8C1B2F5E9A6A3C1E0F9D8B7A6C5D';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC}`;
const CLUSTER_ARN = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/payments-prod`;

function recordOf(detail: Record<string, unknown>): CloudTrailEventRecord {
  return {
    accountId: ACCOUNT,
    region: REGION,
    eventId: detail.eventID as string,
    eventName: detail.eventName as string,
    eventTime: detail.eventTime as string,
    eventSource: detail.eventSource as string,
    resources: [],
    detail,
  };
}

const webIdentity = (overrides: { userIdentity?: object; errorCode?: string } = {}) => ({
  eventVersion: '1.08',
  userIdentity: {
    type: 'WebIdentityUser',
    principalId: `${PROVIDER}:sts.amazonaws.com:system:serviceaccount:payments:ledger-writer`,
    userName: 'system:serviceaccount:payments:ledger-writer',
    identityProvider: PROVIDER,
    ...overrides.userIdentity,
  },
  eventTime: '2026-11-30T08:15:02Z',
  eventSource: 'sts.amazonaws.com',
  eventName: 'AssumeRoleWithWebIdentity',
  awsRegion: REGION,
  sourceIPAddress: '192.0.2.10',
  userAgent: 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#arm64',
  ...(overrides.errorCode ? { errorCode: overrides.errorCode, errorMessage: 'Not authorized' } : {}),
  requestParameters: {
    roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-ledger-writer`,
    roleSessionName: '1764490502114862213',
  },
  responseElements: overrides.errorCode
    ? null
    : {
        credentials: { accessKeyId: 'ASIAEXAMPLE', expiration: 'Nov 30, 2026, 9:15:02 AM' },
        subjectFromWebIdentityToken: 'system:serviceaccount:payments:ledger-writer',
        assumedRoleUser: {
          assumedRoleId: 'AROAEXAMPLEID:1764490502114862213',
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/payments-ledger-writer/1764490502114862213`,
        },
        provider: PROVIDER,
        audience: 'sts.amazonaws.com',
      },
  requestID: '3f0b5b9e-0d1c-4c1e-9e0e-1f2a3b4c5d6e',
  eventID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  readOnly: true,
  resources: [
    {
      accountId: ACCOUNT,
      type: 'AWS::IAM::Role',
      ARN: `arn:aws:iam::${ACCOUNT}:role/payments-ledger-writer`,
    },
  ],
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: ACCOUNT,
  eventCategory: 'Management',
  tlsDetails: { tlsVersion: 'TLSv1.3', clientProvidedHostHeader: `sts.${REGION}.amazonaws.com` },
});

const podIdentityAssume = (tags: unknown) => ({
  eventVersion: '1.08',
  userIdentity: { type: 'AWSService', invokedBy: 'pods.eks.amazonaws.com' },
  eventTime: '2026-11-30T08:20:44Z',
  eventSource: 'sts.amazonaws.com',
  eventName: 'AssumeRole',
  awsRegion: REGION,
  sourceIPAddress: 'pods.eks.amazonaws.com',
  userAgent: 'pods.eks.amazonaws.com',
  requestParameters: {
    roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-api`,
    roleSessionName: 'eks-payments-p-ledger-api-7c9d-2f1e0a4b-91c3-4d5e-8f6a-0b1c2d3e4f5a',
    durationSeconds: 21600,
    tags,
    transitiveTagKeys: [
      'eks-cluster-arn',
      'eks-cluster-name',
      'kubernetes-namespace',
      'kubernetes-service-account',
      'kubernetes-pod-name',
      'kubernetes-pod-uid',
    ],
  },
  responseElements: {
    credentials: { accessKeyId: 'ASIAEXAMPLE2', expiration: 'Nov 30, 2026, 2:20:44 PM' },
    assumedRoleUser: {
      assumedRoleId: 'AROAEXAMPLEID2:eks-payments-p-ledger-api-7c9d',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/payments-api/eks-payments-p-ledger-api-7c9d`,
    },
    packedPolicySize: 41,
  },
  requestID: '7e1f0c2d-3b4a-5c6d-7e8f-9a0b1c2d3e4f',
  eventID: 'b2c3d4e5-6789-01ab-cdef-EXAMPLE22222',
  readOnly: true,
  resources: [
    { accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${ACCOUNT}:role/payments-api` },
  ],
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: ACCOUNT,
  sharedEventID: 'c3d4e5f6-7890-12ab-cdef-EXAMPLE33333',
  eventCategory: 'Management',
});

const SIX_TAGS = [
  { key: 'eks-cluster-arn', value: CLUSTER_ARN },
  { key: 'eks-cluster-name', value: 'payments-prod' },
  { key: 'kubernetes-namespace', value: 'payments' },
  { key: 'kubernetes-service-account', value: 'ledger-api' },
  { key: 'kubernetes-pod-name', value: 'ledger-api-7c9d8b6f5-x2x4z' },
  { key: 'kubernetes-pod-uid', value: '2f1e0a4b-91c3-4d5e-8f6a-0b1c2d3e4f5a' },
];

describe('parseEvidence on CloudTrail records as CloudTrail writes them', () => {
  it('reads an IRSA AssumeRoleWithWebIdentity: the service account from the subject, the issuer from the provider', () => {
    expect(parseEvidence(recordOf(webIdentity()))).toMatchObject({
      kind: 'irsa',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-ledger-writer`,
      subject: 'system:serviceaccount:payments:ledger-writer',
      namespace: 'payments',
      serviceAccount: 'ledger-writer',
      issuerHostPath: OIDC,
      eventTime: '2026-11-30T08:15:02Z',
    });
  });

  it('counts the IAM guide example of AssumeRoleWithWebIdentity (a Google identity, no cluster) as use of the role, by no service account', () => {
    // The example record of the IAM User Guide's CloudTrail page, in its shape and with its values.
    const detail = {
      eventVersion: '1.05',
      userIdentity: {
        type: 'WebIdentityUser',
        principalId: 'accounts.google.com:id-of-application.apps.googleusercontent.com:id-of-user',
        userName: 'id of user',
        identityProvider: 'accounts.google.com',
      },
      eventTime: '2016-03-23T01:39:51Z',
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRoleWithWebIdentity',
      awsRegion: 'us-east-2',
      sourceIPAddress: '192.0.2.101',
      userAgent: 'aws-cli/1.3.23 Python/2.7.6 Linux/2.6.18-164.el5',
      requestParameters: {
        durationSeconds: 3600,
        roleArn: 'arn:aws:iam::444455556666:role/FederatedWebIdentityRole',
        roleSessionName: 'MyAssignedRoleSessionName',
      },
      responseElements: {
        provider: 'accounts.google.com',
        subjectFromWebIdentityToken: 'id of user',
        audience: 'id of application.apps.googleusercontent.com',
        credentials: { accessKeyId: 'ASIACQRSTUVWRAOEXAMPLE', expiration: 'Mar 23, 2016 2:39:51 AM' },
        assumedRoleUser: {
          arn: 'arn:aws:sts::444455556666:assumed-role/FederatedWebIdentityRole/MyAssignedRoleSessionName',
          assumedRoleId: 'AROACQRSTUVWRAOEXAMPLE:MyAssignedRoleSessionName',
        },
      },
      requestID: '6EXAMPLE-e595-11e5-b2c7-c974fEXAMPLE',
      eventID: 'bEXAMPLE-0b30-4246-b28c-e3da3EXAMPLE',
      eventType: 'AwsApiCall',
      recipientAccountId: '444455556666',
    };
    const evidence = parseEvidence(recordOf(detail));
    expect(evidence).toMatchObject({
      kind: 'irsa',
      roleArn: 'arn:aws:iam::444455556666:role/FederatedWebIdentityRole',
      issuerHostPath: 'accounts.google.com',
    });
    // Not a Kubernetes subject: no workload of any cluster is credited with it.
    expect(evidence).toMatchObject({ namespace: undefined, serviceAccount: undefined });
  });

  it('skips a denied AssumeRoleWithWebIdentity: a refused assume is no use of the role', () => {
    expect(parseEvidence(recordOf(webIdentity({ errorCode: 'AccessDenied' })))).toEqual({
      skipped: expect.stringContaining('AccessDenied'),
    });
  });

  it('reads a Pod Identity AssumeRole: the workload from the six session tags, whatever their order', () => {
    const expected = {
      kind: 'pod-identity',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-api`,
      workload: {
        accountId: ACCOUNT,
        region: REGION,
        clusterName: 'payments-prod',
        namespace: 'payments',
        serviceAccount: 'ledger-api',
      },
    };
    expect(parseEvidence(recordOf(podIdentityAssume(SIX_TAGS)))).toMatchObject(expected);
    expect(parseEvidence(recordOf(podIdentityAssume([...SIX_TAGS].reverse())))).toMatchObject(expected);
  });

  it('keeps only the role of a Pod Identity AssumeRole without session tags (tags disabled)', () => {
    const detail = podIdentityAssume(undefined);
    const { tags: _tags, transitiveTagKeys: _keys, ...request } = detail.requestParameters;
    const evidence = parseEvidence(recordOf({ ...detail, requestParameters: request }));
    expect(evidence).toMatchObject({
      kind: 'pod-identity',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-api`,
    });
    expect(evidence).toHaveProperty('workload', undefined);
  });
});
