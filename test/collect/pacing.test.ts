import { describe, expect, it } from 'vitest';
import { PriorityLimit, RequestPacer } from '../../shared/collect/pacing.js';
import type { Clock } from '../../shared/collect/rate-limit.js';

/**
 * Virtual time: a sleep wakes when the clock reaches its time, and the clock jumps to the earliest
 * pending wake once everything runnable has run, so concurrent sleepers overlap as they would in real
 * time and no assertion depends on real time.
 */
function fakeClock(): Clock {
  let now = 0;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  let driving = false;
  const step = () => {
    const next = sleepers.sort((a, b) => a.at - b.at).shift();
    if (!next) {
      driving = false;
      return;
    }
    now = Math.max(now, next.at);
    next.wake();
    setImmediate(step);
  };
  return {
    now: () => now,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        sleepers.push({ at: now + ms, wake });
        if (!driving) {
          driving = true;
          setImmediate(step);
        }
      }),
  };
}

/** Calls a service's token bucket (`burst` tokens, refilled at `rps`) would throttle among requests at `times` (ms). */
function throttledBy(limit: { rps: number; burst: number }, times: readonly number[]): number {
  let tokens = limit.burst;
  let last = times[0] ?? 0;
  let throttled = 0;
  for (const time of times) {
    tokens = Math.min(limit.burst, tokens + ((time - last) / 1000) * limit.rps);
    last = time;
    if (tokens >= 1 - 1e-9) tokens -= 1;
    else throttled += 1;
  }
  return throttled;
}

/** A call that records how many calls were in flight while it ran. */
function probe(state: { inFlight: number; peak: number }) {
  return async () => {
    state.inFlight += 1;
    state.peak = Math.max(state.peak, state.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    state.inFlight -= 1;
  };
}

/**
 * Holds the pacer's one slot while `queue` hands it calls, lets every call take its token and queue,
 * then frees the slot; resolves with the names in the order the calls started.
 */
async function startOrder(
  pacer: RequestPacer,
  queue: (call: (name: string) => () => Promise<void>) => Array<Promise<unknown>>,
): Promise<string[]> {
  const order: string[] = [];
  const call = (name: string) => async () => {
    order.push(name);
    await new Promise((resolve) => setImmediate(resolve));
  };
  let release = () => {};
  const blocker = pacer.inFlight(() => new Promise<void>((resolve) => (release = resolve)));
  const done = queue(call);
  for (let round = 0; round < 100; round += 1) await new Promise((resolve) => setImmediate(resolve));
  release();
  await Promise.all([blocker, ...done]);
  return order;
}

describe('RequestPacer', () => {
  it('holds each EKS account-region to its own rate', async () => {
    const pacer = new RequestPacer({ eksPerSecond: 10, clock: fakeClock() });
    const west = pacer.lane('eks', '222233334444', 'eu-west-1');

    await Promise.all(Array.from({ length: 25 }, () => west.run(async () => undefined)));

    // A burst of four (half the lane's eight at once), then ten a second.
    const grants = west.bucket.grants();
    expect(grants).toHaveLength(25);
    expect(grants.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(grants.slice(4)).toEqual(Array.from({ length: 21 }, (_, index) => 100 * (index + 1)));
    expect(throttledBy({ rps: 10, burst: 10 }, grants)).toBe(0);
  });

  it('gives every account-region of a regional service and every account of IAM a lane of its own', () => {
    const pacer = new RequestPacer({ clock: fakeClock() });
    const eks = (account: string, region: string) => pacer.lane('eks', account, region);

    expect(eks('222233334444', 'eu-west-1')).toBe(eks('222233334444', 'eu-west-1'));
    expect(eks('222233334444', 'eu-west-1')).not.toBe(eks('222233334444', 'us-east-1'));
    expect(eks('222233334444', 'eu-west-1')).not.toBe(eks('555566667777', 'eu-west-1'));
    expect(pacer.lane('iam', '222233334444', 'eu-west-1')).toBe(
      pacer.lane('iam', '222233334444', 'us-east-1'),
    );
    expect(pacer.lane('iam', '222233334444', 'eu-west-1')).not.toBe(
      pacer.lane('iam', '555566667777', 'eu-west-1'),
    );
    pacer.lane('cloudtrail', '222233334444', 'eu-west-1');
    expect(pacer.laneEntries().map(([key]) => key)).toEqual([
      'cloudtrail/222233334444/eu-west-1',
      'eks/222233334444/eu-west-1',
      'eks/222233334444/us-east-1',
      'eks/555566667777/eu-west-1',
      'iam/222233334444',
      'iam/555566667777',
    ]);
  });

  it('keeps a slow lane from delaying a fast one: both lanes run at their own rates at the same time', async () => {
    const pacer = new RequestPacer({ eksPerSecond: 10, iamPerSecond: 2, clock: fakeClock() });
    const eks = pacer.lane('eks', '222233334444', 'eu-west-1');
    const iam = pacer.lane('iam', '222233334444', 'eu-west-1');

    await Promise.all([
      ...Array.from({ length: 20 }, () => eks.run(async () => undefined)),
      ...Array.from({ length: 4 }, () => iam.run(async () => undefined)),
    ]);

    expect(eks.bucket.grants().at(-1)).toBe(1600);
    expect(iam.bucket.grants()).toEqual([0, 500, 1000, 1500]);
  });

  it('never lets more requests in flight than the global cap, across lanes', async () => {
    const pacer = new RequestPacer({ eksPerSecond: 1000, maxInFlight: 3, perLane: 8, clock: fakeClock() });
    const state = { inFlight: 0, peak: 0 };

    await Promise.all(
      ['eu-west-1', 'us-east-1', 'ap-northeast-1'].flatMap((region) =>
        Array.from({ length: 6 }, () => pacer.lane('eks', '222233334444', region).run(probe(state))),
      ),
    );

    expect(state.peak).toBe(3);
  });

  it('shares one LookupEvents bucket per account-region at 2 requests per second by default', () => {
    const pacer = new RequestPacer({ clock: fakeClock() });

    const bucket = pacer.lane('cloudtrail', '222233334444', 'eu-west-1').bucket;

    expect(bucket).toBe(pacer.lane('cloudtrail', '222233334444', 'eu-west-1').bucket);
    expect(bucket).not.toBe(pacer.lane('cloudtrail', '222233334444', 'us-east-1').bucket);
    expect(bucket.ratePerSecond).toBe(2);
  });

  it('keeps LookupEvents to 2 per second per account-region whatever the lookups ask for', async () => {
    const pacer = new RequestPacer({ clock: fakeClock() });
    const trail = pacer.lane('cloudtrail', '222233334444', 'eu-west-1');

    // Pages follow each other's token: one call at a time.
    for (let page = 0; page < 9; page += 1) await trail.run(async () => undefined);

    expect(trail.bucket.grants()).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]);
    expect(trail.bucket.maxGrantsInWindow(1000)).toBe(2);
  });

  it('gives a waiting LookupEvents page the priority of one call at its rate', async () => {
    const pacer = new RequestPacer({ eksPerSecond: 1000, maxInFlight: 1, clock: fakeClock() });
    const eks = pacer.lane('eks', '222233334444', 'eu-west-1');
    const trail = pacer.lane('cloudtrail', '222233334444', 'eu-west-1');

    // Three EKS calls at 1,000/s are 3 ms of work; one page at 2/s is 500 ms: the page goes first.
    const order = await startOrder(pacer, (call) => [
      ...Array.from({ length: 3 }, () => eks.run(call('eks'))),
      trail.run(call('page')),
    ]);

    expect(order).toEqual(['page', 'eks', 'eks', 'eks']);
  });

  it('refuses rates and caps that are not positive', () => {
    expect(() => new RequestPacer({ eksPerSecond: 0 })).toThrow(RangeError);
    expect(() => new RequestPacer({ maxInFlight: 1.5 })).toThrow(RangeError);
  });

  it('gives a free slot to the lane with the most time left at its rate', async () => {
    const pacer = new RequestPacer({ eksPerSecond: 1000, maxInFlight: 1, clock: fakeClock() });
    const busy = pacer.lane('eks', '222233334444', 'eu-west-1');
    const light = pacer.lane('eks', '555566667777', 'eu-west-1');

    // The light lane asks first, but the busy lane has twenty calls left against its one.
    const order = await startOrder(pacer, (call) => [
      light.run(call('light')),
      ...Array.from({ length: 20 }, () => busy.run(call('busy'))),
    ]);

    expect(order).toHaveLength(21);
    expect(order.indexOf('light')).toBeGreaterThanOrEqual(19);
  });

  it('sends the calls other calls wait on ahead of every lane backlog, skipping their own lane queue', async () => {
    const pacer = new RequestPacer({ eksPerSecond: 1000, maxInFlight: 1, perLane: 2, clock: fakeClock() });
    const busy = pacer.lane('eks', '222233334444', 'eu-west-1');
    const light = pacer.lane('eks', '555566667777', 'eu-west-1');

    // Twenty Describes fill the busy lane's queue before its next List page and another account's
    // AssumeRole (made through the in-flight cap directly) ask.
    const order = await startOrder(pacer, (call) => [
      ...Array.from({ length: 20 }, () => busy.run(call('describe'))),
      light.run(call('light list'), { unblocks: true }),
      busy.run(call('busy list'), { unblocks: true }),
      pacer.inFlight(call('assume role')),
    ]);

    expect([...order.slice(0, 3)].sort()).toEqual(['assume role', 'busy list', 'light list']);
    expect(order.slice(3)).toEqual(Array(20).fill('describe'));
  });

  it('lets one LookupEvents call at a time wait for a slot with its token, so held-back calls never bunch', async () => {
    const clock = fakeClock();
    const pacer = new RequestPacer({ maxInFlight: 1, clock });
    const trail = pacer.lane('cloudtrail', '222233334444', 'eu-west-1');
    const sent: number[] = [];

    // Three lookups ask at once while another call holds the only slot for 2 s.
    const blocker = pacer.inFlight(() => clock.sleep(2000));
    const lookups = Array.from({ length: 3 }, () => trail.run(async () => void sent.push(clock.now())));
    await Promise.all([blocker, ...lookups]);

    expect(trail.bucket.grants()).toEqual([0, 2000, 2500]);
    expect(sent).toEqual([2000, 2000, 2500]);
  });

  it('keeps a lane at its rate however long its calls take to answer', async () => {
    const clock = fakeClock();
    const pacer = new RequestPacer({ eksPerSecond: 10, perLane: 8, clock });
    const lane = pacer.lane('eks', '222233334444', 'eu-west-1');

    // Answers that take 2 s: eight calls at a time would make 4 calls a second.
    await Promise.all(Array.from({ length: 60 }, () => lane.run(() => clock.sleep(2000))));

    expect(lane.bucket.grants().at(-1)).toBe(5600);
    expect(clock.now()).toBe(7600);
  });

  it('catches up after its timer woke late, by no more than its burst', async () => {
    const base = fakeClock();
    // Every wake-up comes 250 ms late, as on a busy event loop.
    const late: Clock = { now: base.now, sleep: (ms) => base.sleep(ms + 250) };
    const pacer = new RequestPacer({ eksPerSecond: 10, clock: late });
    const lane = pacer.lane('eks', '222233334444', 'eu-west-1');

    await Promise.all(Array.from({ length: 40 }, () => lane.run(async () => undefined)));

    const grants = lane.bucket.grants();
    // Evenly spaced grants would come one per late wake-up: 36 of them after the burst, 12.6 s.
    expect(grants.at(-1)).toBeLessThanOrEqual(4500);
    expect(throttledBy({ rps: 10, burst: 10 }, grants)).toBe(0);
    expect(lane.bucket.maxGrantsInWindow(100)).toBeLessThanOrEqual(4);
  });
});

describe('PriorityLimit', () => {
  it('starts the waiting call with the highest priority when a slot frees, first come first served on ties', async () => {
    const limit = new PriorityLimit(1);
    const order: string[] = [];
    const call = (name: string) => async () => {
      order.push(name);
      await new Promise((resolve) => setImmediate(resolve));
    };

    await Promise.all([
      limit.run(call('first')),
      limit.run(call('low'), () => 1),
      limit.run(call('high'), () => 5),
      limit.run(call('low again'), () => 1),
    ]);

    expect(order).toEqual(['first', 'high', 'low', 'low again']);
    expect(limit.activeCount).toBe(0);
  });

  it('passes a failure to its caller and frees the slot', async () => {
    const limit = new PriorityLimit(1);

    const failed = limit.run(async () => {
      throw new Error('ThrottlingException');
    });
    const next = limit.run(async () => 'ran');

    await expect(failed).rejects.toThrow('ThrottlingException');
    await expect(next).resolves.toBe('ran');
  });
});
