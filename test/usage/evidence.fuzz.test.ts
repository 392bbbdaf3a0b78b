import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tagValue as sessionTagValue } from '../../shared/cutover/post/CUTOVER_ASSUME_FAILURES.js';
import type { CloudTrailEventRecord } from '../../shared/model/inventory.js';
import { evidenceDetail } from '../../shared/snapshot/index.js';
import { parseEvidence } from '../../shared/usage/index.js';

const json = fc.jsonValue({ maxDepth: 3 });

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
