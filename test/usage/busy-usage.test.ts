import { describe, expect, it } from 'vitest';
import { type BusyRegion, ModelledCloudTrail } from '../../bench/support/busy-trail.js';
import { VirtualClock } from '../../shared/clock.js';
import { CloudTrailRateLimiters } from '../../shared/collect/pacing.js';
import { type LedgerUpdate, updateLedger } from '../../shared/collect/usage/incremental.js';
import { updateFromOrgTrail } from '../../shared/collect/usage/org-trail.js';
import { MemoryLedgerStore } from '../../shared/collect/usage/store.js';
import { backfillSummary } from '../../shared/usage/backfill.js';
import { DAY_MS, entryKey, type Ledger, normalizeIntervals, tallyCount } from '../../shared/usage/ledger.js';
import { wholeDayCounts } from '../support/ledger-days.js';
import { deadlineAfter } from '../support/time.js';

const BUSY = '444455556666';
const QUIET = '555566667777';
const REGION = 'eu-west-1';
const WINDOW_DAYS = 30;
const ORG = 'o-busy0example';
/** The organization-trail tests read a shorter window: every file of it is read on the first night. */
const TRAIL_WINDOW_DAYS = 10;
/** The first night; the traffic began well before the window. */
const FIRST_NIGHT = Date.parse('2026-11-01T02:00:00.000Z');

/**
 * A busy account-region (2,000 records a day: 40 LookupEvents pages a day of history) and a quiet
 * one, on a modelled CloudTrail whose 2 requests/s are kept by the real token bucket on a virtual
 * clock; a night has a 60-second deadline (120 pages), so the busy window takes several nights.
 */
function organization() {
  const regions: BusyRegion[] = [
    { accountId: BUSY, region: REGION, perDay: 2_000 },
    { accountId: QUIET, region: REGION, perDay: 40 },
  ];
  let now = FIRST_NIGHT;
  const trail = new ModelledCloudTrail(regions, () => now, FIRST_NIGHT - 200 * DAY_MS);
  return {
    trail,
    store: new MemoryLedgerStore(),
    at: (night: number) => {
      now = FIRST_NIGHT + night * DAY_MS;
      return new Date(now);
    },
  };
}

async function lookupNight(
  org: ReturnType<typeof organization>,
  night: number,
  accountId: string,
): Promise<LedgerUpdate> {
  const now = org.at(night);
  const clock = new VirtualClock(now.getTime());
  const deadline = deadlineAfter(60_000, clock);
  try {
    return await updateLedger({
      factory: org.trail.factory(),
      store: org.store,
      accountId,
      region: REGION,
      now,
      backfillDays: WINDOW_DAYS,
      limiters: new CloudTrailRateLimiters(undefined, clock),
      signal: deadline.signal,
    });
  } finally {
    deadline.cancel();
  }
}

function coveredMs(ledger: Ledger): number {
  return normalizeIntervals(ledger.covered).reduce(
    (sum, interval) => sum + Date.parse(interval.to) - Date.parse(interval.from),
    0,
  );
}

/** Events of one workload's role the ledger counts (sealed per day and recent ids). */
function roleEvents(ledger: Ledger, workload: number): number {
  const entry =
    ledger.entries[entryKey({ kind: 'role', roleArn: `arn:aws:iam::${BUSY}:role/busy-${workload}` })];
  return entry ? tallyCount(entry.tally) : 0;
}

describe('usage for a busy account through resumable lookups', () => {
  it('becomes known within the nights predicted after the first, and no night loses what it read', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const org = organization();

    // Act: the first night reads what 120 pages reach, newest first, and stops at the deadline.
    const first = await lookupNight(org, 0, BUSY);
    const afterFirst = backfillSummary([first.ledger], [{ accountId: BUSY, regions: [REGION] }], org.at(0), {
      windowDays: WINDOW_DAYS,
    });

    // Assess: partial coverage ending now is kept; only the older, unread part is a gap.
    expect(first.stopped).toBeDefined();
    expect(first.lookupCalls).toBe(120);
    expect(first.ledger.highWaterMark).toBe(org.at(0).toISOString());
    expect(first.ledger.covered).toHaveLength(1);
    expect(Date.parse(first.ledger.covered[0].from)).toBeGreaterThan(FIRST_NIGHT - WINDOW_DAYS * DAY_MS);
    expect(first.ledger.gaps).toEqual([
      expect.objectContaining({
        from: new Date(FIRST_NIGHT - WINDOW_DAYS * DAY_MS).toISOString(),
        to: first.ledger.covered[0].from,
      }),
    ]);
    expect(afterFirst.known).toBe(0);
    const predicted = afterFirst.nightsLeft;
    expect(predicted).toBeGreaterThanOrEqual(3);
    expect(afterFirst.text).toMatch(
      new RegExp(
        `^usage known for 0 of 1 account-regions, backfill \\d+(\\.\\d)?% done, done in about ${predicted} nights$`,
      ),
    );

    // Act: later nights continue where the previous one stopped, until usage is known.
    let ledger = first.ledger;
    let nights = 1;
    for (; nights <= (predicted as number) + 1; nights += 1) {
      const before = {
        covered: coveredMs(ledger),
        events: roleEvents(ledger, 3),
        mark: ledger.highWaterMark,
      };
      const update = await lookupNight(org, nights, BUSY);
      // Nothing read before is lost: coverage and counted events only grow.
      expect(coveredMs(update.ledger)).toBeGreaterThanOrEqual(before.covered);
      expect(roleEvents(update.ledger, 3)).toBeGreaterThanOrEqual(before.events);
      expect(Date.parse(update.ledger.highWaterMark ?? '')).toBeGreaterThan(Date.parse(before.mark ?? ''));
      ledger = update.ledger;
      const summary = backfillSummary([ledger], [{ accountId: BUSY, regions: [REGION] }], org.at(nights), {
        windowDays: WINDOW_DAYS,
      });
      if (summary.known === 1) break;
    }

    // Assess: known within the prediction, with every event of the window counted once.
    expect(nights).toBeLessThanOrEqual(predicted as number);
    expect(ledger.gaps).toEqual([]);
    const windowStart = Date.parse(ledger.covered[0].from);
    expect(windowStart).toBeLessThanOrEqual(org.at(nights).getTime() - WINDOW_DAYS * DAY_MS);
    // Workload 3's role is assumed by IRSA records only (index ≡ 3 mod 10): every one from the first
    // covered instant to the last night's end, each counted once although its day was read in parts.
    const intervalMs = DAY_MS / 2_000;
    const origin = FIRST_NIGHT - 200 * DAY_MS;
    const expected = Array.from(
      { length: Math.ceil((org.at(nights).getTime() - origin) / intervalMs) + 1 },
      (_, i) => i,
    )
      .filter((i) => i % 10 === 3)
      .map((i) => Math.floor((origin + (i + 0.5) * intervalMs) / 1000) * 1000)
      .filter((time) => time >= windowStart && time <= org.at(nights).getTime()).length;
    expect(roleEvents(ledger, 3)).toBe(expected);
  });

  it('says a region cannot catch up when a night reads less history than a day adds', async () => {
    // Prepare: 20,000 records a day are 400 pages a day of history; a night makes 120 requests.
    const org = organization();
    const heavy = new ModelledCloudTrail(
      [{ accountId: BUSY, region: REGION, perDay: 20_000 }],
      () => org.at(0).getTime(),
      FIRST_NIGHT - 200 * DAY_MS,
    );

    // Act
    const clock = new VirtualClock(FIRST_NIGHT);
    const deadline = deadlineAfter(60_000, clock);
    const update = await updateLedger({
      factory: heavy.factory(),
      store: org.store,
      accountId: BUSY,
      region: REGION,
      now: org.at(0),
      backfillDays: WINDOW_DAYS,
      limiters: new CloudTrailRateLimiters(undefined, clock),
      signal: deadline.signal,
    });
    deadline.cancel();
    const summary = backfillSummary([update.ledger], [{ accountId: BUSY, regions: [REGION] }], org.at(0), {
      windowDays: WINDOW_DAYS,
    });

    // Assess
    expect(summary.nightsLeft).toBeNull();
    expect(summary.cannotCatchUp).toEqual([`${BUSY}/${REGION}`]);
    expect(summary.text).toContain('cannot catch up at their rate');
  });
});

describe('usage for a busy account through the organization trail', () => {
  it('is known after the first night, reads no LookupEvents and, on later nights, only the new files', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const org = organization();
    const source = org.trail.trailSource(ORG);
    const night = (index: number) =>
      updateFromOrgTrail({
        source,
        location: { bucket: 'org-trail', prefix: '', organizationId: ORG },
        store: org.store,
        accounts: [BUSY, QUIET],
        regions: [REGION],
        now: org.at(index),
        windowDays: TRAIL_WINDOW_DAYS,
      });

    // Act
    const first = await night(0);
    const filesFirst = org.trail.filesServed.get(`${BUSY}/${REGION}`) ?? 0;
    const second = await night(1);
    const filesSecond = (org.trail.filesServed.get(`${BUSY}/${REGION}`) ?? 0) - filesFirst;

    // Assess
    const ledgers = second.map((update) => update.ledger as Ledger);
    const summary = backfillSummary(
      ledgers,
      [
        { accountId: BUSY, regions: [REGION] },
        { accountId: QUIET, regions: [REGION] },
      ],
      org.at(1),
      { windowDays: TRAIL_WINDOW_DAYS },
    );
    expect(
      backfillSummary(
        first.map((update) => update.ledger as Ledger),
        [{ accountId: BUSY, regions: [REGION] }],
        org.at(0),
        { windowDays: TRAIL_WINDOW_DAYS },
      ).known,
    ).toBe(1);
    expect(summary.known).toBe(2);
    expect(org.trail.lookupCalls.size).toBe(0);
    // 288 deliveries a day: the first night reads the window's files, the second about one day's.
    expect(filesFirst).toBeGreaterThanOrEqual(TRAIL_WINDOW_DAYS * 288);
    expect(filesSecond).toBeGreaterThanOrEqual(288);
    expect(filesSecond).toBeLessThanOrEqual(289);
    expect(second.find((update) => update.accountId === BUSY)?.filesKnown).toBeGreaterThan(0);
  });

  it('folds the same evidence as the lookups for the same history', async () => {
    // Prepare
    const org = organization();
    const trailStore = new MemoryLedgerStore();
    const now = org.at(0);

    // Act
    const clock = new VirtualClock(now.getTime());
    const lookup = await updateLedger({
      factory: org.trail.factory(),
      store: org.store,
      accountId: QUIET,
      region: REGION,
      now,
      backfillDays: WINDOW_DAYS,
      limiters: new CloudTrailRateLimiters(undefined, clock),
    });
    const [trail] = await updateFromOrgTrail({
      source: org.trail.trailSource(ORG),
      location: { bucket: 'org-trail', prefix: '', organizationId: ORG },
      store: trailStore,
      accounts: [QUIET],
      regions: [REGION],
      now,
      windowDays: WINDOW_DAYS,
    });

    // Assess: within the whole days the trail covers, the entries agree day by day.
    const trailLedger = trail.ledger as Ledger;
    const from = trailLedger.covered[0].from;
    const to = trailLedger.covered[trailLedger.covered.length - 1].to;
    expect(Object.keys(trailLedger.entries).sort()).toEqual(Object.keys(lookup.ledger.entries).sort());
    const days = wholeDayCounts(trailLedger, from, to);
    expect(Object.values(days).some((entry) => Object.keys(entry).length >= WINDOW_DAYS - 2)).toBe(true);
    expect(days).toEqual(wholeDayCounts(lookup.ledger, from, to));
  });
});
