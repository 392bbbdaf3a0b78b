import { describe, expect, it } from 'vitest';
import { FaultEngine } from '../../sandbox/faults.js';
import type { FaultRule } from '../../sandbox/types.js';

const ACCOUNT = '222233334444';

function eksCall(operation: string, region = 'eu-west-1') {
  return { account: ACCOUNT, targetAccount: ACCOUNT, service: 'eks', operation, region };
}

/** A fault engine on a clock that never moves, so buckets never refill during a test. */
function engineWith(rule: FaultRule): FaultEngine {
  const engine = new FaultEngine(1, () => 0);
  engine.setBaseRules([rule], 1);
  return engine;
}

describe('sandbox rate limits', () => {
  it('share one bucket among every operation of the service when perOperation is false', () => {
    const engine = engineWith({ service: 'eks', rateLimit: { rps: 10, burst: 2, perOperation: false } });

    const outcomes = ['ListClusters', 'DescribeCluster', 'DescribePodIdentityAssociation'].map(
      (operation) => engine.evaluate(eksCall(operation)).outcome?.kind,
    );

    expect(outcomes).toEqual([undefined, undefined, 'throttle']);
  });

  it('keep one bucket per operation by default', () => {
    const engine = engineWith({ service: 'eks', rateLimit: { rps: 10, burst: 2 } });

    const outcomes = ['ListClusters', 'DescribeCluster', 'DescribePodIdentityAssociation'].map(
      (operation) => engine.evaluate(eksCall(operation)).outcome?.kind,
    );

    expect(outcomes).toEqual([undefined, undefined, undefined]);
  });

  it('keep regions apart in a shared service bucket', () => {
    const engine = engineWith({ service: 'eks', rateLimit: { rps: 10, burst: 1, perOperation: false } });

    const first = engine.evaluate(eksCall('ListClusters', 'eu-west-1')).outcome?.kind;
    const otherRegion = engine.evaluate(eksCall('ListClusters', 'us-east-1')).outcome?.kind;
    const sameRegion = engine.evaluate(eksCall('DescribeCluster', 'eu-west-1')).outcome?.kind;

    expect([first, otherRegion, sameRegion]).toEqual([undefined, undefined, 'throttle']);
  });
});
