import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloudTrailEventRecord } from '../../shared/model/inventory.js';
import { type LookupEvent, lookupEventRecord } from '../../shared/snapshot/index.js';
import {
  compactLedger,
  DAY_MS,
  emptyLedger,
  entryKey,
  foldRecords,
  type Ledger,
  type LedgerSubject,
  mergeLedgers,
  serializeLedger,
  tallyCount,
  validateLedger,
} from '../../shared/usage/ledger.js';
import {
  assumeRoleForPodIdentityEvent,
  irsaWebIdentityEvent,
  oidcIdFor,
  podIdentityAssumeRoleEvent,
  roleArnOf,
  targetRoleAssumeRoleEvent,
} from '../support/snapshot-builder.js';

const ACCOUNT = '222233334444';
const DATA = '333344445555';
const REGION = 'eu-west-1';
const NOW = new Date('2026-11-29T02:00:00Z');
const role = (name: string, account = ACCOUNT) => roleArnOf(account, name);
const record = (event: Record<string, unknown>, account = ACCOUNT) =>
  lookupEventRecord(account, REGION, event as unknown as LookupEvent);
const read = (fromDaysAgo: number, toDaysAgo = 0, complete = true) => ({
  from: new Date(NOW.getTime() - fromDaysAgo * DAY_MS),
  to: new Date(NOW.getTime() - toDaysAgo * DAY_MS),
  complete,
  ...(complete ? {} : { reason: 'LookupEvents AccessDeniedException' }),
});
const count = (ledger: Ledger, subject: LedgerSubject) => {
  const entry = ledger.entries[entryKey(subject)];
  return entry ? tallyCount(entry.tally) : 0;
};

const PI_SESSION = podIdentityAssumeRoleEvent({
  accountId: ACCOUNT,
  region: REGION,
  clusterName: 'prod-blue',
  namespace: 'payments',
  serviceAccount: 'payments-api',
  roleArn: role('payments-api'),
  eventTime: '2026-11-28T10:00:00Z',
});
const PI_UNTAGGED = podIdentityAssumeRoleEvent({
  accountId: ACCOUNT,
  region: REGION,
  clusterName: 'prod-blue',
  namespace: 'batch',
  serviceAccount: 'exporter',
  roleArn: role('exporter'),
  eventTime: '2026-11-27T10:00:00Z',
  disableSessionTags: true,
});
const IRSA = irsaWebIdentityEvent({
  accountId: ACCOUNT,
  region: REGION,
  oidcId: oidcIdFor('prod-blue'),
  namespace: 'kube-system',
  serviceAccount: 'ebs-csi-controller-sa',
  roleArn: role('ebs-csi'),
  eventTime: '2026-11-26T10:00:00Z',
});
const TARGET = targetRoleAssumeRoleEvent({
  targetAccountId: DATA,
  region: REGION,
  targetRoleArn: role('reports-reader', DATA),
  associationRoleArn: role('reports'),
  clusterName: 'prod-blue',
  namespace: 'reports',
  serviceAccount: 'reports',
  eventTime: '2026-11-25T10:00:00Z',
  externalId: `${REGION}/${ACCOUNT}/prod-blue/reports/reports`,
  sessionTags: false,
});
const DENIED = assumeRoleForPodIdentityEvent({
  accountId: ACCOUNT,
  region: REGION,
  clusterName: 'prod-green',
  nodeRoleArn: role('prod-green-node'),
  eventTime: '2026-11-28T11:00:00Z',
  denied: true,
});
const AGENT_OK = assumeRoleForPodIdentityEvent({
  accountId: ACCOUNT,
  region: REGION,
  clusterName: 'prod-blue',
  nodeRoleArn: role('prod-node'),
  eventTime: '2026-11-28T09:59:59Z',
});

describe('folding CloudTrail records into a ledger', () => {
  it('counts a tagged Pod Identity session for its role and its cluster, namespace and service account', () => {
    const ledger = foldRecords(emptyLedger(ACCOUNT, REGION), [record(PI_SESSION)], { read: read(1) });
    expect(count(ledger, { kind: 'role', roleArn: role('payments-api') })).toBe(1);
    const workload =
      ledger.entries[
        entryKey({
          kind: 'pod-identity',
          accountId: ACCOUNT,
          region: REGION,
          clusterName: 'prod-blue',
          namespace: 'payments',
          serviceAccount: 'payments-api',
          roleArn: role('payments-api'),
        })
      ];
    expect(workload?.tally.lastSeen).toBe('2026-11-28T10:00:00Z');
    expect(workload?.tally.sources).toEqual(['cloudtrail:AssumeRole']);
    expect(workload?.tally.latest.map((ref) => ref.eventId)).toEqual([PI_SESSION.EventId]);
  });

  it('keeps a session without tags under its role only, as untagged Pod Identity usage', () => {
    const ledger = foldRecords(emptyLedger(ACCOUNT, REGION), [record(PI_UNTAGGED)]);
    expect(count(ledger, { kind: 'pod-identity-untagged', roleArn: role('exporter') })).toBe(1);
    expect(Object.values(ledger.entries).some((entry) => entry.kind === 'pod-identity')).toBe(false);
  });

  it('counts a web-identity assume under the issuer, namespace, service account and role', () => {
    const ledger = foldRecords(emptyLedger(ACCOUNT, REGION), [record(IRSA)]);
    const issuer = `oidc.eks.${REGION}.amazonaws.com/id/${oidcIdFor('prod-blue')}`;
    expect(
      count(ledger, {
        kind: 'irsa',
        issuerHostPath: issuer,
        namespace: 'kube-system',
        serviceAccount: 'ebs-csi-controller-sa',
        roleArn: role('ebs-csi'),
      }),
    ).toBe(1);
  });

  it("counts a cross-account target role's AssumeRole (external id, no tags) as use of the target role", () => {
    const ledger = foldRecords(emptyLedger(DATA, REGION), [record(TARGET, DATA)]);
    expect(count(ledger, { kind: 'role', roleArn: role('reports-reader', DATA) })).toBe(1);
  });

  it('records denied AssumeRoleForPodIdentity by cluster, node session and error, and skips the successful one', () => {
    const ledger = foldRecords(emptyLedger(ACCOUNT, REGION), [record(DENIED), record(AGENT_OK)]);
    const denied = Object.values(ledger.entries).filter((entry) => entry.kind === 'denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ kind: 'denied', clusterName: 'prod-green', errorCode: 'AccessDenied' });
    expect(denied[0].kind === 'denied' && denied[0].callerArn).toMatch(/assumed-role\/prod-green-node\//);
    expect(
      count(ledger, {
        kind: 'skipped',
        reason: 'AssumeRoleForPodIdentity names no role; the paired sts AssumeRole record does',
      }),
    ).toBe(1);
  });

  it('counts malformed and unknown records by reason and never fails on them', () => {
    const malformed: CloudTrailEventRecord = {
      ...record(PI_SESSION),
      eventId: 'bad-json',
      detail: undefined,
    };
    const foreign: CloudTrailEventRecord = {
      ...record(PI_SESSION),
      eventId: 'foreign',
      detail: { eventSource: 's3.amazonaws.com', eventName: 'GetObject' },
    };
    const badTime: CloudTrailEventRecord = {
      ...record(PI_SESSION),
      eventId: 'bad-time',
      eventTime: 'yesterday',
    };
    const ledger = foldRecords(emptyLedger(ACCOUNT, REGION), [malformed, foreign, badTime], {
      read: read(1),
    });
    expect(count(ledger, { kind: 'skipped', reason: 'CloudTrailEvent is missing or not JSON' })).toBe(1);
    expect(count(ledger, { kind: 'skipped', reason: 'not an STS event (s3.amazonaws.com)' })).toBe(1);
    expect(count(ledger, { kind: 'skipped', reason: 'event time is not a date' })).toBe(1);
    expect(count(ledger, { kind: 'role', roleArn: role('payments-api') })).toBe(0);
  });

  it('counts an event read twice (the overlap) once', () => {
    const once = foldRecords(emptyLedger(ACCOUNT, REGION), [record(PI_SESSION)], { read: read(2, 1) });
    const twice = foldRecords(once, [record(PI_SESSION)], { read: read(1) });
    expect(count(twice, { kind: 'role', roleArn: role('payments-api') })).toBe(1);
    expect(twice.covered).toEqual([{ from: read(2).from.toISOString(), to: NOW.toISOString() }]);
    expect(twice.highWaterMark).toBe(NOW.toISOString());
  });

  it('records a failed read as a gap and a later successful read of the span heals it', () => {
    const failed = foldRecords(emptyLedger(ACCOUNT, REGION), [], { read: read(3, 1, false) });
    expect(failed.gaps).toEqual([
      {
        from: read(3).from.toISOString(),
        to: read(1).from.toISOString(),
        reason: 'LookupEvents AccessDeniedException',
      },
    ]);
    expect(failed.highWaterMark).toBeUndefined();
    const partlyHealed = foldRecords(failed, [], { read: read(2) });
    expect(partlyHealed.gaps).toEqual([
      {
        from: read(3).from.toISOString(),
        to: read(2).from.toISOString(),
        reason: 'LookupEvents AccessDeniedException',
      },
    ]);
    const healed = foldRecords(partlyHealed, [], { read: read(4) });
    expect(healed.gaps).toEqual([]);
  });
});

describe('validating a stored ledger', () => {
  it('accepts its own serialization and names the field of a corrupt one', () => {
    const ledger = foldRecords(emptyLedger(ACCOUNT, REGION), [record(PI_SESSION), record(DENIED)], {
      read: read(1),
    });
    expect(validateLedger(JSON.parse(serializeLedger(ledger)))).toEqual({ ledger });
    const corrupt = JSON.parse(serializeLedger(ledger));
    corrupt.covered[0].to = 'not a time';
    const result = validateLedger(corrupt);
    expect('problem' in result && result.problem).toMatch(/covered\.0\.to: expected an ISO-8601 time/);
    expect(validateLedger({ ledgerVersion: 2 })).toHaveProperty('problem');
  });
});

describe('compacting a ledger', () => {
  it('turns ids older than the dedupe horizon into day counts without changing any count', () => {
    const events = [5, 4, 3, 1].map((daysAgo) =>
      podIdentityAssumeRoleEvent({
        accountId: ACCOUNT,
        region: REGION,
        clusterName: 'prod-blue',
        namespace: 'payments',
        serviceAccount: 'payments-api',
        roleArn: role('payments-api'),
        eventTime: new Date(NOW.getTime() - daysAgo * DAY_MS).toISOString(),
      }),
    );
    const ledger = foldRecords(
      emptyLedger(ACCOUNT, REGION),
      events.map((event) => record(event)),
      {
        read: read(6),
      },
    );
    const compacted = compactLedger(ledger, NOW);
    const tally = compacted.entries[entryKey({ kind: 'role', roleArn: role('payments-api') })].tally;
    expect(compacted.sealedBefore).toBe('2026-11-27T00:00:00.000Z');
    expect(Object.keys(tally.recent)).toHaveLength(1);
    expect(tally.sealed).toEqual({ '2026-11-24': 1, '2026-11-25': 1, '2026-11-26': 1 });
    expect(tallyCount(tally)).toBe(4);
    // A sealed event read again (a run that started long ago) must not count twice.
    const reread = foldRecords(compacted, [record(events[0])]);
    expect(tallyCount(reread.entries[entryKey({ kind: 'role', roleArn: role('payments-api') })].tally)).toBe(
      4,
    );
  });
});

// Property tests: small pools so the two ledgers share events often.
const ROLES = ['payments-api', 'orders', 'ebs-csi'];
const eventArbitrary = fc.record({
  id: fc.integer({ min: 0, max: 40 }),
  role: fc.constantFrom(...ROLES),
  minutesAgo: fc.integer({ min: 0, max: 10 * 24 * 60 }),
});
type GeneratedEvent = { id: number; role: string; minutesAgo: number };

/** The same id always denotes the same event (role and time derive from the id's first sighting). */
function canonicalEvents(
  events: GeneratedEvent[],
  registry: Map<number, GeneratedEvent>,
): CloudTrailEventRecord[] {
  return events.map((event) => {
    const known = registry.get(event.id) ?? event;
    registry.set(event.id, known);
    const eventTime = new Date(NOW.getTime() - known.minutesAgo * 60_000).toISOString();
    return {
      accountId: ACCOUNT,
      region: REGION,
      eventId: `event-${known.id}`,
      eventName: 'AssumeRole',
      eventTime,
      eventSource: 'sts.amazonaws.com',
      resources: [],
      detail: {
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        userIdentity: { type: 'AWSService', invokedBy: 'pods.eks.amazonaws.com' },
        requestParameters: {
          roleArn: role(known.role),
          tags: [
            { key: 'eks-cluster-name', value: 'prod-blue' },
            { key: 'kubernetes-namespace', value: 'default' },
            { key: 'kubernetes-service-account', value: known.role },
          ],
        },
      },
    };
  });
}

const ledgerPair = fc
  .record({
    shared: fc.array(eventArbitrary, { maxLength: 15 }),
    left: fc.array(eventArbitrary, { maxLength: 15 }),
    right: fc.array(eventArbitrary, { maxLength: 15 }),
    leftRead: fc.integer({ min: 1, max: 12 }),
    rightRead: fc.integer({ min: 1, max: 12 }),
    compactLeft: fc.boolean(),
    compactRight: fc.boolean(),
  })
  .map((spec) => {
    const registry = new Map<number, GeneratedEvent>();
    const base = foldRecords(emptyLedger(ACCOUNT, REGION), canonicalEvents(spec.shared, registry), {
      read: read(12, 6),
    });
    const leftRecords = canonicalEvents(spec.left, registry);
    const rightRecords = canonicalEvents(spec.right, registry);
    let left = foldRecords(base, leftRecords, { read: read(spec.leftRead) });
    let right = foldRecords(base, rightRecords, { read: read(spec.rightRead, 0, spec.rightRead % 3 !== 0) });
    if (spec.compactLeft) left = compactLedger(left, NOW);
    if (spec.compactRight) right = compactLedger(right, NOW);
    const ids = new Map<string, Set<string>>();
    for (const event of [...canonicalEvents(spec.shared, registry), ...leftRecords, ...rightRecords]) {
      const roleArn = (event.detail?.requestParameters as { roleArn?: string } | undefined)?.roleArn ?? '';
      const set = ids.get(roleArn) ?? new Set();
      set.add(event.eventId);
      ids.set(roleArn, set);
    }
    return { left, right, ids, compacted: spec.compactLeft || spec.compactRight };
  });

describe('merging ledgers', () => {
  it('is commutative', () => {
    fc.assert(
      fc.property(ledgerPair, ({ left, right }) => {
        expect(serializeLedger(mergeLedgers(left, right))).toBe(serializeLedger(mergeLedgers(right, left)));
      }),
    );
  });

  it('is idempotent: merging a ledger, or a contribution already merged, changes nothing', () => {
    fc.assert(
      fc.property(ledgerPair, ({ left, right }) => {
        expect(serializeLedger(mergeLedgers(left, left))).toBe(serializeLedger(left));
        const merged = mergeLedgers(left, right);
        expect(serializeLedger(mergeLedgers(merged, right))).toBe(serializeLedger(merged));
        expect(serializeLedger(mergeLedgers(merged, left))).toBe(serializeLedger(merged));
      }),
    );
  });

  it('loses no event and counts each event once', () => {
    fc.assert(
      fc.property(
        ledgerPair.filter(({ compacted }) => !compacted),
        ({ left, right, ids }) => {
          const merged = mergeLedgers(left, right);
          for (const [roleArn, eventIds] of ids) {
            expect(count(merged, { kind: 'role', roleArn })).toBe(eventIds.size);
          }
        },
      ),
    );
  });

  it('keeps the newest high-water mark and the union of coverage', () => {
    const early = foldRecords(emptyLedger(ACCOUNT, REGION), [], { read: read(10, 5) });
    const late = foldRecords(emptyLedger(ACCOUNT, REGION), [], { read: read(3) });
    const merged = mergeLedgers(early, late);
    expect(merged.highWaterMark).toBe(NOW.toISOString());
    expect(merged.covered).toHaveLength(2);
  });

  it('refuses to merge ledgers of different account-regions', () => {
    expect(() => mergeLedgers(emptyLedger(ACCOUNT, REGION), emptyLedger(ACCOUNT, 'us-east-1'))).toThrow(
      /different|cannot merge/,
    );
  });
});
