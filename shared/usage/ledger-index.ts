import { compareText } from '../model/compare.js';
import { accountOfArn } from '../model/identity.js';
import type { Inventory } from '../model/inventory.js';
import type { EvidenceSource } from './evidence.js';
import type {
  Coverage,
  DeniedAttempts,
  UsageIndex,
  UsageIndexOptions,
  UsageSummary,
  WorkloadUsage,
} from './index.js';
import {
  coveredIntervalAt,
  DAY_MS,
  DEFAULT_OVERLAP_MS,
  emptyLedger,
  entryKey,
  foldRecords,
  gapsWithin,
  type Ledger,
  type LedgerEntry,
  type UsageTally,
} from './ledger.js';
import { clustersByIssuer, irsaWorkloads, type WorkloadIdentity, workloadKey } from './workloads.js';

/** Event ids a summary built from a ledger cites at most (the newest ones). */
const MAX_SUMMARY_EVENT_IDS = 50;

export interface LedgerIndexOptions extends UsageIndexOptions {
  /**
   * A recorded gap this close before the window start still makes the coverage incomplete: a gap's
   * edge is not sharp (late delivery, the 90-day retention edge moving while a backfill pages).
   * Default {@link DEFAULT_OVERLAP_MS}.
   */
  gapMarginMs?: number;
}

const SEP = '\u0000';

/** The part of a tally inside `[since, until]`; undefined when nothing falls inside. */
export function summarizeTally(tally: UsageTally, since: number, until: number): UsageSummary | undefined {
  let count = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let firstSeen = '';
  let lastSeen = '';
  const note = (time: number, text: string) => {
    if (time < first) {
      first = time;
      firstSeen = text;
    }
    if (time > last) {
      last = time;
      lastSeen = text;
    }
  };
  const ids: Array<{ id: string; time: number }> = [];
  for (const [eventId, eventTime] of Object.entries(tally.recent)) {
    const time = Date.parse(eventTime);
    if (time < since || time > until) continue;
    count += 1;
    note(time, eventTime);
    ids.push({ id: eventId, time });
  }
  for (const [day, dayCount] of Object.entries(tally.sealed)) {
    const start = Date.parse(`${day}T00:00:00.000Z`);
    const end = start + DAY_MS - 1;
    // Sealed days are counted whole: day precision is all that is kept beyond the dedupe horizon.
    if (end < since || start > until) continue;
    count += dayCount;
    const clippedStart = Math.max(start, since);
    const clippedEnd = Math.min(end, until);
    note(clippedStart, new Date(clippedStart).toISOString());
    note(clippedEnd, new Date(clippedEnd).toISOString());
  }
  if (count === 0) return undefined;
  // Exact first and last sightings replace the day-precision bounds when they fall inside.
  const firstExact = Date.parse(tally.firstSeen);
  if (firstExact >= since && firstExact <= until) firstSeen = tally.firstSeen;
  const lastExact = Date.parse(tally.lastSeen);
  if (lastExact >= since && lastExact <= until) lastSeen = tally.lastSeen;
  for (const ref of tally.latest) {
    const time = Date.parse(ref.eventTime);
    if (time >= since && time <= until && !ids.some((entry) => entry.id === ref.eventId)) {
      ids.push({ id: ref.eventId, time });
    }
  }
  const eventIds = ids
    .sort((a, b) => b.time - a.time || compareText(a.id, b.id))
    .slice(0, MAX_SUMMARY_EVENT_IDS)
    .map((entry) => entry.id)
    .sort(compareText);
  return { count, firstSeen, lastSeen, eventIds, sources: [...tally.sources].sort(compareText) };
}

/** Adds two summaries of one subject seen in different account-regions. */
function combine(a: UsageSummary | undefined, b: UsageSummary | undefined): UsageSummary | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    count: a.count + b.count,
    firstSeen: Date.parse(a.firstSeen) <= Date.parse(b.firstSeen) ? a.firstSeen : b.firstSeen,
    lastSeen: Date.parse(a.lastSeen) >= Date.parse(b.lastSeen) ? a.lastSeen : b.lastSeen,
    eventIds: [...new Set([...a.eventIds, ...b.eventIds])].sort(compareText).slice(0, MAX_SUMMARY_EVENT_IDS),
    sources: [...new Set<EvidenceSource>([...a.sources, ...b.sources])].sort(compareText),
  };
}

/**
 * Judges a ledger's coverage for the window: the covered interval that reaches the ledger's
 * high-water mark, marked incomplete when an unhealed gap lies inside the window or within the
 * margin before its start (so "unused" is never claimed across a gap).
 */
export function ledgerCoverage(
  ledger: Ledger,
  since: number | undefined,
  until: number | undefined,
  gapMarginMs = DEFAULT_OVERLAP_MS,
): Coverage | undefined {
  const { accountId, region } = ledger;
  if (!ledger.highWaterMark) {
    const gap = ledger.gaps[ledger.gaps.length - 1];
    return gap ? { accountId, region, from: gap.to, to: gap.to, complete: false } : undefined;
  }
  const run = coveredIntervalAt(ledger, Date.parse(ledger.highWaterMark));
  if (!run) return undefined;
  // Gaps cannot lie inside the run (they are the unread parts), only before or after it.
  const checkFrom = (since ?? Date.parse(run.from)) - gapMarginMs;
  const checkTo = until ?? Number.POSITIVE_INFINITY;
  const complete = gapsWithin(ledger, checkFrom, checkTo).length === 0;
  return { accountId, region, from: run.from, to: run.to, complete };
}

/**
 * A {@link UsageIndex} served by persisted ledgers: the same questions the in-memory index answers
 * for a snapshot, over the events of the window. IRSA tokens are tied to clusters through the
 * inventory's issuers, as the in-memory index does.
 *
 * @example const usage = ledgerUsageIndex(updates.map((u) => u.ledger), inventory, { since, until });
 */
export function ledgerUsageIndex(
  ledgers: Ledger[],
  inventory: Pick<Inventory, 'clusters'>,
  options: LedgerIndexOptions = {},
): UsageIndex {
  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const until = options.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const byIssuer = clustersByIssuer(inventory.clusters);

  const summaries = new Map<string, UsageSummary>();
  const entriesByKey = new Map<string, LedgerEntry>();
  const denied = new Map<
    string,
    {
      accountId: string;
      region: string;
      clusterName: string;
      summary: UsageSummary;
      callers: Set<string>;
      codes: Set<string>;
    }
  >();
  const skipped: Record<string, number> = {};
  for (const ledger of ledgers) {
    for (const entry of Object.values(ledger.entries)) {
      const summary = summarizeTally(entry.tally, since, until);
      if (!summary) continue;
      if (entry.kind === 'skipped') {
        skipped[entry.reason] = (skipped[entry.reason] ?? 0) + summary.count;
        continue;
      }
      if (entry.kind === 'denied') {
        const key = [ledger.accountId, ledger.region, entry.clusterName].join(SEP);
        const existing = denied.get(key) ?? {
          accountId: ledger.accountId,
          region: ledger.region,
          clusterName: entry.clusterName,
          summary,
          callers: new Set<string>(),
          codes: new Set<string>(),
        };
        if (denied.has(key)) existing.summary = combine(existing.summary, summary) ?? summary;
        if (entry.callerArn) existing.callers.add(entry.callerArn);
        existing.codes.add(entry.errorCode);
        denied.set(key, existing);
        continue;
      }
      const key = entryKey(entry);
      summaries.set(key, combine(summaries.get(key), summary) ?? summary);
      if (!entriesByKey.has(key)) entriesByKey.set(key, entry);
    }
  }

  const workloadList: WorkloadUsage[] = [];
  const workloadSummaries = new Map<string, { workload: WorkloadIdentity; usage: UsageSummary }>();
  const addWorkload = (workload: WorkloadIdentity, usage: UsageSummary) => {
    const key = workloadKey(workload);
    const existing = workloadSummaries.get(key);
    workloadSummaries.set(key, { workload, usage: combine(existing?.usage, usage) ?? usage });
  };
  for (const [key, entry] of entriesByKey) {
    const usage = summaries.get(key);
    if (!usage) continue;
    if (entry.kind === 'pod-identity') {
      const { accountId, region, clusterName, namespace, serviceAccount, roleArn } = entry;
      addWorkload(
        { via: 'pod-identity', accountId, region, clusterName, namespace, serviceAccount, roleArn },
        usage,
      );
    } else if (entry.kind === 'irsa') {
      const { issuerHostPath, namespace, serviceAccount, roleArn } = entry;
      const accountId = accountOfArn(roleArn) ?? '';
      const subject = { issuerHostPath, namespace, serviceAccount, roleArn };
      for (const workload of irsaWorkloads(byIssuer, subject, { accountId, region: '' })) {
        addWorkload(workload, usage);
      }
    }
  }
  for (const [, value] of [...workloadSummaries.entries()].sort(([a], [b]) => compareText(a, b))) {
    workloadList.push({ ...value.workload, usage: value.usage });
  }

  const deniedList: DeniedAttempts[] = [...denied.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([, entry]) => ({
      accountId: entry.accountId,
      region: entry.region,
      clusterName: entry.clusterName,
      count: entry.summary.count,
      firstSeen: entry.summary.firstSeen,
      lastSeen: entry.summary.lastSeen,
      callers: [...entry.callers].sort(compareText),
      errorCodes: [...entry.codes].sort(compareText),
      eventIds: entry.summary.eventIds,
    }));

  const coverageByKey = new Map<string, Coverage>();
  for (const ledger of ledgers) {
    const coverage = ledgerCoverage(
      ledger,
      options.since?.getTime(),
      options.until?.getTime(),
      options.gapMarginMs,
    );
    if (coverage) coverageByKey.set(`${ledger.accountId}/${ledger.region}`, coverage);
  }
  const coverageList = [...coverageByKey.entries()].sort(([a], [b]) => compareText(a, b)).map(([, c]) => c);
  const get = (subject: Parameters<typeof entryKey>[0]) => summaries.get(entryKey(subject));

  return {
    roleUsage: (roleArn) => get({ kind: 'role', roleArn }),
    podIdentityUsage: (accountId, region, clusterName, namespace, serviceAccount, roleArn) =>
      get({ kind: 'pod-identity', accountId, region, clusterName, namespace, serviceAccount, roleArn }),
    untaggedPodIdentityUsage: (roleArn) => get({ kind: 'pod-identity-untagged', roleArn }),
    irsaUsage: (issuerHostPath, namespace, serviceAccount, roleArn) =>
      get({ kind: 'irsa', issuerHostPath, namespace, serviceAccount, roleArn }),
    workloads: () => workloadList,
    deniedAttempts: () => deniedList,
    coverage: (accountId, region) => coverageByKey.get(`${accountId}/${region}`),
    coverages: () => coverageList,
    skipped,
  };
}

/**
 * Folds a snapshot's CloudTrail windows into in-memory ledgers, one per account-region: a window
 * collected with errors becomes a gap, a complete one coverage.
 *
 * @example const usage = ledgerUsageIndex(ledgersFromInventory(inventory), inventory, { since, until });
 */
export function ledgersFromInventory(inventory: Pick<Inventory, 'cloudTrail'>): Ledger[] {
  return inventory.cloudTrail.map((window) =>
    foldRecords(emptyLedger(window.accountId, window.region), window.events, {
      read: {
        from: new Date(window.from),
        to: new Date(window.to),
        complete: window.complete,
        ...(window.complete ? {} : { reason: 'CloudTrail collection of the snapshot recorded errors' }),
      },
    }),
  );
}
