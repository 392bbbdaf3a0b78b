import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failureOf, tagValue as sessionTagValue } from '../../shared/cutover/post/CUTOVER_ASSUME_FAILURES.js';
import type { CloudTrailEventRecord } from '../../shared/model/inventory.js';
import { evidenceDetail } from '../../shared/snapshot/index.js';
import { parseEvidence } from '../../shared/usage/index.js';

const json = fc.jsonValue({ maxDepth: 3 });

/** The cutover's new cluster, as the generated records name it (`c`, as in the tag values below). */
const NEW_HOST = 'oidc.eks.eu-west-1.amazonaws.com/id/NEWCLUSTER0000000000000000000000';
const NEW_PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${NEW_HOST}`;

const tagKey = fc.constantFrom(
  'eks-cluster-arn',
  'eks-cluster-name',
  'kubernetes-namespace',
  'kubernetes-service-account',
  'kubernetes-pod-name',
  '',
);
const tagValue = fc.oneof(fc.constantFrom('arn:aws:eks:eu-west-1:111122223333:cluster/c', 'app', ''), json);

/** Session tags as CloudTrail writes them (`[{key, value}]`), as `{Key, Value}` and as a map, with duplicates. */
const sessionTags = fc.oneof(
  fc.array(
    fc.oneof(
      fc.record({ key: tagKey, value: tagValue }, { requiredKeys: [] }),
      fc.record({ Key: tagKey, Value: tagValue }, { requiredKeys: [] }),
      json,
    ),
    { maxLength: 8 },
  ),
  fc.dictionary(tagKey, tagValue),
);

/** CloudTrail records whose detail mixes real keys and values with arbitrary JSON. */
const records = fc.record({
  eventId: fc.uuid(),
  eventName: fc.constantFrom(
    'AssumeRole',
    'AssumeRoleWithWebIdentity',
    'AssumeRoleForPodIdentity',
    'GetCallerIdentity',
  ),
  eventSource: fc.constantFrom('sts.amazonaws.com', 'eks-auth.amazonaws.com', 'iam.amazonaws.com'),
  detail: fc.option(
    fc.record(
      {
        eventSource: fc.oneof(fc.constantFrom('sts.amazonaws.com', 'eks-auth.amazonaws.com'), json),
        eventName: fc.oneof(
          fc.constantFrom('AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleForPodIdentity'),
          json,
        ),
        errorCode: fc.oneof(fc.constantFrom('AccessDenied', ''), json),
        userIdentity: fc.oneof(
          fc.record({
            invokedBy: fc.constantFrom('pods.eks.amazonaws.com'),
            identityProvider: json,
            userName: json,
            arn: json,
          }),
          json,
        ),
        requestParameters: fc.oneof(
          fc.record({
            roleArn: fc.oneof(fc.constant('arn:aws:iam::111122223333:role/app'), json),
            tags: fc.oneof(sessionTags, json),
            clusterName: json,
          }),
          json,
        ),
        responseElements: fc.oneof(
          fc.record({ provider: json, subjectFromWebIdentityToken: json, credentials: json }),
          json,
        ),
        sourceIPAddress: json,
        errorMessage: json,
        recipientAccountId: json,
      },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  ),
  resources: fc.array(fc.record({ ResourceType: fc.string(), ResourceName: fc.string() }), { maxLength: 2 }),
});

/** Failed credential requests around a cutover to cluster `c`: mostly matching, with arbitrary JSON mixed in. */
const failedAssumes = fc.record({
  eventId: fc.uuid(),
  eventName: fc.constantFrom('AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleForPodIdentity'),
  eventSource: fc.constantFrom('sts.amazonaws.com', 'eks-auth.amazonaws.com'),
  detail: fc.record(
    {
      eventSource: fc.constantFrom('sts.amazonaws.com', 'eks-auth.amazonaws.com'),
      eventName: fc.constantFrom('AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleForPodIdentity'),
      errorCode: fc.oneof(fc.constantFrom('AccessDenied', 'InvalidIdentityToken', ''), json),
      errorMessage: json,
      sourceIPAddress: fc.oneof(fc.constantFrom('pods.eks.amazonaws.com', '192.0.2.10'), json),
      userIdentity: fc.oneof(
        fc.record(
          {
            type: fc.constantFrom('AWSService', 'WebIdentityUser', 'AssumedRole'),
            invokedBy: fc.constantFrom('pods.eks.amazonaws.com', 'ec2.amazonaws.com'),
            identityProvider: fc.oneof(fc.constantFrom(NEW_PROVIDER, 'accounts.google.com'), json),
            userName: fc.oneof(fc.constant('system:serviceaccount:team-a:app'), json),
            principalId: json,
          },
          { requiredKeys: [] },
        ),
        json,
      ),
      requestParameters: fc.record(
        {
          roleArn: fc.oneof(fc.constant('arn:aws:iam::111122223333:role/app'), json),
          clusterName: fc.oneof(fc.constantFrom('c', 'old'), json),
          tags: fc.oneof(
            fc.array(
              fc.record({
                key: fc.constantFrom('eks-cluster-name', 'eks-cluster-arn', 'kubernetes-namespace'),
                value: fc.constantFrom('c', 'old', 'arn:aws:eks:eu-west-1:111122223333:cluster/c'),
              }),
              { maxLength: 4 },
            ),
            sessionTags,
          ),
          durationSeconds: json,
        },
        { requiredKeys: ['roleArn', 'clusterName', 'tags'] },
      ),
      responseElements: fc.oneof(
        fc.record(
          {
            provider: fc.oneof(fc.constant(NEW_PROVIDER), json),
            subjectFromWebIdentityToken: fc.oneof(fc.constant('system:serviceaccount:team-b:job'), json),
            audience: json,
          },
          { requiredKeys: [] },
        ),
        fc.constant(null),
      ),
      recipientAccountId: json,
    },
    {
      requiredKeys: [
        'eventSource',
        'eventName',
        'errorCode',
        'sourceIPAddress',
        'userIdentity',
        'requestParameters',
      ],
    },
  ),
  resources: fc.constant<Array<{ ResourceType: string; ResourceName: string }>>([]),
});

/** The value of the first session tag named `key`, through the cutover check's own lookup. */
function firstTag(detail: Record<string, unknown> | undefined, key: string): unknown {
  const request = detail?.requestParameters;
  return sessionTagValue(
    request !== null && typeof request === 'object' ? (request as { tags?: unknown }).tags : undefined,
    key,
  );
}

/** A generated record as the inventory holds it. */
function recordOf(
  generated: typeof records extends fc.Arbitrary<infer T> ? T : never,
): CloudTrailEventRecord {
  return {
    accountId: '111122223333',
    region: 'ap-northeast-1',
    eventTime: '2026-11-20T10:00:00Z',
    ...generated,
    detail: generated.detail as Record<string, unknown> | undefined,
  };
}

describe('parseEvidence on arbitrary records', () => {
  it('never throws and always returns evidence or a skip reason', () => {
    fc.assert(
      fc.property(records, (generated) => {
        const record = recordOf(generated);
        const result = parseEvidence(record);
        expect('skipped' in result ? typeof result.skipped : result.kind).toMatch(
          /string|pod-identity|irsa|assume-role|pod-identity-denied/,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('gives the cutover the same failed assumes from a record cut down to the evidence fields', () => {
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(fc.oneof(records, failedAssumes), (generated) => {
        const record = recordOf(generated);
        const slim = { ...record, detail: record.detail && evidenceDetail(record.detail) };
        const failure = failureOf(record, 'c', NEW_HOST);
        expect(failureOf(slim, 'c', NEW_HOST)).toEqual(failure);
        if (failure !== undefined) kinds.set(failure.kind, (kinds.get(failure.kind) ?? 0) + 1);
      }),
      { numRuns: 2000 },
    );
    // The records reach every kind of failure, so the comparison means something.
    expect([...kinds.keys()].sort()).toEqual([
      'pod-identity-agent',
      'pod-identity-assume-role',
      'web-identity',
    ]);
  });

  it('reads the same evidence from a record cut down to the evidence fields', () => {
    fc.assert(
      fc.property(records, (generated) => {
        const record = recordOf(generated);
        const detail = record.detail && evidenceDetail(record.detail);
        expect(parseEvidence({ ...record, detail })).toEqual(parseEvidence(record));
        // The cutover checks read the first entry of a key: it stays the first.
        for (const key of ['eks-cluster-arn', 'eks-cluster-name']) {
          expect(firstTag(detail, key)).toEqual(firstTag(record.detail, key));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * The session tags as the documented rules read them, written out plainly: in a list, each
 * `{key, value}` (or `{Key, Value}`) entry with a non-empty key and value sets its key, the last one
 * winning; in a map, each string value.
 */
function tagsByRule(raw: unknown): Record<string, string> {
  const tags = new Map<string, string>();
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      if (!isObject(entry)) continue;
      const key = text(entry.key) ?? text(entry.Key);
      const value = text(entry.value) ?? text(entry.Value);
      if (key !== undefined && value !== undefined) tags.set(key, value);
    }
  } else if (isObject(raw)) {
    for (const [key, value] of Object.entries(raw)) if (typeof value === 'string') tags.set(key, value);
  }
  return Object.fromEntries(tags);
}

/** Session tags that mostly name a whole workload, often with a key repeated. */
const workloadTags = (() => {
  const key = fc.constantFrom(
    'eks-cluster-arn',
    'eks-cluster-name',
    'kubernetes-namespace',
    'kubernetes-service-account',
    'kubernetes-pod-name',
  );
  const value = fc.oneof(
    fc.constantFrom(
      'arn:aws:eks:eu-west-1:444455556666:cluster/blue',
      'arn:aws:eks:us-east-1:777788889999:cluster/green',
      'blue',
      'team-a',
      'team-b',
      'app',
      '',
    ),
    json,
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.record({ key, value }), { minLength: 3, maxLength: 10 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.record({ Key: key, Value: value }, { requiredKeys: [] }), { maxLength: 8 }),
    },
    { weight: 1, arbitrary: fc.dictionary(key, value) },
    { weight: 1, arbitrary: sessionTags },
  );
})();

describe('the Pod Identity workload of a session', () => {
  it('comes from the session tags as the rules read them, the last of a repeated key winning', () => {
    fc.assert(
      fc.property(workloadTags, fc.boolean(), (tags, named) => {
        const record = recordOf({
          eventId: 'e-1',
          eventName: 'AssumeRole',
          eventSource: 'sts.amazonaws.com',
          resources: [],
          detail: {
            eventSource: 'sts.amazonaws.com',
            eventName: 'AssumeRole',
            userIdentity: { invokedBy: 'pods.eks.amazonaws.com' },
            requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/app', tags },
          },
        });
        const evidence = parseEvidence(
          named ? { ...record, detail: evidenceDetail(record.detail!) } : record,
        );
        expect(evidence).toMatchObject({ kind: 'pod-identity' });
        const expected = tagsByRule(tags);
        const arn = /^arn:[^:]+:eks:([^:]+):(\d{12}):cluster\/(.+)$/.exec(expected['eks-cluster-arn'] ?? '');
        const clusterName = expected['eks-cluster-name'] ?? arn?.[3];
        const namespace = expected['kubernetes-namespace'];
        const serviceAccount = expected['kubernetes-service-account'];
        const workload =
          namespace && serviceAccount && clusterName
            ? {
                accountId: arn?.[2] ?? '111122223333',
                region: arn?.[1] ?? 'ap-northeast-1',
                clusterName,
                clusterArn: expected['eks-cluster-arn'],
                namespace,
                serviceAccount,
              }
            : undefined;
        expect((evidence as { workload?: unknown }).workload).toStrictEqual(workload);
      }),
      { numRuns: 2000 },
    );
  });
});
