import { type Clock, defaultClock } from '../../shared/clock.js';

/** A deadline signal on a clock, and the way to drop it once the work it guards is done. */
export interface ClockDeadline {
  /** Aborts with a `TimeoutError` `ms` after the call, on the clock. */
  signal: AbortSignal;
  /** Drops the pending wait (the signal then never fires). */
  cancel(): void;
}

/**
 * `AbortSignal.timeout(ms)` on a clock (default: the process's clock, virtual in the sandbox
 * tests), so a deadline keeps its place on the same timeline as the pacing and latency it races.
 *
 * @example const deadline = deadlineAfter(700); try { await work(deadline.signal) } finally { deadline.cancel() }
 */
export function deadlineAfter(ms: number, clock: Clock = defaultClock()): ClockDeadline {
  const controller = new AbortController();
  const cancel = new AbortController();
  clock.sleep(ms, cancel.signal).then(
    () => controller.abort(new DOMException(`the deadline of ${ms} ms passed`, 'TimeoutError')),
    () => {},
  );
  return { signal: controller.signal, cancel: () => cancel.abort() };
}
