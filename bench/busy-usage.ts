/**
 * Busy-account usage benchmark: an organization where a few accounts carry most of the traffic
 * (default 20 accounts, 2 of them at 100,000 workload-identity records a day), run night after
 * night with each usage source, showing how many nights pass until usage is known everywhere and
 * what each night costs.
 *
 *   npm run bench -- busy-usage [--accounts 20] [--busy 2] [--busy-per-day 100000] [--quiet-per-day 40]
 *                               [--nights 4] [--deadline-minutes 14] [--trail-window-days 7]
 *                               [--sources lookup,org-trail]
 *
 * The CloudTrail is modelled (bench/support/busy-trail.ts): records generated on demand from the
 * organization model's record shapes, LookupEvents answered in process with CloudTrail's paging and
 * ordering, log files served as the organization trail delivers them. The real code runs on it:
 * resumable lookups (`updateLedger`) with the real token bucket at 2 requests/s on an instant clock
 * (the rate is modelled, no real time passes) and the calls a 14-minute deadline allows per
 * account-region and night (a 15-minute Lambda with its early-timeout margin); the organization
 * trail path (`updateFromOrgTrail`) over the same records. Ledgers live in memory.
 */
import { parseArgs } from 'node:util';
import type { Clock } from '../shared/clock.js';
import { CloudTrailRateLimiters } from '../shared/collect/pacing.js';
import { LOOKUP_EVENTS_PER_SECOND } from '../shared/collect/rate-limit.js';
import { updateLedger } from '../shared/collect/usage/incremental.js';
import { updateFromOrgTrail } from '../shared/collect/usage/org-trail.js';
import { MemoryLedgerStore } from '../shared/collect/usage/store.js';
import { backfillSummary } from '../shared/usage/backfill.js';
import { DAY_MS, type Ledger } from '../shared/usage/ledger.js';
import { type BusyRegion, ModelledCloudTrail } from './support/busy-trail.js';
import { recordBenchmarkResult, target } from './support/results.js';

const REGION = 'eu-west-1';
const ORG = 'o-bench0busy01';
const FIRST_NIGHT = Date.parse('2026-11-01T02:00:00.000Z');
const PAGE = 50;

/** A memory store that counts what is written: a commit's cost is the whole ledger it writes. */
class MeasuredLedgerStore extends MemoryLedgerStore {
  writes = 0;
  bytesWritten = 0;

  override async write(ledger: Ledger, expectedEtag: string | undefined): Promise<{ etag: string }> {
    const written = await super.write(ledger, expectedEtag);
    this.writes += 1;
    this.bytesWritten += this.storedBytes(ledger.accountId, ledger.region);
    return written;
  }
}

/** A clock whose waits return at once, moving its time on: the pacing is counted, not waited for. */
function instantClock(start: number): Clock {
  let time = start;
  return {
    now: () => time,
    sleep: async (ms) => {
      time += Math.max(0, ms);
    },
  };
}

function accountId(index: number): string {
  return String(600000000000 + index * 1_111);
}

function format(value: number): string {
  return value.toLocaleString('en-US');
}

/** LookupEvents pages a day of history costs: each of the three lookups pages its own share. */
function pagesPerDay(perDay: number): number {
  // Records cycle eks-auth, Pod Identity AssumeRole, then three IRSA (bench/support/busy-trail.ts).
  return (
    Math.ceil((perDay * 1) / 5 / PAGE) +
    Math.ceil((perDay * 1) / 5 / PAGE) +
    Math.ceil((perDay * 3) / 5 / PAGE)
  );
}

/** Nights until a region at `perDay` is known with resumable lookups (see shared/usage/backfill.ts). */
function predictedNights(perDay: number, callsPerNight: number, windowDays: number): number | null {
  const historyPerNight = callsPerNight / pagesPerDay(perDay);
  return historyPerNight <= 1 ? null : Math.ceil(windowDays / historyPerNight);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args,
    options: {
      accounts: { type: 'string', default: '20' },
      busy: { type: 'string', default: '2' },
      'busy-per-day': { type: 'string', default: '100000' },
      'quiet-per-day': { type: 'string', default: '40' },
      nights: { type: 'string', default: '4' },
      'deadline-minutes': { type: 'string', default: '14' },
      'window-days': { type: 'string', default: '90' },
      'trail-window-days': { type: 'string', default: '7' },
      // One source alone: the organization trail's figures without the lookups' minutes, or the reverse.
      sources: { type: 'string', default: 'lookup,org-trail' },
    },
  });
  const accounts = Number(values.accounts);
  const busyCount = Number(values.busy);
  const busyPerDay = Number(values['busy-per-day']);
  const quietPerDay = Number(values['quiet-per-day']);
  const nights = Number(values.nights);
  const deadlineMs = Number(values['deadline-minutes']) * 60_000;
  const windowDays = Number(values['window-days']);
  const trailWindowDays = Number(values['trail-window-days']);
  const callsPerNight = Math.floor((deadlineMs / 1000) * LOOKUP_EVENTS_PER_SECOND);
  const sources = new Set(values.sources.split(',').map((source) => source.trim()));
  const unknownSource = [...sources].find((source) => source !== 'lookup' && source !== 'org-trail');
  if (unknownSource !== undefined || sources.size === 0)
    throw new Error(`--sources: expected lookup, org-trail or both, got "${values.sources}"`);

  const regions: BusyRegion[] = Array.from({ length: accounts }, (_, index) => ({
    accountId: accountId(index),
    region: REGION,
    perDay: index < busyCount ? busyPerDay : quietPerDay,
  }));
  const scopes = regions.map((region) => ({ accountId: region.accountId, regions: [REGION] }));
  const busyKey = `${regions[0].accountId}/${REGION}`;

  // Resumable lookups, night after night.
  let now = FIRST_NIGHT;
  const lookupTrail = new ModelledCloudTrail(regions, () => now, FIRST_NIGHT - 200 * DAY_MS);
  const lookupStore = new MemoryLedgerStore();
  const lookupRows: string[][] = [];
  let lookupKnownAt: number | undefined;
  let firstEstimate: string | undefined;
  for (let night = 0; sources.has('lookup') && night < nights; night += 1) {
    now = FIRST_NIGHT + night * DAY_MS;
    const before = new Map(lookupTrail.lookupCalls);
    const started = performance.now();
    const ledgers: Ledger[] = [];
    for (const region of regions) {
      // Each account-region has its own Lambda-sized night: its own bucket on an instant clock, and
      // the calls its deadline allows at 2 requests/s.
      const update = await updateLedger({
        factory: lookupTrail.factory(),
        store: lookupStore,
        accountId: region.accountId,
        region: REGION,
        now: new Date(now),
        backfillDays: windowDays,
        limiters: new CloudTrailRateLimiters(undefined, instantClock(now)),
        maxLookupCalls: callsPerNight,
      });
      ledgers.push(update.ledger);
    }
    const calls = [...lookupTrail.lookupCalls.entries()].reduce(
      (sum, [key, count]) => sum + count - (before.get(key) ?? 0),
      0,
    );
    const busyCalls = (lookupTrail.lookupCalls.get(busyKey) ?? 0) - (before.get(busyKey) ?? 0);
    const summary = backfillSummary(ledgers, scopes, new Date(now), { windowDays, source: 'lookup' });
    if (night === 0) firstEstimate = summary.text;
    if (summary.known === summary.total && lookupKnownAt === undefined) lookupKnownAt = night + 1;
    lookupRows.push([
      String(night + 1),
      format(calls),
      format(busyCalls),
      `${summary.known} of ${summary.total}`,
      `${summary.percentDone}%`,
      summary.text.replace(/^usage known for .*? done, /, ''),
      ((performance.now() - started) / 1000).toFixed(1),
    ]);
    process.stdout.write(`lookup night ${night + 1}: ${format(calls)} LookupEvents calls; ${summary.text}\n`);
  }

  // The organization trail, night after night, over its own window.
  now = FIRST_NIGHT;
  const trailModel = new ModelledCloudTrail(regions, () => now, FIRST_NIGHT - 200 * DAY_MS);
  const trailStore = new MeasuredLedgerStore();
  const source = trailModel.trailSource(ORG);
  const trailRows: string[][] = [];
  let trailKnownAt: number | undefined;
  let busyFilesPerDay = 0;
  for (let night = 0; sources.has('org-trail') && night < Math.min(nights, 3); night += 1) {
    now = FIRST_NIGHT + night * DAY_MS;
    const served = new Map(trailModel.filesServed);
    const { writes, bytesWritten } = trailStore;
    const started = performance.now();
    const updates = await updateFromOrgTrail({
      source,
      location: { bucket: 'org-trail', prefix: '', organizationId: ORG },
      store: trailStore,
      accounts: regions.map((region) => region.accountId),
      regions: [REGION],
      now: new Date(now),
      windowDays: trailWindowDays,
    });
    const ledgers = updates.flatMap((update) => (update.ledger ? [update.ledger] : []));
    const files = updates.reduce((sum, update) => sum + update.filesRead, 0);
    const busyFiles = (trailModel.filesServed.get(busyKey) ?? 0) - (served.get(busyKey) ?? 0);
    if (night === 1) busyFilesPerDay = busyFiles;
    const summary = backfillSummary(ledgers, scopes, new Date(now), {
      windowDays: trailWindowDays,
      source: 'org-trail',
    });
    if (summary.known === summary.total && trailKnownAt === undefined) trailKnownAt = night + 1;
    trailRows.push([
      String(night + 1),
      format(
        trailModel.lookupCalls.size === 0
          ? 0
          : [...trailModel.lookupCalls.values()].reduce((a, b) => a + b, 0),
      ),
      format(files),
      format(busyFiles),
      `${summary.known} of ${summary.total}`,
      `${summary.percentDone}%`,
      format(trailStore.writes - writes),
      ((trailStore.bytesWritten - bytesWritten) / 1024 / 1024).toFixed(1),
      (trailStore.storedBytes(regions[0].accountId, REGION) / 1024).toFixed(0),
      ((performance.now() - started) / 1000).toFixed(1),
    ]);
    process.stdout.write(`org-trail night ${night + 1}: ${format(files)} log files read; ${summary.text}\n`);
  }

  const busyPages = pagesPerDay(busyPerDay);
  const predicted = predictedNights(busyPerDay, callsPerNight, windowDays);
  const rates = [10_000, 40_000, 70_000, 80_000, 100_000, 140_000];
  recordBenchmarkResult({
    benchmark: 'busy-usage',
    arguments: args,
    tables: [
      {
        source: 'lookup',
        title: `Resumable lookups: ${accounts} accounts, ${busyCount} at ${format(busyPerDay)} records a day, ${windowDays}-day window`,
        columns: [
          'night',
          'LookupEvents calls (all)',
          'calls, one busy region',
          'usage known',
          'backfill done',
          'estimate',
          'seconds (real)',
        ],
        rows: lookupRows,
        notes: [
          `Modelled CloudTrail, instant pacing: ${LOOKUP_EVENTS_PER_SECOND} requests/s per account-region by the real token bucket on a clock that does not wait, a ${values['deadline-minutes']}-minute night per account-region (${format(callsPerNight)} calls, the budget the run stops at).`,
          `A busy region's day of history costs ${format(busyPages)} pages (three lookups, 50 records a page): more than a night's ${format(callsPerNight)} calls, so it never catches up (${predicted === null ? 'the estimate says so' : `about ${predicted} nights`}).`,
          `Estimate after night 1: "${firstEstimate ?? ''}".`,
          lookupKnownAt
            ? `Usage known everywhere after night ${lookupKnownAt}.`
            : `Usage not known everywhere within ${nights} nights.`,
        ],
      },
      {
        source: 'org-trail',
        title: `Organization trail: the same organization, ${trailWindowDays}-day window`,
        columns: [
          'night',
          'LookupEvents calls',
          'log files read (all)',
          'log files, one busy region',
          'usage known',
          'covered',
          'ledger writes',
          'MiB written',
          'busy ledger (KiB stored)',
          'seconds (real)',
        ],
        rows: trailRows,
        notes: [
          'One log file per account-region and five-minute delivery that holds a record (288 a day for a busy region); the first night reads every file of the window, later nights only the files delivered since (per-object progress).',
          `A ${windowDays}-day first night reads ${format(windowDays * 288)} files of a busy region, ${format(windowDays * Math.min(288, quietPerDay))} at most of a quiet one; after that about ${format(busyFilesPerDay || 288)} a night.`,
          trailKnownAt
            ? `Usage known everywhere after night ${trailKnownAt}.`
            : 'Usage not known everywhere.',
        ],
      },
      {
        source: 'lookup',
        title: `Nights until a region is known with resumable lookups (${windowDays}-day window, ${format(callsPerNight)} calls a night)`,
        columns: ['records a day', 'pages per day of history', 'days of history per night', 'nights'],
        rows: rates.map((rate) => {
          const nightsNeeded = predictedNights(rate, callsPerNight, windowDays);
          return [
            format(rate),
            format(pagesPerDay(rate)),
            (callsPerNight / pagesPerDay(rate)).toFixed(2),
            nightsNeeded === null ? 'never (a night reads less than a day adds)' : String(nightsNeeded),
          ];
        }),
        notes: [
          'Each night reads the new day first and then further back; the unread part of the window shrinks by the history a night reads (the window moves a day, the day it drops was unread).',
        ],
      },
    ]
      .filter((table) => sources.has(table.source))
      .map(({ source: _source, ...table }) => table),
    targets: sources.has('org-trail')
      ? [
          target(
            'organization trail: nights until usage is known everywhere',
            trailKnownAt ?? Number.POSITIVE_INFINITY,
            1,
            { unit: 'nights' },
          ),
        ]
      : [],
  });
}

await main();
