import { z } from 'zod';
import { compareText } from '../model/compare.js';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../model/identity.js';
import type { CloudTrailEventRecord } from '../model/inventory.js';
import { type EvidenceSource, isEvidence, parseEvidence } from './evidence.js';

/**
 * The usage ledger of one account-region: what CloudTrail showed about workload identities, kept
 * between runs so each run reads only what is new (issue "usage evidence at scale").
 *
 * Merging is a join: commutative and idempotent (min/max of times, union of event ids, max of
 * per-day counts), so two runs that update one ledger concurrently never lose each other's events.
 */

/** The schema version written as `ledgerVersion`. */
const LEDGER_VERSION = 1;

export const DAY_MS = 86_400_000;

/**
 * How far back each run re-reads before the high-water mark. CloudTrail usually delivers an event
 * within about 15 minutes but does not guarantee it; one hour gives a fourfold margin and costs,
 * per lookup, usually a single extra page whose events the dedupe discards.
 */
export const DEFAULT_OVERLAP_MS = 60 * 60 * 1000;

/**
 * How long event ids are kept for deduplication, behind the high-water mark. A run re-reads at most
 * the overlap before the mark it started from, so ids older than the overlap plus the longest run
 * (two days leaves room for a run that stalls) can never be read twice; older events are kept as
 * per-day counts only.
 */
const DEDUPE_HORIZON_MS = 2 * DAY_MS;

/** Per-day counts, coverage and gaps older than this are dropped (IAM RoleLastUsed spans 400 days too). */
const LEDGER_RETENTION_DAYS = 400;

/** Event ids kept per entry as evidence for findings. */
const LATEST_EVENT_IDS = 5;
/** Backfill records kept (newest). */
const BACKFILLS_KEPT = 10;

/** One event id cited as evidence. */
interface LedgerEventRef {
  eventId: string;
  eventTime: string;
}

/** How often and when something was seen, deduplicated by event id. */
export interface UsageTally {
  firstSeen: string;
  lastSeen: string;
  /**
   * Counts per UTC day (`YYYY-MM-DD`) of the events not kept by id: those older than the ledger's
   * `sealedBefore`, and those read from organization trail log files (de-duplicated by file, see
   * {@link addCountedEvents}).
   */
  sealed: Record<string, number>;
  /** Events at or after `sealedBefore`: event id → event time (the dedupe set). */
  recent: Record<string, string>;
  /** The newest event ids, newest first. */
  latest: LedgerEventRef[];
  sources: EvidenceSource[];
}

/** What a ledger entry counts. */
export type LedgerSubject =
  | { kind: 'role'; roleArn: string }
  | {
      kind: 'pod-identity';
      /** The cluster's account and region (from `eks-cluster-arn`). */
      accountId: string;
      region: string;
      clusterName: string;
      namespace: string;
      serviceAccount: string;
      roleArn: string;
    }
  | { kind: 'pod-identity-untagged'; roleArn: string }
  | { kind: 'irsa'; issuerHostPath: string; namespace: string; serviceAccount: string; roleArn: string }
  | { kind: 'denied'; clusterName: string; callerArn: string; errorCode: string }
  | { kind: 'skipped'; reason: string };

export type LedgerEntry = LedgerSubject & { tally: UsageTally };

/** A time interval `[from, to]` in ISO-8601. */
interface LedgerInterval {
  from: string;
  to: string;
}

/** A span that could not be read: usage there is unknown. */
export interface LedgerGap extends LedgerInterval {
  reason: string;
}

/** A read that started from scratch, and why. */
export interface LedgerBackfill {
  at: string;
  reason: 'first-run' | 'corrupt' | 'expired';
  detail?: string;
}

/**
 * What the latest run that read CloudTrail for this account-region achieved: the figures the
 * backfill estimate rests on (see `shared/usage/backfill.ts`).
 */
export interface LedgerProgress {
  /** When that run read up to (its `now`). */
  at: string;
  /** Which source it read: LookupEvents, or the organization trail's log files. */
  source: 'lookup' | 'org-trail';
  /** Requests it made (LookupEvents pages, or log files read). */
  calls: number;
  /** Milliseconds of history it read completely. */
  readMs: number;
  /** False when it stopped (deadline, budget, errors) with spans of the window still unread. */
  finished: boolean;
}

/** The persisted ledger of one account-region (`ledgerVersion: 1`). */
export interface Ledger {
  ledgerVersion: 1;
  accountId: string;
  region: string;
  /** End of the newest successfully read interval: the next run reads from here minus the overlap. */
  highWaterMark?: string;
  /** UTC midnight before which event ids were dropped and events are counted per day. */
  sealedBefore?: string;
  /** Intervals read completely, sorted and coalesced. */
  covered: LedgerInterval[];
  /** Intervals whose read failed or that CloudTrail no longer holds (not yet healed by a later read). */
  gaps: LedgerGap[];
  backfills: LedgerBackfill[];
  /** The latest run's progress figures (absent in ledgers written before they were kept). */
  progress?: LedgerProgress;
  /**
   * Organization trail: the log files already folded in, by the UTC day folder they were delivered
   * to (`YYYY-MM-DD` → object keys), so a night reads only new files. Days well behind the
   * high-water mark are dropped (their folders are not listed again).
   */
  trailObjects?: Record<string, string[]>;
  /** Entries by {@link entryKey}. */
  entries: Record<string, LedgerEntry>;
}

const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'expected an ISO-8601 time');
const SourceSchema = z.enum([
  'cloudtrail:AssumeRole',
  'cloudtrail:AssumeRoleWithWebIdentity',
  'cloudtrail:AssumeRoleForPodIdentity',
  'iam:RoleLastUsed',
]);
const TallySchema = z.strictObject({
  firstSeen: isoTime,
  lastSeen: isoTime,
  sealed: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.number().int().positive()),
  recent: z.record(z.string().min(1), isoTime),
  latest: z.array(z.strictObject({ eventId: z.string().min(1), eventTime: isoTime })),
  sources: z.array(SourceSchema),
});
const text = z.string().min(1);
const EntrySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('role'), roleArn: text, tally: TallySchema }),
  z.strictObject({
    kind: z.literal('pod-identity'),
    accountId: text,
    region: text,
    clusterName: text,
    namespace: text,
    serviceAccount: text,
    roleArn: text,
    tally: TallySchema,
  }),
  z.strictObject({ kind: z.literal('pod-identity-untagged'), roleArn: text, tally: TallySchema }),
  z.strictObject({
    kind: z.literal('irsa'),
    issuerHostPath: text,
    namespace: text,
    serviceAccount: text,
    roleArn: text,
    tally: TallySchema,
  }),
  z.strictObject({
    kind: z.literal('denied'),
    clusterName: text,
    callerArn: z.string(),
    errorCode: text,
    tally: TallySchema,
  }),
  z.strictObject({ kind: z.literal('skipped'), reason: text, tally: TallySchema }),
]);
const IntervalSchema = z.strictObject({ from: isoTime, to: isoTime });

/** The zod schema every ledger is validated with on load. */
const LedgerSchema = z.strictObject({
  ledgerVersion: z.literal(LEDGER_VERSION),
  accountId: z.string().regex(ACCOUNT_ID_PATTERN),
  region: z.string().regex(REGION_PATTERN),
  highWaterMark: isoTime.optional(),
  sealedBefore: isoTime.optional(),
  covered: z.array(IntervalSchema),
  gaps: z.array(IntervalSchema.extend({ reason: z.string() })),
  backfills: z.array(
    z.strictObject({
      at: isoTime,
      reason: z.enum(['first-run', 'corrupt', 'expired']),
      detail: z.string().optional(),
    }),
  ),
  progress: z
    .strictObject({
      at: isoTime,
      source: z.enum(['lookup', 'org-trail']),
      calls: z.number().int().nonnegative(),
      readMs: z.number().nonnegative(),
      finished: z.boolean(),
    })
    .optional(),
  trailObjects: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.array(z.string().min(1))).optional(),
  entries: z.record(z.string(), EntrySchema),
});

/** A ledger with nothing read yet. */
export function emptyLedger(accountId: string, region: string): Ledger {
  return { ledgerVersion: 1, accountId, region, covered: [], gaps: [], backfills: [], entries: {} };
}

/** The stable key of an entry: its kind and identifying fields. */
export function entryKey(subject: LedgerSubject): string {
  switch (subject.kind) {
    case 'role':
    case 'pod-identity-untagged':
      return `${subject.kind}|${subject.roleArn}`;
    case 'pod-identity':
      return [
        subject.kind,
        subject.accountId,
        subject.region,
        subject.clusterName,
        subject.namespace,
        subject.serviceAccount,
        subject.roleArn,
      ].join('|');
    case 'irsa':
      return [
        subject.kind,
        subject.issuerHostPath,
        subject.namespace,
        subject.serviceAccount,
        subject.roleArn,
      ].join('|');
    case 'denied':
      return [subject.kind, subject.clusterName, subject.callerArn, subject.errorCode].join('|');
    case 'skipped':
      return `${subject.kind}|${subject.reason}`;
  }
}

/**
 * Validates parsed JSON as a ledger.
 *
 * @returns the ledger, or a problem naming the first invalid fields (never throws).
 */
export function validateLedger(value: unknown): { ledger: Ledger } | { problem: string } {
  const parsed = LedgerSchema.safeParse(value);
  if (parsed.success) return { ledger: parsed.data as Ledger };
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return { problem: `not a valid ledger v${LEDGER_VERSION} (${issues.join('; ')})` };
}

/** A UTC ISO-8601 time (`YYYY-MM-DDTHH:MM:SS[.sss]Z`): its day is its first ten characters. */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/;

/** The UTC day of a time (`YYYY-MM-DD`). */
export function dayOf(time: string | number): string {
  // Called per event id when ledgers are sealed: CloudTrail's own UTC text needs no date parse.
  if (typeof time === 'string' && UTC_TIME.test(time)) return time.slice(0, 10);
  return new Date(typeof time === 'string' ? Date.parse(time) : time).toISOString().slice(0, 10);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function minTime(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function maxTime(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

function newestFirst(a: LedgerEventRef, b: LedgerEventRef): number {
  return Date.parse(b.eventTime) - Date.parse(a.eventTime) || compareText(a.eventId, b.eventId);
}

function topLatest(refs: LedgerEventRef[]): LedgerEventRef[] {
  const unique = new Map<string, LedgerEventRef>();
  for (const ref of refs) if (!unique.has(ref.eventId)) unique.set(ref.eventId, ref);
  return [...unique.values()].sort(newestFirst).slice(0, LATEST_EVENT_IDS);
}

function sortedRecord<V>(record: Record<string, V>): Record<string, V> {
  const sorted: Record<string, V> = {};
  for (const key of Object.keys(record).sort(compareText)) sorted[key] = record[key];
  return sorted;
}

/**
 * Moves event ids older than `sealedBefore` into per-day counts; the max keeps this idempotent.
 * Only days the coverage holds whole are sealed: a day read in parts (a backfill that stopped
 * inside it, continued the next night) keeps its ids until the rest is read, so the parts add up
 * instead of the max of two partial counts standing for the day.
 */
function sealTally(
  tally: UsageTally,
  sealedBefore: string | undefined,
  dayComplete: (day: string) => boolean = () => true,
): UsageTally {
  if (!sealedBefore)
    return { ...tally, sealed: sortedRecord(tally.sealed), recent: sortedRecord(tally.recent) };
  // At a UTC midnight (as compaction sets it) a time is at or after `sealedBefore` exactly when its day is.
  const cutoffDay = dayOf(sealedBefore);
  const cutoff = Date.parse(sealedBefore);
  const atOrAfter = sealedBefore.endsWith('T00:00:00.000Z')
    ? (_time: string, day: string) => day >= cutoffDay
    : (time: string) => Date.parse(time) >= cutoff;
  const recent: Record<string, string> = {};
  const dropped = new Map<string, number>();
  for (const [eventId, time] of Object.entries(tally.recent)) {
    const day = dayOf(time);
    if (atOrAfter(time, day) || !dayComplete(day)) recent[eventId] = time;
    else dropped.set(day, (dropped.get(day) ?? 0) + 1);
  }
  const sealed = { ...tally.sealed };
  for (const [day, count] of dropped) sealed[day] = Math.max(sealed[day] ?? 0, count);
  return { ...tally, sealed: sortedRecord(sealed), recent: sortedRecord(recent) };
}

/** Whether a UTC day lies wholly inside one of the (sorted, coalesced) covered intervals; memoized. */
function completeDays(covered: LedgerInterval[]): (day: string) => boolean {
  const spans = covered.map((interval) => [Date.parse(interval.from), Date.parse(interval.to)] as const);
  const known = new Map<string, boolean>();
  return (day) => {
    let complete = known.get(day);
    if (complete === undefined) {
      const start = Date.parse(`${day}T00:00:00.000Z`);
      complete = spans.some(([from, to]) => from <= start && to >= start + DAY_MS - 1);
      known.set(day, complete);
    }
    return complete;
  };
}

/** Whether a UTC day, widened by `marginMs` on both sides, lies wholly inside one covered interval. */
function coveredWithMargin(covered: LedgerInterval[], marginMs: number): (day: string) => boolean {
  const spans = normalizeIntervals(covered).map(
    (interval) => [Date.parse(interval.from), Date.parse(interval.to)] as const,
  );
  return (day) => {
    const start = Date.parse(`${day}T00:00:00.000Z`);
    return spans.some(([from, to]) => from <= start - marginMs && to >= start + DAY_MS + marginMs);
  };
}

function mergeTallies(a: UsageTally, b: UsageTally): UsageTally {
  const sealed: Record<string, number> = { ...a.sealed };
  for (const [day, count] of Object.entries(b.sealed)) sealed[day] = Math.max(sealed[day] ?? 0, count);
  return {
    firstSeen: minTime(a.firstSeen, b.firstSeen),
    lastSeen: maxTime(a.lastSeen, b.lastSeen),
    sealed: sortedRecord(sealed),
    recent: sortedRecord({ ...a.recent, ...b.recent }),
    latest: topLatest([...a.latest, ...b.latest]),
    sources: [...new Set([...a.sources, ...b.sources])].sort(compareText),
  };
}

/** Sorts and coalesces intervals that overlap or touch. */
export function normalizeIntervals(intervals: LedgerInterval[]): LedgerInterval[] {
  const sorted = intervals
    .map((interval) => ({ from: Date.parse(interval.from), to: Date.parse(interval.to) }))
    .filter((interval) => interval.to >= interval.from)
    .sort((a, b) => a.from - b.from || a.to - b.to);
  const merged: Array<{ from: number; to: number }> = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last && interval.from <= last.to) last.to = Math.max(last.to, interval.to);
    else merged.push({ ...interval });
  }
  return merged.map((interval) => ({ from: iso(interval.from), to: iso(interval.to) }));
}

/** The parts of a gap that no covered interval (sorted, coalesced) healed. */
function uncoveredParts(gap: LedgerGap, covered: LedgerInterval[]): LedgerGap[] {
  let pieces: Array<[number, number]> = [[Date.parse(gap.from), Date.parse(gap.to)]];
  for (const span of covered) {
    const from = Date.parse(span.from);
    const to = Date.parse(span.to);
    pieces = pieces.flatMap(([start, end]): Array<[number, number]> => {
      if (to < start || from > end) return [[start, end]];
      const left: Array<[number, number]> = from > start ? [[start, from]] : [];
      const right: Array<[number, number]> = to < end ? [[to, end]] : [];
      return [...left, ...right];
    });
  }
  return pieces.map(([start, end]) => ({ from: iso(start), to: iso(end), reason: gap.reason }));
}

/**
 * Brings a ledger into its canonical form: sorted keys, coalesced coverage, gaps cut down to the
 * parts no read has healed since, the high-water mark derived from coverage, and ids older than `sealedBefore`
 * sealed. Two ledgers with the same content serialize to the same JSON.
 */
function canonicalLedger(ledger: Ledger): Ledger {
  const covered = normalizeIntervals(ledger.covered);
  const gapKeys = new Map<string, LedgerGap>();
  for (const gap of ledger.gaps) {
    for (const part of uncoveredParts(gap, covered))
      gapKeys.set(`${part.from}|${part.to}|${part.reason}`, part);
  }
  const gaps = [...gapKeys.entries()].sort(([a], [b]) => compareText(a, b)).map(([, gap]) => gap);
  const backfillKeys = new Map<string, LedgerBackfill>();
  for (const backfill of ledger.backfills) {
    backfillKeys.set(`${backfill.at}|${backfill.reason}|${backfill.detail ?? ''}`, backfill);
  }
  const backfills = [...backfillKeys.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([, backfill]) => backfill)
    .slice(-BACKFILLS_KEPT);
  const entries: Record<string, LedgerEntry> = {};
  const dayComplete = completeDays(covered);
  for (const key of Object.keys(ledger.entries).sort(compareText)) {
    const entry = ledger.entries[key];
    entries[key] = { ...entry, tally: sealTally(entry.tally, ledger.sealedBefore, dayComplete) };
  }
  const highWaterMark = covered.length > 0 ? covered[covered.length - 1].to : undefined;
  const trailObjects = ledger.trailObjects ? canonicalTrailObjects(ledger.trailObjects) : undefined;
  return {
    ledgerVersion: 1,
    accountId: ledger.accountId,
    region: ledger.region,
    ...(highWaterMark ? { highWaterMark } : {}),
    ...(ledger.sealedBefore ? { sealedBefore: ledger.sealedBefore } : {}),
    covered,
    gaps,
    backfills,
    ...(ledger.progress ? { progress: ledger.progress } : {}),
    ...(trailObjects && Object.keys(trailObjects).length > 0 ? { trailObjects } : {}),
    entries,
  };
}

function canonicalTrailObjects(objects: Record<string, string[]>): Record<string, string[]> {
  const sorted: Record<string, string[]> = {};
  for (const day of Object.keys(objects).sort(compareText))
    sorted[day] = [...new Set(objects[day])].sort(compareText);
  return sorted;
}

/** The later of two progress records (ties: the one that read more), so merging stays commutative. */
function laterProgress(
  a: LedgerProgress | undefined,
  b: LedgerProgress | undefined,
): LedgerProgress | undefined {
  if (!a || !b) return a ?? b;
  const order =
    Date.parse(a.at) - Date.parse(b.at) ||
    a.readMs - b.readMs ||
    a.calls - b.calls ||
    Number(a.finished) - Number(b.finished) ||
    compareText(a.source, b.source);
  return order >= 0 ? a : b;
}

/**
 * Joins two ledgers of the same account-region. Commutative and idempotent: times take the
 * min/max, event ids the union (so an event counted by both counts once), sealed per-day counts the
 * max, coverage and gaps the union.
 *
 * @throws Error when the ledgers belong to different account-regions.
 */
export function mergeLedgers(a: Ledger, b: Ledger): Ledger {
  if (a.accountId !== b.accountId || a.region !== b.region) {
    throw new Error(
      `cannot merge the ledger of ${a.accountId} ${a.region} with the ledger of ${b.accountId} ${b.region}`,
    );
  }
  const entries: Record<string, LedgerEntry> = { ...a.entries };
  for (const [key, entry] of Object.entries(b.entries)) {
    const existing = entries[key];
    entries[key] = existing ? { ...existing, tally: mergeTallies(existing.tally, entry.tally) } : entry;
  }
  const sealedBefore =
    a.sealedBefore && b.sealedBefore
      ? maxTime(a.sealedBefore, b.sealedBefore)
      : (a.sealedBefore ?? b.sealedBefore);
  return canonicalLedger({
    ledgerVersion: 1,
    accountId: a.accountId,
    region: a.region,
    ...(sealedBefore ? { sealedBefore } : {}),
    covered: [...a.covered, ...b.covered],
    gaps: [...a.gaps, ...b.gaps],
    backfills: [...a.backfills, ...b.backfills],
    ...optional('progress', laterProgress(a.progress, b.progress)),
    ...optional('trailObjects', unionTrailObjects(a.trailObjects, b.trailObjects)),
    entries,
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function unionTrailObjects(
  a: Record<string, string[]> | undefined,
  b: Record<string, string[]> | undefined,
): Record<string, string[]> | undefined {
  if (!a || !b) return a ?? b;
  const union: Record<string, string[]> = { ...a };
  for (const [day, keys] of Object.entries(b)) union[day] = [...(union[day] ?? []), ...keys];
  return union;
}

/** What one LookupEvents pass over an interval achieved. */
interface LedgerRead {
  from: Date;
  to: Date;
  /** False when any lookup of the interval failed: its events still count, its absence proves nothing. */
  complete: boolean;
  /** Why the read is incomplete. */
  reason?: string;
}

/** What {@link foldRecords} adds besides the events. */
interface FoldOptions {
  /** The interval read; complete reads become coverage, failed ones gaps. */
  read?: LedgerRead;
  /** Gaps known before reading (CloudTrail no longer holds the span). */
  gaps?: LedgerGap[];
  backfill?: LedgerBackfill;
}

/**
 * Counts one event in the fold's own entries. The tallies belong to the fold (never to a stored
 * ledger), so they are updated in place: copying the id set per event made a busy night's fold
 * quadratic in its events.
 */
function addEvent(
  entries: Record<string, LedgerEntry>,
  subject: LedgerSubject,
  eventId: string,
  eventTime: string,
  source: EvidenceSource | undefined,
): void {
  const key = entryKey(subject);
  const existing = entries[key];
  if (!existing) {
    entries[key] = {
      ...subject,
      tally: {
        firstSeen: eventTime,
        lastSeen: eventTime,
        sealed: {},
        recent: { [eventId]: eventTime },
        latest: [{ eventId, eventTime }],
        sources: source ? [source] : [],
      },
    } as LedgerEntry;
    return;
  }
  const tally = existing.tally;
  if (Date.parse(eventTime) < Date.parse(tally.firstSeen)) tally.firstSeen = eventTime;
  if (Date.parse(eventTime) > Date.parse(tally.lastSeen)) tally.lastSeen = eventTime;
  tally.recent[eventId] = eventTime;
  const oldest = tally.latest[tally.latest.length - 1];
  if (tally.latest.length < LATEST_EVENT_IDS || (oldest && newestFirst({ eventId, eventTime }, oldest) < 0)) {
    tally.latest = topLatest([...tally.latest, { eventId, eventTime }]);
  }
  if (source && !tally.sources.includes(source)) tally.sources = [...tally.sources, source].sort(compareText);
}

/**
 * A ledger holding only these CloudTrail records (and the read that produced them), ready to be
 * merged into the stored one. Records without evidence are counted under `skipped` by reason;
 * records whose time is not a date are counted at the end of the read.
 *
 * @example mergeLedgers(stored, foldRecords(emptyLedger(account, region), records, { read }))
 */
export function foldRecords(
  base: Ledger,
  records: CloudTrailEventRecord[],
  options: FoldOptions = {},
): Ledger {
  const entries: Record<string, LedgerEntry> = {};
  const fallbackTime = options.read ? iso(options.read.to.getTime()) : undefined;
  for (const record of records) {
    if (!record.eventId) continue;
    const time = Date.parse(record.eventTime);
    if (Number.isNaN(time)) {
      if (fallbackTime) {
        addEvent(
          entries,
          { kind: 'skipped', reason: 'event time is not a date' },
          record.eventId,
          fallbackTime,
          undefined,
        );
      }
      continue;
    }
    // The time is kept as CloudTrail wrote it, so findings quote the record's own text.
    const eventTime = record.eventTime;
    const parsed = parseEvidence(record);
    if (!isEvidence(parsed)) {
      addEvent(entries, { kind: 'skipped', reason: parsed.skipped }, record.eventId, eventTime, undefined);
      continue;
    }
    const { eventId, source } = parsed;
    switch (parsed.kind) {
      case 'pod-identity': {
        addEvent(entries, { kind: 'role', roleArn: parsed.roleArn }, eventId, eventTime, source);
        const workload = parsed.workload;
        if (!workload) {
          addEvent(
            entries,
            { kind: 'pod-identity-untagged', roleArn: parsed.roleArn },
            eventId,
            eventTime,
            source,
          );
          break;
        }
        addEvent(
          entries,
          {
            kind: 'pod-identity',
            accountId: workload.accountId,
            region: workload.region,
            clusterName: workload.clusterName,
            namespace: workload.namespace,
            serviceAccount: workload.serviceAccount,
            roleArn: parsed.roleArn,
          },
          eventId,
          eventTime,
          source,
        );
        break;
      }
      case 'irsa':
        addEvent(entries, { kind: 'role', roleArn: parsed.roleArn }, eventId, eventTime, source);
        if (parsed.namespace !== undefined && parsed.serviceAccount !== undefined) {
          addEvent(
            entries,
            {
              kind: 'irsa',
              issuerHostPath: parsed.issuerHostPath,
              namespace: parsed.namespace,
              serviceAccount: parsed.serviceAccount,
              roleArn: parsed.roleArn,
            },
            eventId,
            eventTime,
            source,
          );
        }
        break;
      case 'assume-role':
        addEvent(entries, { kind: 'role', roleArn: parsed.roleArn }, eventId, eventTime, source);
        break;
      case 'pod-identity-denied':
        addEvent(
          entries,
          {
            kind: 'denied',
            clusterName: parsed.clusterName ?? '(unknown cluster)',
            callerArn: parsed.callerArn ?? '',
            errorCode: parsed.errorCode,
          },
          eventId,
          eventTime,
          source,
        );
        break;
    }
  }
  const read = options.read;
  const contribution: Ledger = {
    ...emptyLedger(base.accountId, base.region),
    covered: read?.complete ? [{ from: iso(read.from.getTime()), to: iso(read.to.getTime()) }] : [],
    gaps: [
      ...(options.gaps ?? []),
      ...(read && !read.complete
        ? [
            {
              from: iso(read.from.getTime()),
              to: iso(read.to.getTime()),
              reason: read.reason ?? 'read failed',
            },
          ]
        : []),
    ],
    backfills: options.backfill ? [options.backfill] : [],
    entries,
  };
  return mergeLedgers(base, contribution);
}

/**
 * The events of a {@link foldRecords} fold counted per UTC day instead of kept by id: for a source
 * that de-duplicates by something coarser than the event, such as the organization trail, whose
 * log files are each read once. What stays per event is bounded: the first and last sightings and
 * the newest few ids as evidence. Ids the fold saw twice still count once.
 */
export function countedLedger(folded: Ledger): Ledger {
  const entries: Record<string, LedgerEntry> = {};
  for (const [key, entry] of Object.entries(folded.entries)) {
    const sealed: Record<string, number> = { ...entry.tally.sealed };
    for (const time of Object.values(entry.tally.recent)) {
      const day = dayOf(time);
      sealed[day] = (sealed[day] ?? 0) + 1;
    }
    entries[key] = { ...entry, tally: { ...entry.tally, sealed: sortedRecord(sealed), recent: {} } };
  }
  return { ...folded, entries };
}

/**
 * Adds a {@link countedLedger}'s per-day counts to the ledger's (everything else joins as in
 * {@link mergeLedgers}). Unlike a merge this is not idempotent: the caller adds each contribution
 * exactly once, under a guard of its own (the trail's per-object progress, in one conditional write).
 *
 * @throws Error when the ledgers belong to different account-regions.
 */
export function addCountedEvents(base: Ledger, counted: Ledger): Ledger {
  const entries: Record<string, LedgerEntry> = { ...base.entries };
  for (const [key, entry] of Object.entries(counted.entries)) {
    const existing = entries[key];
    if (!existing) {
      entries[key] = entry;
      continue;
    }
    const sealed: Record<string, number> = { ...existing.tally.sealed };
    for (const [day, count] of Object.entries(entry.tally.sealed)) sealed[day] = (sealed[day] ?? 0) + count;
    const joined = mergeTallies(existing.tally, { ...entry.tally, sealed: {} });
    entries[key] = { ...existing, tally: { ...joined, sealed: sortedRecord(sealed) } };
  }
  return mergeLedgers({ ...base, entries }, { ...counted, entries: {} });
}

/**
 * Seals event ids that can no longer be read twice and drops what is older than the retention:
 * `sealedBefore` moves to the UTC midnight at or before `highWaterMark − horizon`.
 */
export function compactLedger(
  ledger: Ledger,
  now: Date,
  options: {
    dedupeHorizonMs?: number;
    retentionDays?: number;
    /** Drop the parts of not-yet-read gaps ({@link UNREAD_GAP_REASONS}) before this time: no run reads them again. */
    gapsBefore?: Date;
  } = {},
): Ledger {
  const horizon = options.dedupeHorizonMs ?? DEDUPE_HORIZON_MS;
  const retentionStart = now.getTime() - (options.retentionDays ?? LEDGER_RETENTION_DAYS) * DAY_MS;
  let sealedBefore = ledger.sealedBefore;
  if (ledger.highWaterMark) {
    const cutoff = Date.parse(ledger.highWaterMark) - horizon;
    const midnight = iso(cutoff - (((cutoff % DAY_MS) + DAY_MS) % DAY_MS));
    sealedBefore = sealedBefore ? maxTime(sealedBefore, midnight) : midnight;
  }
  const retentionDay = dayOf(retentionStart);
  const entries: Record<string, LedgerEntry> = {};
  for (const [key, entry] of Object.entries(ledger.entries)) {
    // An entry last seen before the retention keeps its last-seen time: that is the evidence worth having.
    const sealed: Record<string, number> = {};
    for (const [day, count] of Object.entries(entry.tally.sealed))
      if (day >= retentionDay) sealed[day] = count;
    entries[key] = { ...entry, tally: { ...entry.tally, sealed } };
  }
  const keep = (interval: LedgerInterval) => Date.parse(interval.to) >= retentionStart;
  // A trail day folder is listed again while it may still receive files for unread time, or while
  // unread time lies beside it: its files stay recorded until then, so none is read (and counted) twice.
  const trailObjects: Record<string, string[]> = {};
  const trailHorizon = ledger.highWaterMark ? dayOf(Date.parse(ledger.highWaterMark) - horizon) : '';
  const settled = coveredWithMargin(ledger.covered, DEFAULT_OVERLAP_MS);
  for (const [day, keys] of Object.entries(ledger.trailObjects ?? {}))
    if (day >= retentionDay && (day >= trailHorizon || !settled(day))) trailObjects[day] = keys;
  return canonicalLedger({
    ...ledger,
    ...(sealedBefore ? { sealedBefore } : {}),
    covered: ledger.covered.filter(keep),
    gaps: ledger.gaps.filter(keep).flatMap((gap) => clipGap(gap, options.gapsBefore)),
    trailObjects,
    entries,
  });
}

/**
 * How the gaps of spans a run did not get to begin (a deadline, a budget): their edges are exact,
 * unlike those of failed reads, and once before the window they are never read again.
 */
const UNREAD_GAP_REASONS = ['not read yet', 'lookups stopped before they finished'] as const;

/** The part of a not-yet-read gap after `start`; other gaps whole. */
function clipGap(gap: LedgerGap, start: Date | undefined): LedgerGap[] {
  if (!start || Date.parse(gap.from) >= start.getTime()) return [gap];
  if (!UNREAD_GAP_REASONS.some((reason) => gap.reason.startsWith(reason))) return [gap];
  if (Date.parse(gap.to) <= start.getTime()) return [];
  return [{ ...gap, from: start.toISOString() }];
}

/** Serializes a ledger in canonical form (stable key order). */
export function serializeLedger(ledger: Ledger): string {
  return `${JSON.stringify(canonicalLedger(ledger))}\n`;
}

/** Number of events a tally counts (sealed days plus recent ids). */
export function tallyCount(tally: UsageTally): number {
  let count = Object.keys(tally.recent).length;
  for (const value of Object.values(tally.sealed)) count += value;
  return count;
}

/** Gaps of the ledger not healed by coverage that overlap `[from, to]`. */
export function gapsWithin(ledger: Ledger, from: number, to: number): LedgerGap[] {
  return ledger.gaps.filter((gap) => Date.parse(gap.to) >= from && Date.parse(gap.from) <= to);
}

/** The covered interval that contains `time`, if any. */
export function coveredIntervalAt(ledger: Ledger, time: number): LedgerInterval | undefined {
  return ledger.covered.find(
    (interval) => Date.parse(interval.from) <= time && Date.parse(interval.to) >= time,
  );
}
