import { afterEach, describe, expect, it } from 'vitest';
import { configureOutput } from '../../cli/output.js';
import {
  bothObservers,
  collectionProgress,
  type ProgressTimer,
  phaseProgress,
  STILL_WAITING_MS,
  verboseLine,
  verboseObserver,
} from '../../cli/progress.js';
import type { ApiAttempt } from '../../shared/aws/clients.js';

/** A timer the test moves by hand; `tick()` runs what `every` scheduled. */
function manualTimer(): ProgressTimer & { advance(ms: number): void; ticks: number; stopped: boolean } {
  let now = 1_000_000;
  let tick: (() => void) | undefined;
  const timer = {
    ticks: 0,
    stopped: false,
    now: () => now,
    every(_ms: number, fn: () => void) {
      tick = fn;
      return () => {
        timer.stopped = true;
        tick = undefined;
      };
    },
    advance(ms: number) {
      now += ms;
      timer.ticks += 1;
      tick?.();
    },
  };
  return timer;
}

function terminal(isTTY: boolean): { isTTY: boolean; written: string[]; write(text: string): void } {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

const attempt = (operation: string, startedAt: number, region = 'eu-west-1'): ApiAttempt => ({
  account: '222233334444',
  region,
  service: 'eks',
  operation,
  startedAt,
});

afterEach(() => configureOutput({}));

describe('collection progress', () => {
  it('draws accounts, calls, throttles, elapsed time and an estimate on a terminal, redrawn in place', () => {
    const timer = manualTimer();
    const stream = terminal(true);
    const progress = collectionProgress(stream, timer);

    progress.onProgress({
      type: 'account-started',
      accountId: '222233334444',
      accountsDone: 0,
      accountsTotal: 4,
    });
    for (let call = 0; call < 12; call += 1) {
      const started = attempt('ListClusters', timer.now());
      progress.observer.started?.(started);
      progress.observer.finished?.(started, {
        latencyMs: 40,
        outcome: call < 3 ? 'ThrottlingException' : 'ok',
        ...(call < 3 ? { cause: 'throttling' as const } : {}),
      });
    }
    timer.advance(30_000);
    progress.onProgress({
      type: 'account-finished',
      accountId: '222233334444',
      accountsDone: 1,
      accountsTotal: 4,
      errorCount: 0,
    });

    const last = stream.written.at(-1) ?? '';
    expect(last.startsWith('\r\x1b[2K')).toBe(true);
    expect(last).toContain('collecting 1/4 accounts · 12 calls · 3 throttled · 0:30 elapsed · ~1:30 left');
    expect(stream.written.every((text) => !text.includes('\n'))).toBe(true);

    progress.done();
    expect(stream.written.at(-1)).toBe('\r\x1b[2K');
    expect(timer.stopped).toBe(true);
  });

  it('names the call it has been waiting on once it has waited long, instead of staying silent', () => {
    const timer = manualTimer();
    const stream = terminal(true);
    const progress = collectionProgress(stream, timer);
    progress.observer.started?.({
      ...attempt('GetCallerIdentity', timer.now()),
      service: 'sts',
      account: 'caller',
    });

    timer.advance(STILL_WAITING_MS - 1000);
    expect(stream.written.at(-1)).not.toContain('still waiting');
    timer.advance(8000);

    expect(stream.written.at(-1)).toContain('collecting: starting · 0 calls · 0 throttled · 0:12 elapsed');
    expect(stream.written.at(-1)).toContain('still waiting 0:12 for sts:GetCallerIdentity caller/eu-west-1');
    progress.done();
  });

  it('writes nothing when stderr is not a terminal, and nothing under --quiet or --verbose', () => {
    for (const [isTTY, mode] of [
      [false, {}],
      [true, { quiet: true }],
      [true, { verbose: true }],
    ] as const) {
      configureOutput(mode);
      const timer = manualTimer();
      const stream = terminal(isTTY);
      const progress = collectionProgress(stream, timer);
      progress.onProgress({
        type: 'account-finished',
        accountId: '1',
        accountsDone: 1,
        accountsTotal: 1,
        errorCount: 0,
      });
      timer.advance(10_000);
      progress.done();

      expect(stream.written).toEqual([]);
      // The line is still computed (for a test or a caller that wants it), only never drawn.
      expect(progress.line()).toContain('collecting 1/1 account');
    }
  });
});

describe('cutover phases', () => {
  it('shows each phase in place on a terminal and clears it', () => {
    const stream = terminal(true);
    const phases = phaseProgress(stream, 'cutover');
    phases.phase('collecting');
    phases.phase('judging prod-blue → prod-green (pre)');
    phases.done();

    expect(stream.written).toEqual([
      '\r\x1b[2Kcutover: collecting…',
      '\r\x1b[2Kcutover: judging prod-blue → prod-green (pre)…',
      '\r\x1b[2K',
    ]);
  });

  it('writes nothing elsewhere', () => {
    const stream = terminal(false);
    const phases = phaseProgress(stream, 'cutover');
    phases.phase('collecting');
    phases.done();

    expect(stream.written).toEqual([]);
  });
});

describe('--verbose lines', () => {
  it('name the service, operation, lane, latency and outcome of each attempt', () => {
    expect(verboseLine(attempt('ListClusters', 0), { latencyMs: 41.6, outcome: 'ok' })).toBe(
      'aws eks:ListClusters 222233334444/eu-west-1 42 ms ok',
    );
    expect(
      verboseLine(attempt('DescribeCluster', 0, 'us-east-1'), {
        latencyMs: 5003,
        outcome: 'TimeoutError',
        cause: 'timeout',
      }),
    ).toBe('aws eks:DescribeCluster 222233334444/us-east-1 5003 ms TimeoutError (timeout)');
  });

  it('are written one per line as attempts end, and combine with another observer', () => {
    const stream = terminal(false);
    const seen: string[] = [];
    const observer = bothObservers(verboseObserver(stream), {
      finished: (call) => seen.push(call.operation),
    });
    observer?.finished?.(attempt('ListClusters', 0), { latencyMs: 3, outcome: 'ok' });

    expect(stream.written).toEqual(['aws eks:ListClusters 222233334444/eu-west-1 3 ms ok\n']);
    expect(seen).toEqual(['ListClusters']);
  });
});
