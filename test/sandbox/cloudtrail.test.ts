import {
  CloudTrailClient,
  type Event,
  InvalidLookupAttributesException,
  InvalidMaxResultsException,
  LookupEventsCommand,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import {
  clientConfig,
  DATA_ACCOUNT,
  memberCredentials,
  NOW,
  rejectionOf,
  startDemo,
  WORKLOAD_ACCOUNT,
} from './helpers.js';

let sandbox: SandboxHandle;
let cloudtrail: CloudTrailClient;

beforeAll(async () => {
  sandbox = await startDemo();
  cloudtrail = new CloudTrailClient(
    clientConfig(sandbox, await memberCredentials(sandbox, WORKLOAD_ACCOUNT)),
  );
});
afterAll(async () => {
  await sandbox.close();
});

async function lookupAll(
  client: CloudTrailClient,
  input: LookupEventsCommandInput,
): Promise<{ events: Event[]; pages: number }> {
  const events: Event[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = await client.send(new LookupEventsCommand({ ...input, NextToken: token }));
    pages += 1;
    events.push(...(page.Events ?? []));
    token = page.NextToken;
  } while (token);
  return { events, pages };
}

function detail(event: Event): Record<string, unknown> & {
  userIdentity: Record<string, unknown>;
  requestParameters: Record<string, unknown>;
} {
  return JSON.parse(event.CloudTrailEvent ?? '{}');
}

const window = { StartTime: new Date(NOW.getTime() - 90 * 86_400_000), EndTime: NOW };

describe('CloudTrail LookupEvents', () => {
  it('pages 50 events at a time, newest first, within the time window', async () => {
    const { events, pages } = await lookupAll(cloudtrail, {
      ...window,
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'sts.amazonaws.com' }],
    });
    expect(pages).toBe(Math.ceil(events.length / 50));
    expect(pages).toBeGreaterThan(1);
    const times = events.map((event) => event.EventTime?.getTime() ?? 0);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(window.StartTime.getTime());
    expect(Math.max(...times)).toBeLessThanOrEqual(NOW.getTime());
  });

  it('records Pod Identity sessions as sts AssumeRole invoked by pods.eks.amazonaws.com with the six session tags', async () => {
    const { events } = await lookupAll(cloudtrail, {
      ...window,
      LookupAttributes: [
        {
          AttributeKey: 'ResourceName',
          AttributeValue: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/payments-api`,
        },
      ],
    });
    expect(events.length).toBeGreaterThan(0);
    const record = detail(events[0]);
    expect(record.userIdentity).toEqual({ type: 'AWSService', invokedBy: 'pods.eks.amazonaws.com' });
    expect(record.requestParameters.roleArn).toBe(`arn:aws:iam::${WORKLOAD_ACCOUNT}:role/payments-api`);
    expect(record.requestParameters.durationSeconds).toBe(21600);
    const tags = record.requestParameters.tags as Array<{ key: string; value: string }>;
    expect(tags.map((tag) => tag.key).sort()).toEqual([
      'eks-cluster-arn',
      'eks-cluster-name',
      'kubernetes-namespace',
      'kubernetes-pod-name',
      'kubernetes-pod-uid',
      'kubernetes-service-account',
    ]);
    expect(Object.fromEntries(tags.map((tag) => [tag.key, tag.value]))).toMatchObject({
      'eks-cluster-name': 'prod-blue',
      'kubernetes-namespace': 'payments',
      'kubernetes-service-account': 'payments-api',
    });
    expect(record.requestParameters.transitiveTagKeys).toHaveLength(6);
    expect(events[0].Resources).toEqual([
      { ResourceType: 'AWS::IAM::Role', ResourceName: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/payments-api` },
    ]);
  });

  it('records IRSA sessions as AssumeRoleWithWebIdentity by the service account subject', async () => {
    const { events } = await lookupAll(cloudtrail, {
      ...window,
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRoleWithWebIdentity' }],
    });
    const prometheus = events.filter(
      (event) => event.Username === 'system:serviceaccount:monitoring:prometheus',
    );
    expect(prometheus.length).toBeGreaterThan(0);
    const record = detail(prometheus[0]);
    expect(record.userIdentity).toMatchObject({
      type: 'WebIdentityUser',
      userName: 'system:serviceaccount:monitoring:prometheus',
      identityProvider: `arn:aws:iam::${WORKLOAD_ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5E1D0C8B7A6F4E3D2C1B0A9F8E7D6C5B`,
    });
    expect(record.responseElements).toMatchObject({ audience: 'sts.amazonaws.com' });
  });

  it("records prod-green's denied AssumeRoleForPodIdentity calls from the node role", async () => {
    const { events } = await lookupAll(cloudtrail, {
      ...window,
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRoleForPodIdentity' }],
    });
    const denied = events.map(detail).filter((record) => record.errorCode === 'AccessDenied');
    expect(denied.length).toBe(16);
    // The agent's service-account token never reaches the record.
    expect(denied[0].requestParameters).toEqual({
      clusterName: 'prod-green',
      token: 'HIDDEN_DUE_TO_SECURITY_REASONS',
    });
    expect(denied[0].eventSource).toBe('eks-auth.amazonaws.com');
    expect(
      (denied[0].userIdentity.sessionContext as { sessionIssuer: { arn: string } }).sessionIssuer.arn,
    ).toBe(`arn:aws:iam::${WORKLOAD_ACCOUNT}:role/prod-green-node`);
  });

  it('records the chained AssumeRole into the cross-account target role in the target account', async () => {
    const data = new CloudTrailClient(clientConfig(sandbox, await memberCredentials(sandbox, DATA_ACCOUNT)));
    const { events } = await lookupAll(data, {
      ...window,
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRole' }],
    });
    expect(events.length).toBeGreaterThan(0);
    const record = detail(events[0]);
    expect(record.userIdentity).toMatchObject({ type: 'AssumedRole', accountId: WORKLOAD_ACCOUNT });
    expect(record.requestParameters.roleArn).toBe(`arn:aws:iam::${DATA_ACCOUNT}:role/analytics-reader`);
    expect(record.recipientAccountId).toBe(DATA_ACCOUNT);
  });

  it('accepts exactly one lookup attribute', async () => {
    const error = await rejectionOf(
      cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: 'EventName', AttributeValue: 'AssumeRole' },
            { AttributeKey: 'EventSource', AttributeValue: 'sts.amazonaws.com' },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidLookupAttributesException);
  });

  it('rejects MaxResults above 50', async () => {
    const error = await rejectionOf(cloudtrail.send(new LookupEventsCommand({ MaxResults: 51 })));
    expect(error).toBeInstanceOf(InvalidMaxResultsException);
  });

  it('generates the same history for the same scenario and clock', async () => {
    const again = await startSandbox({ scenario: 'demo', now: () => NOW, limits: false });
    try {
      const other = new CloudTrailClient(
        clientConfig(again, await memberCredentials(again, WORKLOAD_ACCOUNT)),
      );
      const input = { ...window, MaxResults: 50 };
      const first = await cloudtrail.send(new LookupEventsCommand(input));
      const second = await other.send(new LookupEventsCommand(input));
      expect(second.Events?.map((event) => event.EventId)).toEqual(
        first.Events?.map((event) => event.EventId),
      );
      expect(second.Events?.[0]?.CloudTrailEvent).toBe(first.Events?.[0]?.CloudTrailEvent);
    } finally {
      await again.close();
    }
  });
});

describe('CloudTrail rate limit', () => {
  it('throttles LookupEvents beyond 2 requests per second per account-region with ThrottlingException', async () => {
    const limited = await startDemo({ limits: true });
    try {
      const client = new CloudTrailClient(
        clientConfig(limited, await memberCredentials(limited, WORKLOAD_ACCOUNT)),
      );
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, () => client.send(new LookupEventsCommand({ MaxResults: 1 }))),
      );
      const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBeGreaterThanOrEqual(2);
      expect(rejected.length).toBeGreaterThan(0);
      expect((rejected[0] as PromiseRejectedResult).reason.name).toBe('ThrottlingException');
      const calls = limited.calls();
      expect(calls[WORKLOAD_ACCOUNT].cloudtrail.LookupEvents).toBe(6);
      expect(calls.throttled[WORKLOAD_ACCOUNT].cloudtrail.LookupEvents).toBe(rejected.length);
    } finally {
      await limited.close();
    }
  });
});
