import { type Clock, defaultClock } from '../clock.js';

/** Time source for rate limiting; tests inject a virtual one so no assertion depends on wall-clock time. */
export { type Clock, systemClock } from '../clock.js';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Tokens the bucket holds at most (the burst). Default 1: requests are evenly spaced. */
  capacity?: number;
  /** Default: {@link defaultClock} (the system clock outside tests). */
  clock?: Clock;
}

/** How a caller waits for a token. */
export interface AcquireOptions {
  /** Served before every caller waiting without it (first come, first served among themselves). */
  first?: boolean;
}

/**
 * A first-come-first-served token bucket (callers asking `first` go ahead of the others). With the
 * default capacity of 1, grants are spaced at least `1000 / ratePerSecond` ms apart, so any
 * one-second window holds at most `ratePerSecond` grants. It keeps its own record of grant times so
 * callers can prove the rate was kept.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly capacity: number;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  /** Theoretical arrival time (GCRA): when the bucket would be empty again at the steady rate. */
  private theoreticalArrival: number;
  /** Waiters in grant order: those that asked `first`, then the rest. */
  private readonly waiting: Array<{ first: boolean; grant: () => void }> = [];
  /** Waiters at the head of {@link waiting} that asked `first`. */
  private firstCount = 0;
  private granting = false;
  private readonly grantTimes: number[] = [];

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    this.ratePerSecond = options.ratePerSecond;
    this.capacity = options.capacity ?? 1;
    this.clock = options.clock ?? defaultClock();
    this.intervalMs = 1000 / this.ratePerSecond;
    this.theoreticalArrival = this.clock.now();
  }

  /** Resolves when the caller may make one request. */
  acquire(options: AcquireOptions = {}): Promise<void> {
    return new Promise<void>((grant) => {
      const first = options.first === true;
      if (first) {
        this.waiting.splice(this.firstCount, 0, { first, grant });
        this.firstCount += 1;
      } else {
        this.waiting.push({ first, grant });
      }
      if (!this.granting) void this.grantInTurn();
    });
  }

  /** Times (on the bucket's clock) at which requests were granted, oldest first. */
  grants(): readonly number[] {
    return this.grantTimes;
  }

  /** The most grants that fell into any half-open window `[t, t + windowMs)`. */
  maxGrantsInWindow(windowMs = 1000): number {
    let best = 0;
    let start = 0;
    for (let end = 0; end < this.grantTimes.length; end += 1) {
      while (this.grantTimes[end] - this.grantTimes[start] >= windowMs) start += 1;
      best = Math.max(best, end - start + 1);
    }
    return best;
  }

  /** Grants tokens one at a time while callers wait; the head of the queue when a token is due gets it. */
  private async grantInTurn(): Promise<void> {
    this.granting = true;
    try {
      while (this.waiting.length > 0) {
        await this.take();
        const waiter = this.waiting.shift();
        if (waiter?.first) this.firstCount -= 1;
        waiter?.grant();
      }
    } finally {
      this.granting = false;
    }
  }

  private async take(): Promise<void> {
    // Generic cell rate algorithm: exact time arithmetic, so grant spacing never erodes through rounding.
    let now = this.clock.now();
    let allowedAt = this.theoreticalArrival - (this.capacity - 1) * this.intervalMs;
    // Timers may wake a little early, so check again after every sleep.
    while (now < allowedAt) {
      await this.clock.sleep(allowedAt - now);
      now = this.clock.now();
      allowedAt = this.theoreticalArrival - (this.capacity - 1) * this.intervalMs;
    }
    this.theoreticalArrival = Math.max(this.theoreticalArrival, now) + this.intervalMs;
    this.grantTimes.push(now);
  }
}

/** CloudTrail's documented LookupEvents limit: 2 requests per second per account per region. */
export const LOOKUP_EVENTS_PER_SECOND = 2;
