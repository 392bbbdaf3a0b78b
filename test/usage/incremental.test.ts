import { fileURLToPath } from 'node:url';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { runAudit } from '../../shared/audit.js';
import { createClientFactory } from '../../shared/aws/clients.js';
import { loadBaselineFile } from '../../shared/baseline/index.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { usageChecks } from '../../shared/checks/usage/index.js';
import { collectSnapshot } from '../../shared/collect/index.js';
import { type LedgerUpdate, updateLedgers } from '../../shared/collect/usage/incremental.js';
import { type LedgerStore, S3LedgerStore, type StoredLedger } from '../../shared/collect/usage/store.js';
import type { Inventory } from '../../shared/model/inventory.js';
import { normalizeSnapshot } from '../../shared/snapshot/index.js';
import {
  DAY_MS,
  emptyLedger,
  entryKey,
  foldRecords,
  type Ledger,
  serializeLedger,
  tallyCount,
} from '../../shared/usage/ledger.js';
import { ledgerUsageIndex } from '../../shared/usage/ledger-index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const SECURITY = '111122223333';
const WORKLOADS = '222233334444';
const DATA = '333344445555';
const ACCOUNTS = [SECURITY, WORKLOADS, DATA];
const REGIONS = ['eu-west-1', 'us-east-1'];
const BUCKET = 'usage-ledger';
const BASELINE = fileURLToPath(new URL('../../sandbox/scenarios/demo.baseline.yaml', import.meta.url));

let sandbox: SandboxHandle;
let clock: Date;
let prefixCounter = 0;

/** A new nightly process: fresh clients (member sessions expire when the sandbox clock moves on). */
function factory() {
  return createClientFactory({
    region: 'eu-west-1',
    endpointUrl: sandbox.url,
    credentials: sandbox.credentials,
    roleName: 'EksIdentityAuditReadOnly',
    externalId: 'eks-identity-audit-demo',
    maxAttempts: 4,
  });
}

/** A store under a prefix of its own, so tests do not share ledgers. */
function freshStore(gzipAboveBytes?: number): S3LedgerStore {
  prefixCounter += 1;
  return new S3LedgerStore(
    factory().s3(),
    { bucket: BUCKET, prefix: `test-${prefixCounter}` },
    gzipAboveBytes,
  );
}

function night(store: LedgerStore, accounts = ACCOUNTS): Promise<LedgerUpdate[]> {
  return updateLedgers({ factory: factory(), accounts, regions: REGIONS, store, now: new Date(clock) });
}

function lookupCalls(): Record<string, number> {
  const calls = sandbox.calls();
  return Object.fromEntries(
    ACCOUNTS.map((account) => [account, calls[account]?.cloudtrail?.LookupEvents ?? 0]),
  );
}

function totalEvents(ledgers: Ledger[]): number {
  return ledgers.reduce(
    (sum, ledger) =>
      sum +
      Object.values(ledger.entries)
        .filter((entry) => entry.kind === 'role' || entry.kind === 'denied' || entry.kind === 'skipped')
        .reduce((count, entry) => count + tallyCount(entry.tally), 0),
    0,
  );
}

const workloadsLedger = (updates: LedgerUpdate[]) =>
  updates.find((update) => update.accountId === WORKLOADS && update.region === 'eu-west-1')?.ledger ??
  emptyLedger(WORKLOADS, 'eu-west-1');

beforeAll(async () => {
  clock = new Date();
  sandbox = await startSandbox({ port: 0, scenario: 'demo', now: () => new Date(clock) });
  await factory()
    .s3()
    .send(
      new CreateBucketCommand({
        Bucket: BUCKET,
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => {
  sandbox.setFaults([]);
  sandbox.resetCalls();
});

describe('updateLedgers over two nights', () => {
  it('backfills on the first night, then reads only the overlap and counts nothing twice', async () => {
    const store = freshStore();
    const first = await night(store);
    const firstCalls = lookupCalls();
    expect(first.every((update) => update.backfill?.reason === 'first-run' && update.read.complete)).toBe(
      true,
    );
    const workloads = workloadsLedger(first);
    expect(first.find((update) => update.ledger === workloads)?.eventsRead).toBeGreaterThan(100);
    expect(workloads.highWaterMark).toBe(clock.toISOString());

    sandbox.resetCalls();
    clock = new Date(clock.getTime() + DAY_MS);
    const second = await night(store);
    const secondCalls = lookupCalls();
    // One page per lookup attribute (three) per region: the overlap holds no more than a page.
    expect(secondCalls).toEqual({ [SECURITY]: 6, [WORKLOADS]: 6, [DATA]: 6 });
    expect(firstCalls[WORKLOADS]).toBeGreaterThan(secondCalls[WORKLOADS]);
    expect(second.every((update) => update.backfill === undefined)).toBe(true);
    expect(second[0].read.from).toBe(new Date(Date.parse(first[0].read.to) - 60 * 60 * 1000).toISOString());
    expect(totalEvents(second.map((update) => update.ledger))).toBe(
      totalEvents(first.map((update) => update.ledger)),
    );
    expect(workloadsLedger(second).covered).toEqual([{ from: first[0].read.from, to: clock.toISOString() }]);
  });

  it('stores each ledger in S3 under usage/ACCOUNT/REGION/ledger.json and reads it back unchanged', async () => {
    const store = freshStore();
    const [update] = await night(store, [WORKLOADS]);
    const body = sandbox.s3Object(BUCKET, `test-${prefixCounter}/usage/${WORKLOADS}/eu-west-1/ledger.json`);
    expect(body?.toString('utf8')).toBe(serializeLedger(update.ledger));
    const stored = await store.read(WORKLOADS, 'eu-west-1');
    expect(stored.ledger).toEqual(update.ledger);
    expect(stored.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('gzips a large ledger under the same key and reads it back unchanged', async () => {
    const store = freshStore(1024);
    await night(store, [WORKLOADS]);
    const body = sandbox.s3Object(BUCKET, `test-${prefixCounter}/usage/${WORKLOADS}/eu-west-1/ledger.json`);
    expect([body?.[0], body?.[1]]).toEqual([0x1f, 0x8b]);
    const plain = freshStore();
    const [reference] = await night(plain, [WORKLOADS]);
    expect((await store.read(WORKLOADS, 'eu-west-1')).ledger).toEqual(reference.ledger);
  });

  it('replaces a corrupt ledger with a fresh backfill recorded as such, without failing', async () => {
    const store = freshStore();
    const key = `test-${prefixCounter}/usage/${WORKLOADS}/eu-west-1/ledger.json`;
    const s3 = factory().s3();
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: '{"ledgerVersion":1,"entries":[',
        ContentType: 'application/json',
      }),
    );
    const [update] = await night(store, [WORKLOADS]);
    expect(update.backfill).toMatchObject({ reason: 'corrupt' });
    expect(update.backfill?.detail).toContain('not JSON');
    expect(update.ledger.backfills.map((backfill) => backfill.reason)).toEqual(['corrupt']);
    expect((await store.read(WORKLOADS, 'eu-west-1')).ledger?.highWaterMark).toBe(clock.toISOString());
  });
});

/**
 * Holds the first `parties` writes until all of them are waiting: each run has then read the stored
 * ledger and merged, so the runs race exactly as two overlapping nightly runs would.
 */
class BarrierStore implements LedgerStore {
  private readonly waiting: Array<() => void> = [];
  constructor(
    private readonly inner: LedgerStore,
    private parties: number,
  ) {}
  describe(accountId: string, region: string) {
    return this.inner.describe(accountId, region);
  }
  read(accountId: string, region: string): Promise<StoredLedger> {
    return this.inner.read(accountId, region);
  }
  async write(ledger: Ledger, etag: string | undefined) {
    if (this.parties > 0) {
      this.parties -= 1;
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.parties === 0) for (const release of this.waiting) release();
      });
    }
    return this.inner.write(ledger, etag);
  }
}

describe('two concurrent runs against one ledger', () => {
  it('lose no events: one write conflicts, re-reads and merges, and the ledger holds the union', async () => {
    const inner = freshStore();
    const store = new BarrierStore(inner, 2);
    const now = clock.getTime();
    // Disjoint reads so each run has events the other lacks: the last 30 days and the 60 before them.
    const [recent, older] = await Promise.all([
      updateLedgers({
        factory: factory(),
        accounts: [WORKLOADS],
        regions: ['eu-west-1'],
        store,
        now: new Date(now),
        backfillDays: 30,
      }),
      updateLedgers({
        factory: factory(),
        accounts: [WORKLOADS],
        regions: ['eu-west-1'],
        store,
        now: new Date(now - 31 * DAY_MS),
        backfillDays: 59,
      }),
    ]);
    expect([recent[0].writeAttempts, older[0].writeAttempts].sort()).toEqual([1, 2]);
    const [firstWriter, secondWriter] =
      recent[0].writeAttempts === 1 ? [recent[0], older[0]] : [older[0], recent[0]];
    const final = (await inner.read(WORKLOADS, 'eu-west-1')).ledger;
    if (!final) throw new Error('no ledger was written');
    expect(recent[0].eventsRead).toBeGreaterThan(0);
    expect(older[0].eventsRead).toBeGreaterThan(0);
    // Each record lands in exactly one role, denied or skipped entry, so totals count events.
    expect(totalEvents([firstWriter.ledger])).toBe(firstWriter.eventsRead);
    expect(totalEvents([final])).toBe(recent[0].eventsRead + older[0].eventsRead);
    expect(serializeLedger(final)).toBe(serializeLedger(secondWriter.ledger));
    expect(final.covered).toHaveLength(2);
  });
});

describe('usage findings from the ledger', () => {
  let baseline: Baseline;

  beforeAll(async () => {
    baseline = await loadBaselineFile(BASELINE);
  });

  /** A live audit's inventory without the 90-day CloudTrail scan (the ledger replaces it). */
  async function inventoryWithoutTrail(): Promise<Inventory> {
    return normalizeSnapshot(
      await collectSnapshot({
        factory: factory(),
        accounts: ACCOUNTS,
        regions: REGIONS,
        now: new Date(clock),
        cloudTrail: false,
      }),
    );
  }

  function usageFindings(inventory: Inventory, ledgers?: Ledger[]) {
    const result = runAudit({
      inventory,
      baseline,
      checks: usageChecks,
      ...(ledgers ? { usageIndex: (options) => ledgerUsageIndex(ledgers, inventory, options) } : {}),
    });
    return result.findings.map((finding) => ({
      id: finding.id,
      checkId: finding.checkId,
      accountId: finding.accountId,
      message: finding.message,
    }));
  }

  const unusedIn = (findings: ReturnType<typeof usageFindings>, accountId?: string) =>
    findings.filter(
      (finding) =>
        finding.checkId.endsWith('_UNUSED') && (accountId === undefined || finding.accountId === accountId),
    );

  it('are exactly the findings of a full 90-day CloudTrail scan of the demo organization', async () => {
    const scanned = normalizeSnapshot(
      await collectSnapshot({
        factory: factory(),
        accounts: ACCOUNTS,
        regions: REGIONS,
        now: new Date(clock),
      }),
    );
    const expected = usageFindings(scanned);
    const updates = await night(freshStore());
    const actual = usageFindings(
      await inventoryWithoutTrail(),
      updates.map((update) => update.ledger),
    );
    expect(actual).toEqual(expected);
    expect(new Set(actual.map((finding) => finding.checkId))).toEqual(
      new Set(['ROLE_UNUSED', 'PI_ASSOCIATION_UNUSED', 'PI_ASSUME_DENIED', 'UNDECLARED_USAGE']),
    );
  });

  it('claim nothing unused in an account whose CloudTrail answered AccessDenied, and record the gap', async () => {
    sandbox.setFaults([{ account: WORKLOADS, service: 'cloudtrail', accessDenied: true }]);
    const updates = await night(freshStore());
    const workloads = workloadsLedger(updates);
    expect(workloads.highWaterMark).toBeUndefined();
    expect(workloads.gaps).toEqual([
      expect.objectContaining({ to: clock.toISOString(), reason: expect.stringContaining('AccessDenied') }),
    ]);
    sandbox.setFaults([]);
    const inventory = await inventoryWithoutTrail();
    const findings = usageFindings(
      inventory,
      updates.map((update) => update.ledger),
    );
    expect(unusedIn(findings, WORKLOADS)).toEqual([]);
    // Near miss: with CloudTrail readable, the same account has unused findings.
    const clean = await night(freshStore());
    expect(
      unusedIn(
        usageFindings(
          inventory,
          clean.map((update) => update.ledger),
        ),
        WORKLOADS,
      ).length,
    ).toBeGreaterThan(0);
  });

  it('claim nothing unused after a ledger went more than 90 days without an update', async () => {
    const store = freshStore();
    const now = clock.getTime();
    for (const region of REGIONS) {
      for (const accountId of ACCOUNTS) {
        const stale = foldRecords(emptyLedger(accountId, region), [], {
          read: { from: new Date(now - 200 * DAY_MS), to: new Date(now - 120 * DAY_MS), complete: true },
        });
        await store.write(stale, undefined);
      }
    }
    const updates = await night(store);
    expect(
      updates.every((update) => update.backfill?.reason === 'expired' && update.ledger.gaps.length === 1),
    ).toBe(true);
    const findings = usageFindings(
      await inventoryWithoutTrail(),
      updates.map((update) => update.ledger),
    );
    expect(unusedIn(findings)).toEqual([]);
    // Evidence of use still counts across the gap.
    expect(findings.some((finding) => finding.checkId === 'UNDECLARED_USAGE')).toBe(true);
    const entry =
      workloadsLedger(updates).entries[
        entryKey({ kind: 'role', roleArn: `arn:aws:iam::${WORKLOADS}:role/payments-api` })
      ];
    expect(entry?.tally.lastSeen).toBeDefined();
  });
});
