import { describe, expect, it } from 'vitest';
import {
  loadLedgers,
  lookupEventsCalls,
  summarizeLedgerUpdates,
  updateAccountLedgers,
} from '../../../functions/lib/ledgers.js';
import { type ClientFactory, createClientFactory } from '../../../shared/aws/clients.js';
import { MemoryLedgerStore, type StoredLedger } from '../../../shared/collect/usage/store.js';
import { emptyLedger, foldRecords, type Ledger } from '../../../shared/usage/ledger.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const WORKLOADS = '222233334444';
const DATA = '333344445555';
const NOW = new Date('2026-11-29T02:00:00.000Z');

/** A factory that is never asked to call AWS (no endpoint is reachable from these tests). */
function idleFactory(): ClientFactory {
  return createClientFactory({
    region: 'eu-west-1',
    endpointUrl: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
}

/** A ledger that read the day before NOW completely. */
function readLedger(accountId: string, region: string): Ledger {
  return foldRecords(emptyLedger(accountId, region), [], {
    read: { from: new Date('2026-11-28T02:00:00.000Z'), to: NOW, complete: true },
  });
}

/** A memory store whose reads of one region fail as S3 would when access is denied. */
class DenyingStore extends MemoryLedgerStore {
  constructor(private readonly deniedRegion: string) {
    super();
  }
  override read(accountId: string, region: string): Promise<StoredLedger> {
    if (region === this.deniedRegion) return Promise.reject(new Error('Access Denied'));
    return super.read(accountId, region);
  }
}

describe('loadLedgers', () => {
  it('returns the stored ledgers and lists absent or invalid ones as missing, with the reason', async () => {
    // Prepare
    const store = new MemoryLedgerStore();
    await store.write(readLedger(WORKLOADS, 'eu-west-1'), undefined);
    store.putRaw(DATA, 'eu-west-1', '{"ledgerVersion":1,');

    // Act
    const loaded = await loadLedgers(store, [
      { accountId: WORKLOADS, regions: ['us-east-1', 'eu-west-1'] },
      { accountId: DATA, regions: ['eu-west-1'] },
    ]);

    // Assess
    expect(loaded.ledgers.map((ledger) => `${ledger.accountId}/${ledger.region}`)).toEqual([
      `${WORKLOADS}/eu-west-1`,
    ]);
    expect(loaded.missing).toEqual([
      {
        accountId: WORKLOADS,
        region: 'us-east-1',
        reason: `no ledger at memory:usage/${WORKLOADS}/us-east-1/ledger.json`,
      },
      { accountId: DATA, region: 'eu-west-1', reason: expect.stringContaining('not JSON') },
    ]);
  });

  it('fails rather than judge without a ledger it was refused', async () => {
    const store = new DenyingStore('eu-west-1');
    await expect(loadLedgers(store, [{ accountId: WORKLOADS, regions: ['eu-west-1'] }])).rejects.toThrow(
      'Access Denied',
    );
  });
});

describe('updateAccountLedgers', () => {
  it('commits a stopped read as a coverage gap and reports a failing region without losing the others', async () => {
    // Prepare: the deadline has passed, and us-east-1's ledger cannot be read.
    const store = new DenyingStore('us-east-1');
    const signal = AbortSignal.abort(new Error('stopped 60000 ms before the Lambda time limit'));

    // Act
    const result = await updateAccountLedgers({
      factory: idleFactory(),
      store,
      accountId: WORKLOADS,
      regions: ['us-east-1', 'eu-west-1'],
      now: NOW,
      signal,
    });

    // Assess
    expect(result.failures).toEqual([{ region: 'us-east-1', message: 'Access Denied' }]);
    expect(result.updates.map((update) => update.region)).toEqual(['eu-west-1']);
    const [update] = result.updates;
    expect(update.stopped).toBe('stopped 60000 ms before the Lambda time limit');
    expect(update.read.complete).toBe(false);
    const stored = (await store.read(WORKLOADS, 'eu-west-1')).ledger;
    expect(stored?.highWaterMark).toBeUndefined();
    expect(stored?.gaps).toEqual([
      {
        from: '2026-08-31T02:00:00.000Z',
        to: NOW.toISOString(),
        reason: 'lookups stopped before they finished (stopped 60000 ms before the Lambda time limit)',
      },
    ]);
    expect(summarizeLedgerUpdates(result, 0)).toEqual({
      source: 'ledger',
      lookupEvents: 0,
      eventsRead: 0,
      backfilled: ['eu-west-1'],
      gaps: ['eu-west-1'],
      failed: ['us-east-1'],
    });
  });

  it('keeps an existing ledger readable from its mark when the stop comes before any lookup (near miss: no backfill)', async () => {
    const store = new MemoryLedgerStore();
    await store.write(readLedger(WORKLOADS, 'eu-west-1'), undefined);
    const later = new Date(NOW.getTime() + 86_400_000);

    const result = await updateAccountLedgers({
      factory: idleFactory(),
      store,
      accountId: WORKLOADS,
      regions: ['eu-west-1'],
      now: later,
      signal: AbortSignal.abort(new Error('deadline')),
    });

    const stored = (await store.read(WORKLOADS, 'eu-west-1')).ledger;
    expect(result.updates[0].backfill).toBeUndefined();
    // The mark stays where the last complete read ended, so the next run re-reads the stopped span;
    // the gaps are what no read covered: the new day and the window before the one day read.
    expect(stored?.highWaterMark).toBe(NOW.toISOString());
    expect(stored?.gaps).toEqual([
      {
        from: new Date(later.getTime() - 90 * 86_400_000).toISOString(),
        to: '2026-11-28T02:00:00.000Z',
        reason: expect.stringContaining('deadline'),
      },
      {
        from: NOW.toISOString(),
        to: later.toISOString(),
        reason: expect.stringContaining('deadline'),
      },
    ]);
  });
});

describe('lookupEventsCalls', () => {
  it('counts only the LookupEvents requests of the given account', () => {
    const factory = {
      apiCalls: () => [
        { account: WORKLOADS, service: 'cloudtrail', operation: 'LookupEvents', count: 7 },
        { account: WORKLOADS, service: 'eks', operation: 'ListClusters', count: 2 },
        { account: DATA, service: 'cloudtrail', operation: 'LookupEvents', count: 3 },
      ],
    } as unknown as ClientFactory;
    expect(lookupEventsCalls(factory, WORKLOADS)).toBe(7);
    expect(lookupEventsCalls(factory, '444455556666')).toBe(0);
  });
});
