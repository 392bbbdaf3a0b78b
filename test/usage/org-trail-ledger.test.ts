import { describe, expect, it } from 'vitest';
import { type BusyRegion, ModelledCloudTrail } from '../../bench/support/busy-trail.js';
import {
  foldTrailBatch,
  sealTrailDay,
  type TrailObjectSource,
  trailDayPrefix,
  updateFromOrgTrail,
} from '../../shared/collect/usage/org-trail.js';
import { MemoryLedgerStore } from '../../shared/collect/usage/store.js';
import { DAY_MS, type Ledger, normalizeIntervals, tallyCount } from '../../shared/usage/ledger.js';

const ACCOUNT = '444455556666';
const REGION = 'eu-west-1';
const ORG = 'o-busy0example';
const LOCATION = { bucket: 'org-trail', prefix: '', organizationId: ORG };
const NIGHT = Date.parse('2026-11-01T02:00:00.000Z');
const DAY = '2026-10-30';

function trail(perDay: number, historyStart = NIGHT - 200 * DAY_MS) {
  const regions: BusyRegion[] = [{ accountId: ACCOUNT, region: REGION, perDay }];
  let now = NIGHT;
  const model = new ModelledCloudTrail(regions, () => now, historyStart);
  return {
    model,
    source: model.trailSource(ORG),
    at(night: number): Date {
      now = NIGHT + night * DAY_MS;
      return new Date(now);
    },
  };
}

async function dayKeys(source: TrailObjectSource, day = DAY): Promise<string[]> {
  return source.list(trailDayPrefix(LOCATION, ACCOUNT, REGION, day));
}

/** Events each entry counts. */
function counts(ledger: Ledger | undefined): Record<string, number> {
  return Object.fromEntries(
    Object.entries(ledger?.entries ?? {}).map(([key, entry]) => [key, tallyCount(entry.tally)]),
  );
}

async function stored(store: MemoryLedgerStore): Promise<Ledger | undefined> {
  return (await store.read(ACCOUNT, REGION)).ledger;
}

describe('organization-trail batches in the ledger', () => {
  it('count a re-run batch once and read none of its files again', async () => {
    // Prepare
    const { source } = trail(2_000);
    const store = new MemoryLedgerStore();
    const keys = await dayKeys(source);
    const now = new Date(NIGHT);

    // Act
    const first = await foldTrailBatch({ source, keys, store, now });
    const once = counts(await stored(store));
    const again = await foldTrailBatch({ source, keys, store, now });

    // Assess
    expect(first.filesRead).toBe(keys.length);
    expect(again).toMatchObject({ filesRead: 0, filesKnown: keys.length, ledgers: [] });
    expect(counts(await stored(store))).toEqual(once);
    expect(Object.values(once).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(2_000);
  });

  it('count each file once when the same batch and an overlapping one commit at the same time', async () => {
    // Prepare
    const { source } = trail(2_000);
    const keys = await dayKeys(source);
    const now = new Date(NIGHT);
    const alone = new MemoryLedgerStore();
    await foldTrailBatch({ source, keys, store: alone, now });
    const store = new MemoryLedgerStore();

    // Act: the Map retries a batch while its first attempt still runs, beside a batch that shares half its files.
    const half = Math.floor(keys.length / 2);
    await Promise.all([
      foldTrailBatch({ source, keys: keys.slice(0, half + 10), store, now }),
      foldTrailBatch({ source, keys: keys.slice(0, half + 10), store, now }),
      foldTrailBatch({ source, keys: keys.slice(half), store, now }),
    ]);

    // Assess
    const ledger = await stored(store);
    expect(counts(ledger)).toEqual(counts(await stored(alone)));
    expect(
      Object.values(ledger?.trailObjects ?? {})
        .flat()
        .sort(),
    ).toEqual([...keys].sort());
  });

  it('leave an unreadable file unread, and count it once when a later batch reads it', async () => {
    // Prepare
    const { source } = trail(2_000);
    const keys = await dayKeys(source);
    const now = new Date(NIGHT);
    const broken = keys[7];
    const flaky: TrailObjectSource = {
      ...source,
      describe: source.describe,
      list: source.list,
      get: async (key) => {
        if (key === broken)
          throw Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError' });
        return source.get(key);
      },
    };
    const alone = new MemoryLedgerStore();
    await foldTrailBatch({ source, keys, store: alone, now });
    const store = new MemoryLedgerStore();

    // Act
    const failed = await foldTrailBatch({ source: flaky, keys, store, now });
    const retried = await foldTrailBatch({ source, keys, store, now });

    // Assess
    expect(failed.failures).toEqual([{ key: broken, message: expect.stringContaining('InternalError') }]);
    expect(retried).toMatchObject({ filesRead: 1, filesKnown: keys.length - 1 });
    expect(counts(await stored(store))).toEqual(counts(await stored(alone)));
  });

  it('name a file that is not a CloudTrail log file once, in the words of the reader', async () => {
    // Prepare
    const { source } = trail(2_000);
    const keys = await dayKeys(source);
    const truncated: TrailObjectSource = {
      describe: source.describe,
      list: source.list,
      get: async (key) => (key === keys[3] ? new TextEncoder().encode('{"Records": [') : source.get(key)),
    };

    // Act
    const result = await foldTrailBatch({
      source: truncated,
      keys,
      store: new MemoryLedgerStore(),
      now: new Date(NIGHT),
    });

    // Assess
    expect(result.failures).toEqual([{ key: keys[3], message: expect.stringMatching(/: not JSON \(/) }]);
    expect(result.failures[0].message.split(source.describe(keys[3])).length).toBe(2);
  });

  it('keep no event ids, so the ledger a commit rewrites does not grow with the traffic', async () => {
    // Prepare: two accounts with the same workloads, one with ten times the other's traffic.
    const sizes: number[] = [];
    for (const perDay of [5_000, 50_000]) {
      const { source, at } = trail(perDay);
      const store = new MemoryLedgerStore();

      // Act
      await updateFromOrgTrail({
        source,
        location: LOCATION,
        store,
        accounts: [ACCOUNT],
        regions: [REGION],
        now: at(0),
        windowDays: 1,
      });

      // Assess
      const ledger = await stored(store);
      expect(
        Object.values(ledger?.entries ?? {}).every((entry) => Object.keys(entry.tally.recent).length === 0),
      ).toBe(true);
      expect(Object.values(counts(ledger)).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(perDay);
      sizes.push(store.storedBytes(ACCOUNT, REGION));
    }
    expect(sizes[1]).toBeLessThan(sizes[0] * 1.1);
  });
});

describe('organization-trail day folders sealed into coverage', () => {
  it('make one covered span whatever order the folders are sealed in', async () => {
    // Prepare
    const { source, at } = trail(2_000);
    const store = new MemoryLedgerStore();
    const now = at(0);
    const days = ['2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01'];
    for (const day of days) await foldTrailBatch({ source, keys: await dayKeys(source, day), store, now });

    // Act: the folder Map seals its folders in any order.
    for (const day of ['2026-10-31', '2026-10-29', '2026-11-01', '2026-10-30'])
      await sealTrailDay({ store, accountId: ACCOUNT, region: REGION, day, listedAt: now, windowDays: 90 });

    // Assess
    const covered = normalizeIntervals((await stored(store))?.covered ?? []);
    expect(covered).toEqual([{ from: '2026-10-29T00:00:00.000Z', to: '2026-11-01T01:45:00.000Z' }]);
  });

  it('claim no coverage before the trail delivered its first file, on the first night or later', async () => {
    // Prepare: the trail began delivering five days before the first night; the window is ten days.
    const firstFile = NIGHT - 5 * DAY_MS;
    const { source, at } = trail(2_000, firstFile);
    const store = new MemoryLedgerStore();
    const night = (index: number) =>
      updateFromOrgTrail({
        source,
        location: LOCATION,
        store,
        accounts: [ACCOUNT],
        regions: [REGION],
        now: at(index),
        windowDays: 10,
      });

    // Act
    const [first] = await night(0);
    const [second] = await night(1);
    const [third] = await night(2);

    // Assess
    const firstFolder = new Date(firstFile).toISOString().slice(0, 10);
    for (const update of [first, second, third]) {
      const covered = normalizeIntervals(update.ledger?.covered ?? []);
      expect(covered).toHaveLength(1);
      expect(covered[0].from.slice(0, 10) >= firstFolder).toBe(true);
    }
    // Later nights read only the new files: the folders between covered spans are not listed again.
    expect(third.filesRead).toBeLessThanOrEqual(289);
    expect(counts(third.ledger)).not.toEqual(counts(second.ledger));
  });
});
