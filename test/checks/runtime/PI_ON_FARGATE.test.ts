import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/runtime/PI_ON_FARGATE.js';
import { snapshot } from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, REGION } from '../trust/harness.js';

type Selector = { namespace: string; labels?: Record<string, string> };

function fargate(namespace: string, selectors: Selector[]) {
  return snapshot().account(ACCOUNT, (a) =>
    a
      .role('jobs')
      .region(REGION, (r) =>
        r.cluster('prod-blue', {}, (c) =>
          c
            .association({ namespace, serviceAccount: 'runner', roleName: 'jobs' })
            .addon('eks-pod-identity-agent')
            .fargateProfile('fp-batch', selectors),
        ),
      ),
  );
}

describe('PI_ON_FARGATE', () => {
  it('fires HIGH when a Fargate profile selects the whole namespace', () => {
    const drafts = evaluate(check, fargate('batch', [{ namespace: 'batch' }]));

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      severity: 'HIGH',
      cluster: 'prod-blue',
      resource: { type: 'AwsEksPodIdentityAssociation' },
      evidence: { fargateProfiles: ['fp-batch'], allPods: true },
    });
    expect(drafts[0].message).toContain('all its pods run on Fargate');
  });

  it('does not fire for a namespace the selectors do not match (batch-2 vs batch)', () => {
    expect(evaluate(check, fargate('batch-2', [{ namespace: 'batch' }]))).toEqual([]);
  });

  it('matches wildcard namespace selectors', () => {
    expect(evaluate(check, fargate('batch-2', [{ namespace: 'batch-*' }]))).toHaveLength(1);
    expect(evaluate(check, fargate('batch-22', [{ namespace: 'batch-?' }]))).toEqual([]);
  });

  it('fires MEDIUM and names the labels when the selector only takes labelled pods', () => {
    const drafts = evaluate(
      check,
      fargate('batch', [{ namespace: 'batch', labels: { compute: 'fargate' } }]),
    );

    expect(drafts).toHaveLength(1);
    expect(drafts[0].severity).toBe('MEDIUM');
    expect(drafts[0].message).toContain('pods with labels {compute=fargate} run on Fargate');
    expect(drafts[0].evidence).toMatchObject({ allPods: false });
  });
});
