import type { ApiAttempt, ApiAttemptObserver, ApiAttemptResult } from '../shared/aws/clients.js';
import type { CollectProgressEvent } from '../shared/collect/index.js';
import { cleanText } from '../shared/report/escape.js';
import { outputMode } from './output.js';

/** Where progress goes: stderr, or a stand-in in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** The time progress reads and the ticker that redraws it; injectable so tests need not wait. */
export interface ProgressTimer {
  now(): number;
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

/** The wall clock, with a ticker that never keeps the process alive. */
export const wallTimer: ProgressTimer = {
  now: () => Date.now(),
  every(ms, tick) {
    const handle = setInterval(tick, ms);
    handle.unref();
    return () => clearInterval(handle);
  },
};

/** How often the progress line is redrawn. */
const REDRAW_MS = 1000;
/** An attempt without an answer for this long is named on the progress line. */
export const STILL_WAITING_MS = 5000;
const CLEAR_LINE = '\r\x1b[2K';

/** Both observers, in order (either may be absent). */
export function bothObservers(
  first: ApiAttemptObserver | undefined,
  second: ApiAttemptObserver | undefined,
): ApiAttemptObserver | undefined {
  if (!first || !second) return first ?? second;
  return {
    started(attempt) {
      first.started?.(attempt);
      second.started?.(attempt);
    },
    finished(attempt, result) {
      first.finished?.(attempt, result);
      second.finished?.(attempt, result);
    },
  };
}

/** `sts:GetCallerIdentity caller/eu-west-1`: the call and its lane (account and region). */
function callName(attempt: ApiAttempt): string {
  return `${attempt.service}:${attempt.operation} ${attempt.account}/${attempt.region}`;
}

/** One attempt as `--verbose` prints it: service, operation, lane, latency, outcome. */
export function verboseLine(attempt: ApiAttempt, result: ApiAttemptResult): string {
  const outcome =
    result.outcome === 'ok' ? 'ok' : `${result.outcome}${result.cause ? ` (${result.cause})` : ''}`;
  return `aws ${callName(attempt)} ${Math.round(result.latencyMs)} ms ${outcome}`;
}

/** `--verbose`: one line per AWS call attempt on `stream` as it ends. */
export function verboseObserver(stream: ProgressStream = process.stderr): ApiAttemptObserver {
  return {
    finished(attempt, result) {
      stream.write(`${cleanText(verboseLine(attempt, result))}\n`);
    },
  };
}

/** The observer the run's client factories get: the `--verbose` lines, when asked for. */
export function runObserver(stream: ProgressStream = process.stderr): ApiAttemptObserver | undefined {
  return outputMode().verbose ? verboseObserver(stream) : undefined;
}

/** Whether progress is drawn on `stream`: a terminal, not `--quiet`, not `--verbose` (its own progress). */
export function showsProgress(stream: ProgressStream): boolean {
  const mode = outputMode();
  return stream.isTTY === true && !mode.quiet && !mode.verbose;
}

/** `75 s` → `1:15`. */
function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const mm = String(minutes % 60).padStart(hours > 0 ? 2 : 1, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** A collection's progress line and what it is drawn from. */
export interface CollectionProgress {
  onProgress(event: CollectProgressEvent): void;
  /** Give to the client factory: counts calls and throttles, and sees calls that get no answer. */
  observer: ApiAttemptObserver;
  /** The line as it would be drawn now. */
  line(): string;
  /** Clears the line (and stops the ticker). */
  done(): void;
}

/**
 * The progress line of a collection on a terminal, redrawn in place: accounts done of the total,
 * API calls, throttled calls, elapsed time, an estimate of the time left, and the call the run has
 * been waiting on the longest once it has waited {@link STILL_WAITING_MS} (an endpoint that never
 * answers shows as that, not as silence). On anything but a terminal it draws nothing.
 */
export function collectionProgress(
  stream: ProgressStream,
  timer: ProgressTimer = wallTimer,
  label = 'collecting',
): CollectionProgress {
  const startedAt = timer.now();
  let accountsDone = 0;
  let accountsTotal: number | undefined;
  let calls = 0;
  let throttled = 0;
  const inFlight = new Set<ApiAttempt>();
  const drawing = showsProgress(stream);
  let drawn = false;

  function line(): string {
    const now = timer.now();
    const elapsed = now - startedAt;
    const parts = [
      accountsTotal === undefined
        ? `${label}: starting`
        : `${label} ${accountsDone}/${accountsTotal} account${accountsTotal === 1 ? '' : 's'}`,
      `${calls} call${calls === 1 ? '' : 's'}`,
      `${throttled} throttled`,
      `${duration(elapsed)} elapsed`,
    ];
    if (accountsTotal !== undefined && accountsDone > 0 && accountsDone < accountsTotal) {
      parts.push(`~${duration((elapsed / accountsDone) * (accountsTotal - accountsDone))} left`);
    }
    let oldest: ApiAttempt | undefined;
    for (const attempt of inFlight) if (!oldest || attempt.startedAt < oldest.startedAt) oldest = attempt;
    if (oldest && now - oldest.startedAt >= STILL_WAITING_MS) {
      parts.push(`still waiting ${duration(now - oldest.startedAt)} for ${callName(oldest)}`);
    }
    return parts.join(' · ');
  }

  function draw(): void {
    if (!drawing) return;
    stream.write(`${CLEAR_LINE}${cleanText(line())}`);
    drawn = true;
  }

  const stop = drawing ? timer.every(REDRAW_MS, draw) : () => {};
  return {
    onProgress(event) {
      accountsTotal = event.accountsTotal;
      accountsDone = event.accountsDone;
      if (event.type === 'account-finished') draw();
    },
    observer: {
      started(attempt) {
        inFlight.add(attempt);
      },
      finished(attempt, result) {
        inFlight.delete(attempt);
        calls += 1;
        if (result.cause === 'throttling') throttled += 1;
      },
    },
    line,
    done() {
      stop();
      if (drawn) stream.write(CLEAR_LINE);
      drawn = false;
    },
  };
}

/** The phase line of a multi-step command (cutover) on a terminal. */
export interface PhaseProgress {
  phase(name: string): void;
  done(): void;
}

/** Shows the current phase (`cutover: collecting`, `cutover: judging`) in place; nothing elsewhere. */
export function phaseProgress(stream: ProgressStream, label: string): PhaseProgress {
  const drawing = showsProgress(stream);
  let drawn = false;
  return {
    phase(name) {
      if (!drawing) return;
      stream.write(`${CLEAR_LINE}${label}: ${name}…`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write(CLEAR_LINE);
      drawn = false;
    },
  };
}
