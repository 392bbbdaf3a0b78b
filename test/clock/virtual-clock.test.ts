import { afterEach, describe, expect, it } from 'vitest';
import { defaultClock, systemClock, VIRTUAL_TIME_VARIABLE, VirtualClock } from '../../shared/clock.js';

/** Resolves after `turns` turns of the event loop. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('VirtualClock', () => {
  it('wakes sleepers in time order, and concurrent sleeps overlap as in real time', async () => {
    // Prepare
    const clock = new VirtualClock();
    const woken: Array<[string, number]> = [];
    const sleep = (name: string, ms: number) => clock.sleep(ms).then(() => woken.push([name, clock.now()]));

    // Act
    await Promise.all([sleep('late', 900), sleep('early', 300), sleep('again', 300), sleep('middle', 500)]);
    await clock.sleep(100);

    // Assess
    expect(woken).toEqual([
      ['early', 300],
      ['again', 300],
      ['middle', 500],
      ['late', 900],
    ]);
    expect(clock.now()).toBe(1000);
  });

  it('resolves a sleep of no time at once, without moving', async () => {
    const clock = new VirtualClock(42);
    await clock.sleep(0);
    await clock.sleep(-5);
    expect(clock.now()).toBe(42);
  });

  it('waits whole milliseconds, so a sleep of a fraction still moves the clock', async () => {
    const clock = new VirtualClock(7);
    await clock.sleep(1e-13);
    await clock.sleep(2.5);
    expect(clock.now()).toBe(11);
  });

  it('drops an aborted sleep: it rejects with the reason and the clock does not go there', async () => {
    // Prepare
    const clock = new VirtualClock();
    const cancel = new AbortController();
    const deadline = clock.sleep(60_000, cancel.signal).catch((error: unknown) => error);

    // Act
    cancel.abort(new Error('work done'));
    await clock.sleep(10);

    // Assess
    expect(await deadline).toMatchObject({ message: 'work done' });
    expect(clock.now()).toBe(10);
    expect(clock.pending).toBe(0);
  });

  it('stands still while an exchange is in flight, and moves on once it ends', async () => {
    // Prepare: an exchange that stays open for many loop turns.
    const clock = new VirtualClock();
    let finish = () => {};
    const exchange = clock.exchange(() => new Promise<void>((resolve) => (finish = resolve)));
    let woke = false;
    const sleeper = clock.sleep(100).then(() => (woke = true));

    // Act
    await turns(20);
    const whileOpen = { woke, now: clock.now() };
    finish();
    await exchange;
    await sleeper;

    // Assess
    expect(whileOpen).toEqual({ woke: false, now: 0 });
    expect(clock.now()).toBe(100);
  });

  it('lets time pass while the server side of an exchange waits on it (injected latency)', async () => {
    // Prepare: a client exchange whose server waits 250 ms on the clock before answering.
    const clock = new VirtualClock();
    const answer = clock.exchange(() => clock.serverWait(clock.sleep(250)).then(() => 'answered'));

    // Act
    const result = await answer;

    // Assess
    expect(result).toBe('answered');
    expect(clock.now()).toBe(250);
  });

  it('closes an exchange whose work fails', async () => {
    const clock = new VirtualClock();
    await expect(clock.exchange(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await clock.sleep(5);
    expect(clock.now()).toBe(5);
  });
});

describe('systemClock', () => {
  it('waits real time and rejects an aborted wait', async () => {
    const started = systemClock.now();
    await systemClock.sleep(5);
    expect(systemClock.now() - started).toBeGreaterThanOrEqual(4);
    const cancel = new AbortController();
    const wait = systemClock.sleep(60_000, cancel.signal);
    cancel.abort();
    await expect(wait).rejects.toThrow(/abort/i);
  });
});

describe('defaultClock', () => {
  const saved = process.env[VIRTUAL_TIME_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[VIRTUAL_TIME_VARIABLE];
    else process.env[VIRTUAL_TIME_VARIABLE] = saved;
  });

  it('is the system clock unless the process is put on virtual time', () => {
    delete process.env[VIRTUAL_TIME_VARIABLE];
    expect(defaultClock()).toBe(systemClock);
    process.env[VIRTUAL_TIME_VARIABLE] = '0';
    expect(defaultClock()).toBe(systemClock);
  });

  it('is one shared virtual clock when EKS_IDENTITY_AUDIT_VIRTUAL_TIME is 1', () => {
    process.env[VIRTUAL_TIME_VARIABLE] = '1';
    const clock = defaultClock();
    expect(clock).toBeInstanceOf(VirtualClock);
    expect(defaultClock()).toBe(clock);
  });
});
