import { describe, expect, it } from 'vitest';
import { CloudTrailRateLimiters } from '../../shared/collect/pacing.js';
import { type Clock, TokenBucket } from '../../shared/collect/rate-limit.js';

/** A clock that only moves when someone sleeps on it, so tests never depend on real time. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('spaces grants so that no one-second window holds more than the rate', async () => {
    // Prepare
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, clock });

    // Act
    await Promise.all(Array.from({ length: 9 }, () => bucket.acquire()));

    // Assess
    expect(bucket.grants()).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]);
    expect(bucket.maxGrantsInWindow(1000)).toBe(2);
  });

  it('grants immediately when the bucket has had time to refill', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, clock });
    await bucket.acquire();
    await clock.sleep(10_000);
    clock.sleeps.length = 0;

    await bucket.acquire();

    expect(clock.sleeps).toEqual([]);
    expect(bucket.grants()).toEqual([0, 10_000]);
  });

  it('allows a burst up to its capacity, then holds the rate', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, capacity: 3, clock });

    await Promise.all(Array.from({ length: 5 }, () => bucket.acquire()));

    expect(bucket.grants()).toEqual([0, 0, 0, 500, 1000]);
    expect(bucket.maxGrantsInWindow(1000)).toBe(4);
  });

  it('waits again when a timer wakes up before a whole token has accrued', async () => {
    let now = 0;
    const early: Clock = {
      now: () => now,
      sleep: async (ms) => {
        now += Math.max(1, ms - 1);
      },
    };
    const bucket = new TokenBucket({ ratePerSecond: 2, clock: early });

    await bucket.acquire();
    await bucket.acquire();

    expect(bucket.grants()).toEqual([0, 500]);
  });

  it('grants a caller that asks first ahead of those waiting without asking, in turn among themselves', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, clock });
    const order: string[] = [];
    const take = (name: string, first = false) =>
      bucket.acquire({ first }).then(() => {
        order.push(name);
      });

    await Promise.all([
      take('first page'),
      take('second page'),
      take('third page'),
      take('urgent', true),
      take('urgent again', true),
    ]);

    expect(order).toEqual(['urgent', 'urgent again', 'first page', 'second page', 'third page']);
    expect(bucket.grants()).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
  });
});

describe('CloudTrailRateLimiters', () => {
  it('shares one bucket per account-region and keeps others separate', () => {
    const limiters = new CloudTrailRateLimiters(2, fakeClock());

    const first = limiters.for('111122223333', 'us-east-1');

    expect(limiters.for('111122223333', 'us-east-1')).toBe(first);
    expect(limiters.for('111122223333', 'eu-west-1')).not.toBe(first);
    expect(limiters.for('444455556666', 'us-east-1')).not.toBe(first);
    expect(limiters.entries().map(([key]) => key)).toEqual([
      '111122223333/eu-west-1',
      '111122223333/us-east-1',
      '444455556666/us-east-1',
    ]);
  });
});
