import pLimit from 'p-limit';
import { type Clock, defaultClock } from '../clock.js';
import { LOOKUP_EVENTS_PER_SECOND, TokenBucket } from './rate-limit.js';

/**
 * Default client-side request rates. EKS publishes no API rate limits and IAM's read limit is per
 * account and not published either, so both are conservative guesses that keep a collection from
 * being throttled (a throttled call is a wasted call); CloudTrail's is its documented limit.
 */
export const DEFAULT_PACING = {
  /** EKS requests per second per account-region. */
  eksPerSecond: 10,
  /** IAM requests per second per account. */
  iamPerSecond: 5,
  /** CloudTrail LookupEvents requests per second per account-region (documented: 2). */
  lookupEventsPerSecond: LOOKUP_EVENTS_PER_SECOND,
  /** Requests in flight at once across the whole collection. */
  maxInFlight: 64,
  /** Requests in flight at once in one EKS lane (account-region) or IAM lane (account). */
  perLane: 8,
} as const;

export interface PacingOptions {
  eksPerSecond?: number;
  iamPerSecond?: number;
  lookupEventsPerSecond?: number;
  maxInFlight?: number;
  perLane?: number;
  /** The clock the lanes' token buckets wait on. Default: {@link defaultClock} (the system clock outside tests). */
  clock?: Clock;
}

/** Runs a call when a slot is free. */
export type InFlightLimit = <T>(call: () => Promise<T>) => Promise<T>;

/** The priority of calls that give none. */
const NO_PRIORITY = () => 0;

interface Waiter {
  order: number;
  start: () => void;
}

/**
 * A cap on calls in flight that, when a slot frees, starts the waiting call with the highest
 * priority (ties: first come, first served). Calls that share a priority function (a lane's) wait
 * in one first-come-first-served queue, and the function is read when a slot frees, so it can follow
 * the lane's backlog as it shrinks; a free slot costs one read per waiting lane, not per waiting call.
 */
export class PriorityLimit {
  private active = 0;
  private order = 0;
  private readonly queues = new Map<() => number, Waiter[]>();

  constructor(readonly capacity: number) {}

  /** Calls running now. */
  get activeCount(): number {
    return this.active;
  }

  /** Runs `call` when a slot is free; among waiters the highest `priority()` goes first. */
  run<T>(call: () => Promise<T>, priority: () => number = NO_PRIORITY): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active += 1;
        call()
          .then(resolve, reject)
          .finally(() => {
            this.active -= 1;
            this.next();
          });
      };
      const queue = this.queues.get(priority);
      const waiter = { order: this.order++, start };
      if (queue) queue.push(waiter);
      else this.queues.set(priority, [waiter]);
      this.next();
    });
  }

  private next(): void {
    while (this.active < this.capacity && this.queues.size > 0) {
      let best: { key: () => number; queue: Waiter[]; priority: number } | undefined;
      for (const [key, queue] of this.queues) {
        const priority = key();
        if (
          best === undefined ||
          priority > best.priority ||
          (priority === best.priority && queue[0].order < best.queue[0].order)
        ) {
          best = { key, queue, priority };
        }
      }
      if (!best) return;
      const waiter = best.queue.shift();
      if (best.queue.length === 0) this.queues.delete(best.key);
      waiter?.start();
    }
  }
}

/**
 * A stream of requests that share one rate limit (all EKS calls of one account-region, all IAM
 * calls of one account). {@link RequestLane.run} waits for the lane's token, then for a global
 * in-flight slot, then makes the call.
 */
export interface RequestLane {
  run<T>(call: () => Promise<T>): Promise<T>;
  /** The lane's token bucket, for inspecting the rate it kept. */
  readonly bucket: TokenBucket;
  /** Calls handed to the lane that have not finished. */
  readonly backlog: number;
}

/** A lane that only runs the call: no pacing. */
export const UNPACED: Pick<RequestLane, 'run'> = { run: (call) => call() };

/**
 * Client-side pacing for a collection: one token bucket per EKS account-region, per IAM account and
 * per CloudTrail account-region, plus one cap on requests in flight across everything. Lanes are
 * independent, so every account-region's stream runs at its own limit at the same time. When the
 * cap (or the CPU behind it) is the bottleneck, the lane with the most time left at its rate goes
 * first: the longest stream sets the collection's wall time, so it must never fall behind.
 */
export class RequestPacer {
  readonly eksPerSecond: number;
  readonly iamPerSecond: number;
  readonly lookupEventsPerSecond: number;
  readonly maxInFlight: number;
  readonly perLane: number;
  /** Every request the collection makes passes through this one limit. */
  readonly inFlight: InFlightLimit;
  private readonly slots: PriorityLimit;
  private readonly clock: Clock;
  private readonly lanes = new Map<string, RequestLane>();
  private readonly trailBuckets = new Map<string, TokenBucket>();

  constructor(options: PacingOptions = {}) {
    this.eksPerSecond = positiveRate(options.eksPerSecond, DEFAULT_PACING.eksPerSecond, 'eksPerSecond');
    this.iamPerSecond = positiveRate(options.iamPerSecond, DEFAULT_PACING.iamPerSecond, 'iamPerSecond');
    this.lookupEventsPerSecond = positiveRate(
      options.lookupEventsPerSecond,
      DEFAULT_PACING.lookupEventsPerSecond,
      'lookupEventsPerSecond',
    );
    this.maxInFlight = wholeCount(options.maxInFlight, DEFAULT_PACING.maxInFlight, 'maxInFlight');
    this.perLane = wholeCount(options.perLane, DEFAULT_PACING.perLane, 'perLane');
    this.clock = options.clock ?? defaultClock();
    this.slots = new PriorityLimit(this.maxInFlight);
    this.inFlight = (call) => this.slots.run(call);
  }

  /**
   * A LookupEvents page's call: it waits for a slot with the priority of one page at the
   * account-region's rate (the pages of a lookup are sequential, so its backlog is one page).
   */
  cloudTrailSlot<T>(call: () => Promise<T>): Promise<T> {
    return this.slots.run(call, this.onePage);
  }

  /** Seconds one LookupEvents page takes at the rate: the priority of every page's call. */
  private readonly onePage = () => 1 / this.lookupEventsPerSecond;

  /** The lane of every EKS call in one account-region. */
  eks(accountId: string, region: string): RequestLane {
    return this.lane(`eks/${accountId}/${region}`, this.eksPerSecond);
  }

  /** The lane of every IAM call in one account (IAM is global: one lane whatever the region). */
  iam(accountId: string): RequestLane {
    return this.lane(`iam/${accountId}`, this.iamPerSecond);
  }

  /**
   * The LookupEvents bucket of one account-region. CloudTrail pages are sequential per lookup, so
   * only the bucket and the global slot apply, not a per-lane in-flight limit.
   */
  cloudTrail(accountId: string, region: string): TokenBucket {
    const key = `${accountId}/${region}`;
    let bucket = this.trailBuckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket({ ratePerSecond: this.lookupEventsPerSecond, capacity: 1, clock: this.clock });
      this.trailBuckets.set(key, bucket);
    }
    return bucket;
  }

  /** Every lane by key (`eks/ACCOUNT/REGION`, `iam/ACCOUNT`), for inspecting the rates kept. */
  laneEntries(): Array<[string, RequestLane]> {
    return [...this.lanes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private lane(key: string, ratePerSecond: number): RequestLane {
    let lane = this.lanes.get(key);
    if (!lane) {
      const bucket = new TokenBucket({ ratePerSecond, capacity: 1, clock: this.clock });
      const laneLimit = pLimit(this.perLane);
      const slots = this.slots;
      let backlog = 0;
      // Seconds the lane still needs at its rate: its priority for a free slot.
      const remaining = () => backlog / ratePerSecond;
      lane = {
        bucket,
        get backlog() {
          return backlog;
        },
        // The token comes before the global slot so a lane waiting for its rate never holds a slot
        // another lane could use.
        run: async (call) => {
          backlog += 1;
          try {
            return await laneLimit(async () => {
              await bucket.acquire();
              return slots.run(call, remaining);
            });
          } finally {
            backlog -= 1;
          }
        },
      };
      this.lanes.set(key, lane);
    }
    return lane;
  }
}

function positiveRate(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number`);
  return value;
}

function wholeCount(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value > 0))
    throw new RangeError(`${name} must be a positive whole number`);
  return value;
}
