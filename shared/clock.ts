import { setTimeout as delay } from 'node:timers/promises';

/**
 * The time everything that waits runs on: client-side pacing, the SDK's retry waits, Lambda
 * deadlines, and the sandbox's rate limits and latency. Production runs on {@link systemClock};
 * tests run on a {@link VirtualClock}, where waiting takes no real time.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Resolves `ms` later on this clock; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Present on clocks where I/O takes no time: runs one request-response exchange with a server,
   * during which the clock stands still, so a request reaches the server at the time it left.
   */
  exchange?<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Present with `exchange`: the server side of an exchange waits (injected latency, a request it
   * never answers); the clock may move meanwhile.
   */
  serverWait?<T>(wait: Promise<T>): Promise<T>;
}

/** The process's monotonic clock: real waits. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => delay(Math.max(0, Math.ceil(ms)), undefined, signal ? { signal } : undefined),
};

interface Sleeper {
  at: number;
  order: number;
  wake: () => void;
}

/** Loop turns without any exchange starting or ending before a virtual clock moves on. */
const QUIET_TURNS = 2;
/** Virtual jumps at least this long (deadlines, long latencies) first wait {@link SETTLE_MS} of real quiet. */
const LONG_JUMP_MS = 2_000;
const SETTLE_MS = 20;

/**
 * Requests libuv runs off the event loop (file system, DNS): work that is in progress although no
 * callback runs, such as the SDK reading the shared config files before it signs a request.
 */
const OFF_LOOP_WORK = /^(FSReq|GetAddrInfo|GetNameInfo)/;

function pendingIo(): boolean {
  return process.getActiveResourcesInfo().some((resource) => OFF_LOOP_WORK.test(resource));
}

/**
 * A clock that moves only when everything waits on it: when no exchange is in flight and the
 * process has been quiet for a couple of event-loop turns, it jumps to the earliest pending wake
 * and wakes the sleepers due then. Concurrent sleepers overlap as they would in real time, a
 * request reaches the server at the virtual time it was sent, and timelines (grant times, a
 * deadline against paced calls) keep their order, while a test waits no real time for any of it.
 *
 * Exchanges count only when made through {@link VirtualClock.exchange} (the client factory does
 * this for every SDK attempt when given a clock that has it); a server-side wait of a client that
 * does not may let the clock move during another client's exchange.
 *
 * @example
 * const clock = new VirtualClock();
 * const sandbox = await startSandbox({ clock });
 * const factory = createClientFactory({ region: 'eu-west-1', endpointUrl: sandbox.url, clock });
 */
export class VirtualClock implements Clock {
  private time: number;
  private order = 0;
  /** Pending sleepers, earliest first (ties: first come, first woken). */
  private readonly sleepers: Sleeper[] = [];
  private exchanges = 0;
  private serving = 0;
  /** Counts exchange starts and ends, so the driver can tell a quiet turn from a busy one. */
  private activity = 0;
  private driving = false;

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Resolves `ms` later (rounded up to whole milliseconds, as timers wait). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (ms === Number.POSITIVE_INFINITY) {
        // Only an abort ends it; it never becomes the clock's next stop.
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        return;
      }
      const onAbort = () => {
        const index = this.sleepers.indexOf(sleeper);
        if (index >= 0) this.sleepers.splice(index, 1);
        reject(signal?.reason);
      };
      const sleeper: Sleeper = {
        // Whole milliseconds, as timers wait: a wait of a fraction always moves the clock.
        at: this.time + Math.ceil(ms),
        order: this.order++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.insert(sleeper);
      this.drive();
    });
  }

  async exchange<T>(work: () => Promise<T>): Promise<T> {
    this.exchanges += 1;
    this.activity += 1;
    try {
      return await work();
    } finally {
      this.exchanges -= 1;
      this.activity += 1;
      this.drive();
    }
  }

  async serverWait<T>(wait: Promise<T>): Promise<T> {
    this.serving += 1;
    this.activity += 1;
    this.drive();
    try {
      return await wait;
    } finally {
      this.serving -= 1;
      this.activity += 1;
    }
  }

  /** Sleepers not yet woken. */
  get pending(): number {
    return this.sleepers.length;
  }

  private insert(sleeper: Sleeper): void {
    // Binary search for the first sleeper due later; equal times keep their arrival order.
    let low = 0;
    let high = this.sleepers.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sleepers[middle].at <= sleeper.at) low = middle + 1;
      else high = middle;
    }
    this.sleepers.splice(low, 0, sleeper);
  }

  /** An exchange is in flight (its end restarts the driver). */
  private exchanging(): boolean {
    return this.exchanges > this.serving;
  }

  /** Starts the driver unless it runs; it stops while exchanges are in flight (their end restarts it). */
  private drive(): void {
    if (this.driving || this.sleepers.length === 0 || this.exchanging()) return;
    this.driving = true;
    setImmediate(() => this.step(this.activity, 0));
  }

  private step(seen: number, quiet: number, settled = false): void {
    if (this.exchanging() || this.sleepers.length === 0) {
      this.driving = false;
      return;
    }
    if (pendingIo()) {
      // Nothing restarts the driver when file system work ends: look again shortly.
      setTimeout(() => this.step(this.activity, 0), 1);
      return;
    }
    if (this.activity !== seen) {
      setImmediate(() => this.step(this.activity, 0));
      return;
    }
    if (quiet < QUIET_TURNS) {
      setImmediate(() => this.step(seen, quiet + 1, settled));
      return;
    }
    if (!settled && this.sleepers[0].at - this.time >= LONG_JUMP_MS) {
      // A long jump (a deadline, a long latency) can overtake work the clock cannot see, such as a
      // module still loading; it waits for a short real pause first, then one more turn for I/O.
      setTimeout(() => setImmediate(() => this.step(seen, quiet, true)), SETTLE_MS);
      return;
    }
    this.time = Math.max(this.time, this.sleepers[0].at);
    while (this.sleepers.length > 0 && this.sleepers[0].at <= this.time) this.sleepers.shift()?.wake();
    // The woken continuations run before the next turn; they may add sleepers or start exchanges.
    setImmediate(() => this.step(this.activity, 0));
  }
}

/**
 * The environment variable that puts a process on virtual time (test-only): when it is `1`,
 * {@link defaultClock} returns one shared {@link VirtualClock} instead of the system clock, so the
 * pacing, SDK retry waits, Lambda deadlines and sandbox limits of every part of the process that
 * takes its default clock (the CLI, the Lambda handlers, a sandbox) wait no real time. Never set
 * it outside tests: a virtual clock does not keep real rate limits.
 */
export const VIRTUAL_TIME_VARIABLE = 'EKS_IDENTITY_AUDIT_VIRTUAL_TIME';

let processVirtualClock: VirtualClock | undefined;

/**
 * The clock of everything not given one: the system clock, or the process's shared virtual clock
 * when {@link VIRTUAL_TIME_VARIABLE} is `1`.
 */
export function defaultClock(): Clock {
  if (process.env[VIRTUAL_TIME_VARIABLE] !== '1') return systemClock;
  processVirtualClock ??= new VirtualClock();
  return processVirtualClock;
}
