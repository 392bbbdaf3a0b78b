import pLimit from 'p-limit';
import { type Clock, defaultClock } from '../clock.js';
import { compareText } from '../model/compare.js';
import { LOOKUP_EVENTS_PER_SECOND, TokenBucket } from './rate-limit.js';
import { COLLECTED_SERVICES, type CollectedService, type PacedServiceSpec } from './services.js';

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
  /**
   * Requests one EKS lane (account-region) or IAM lane (account) may send at once: its token
   * bucket's burst (half, at most half a second of its rate) and the calls that wait with their
   * token for an in-flight slot (the rest). Below the service's own burst (the sandbox's EKS limit
   * holds a second of requests), so no bunching of a lane's calls is ever throttled.
   */
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

/**
 * The priority of calls other calls wait on (AssumeRole, a List page whose keys are described, a
 * Describe that opens a cluster's rows): ahead of every lane's backlog, first come first served
 * among themselves. They are few, and until they answer no lane knows how much work it has.
 */
const UNBLOCKING = () => Number.POSITIVE_INFINITY;

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
  async run<T>(call: () => Promise<T>, priority: () => number = NO_PRIORITY): Promise<T> {
    const release = await this.acquire(priority);
    try {
      return await call();
    } finally {
      release();
    }
  }

  /**
   * Resolves when a slot is the caller's (among waiters the highest `priority()` goes first), with
   * the function that gives it back; call it exactly once.
   */
  acquire(priority: () => number = NO_PRIORITY): Promise<() => void> {
    return new Promise((resolve) => {
      const start = () => {
        this.active += 1;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
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

/** How a call of a lane is scheduled. */
export interface LaneCallOptions {
  /**
   * Other calls wait on this call's answer (a List page whose keys are described, a cluster's
   * Describe that opens its rows): it takes the next free in-flight slot ahead of every lane's
   * backlog. Its token still comes from the lane's bucket.
   */
  unblocks?: boolean;
}

/**
 * A stream of requests that share one rate limit (all EKS calls of one account-region, all IAM
 * calls of one account, all LookupEvents of one account-region). {@link RequestLane.run} waits for
 * the lane's token, then for a global in-flight slot, then makes the call.
 */
export interface RequestLane {
  run<T>(call: () => Promise<T>, options?: LaneCallOptions): Promise<T>;
  /** The lane's token bucket, for inspecting the rate it kept. */
  readonly bucket: TokenBucket;
  /** Calls handed to the lane that have not finished. */
  readonly backlog: number;
}

/** A lane that only runs the call: no pacing. */
export const UNPACED: Pick<RequestLane, 'run'> = { run: (call) => call() };

/**
 * Client-side pacing for a collection: one token bucket per lane, and one cap on requests in
 * flight across everything. The lanes are the collected services' ({@link COLLECTED_SERVICES}): one
 * per account-region for a regional service (EKS, CloudTrail), one per account for a global one
 * (IAM), each at its service's rate. Lanes are independent, so every account-region's stream runs
 * at its own limit at the same time. When the cap (or the CPU behind it) is the bottleneck, the
 * lane with the most time left at its rate goes first: the longest stream sets the collection's
 * wall time, so it must never fall behind.
 */
export class RequestPacer {
  readonly eksPerSecond: number;
  readonly iamPerSecond: number;
  readonly lookupEventsPerSecond: number;
  readonly maxInFlight: number;
  readonly perLane: number;
  /**
   * Every request the collection makes passes through this one limit; a call made directly through
   * it (AssumeRole) is one other calls wait on, so it goes ahead of the lanes' backlogs.
   */
  readonly inFlight: InFlightLimit;
  private readonly slots: PriorityLimit;
  private readonly clock: Clock;
  private readonly lanes = new Map<string, RequestLane>();
  /**
   * Per chained service, the priority of its calls: one call at the rate. One function for all its
   * lanes, so their waiting calls share one first-come-first-served queue.
   */
  private readonly oneCall = new Map<CollectedService, () => number>();

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
    this.inFlight = (call) => this.slots.run(call, UNBLOCKING);
  }

  /**
   * The lane of a service's calls in one account (global service) or account-region (regional
   * service), created on first use: `eks/ACCOUNT/REGION`, `iam/ACCOUNT`, `cloudtrail/ACCOUNT/REGION`.
   */
  lane(service: CollectedService, accountId: string, region: string): RequestLane {
    const spec: PacedServiceSpec = COLLECTED_SERVICES[service];
    const key =
      spec.rateScope === 'account' ? `${service}/${accountId}` : `${service}/${accountId}/${region}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = this.newLane(service, spec, this[spec.rateOption]);
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** Every lane by key, for inspecting the rates kept. */
  laneEntries(): Array<[string, RequestLane]> {
    return [...this.lanes.entries()].sort(([a], [b]) => compareText(a, b));
  }

  /**
   * A new lane at `ratePerSecond`. A call takes the lane's token, then a global slot (the token
   * first, so a lane waiting for its rate never holds a slot another lane could use). A concurrent
   * service's lane never sends more than `perLane` calls at once: its bucket's burst and the calls
   * that hold their token while they wait for a slot share that number; once a call has its slot it
   * no longer counts, so a lane keeps its rate however long its calls take to answer. Its priority
   * for a free slot is its backlog at its rate. A chained service's calls come a few at a time (a
   * call per chain of pages): one at a time waits with its token, and its priority is one call at
   * its rate, one function for all its lanes (their waiting calls share one first-come-first-served
   * queue). A call that unblocks others skips the lane's queues and goes first for a slot.
   */
  private newLane(service: CollectedService, spec: PacedServiceSpec, ratePerSecond: number): RequestLane {
    const chained = spec.calls === 'chained';
    // What a lane may send at once (`perLane`, no more than a second of its rate) is split: half
    // is the bucket's burst, so a lane whose timer woke late (a busy event loop) catches up instead
    // of losing the time for good; half is the calls that may wait with a token for a slot. A
    // chained lane's calls are few, but each chain takes its own token: it keeps evenly spaced
    // grants and one call at a time waiting, so held-back lookups never reach the service closer
    // together than its burst of two allows.
    const burst = chained ? 1 : Math.max(1, Math.floor(Math.min(this.perLane, ratePerSecond) / 2));
    const bucket = new TokenBucket({ ratePerSecond, capacity: burst, clock: this.clock });
    const slots = this.slots;
    const waitLimit = pLimit(chained ? 1 : Math.max(1, this.perLane - burst));
    let backlog = 0;
    let priority = this.oneCall.get(service);
    if (!priority) {
      // Seconds the lane still needs at its rate.
      priority = chained ? () => 1 / ratePerSecond : () => backlog / ratePerSecond;
      if (chained) this.oneCall.set(service, priority);
    }
    const remaining = priority;
    const admit = async (unblocks: boolean) => {
      await bucket.acquire({ first: unblocks });
      return slots.acquire(unblocks ? UNBLOCKING : remaining);
    };
    return {
      bucket,
      get backlog() {
        return backlog;
      },
      run: async (call, options) => {
        const unblocks = options?.unblocks === true;
        backlog += 1;
        try {
          // A call others wait on skips the lane's queue: behind the lane's backlog it would hold
          // back the very work that sets the lane's priority.
          const release = await (unblocks ? admit(true) : waitLimit(() => admit(false)));
          try {
            return await call();
          } finally {
            release();
          }
        } finally {
          backlog -= 1;
        }
      },
    };
  }
}

/**
 * The LookupEvents buckets of a pacer by account-region: its `cloudtrail` lanes. For callers that
 * only read CloudTrail (the ledger updates) or inspect its accounting; a collection given one runs
 * every request through its pacer.
 */
export class CloudTrailRateLimiters {
  /** The pacer whose CloudTrail lanes these are. */
  readonly pacer: RequestPacer;

  constructor(ratePerSecond = LOOKUP_EVENTS_PER_SECOND, clock: Clock = defaultClock()) {
    this.pacer = new RequestPacer({ lookupEventsPerSecond: ratePerSecond, clock });
  }

  /** The CloudTrail lane of one account-region (created on first use): its bucket, then a slot of the pacer. */
  lane(accountId: string, region: string): RequestLane {
    return this.pacer.lane('cloudtrail', accountId, region);
  }

  /** The bucket of one account-region (created on first use). */
  for(accountId: string, region: string): TokenBucket {
    return this.pacer.lane('cloudtrail', accountId, region).bucket;
  }

  /** Every bucket by `ACCOUNT/REGION`. */
  entries(): Array<[string, TokenBucket]> {
    return this.pacer
      .laneEntries()
      .filter(([key]) => key.startsWith('cloudtrail/'))
      .map(([key, lane]) => [key.slice('cloudtrail/'.length), lane.bucket]);
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
