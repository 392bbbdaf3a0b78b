import { LookupEventsCommand, type LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import type { ClientFactory } from '../../aws/clients.js';
import { toCollectionError } from '../../aws/errors.js';
import type { CollectionError } from '../../model/index.js';
import type { LookupEvent } from '../../snapshot/index.js';
import { DAY_MS, type Ledger, normalizeIntervals } from '../../usage/ledger.js';
import { CLOUDTRAIL_LOOKUPS, type CloudTrailLookup, parseCloudTrailEvent } from '../cloudtrail-lookups.js';
import { toPlain } from '../plain.js';
import type { TokenBucket } from '../rate-limit.js';

/**
 * Resumable LookupEvents reads: the unread spans of a usage window, newest first, each read from its
 * end backwards so that whatever a run manages to read before its deadline is a contiguous covered
 * interval ending where the span ends. The three lookups are interleaved page by page (always
 * advancing the one that is furthest behind), so the span they have all read together grows with
 * every page instead of only when the last lookup finishes.
 */

/** LookupEvents page size: the documented maximum. */
const PAGE_SIZE = 50;

/** A time span in epoch milliseconds, both ends inclusive. */
interface Span {
  from: number;
  to: number;
}

/**
 * The spans of `[now − windowDays, now]` no covered interval of the ledger holds, newest first.
 * The newest span, when it starts at the high-water mark, reaches back `overlapMs` further: events
 * CloudTrail delivers late land there.
 */
export function unreadSpans(
  ledger: Pick<Ledger, 'covered' | 'highWaterMark'> | undefined,
  now: Date,
  options: { windowDays: number; overlapMs: number },
): Span[] {
  const end = now.getTime();
  const start = end - options.windowDays * DAY_MS;
  const covered = normalizeIntervals(ledger?.covered ?? []).map((interval) => ({
    from: Date.parse(interval.from),
    to: Date.parse(interval.to),
  }));
  const spans: Span[] = [];
  let cursor = end;
  for (const interval of [...covered].reverse()) {
    if (interval.from > cursor) continue;
    if (interval.to < cursor) spans.push({ from: Math.max(interval.to, start), to: cursor });
    cursor = Math.min(cursor, interval.from);
    if (cursor <= start) break;
  }
  if (cursor > start) spans.push({ from: start, to: cursor });
  const unread = spans.filter((span) => span.to > span.from);
  const mark = ledger?.highWaterMark ? Date.parse(ledger.highWaterMark) : undefined;
  const newest = unread[0];
  if (newest && mark !== undefined && newest.to === end && newest.from === mark) {
    newest.from = Math.max(start, mark - options.overlapMs);
  }
  return unread;
}

/** Where one lookup stands inside a span. */
interface LookupCursor {
  lookup: CloudTrailLookup;
  nextToken?: string;
  /** Every event of the lookup later than this time has been read. */
  readAfter: number;
  done: boolean;
}

/** What reading one span achieved. */
interface SpanRead {
  span: Span;
  /**
   * The part every lookup read completely, `[coveredFrom, span.to]`; undefined when nothing is
   * certain yet. Equal to `span.from` when the span was read to its start.
   */
  coveredFrom?: number;
  /** Kept records, in the plain form LookupEvents returned them. */
  events: LookupEvent[];
  /** LookupEvents requests made. */
  calls: number;
  /** A lookup failed: the span below `coveredFrom` is unread for that reason. */
  error?: CollectionError;
  /** The read stopped (signal or budget) before the span was finished: why. */
  stopped?: string;
}

interface ReadSpanOptions {
  factory: ClientFactory;
  accountId: string;
  region: string;
  limiter: TokenBucket;
  /** Stops between pages (a deadline); a page in flight is dropped. */
  signal?: AbortSignal;
  /** Requests this read may still make; it stops (as by the signal) when they are spent. */
  budget?: { remaining: number };
  /** Called after every page with what that page added (for checkpoints). */
  onPage?: (page: { events: LookupEvent[]; coveredFrom?: number }) => Promise<void>;
  /** Event ids already kept by this run, shared across spans so none is kept twice. */
  seen?: Set<string>;
}

/** Why the signal fired, as text. */
function abortReason(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
}

/** Settles with the work, or with `undefined` as soon as the signal fires (the work is then abandoned). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      // A late failure of the abandoned request must not surface as an unhandled rejection.
      work.catch(() => {});
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The earliest time every lookup has read down to. */
function commonCoverage(cursors: LookupCursor[], span: Span): number | undefined {
  let from = span.from;
  for (const cursor of cursors) {
    if (cursor.done) continue;
    // Events at exactly `readAfter` may continue on the next page, so only later ones are certain.
    if (cursor.readAfter >= span.to) return undefined;
    from = Math.max(from, cursor.readAfter + 1);
  }
  return from;
}

/**
 * Reads one span newest first with every lookup of {@link CLOUDTRAIL_LOOKUPS}, interleaved page by
 * page. Never throws for CloudTrail: a failed lookup ends the span with `error` and the part read so
 * far still counts.
 */
export async function readSpanNewestFirst(span: Span, options: ReadSpanOptions): Promise<SpanRead> {
  const client = options.factory.cloudTrail(options.accountId, options.region);
  const cursors: LookupCursor[] = CLOUDTRAIL_LOOKUPS.map((lookup) => ({
    lookup,
    readAfter: span.to + 1,
    done: false,
  }));
  const seen = options.seen ?? new Set<string>();
  const events: LookupEvent[] = [];
  let calls = 0;
  const result = (extra: Partial<SpanRead>): SpanRead => {
    const coveredFrom = commonCoverage(cursors, span);
    return { span, events, calls, ...(coveredFrom !== undefined ? { coveredFrom } : {}), ...extra };
  };
  for (;;) {
    const open = cursors.filter((cursor) => !cursor.done);
    if (open.length === 0) return result({});
    // The lookup furthest behind (latest `readAfter`) goes next; ties keep the lookups' order.
    const cursor = open.reduce((behind, candidate) =>
      candidate.readAfter > behind.readAfter ? candidate : behind,
    );
    if (options.signal?.aborted) return result({ stopped: abortReason(options.signal) });
    if (options.budget && options.budget.remaining <= 0)
      return result({ stopped: 'the run spent its LookupEvents budget' });
    const granted = await unlessAborted(
      options.limiter.acquire().then(() => true),
      options.signal,
    );
    if (!granted) return result({ stopped: abortReason(options.signal as AbortSignal) });
    if (options.budget) options.budget.remaining -= 1;
    calls += 1;
    const command = new LookupEventsCommand({
      LookupAttributes: [cursor.lookup.attribute],
      StartTime: new Date(span.from),
      EndTime: new Date(span.to),
      MaxResults: PAGE_SIZE,
      NextToken: cursor.nextToken,
    });
    let page: LookupEventsCommandOutput | undefined;
    try {
      page = await unlessAborted(client.send(command), options.signal);
    } catch (error) {
      cursor.done = true;
      const failed = toCollectionError(
        'cloudtrail',
        'LookupEvents',
        error,
        `${cursor.lookup.attribute.AttributeKey}=${cursor.lookup.attribute.AttributeValue}`,
      );
      // The failed lookup read down to its cursor, no further.
      const coveredFrom = commonCoverage(cursors, span);
      const readTo = cursor.readAfter >= span.to ? undefined : cursor.readAfter + 1;
      const certain =
        coveredFrom === undefined || readTo === undefined ? undefined : Math.max(coveredFrom, readTo);
      return {
        span,
        events,
        calls,
        ...(certain !== undefined ? { coveredFrom: certain } : {}),
        error: failed,
      };
    }
    if (!page) return result({ stopped: abortReason(options.signal as AbortSignal) });
    const added: LookupEvent[] = [];
    for (const event of page.Events ?? []) {
      const time = event.EventTime?.getTime();
      if (time !== undefined) cursor.readAfter = Math.min(cursor.readAfter, time);
      if (!event.EventId || seen.has(event.EventId)) continue;
      const record = cursor.lookup.keepsAll ? undefined : parseCloudTrailEvent(event);
      if (record === undefined || cursor.lookup.keep(record)) {
        seen.add(event.EventId);
        const plain = toPlain<LookupEvent>(event);
        events.push(plain);
        added.push(plain);
      }
    }
    cursor.nextToken = page.NextToken;
    if (!page.NextToken) {
      cursor.done = true;
      cursor.readAfter = span.from - 1;
    }
    if (options.onPage) {
      const coveredFrom = commonCoverage(cursors, span);
      await options.onPage({ events: added, ...(coveredFrom !== undefined ? { coveredFrom } : {}) });
    }
  }
}
