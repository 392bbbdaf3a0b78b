import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { describe, expect, it, vi } from 'vitest';
import { type ClientFactory, createClientFactory } from '../../shared/aws/clients.js';
import { collectCloudTrail } from '../../shared/collect/cloudtrail.js';
import { RequestPacer } from '../../shared/collect/pacing.js';

const ACCOUNT = '222233334444';
const REGION = 'eu-west-1';

function event(id: string, record: unknown) {
  return {
    EventId: id,
    EventTime: new Date('2026-11-20T10:00:00Z'),
    CloudTrailEvent: typeof record === 'string' ? record : JSON.stringify(record),
  };
}

/** Records per lookup value; eks-auth spans two pages. */
const RECORDS: Record<string, ReturnType<typeof event>[]> = {
  'eks-auth.amazonaws.com': [
    event('auth-1', { eventName: 'AssumeRoleForPodIdentity' }),
    event('auth-2', '{ not json'),
    event('auth-3', { eventName: 'AssumeRoleForPodIdentity', errorCode: 'AccessDenied' }),
  ],
  AssumeRole: [
    event('pi', { userIdentity: { invokedBy: 'pods.eks.amazonaws.com' } }),
    event('person', { userIdentity: { type: 'IAMUser', userName: 'alice' } }),
  ],
  AssumeRoleWithWebIdentity: [],
};

function fakeTrail() {
  const client = new CloudTrailClient({
    region: REGION,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  });
  const requests: Array<Record<string, unknown>> = [];
  vi.spyOn(client, 'send').mockImplementation((async (command: { input: Record<string, unknown> }) => {
    requests.push(command.input);
    const [attribute] = command.input.LookupAttributes as Array<{ AttributeValue: string }>;
    const records = RECORDS[attribute.AttributeValue] ?? [];
    const offset = Number(command.input.NextToken ?? 0);
    const end = Math.min(records.length, offset + 2);
    return {
      Events: records.slice(offset, end),
      ...(end < records.length ? { NextToken: String(end) } : {}),
    };
  }) as never);
  const real = createClientFactory({
    region: REGION,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  });
  const factory: ClientFactory = { ...real, cloudTrail: () => client };
  return { factory, requests };
}

describe('collectCloudTrail', () => {
  it('keeps every eks-auth record, unreadable ones too, and only the Pod Identity AssumeRole', async () => {
    const { factory } = fakeTrail();

    const trail = await collectCloudTrail(factory, ACCOUNT, REGION, {
      from: new Date('2026-09-01T00:00:00Z'),
      to: new Date('2026-11-29T00:00:00Z'),
    });

    expect(trail.events.map((entry) => entry.EventId).sort()).toEqual(['auth-1', 'auth-2', 'auth-3', 'pi']);
    expect(trail.errors).toEqual([]);
  });

  it("asks 50 records a page and sends every page through the account-region's CloudTrail lane", async () => {
    const { factory, requests } = fakeTrail();
    const pacer = new RequestPacer({ lookupEventsPerSecond: 1000 });
    const lane = pacer.lane('cloudtrail', ACCOUNT, REGION);

    await collectCloudTrail(factory, ACCOUNT, REGION, {
      from: new Date('2026-09-01T00:00:00Z'),
      to: new Date('2026-11-29T00:00:00Z'),
      lane,
    });

    // Web identity: one empty page; eks-auth: two pages; AssumeRole: one page. The lookups run at
    // once, so every first page goes before eks-auth's second.
    expect(requests).toHaveLength(4);
    expect(requests.every((request) => request.MaxResults === 50)).toBe(true);
    expect(requests.map((request) => request.NextToken)).toEqual([undefined, undefined, undefined, '2']);
    expect(lane.bucket.grants()).toHaveLength(4);
    expect(lane.backlog).toBe(0);
  });
});
