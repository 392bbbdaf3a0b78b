import { describe, expect, it } from 'vitest';
import type { CloudTrailEventRecord } from '../../shared/model/inventory.js';
import { issuerOfProvider, parseEvidence, parseServiceAccountSubject } from '../../shared/usage/index.js';
import { DATA, REGION, roleArn, WORKLOADS } from '../audit/world.js';
import {
  assumeRoleForPodIdentityEvent,
  irsaWebIdentityEvent,
  oidcIdFor,
  podIdentityAssumeRoleEvent,
  targetRoleAssumeRoleEvent,
} from '../support/snapshot-builder.js';

/** A LookupEvents item as the normalizer turns it into a record. */
function record(item: Record<string, unknown>, accountId = WORKLOADS): CloudTrailEventRecord {
  let detail: Record<string, unknown> | undefined;
  try {
    detail = JSON.parse(item.CloudTrailEvent as string);
  } catch {
    detail = undefined;
  }
  return {
    accountId,
    region: REGION,
    eventId: item.EventId as string,
    eventName: item.EventName as string,
    eventTime: item.EventTime as string,
    eventSource: item.EventSource as string,
    resources: (item.Resources as CloudTrailEventRecord['resources']) ?? [],
    detail,
  };
}

const TIME = '2026-11-20T10:00:00Z';

describe('parseEvidence', () => {
  it('reads the workload from the session tags of an AssumeRole made by pods.eks.amazonaws.com', () => {
    const event = podIdentityAssumeRoleEvent({
      accountId: WORKLOADS,
      region: REGION,
      clusterName: 'prod-blue',
      namespace: 'payments',
      serviceAccount: 'payments-api',
      roleArn: roleArn('payments-api'),
      eventTime: TIME,
    });
    expect(parseEvidence(record(event))).toMatchObject({
      kind: 'pod-identity',
      source: 'cloudtrail:AssumeRole',
      roleArn: roleArn('payments-api'),
      eventTime: TIME,
      workload: {
        accountId: WORKLOADS,
        region: REGION,
        clusterName: 'prod-blue',
        namespace: 'payments',
        serviceAccount: 'payments-api',
      },
    });
  });

  it('keeps only the role when the association disables session tags', () => {
    const event = podIdentityAssumeRoleEvent({
      accountId: WORKLOADS,
      region: REGION,
      clusterName: 'prod-blue',
      namespace: 'payments',
      serviceAccount: 'payments-api',
      roleArn: roleArn('payments-api'),
      eventTime: TIME,
      disableSessionTags: true,
    });
    const evidence = parseEvidence(record(event));
    expect(evidence).toMatchObject({ kind: 'pod-identity', roleArn: roleArn('payments-api') });
    expect(evidence).toHaveProperty('workload', undefined);
  });

  it('reads subject, provider and issuer of an AssumeRoleWithWebIdentity', () => {
    const event = irsaWebIdentityEvent({
      accountId: WORKLOADS,
      region: REGION,
      oidcId: oidcIdFor('prod-blue'),
      namespace: 'kube-system',
      serviceAccount: 'external-dns',
      roleArn: roleArn('external-dns'),
      eventTime: TIME,
    });
    expect(parseEvidence(record(event))).toMatchObject({
      kind: 'irsa',
      source: 'cloudtrail:AssumeRoleWithWebIdentity',
      subject: 'system:serviceaccount:kube-system:external-dns',
      namespace: 'kube-system',
      serviceAccount: 'external-dns',
      issuerHostPath: `oidc.eks.${REGION}.amazonaws.com/id/${oidcIdFor('prod-blue')}`,
    });
  });

  it('records a denied AssumeRoleForPodIdentity with its cluster and node, and skips the successful one', () => {
    const options = {
      accountId: WORKLOADS,
      region: REGION,
      clusterName: 'prod-blue',
      nodeRoleArn: roleArn('eks-node'),
      eventTime: TIME,
    };
    expect(parseEvidence(record(assumeRoleForPodIdentityEvent({ ...options, denied: true })))).toMatchObject({
      kind: 'pod-identity-denied',
      clusterName: 'prod-blue',
      errorCode: 'AccessDenied',
      callerArn: expect.stringContaining('assumed-role/eks-node/'),
    });
    expect(parseEvidence(record(assumeRoleForPodIdentityEvent(options)))).toEqual({
      skipped: expect.stringContaining('names no role'),
    });
  });

  it("counts a target role's chained AssumeRole as plain role usage", () => {
    const event = targetRoleAssumeRoleEvent({
      targetAccountId: DATA,
      region: REGION,
      targetRoleArn: roleArn('reader', DATA),
      associationRoleArn: roleArn('exporter'),
      clusterName: 'prod-blue',
      namespace: 'analytics',
      serviceAccount: 'exporter',
      eventTime: TIME,
    });
    expect(parseEvidence(record(event, DATA))).toMatchObject({
      kind: 'assume-role',
      roleArn: roleArn('reader', DATA),
    });
  });

  it('skips failed assumes, other events and records without a parsable CloudTrailEvent', () => {
    const event = irsaWebIdentityEvent({
      accountId: WORKLOADS,
      region: REGION,
      oidcId: oidcIdFor('prod-blue'),
      namespace: 'kube-system',
      serviceAccount: 'external-dns',
      roleArn: roleArn('external-dns'),
      eventTime: TIME,
    });
    const failed = record(event);
    failed.detail = { ...failed.detail, errorCode: 'AccessDenied' };
    expect(parseEvidence(failed)).toEqual({ skipped: 'AssumeRoleWithWebIdentity failed with AccessDenied' });
    expect(parseEvidence({ ...record(event), detail: undefined })).toEqual({
      skipped: 'CloudTrailEvent is missing or not JSON',
    });
    const other = record(event);
    other.detail = { ...other.detail, eventName: 'GetCallerIdentity' };
    expect(parseEvidence(other)).toHaveProperty('skipped');
  });
});

describe('subject and provider helpers', () => {
  it('splits service-account subjects and rejects others', () => {
    expect(parseServiceAccountSubject('system:serviceaccount:ns:sa')).toEqual({
      namespace: 'ns',
      serviceAccount: 'sa',
    });
    expect(parseServiceAccountSubject('repo:org/app:ref:refs/heads/main')).toBeUndefined();
  });

  it('takes the issuer host path from a provider ARN or an issuer URL', () => {
    const hostPath = 'oidc.eks.us-east-1.amazonaws.com/id/ABC';
    expect(issuerOfProvider(`arn:aws:iam::${WORKLOADS}:oidc-provider/${hostPath}`)).toBe(hostPath);
    expect(issuerOfProvider(`https://${hostPath}/`)).toBe(hostPath);
  });
});
