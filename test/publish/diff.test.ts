import { describe, expect, it } from 'vitest';
import { diffRuns, producingScopesComplete } from '../../shared/publish/diff.js';
import { CHECK_META, completeScopes, finding, withIncomplete } from './support.js';

const ids = (list: Array<{ id: string }>) => list.map((item) => item.id).sort();

describe('diffRuns', () => {
  const stays = finding({ name: 'payments-api' });
  const goes = finding({ name: 'orders-worker' });
  const arrives = finding({ name: 'report-exporter', severity: 'CRITICAL' });

  it('sorts findings into new, still open and resolved by finding id', () => {
    // Prepare / Act
    const diff = diffRuns([stays, goes], [stays, arrives], completeScopes(), { checks: CHECK_META });
    // Assess
    expect(ids(diff.new)).toEqual([arrives.id]);
    expect(ids(diff.stillOpen)).toEqual([stays.id]);
    expect(ids(diff.resolved)).toEqual([goes.id]);
    expect(diff.unknown).toEqual([]);
  });

  it('treats every finding as new when there is no previous run', () => {
    const diff = diffRuns(undefined, [stays, arrives], completeScopes());
    expect(ids(diff.new)).toEqual(ids([stays, arrives]));
    expect(diff.resolved).toEqual([]);
  });

  it('carries a vanished finding as unknown when its cluster was not fully collected', () => {
    const diff = diffRuns([stays, goes], [stays], withIncomplete(completeScopes(), 'cluster'), {
      checks: CHECK_META,
    });
    expect(ids(diff.unknown)).toEqual([goes.id]);
    expect(diff.resolved).toEqual([]);
    expect(diff.new).toEqual([]);
  });

  it('resolves a vanished finding of another cluster even when one cluster was incomplete', () => {
    const other = finding({ name: 'orders-worker', cluster: 'prod-green' });
    const scopes = [
      ...withIncomplete(completeScopes(), 'cluster'),
      {
        level: 'cluster',
        accountId: other.accountId,
        region: other.region,
        cluster: 'prod-green',
        status: 'complete' as const,
        errors: [],
      },
    ];
    const diff = diffRuns([other], [], scopes, { checks: CHECK_META });
    expect(diff.unknown).toEqual([]);
    expect(ids(diff.resolved)).toEqual([other.id]);
  });

  it('lets incomplete CloudTrail evidence hold back usage findings but not trust findings', () => {
    const unused = finding({ checkId: 'ROLE_UNUSED', name: 'legacy-batch', severity: 'LOW' });
    const diff = diffRuns([unused, goes], [], withIncomplete(completeScopes(), 'cloudtrail'), {
      checks: CHECK_META,
    });
    expect(ids(diff.unknown)).toEqual([unused.id]);
    expect(ids(diff.resolved)).toEqual([goes.id]);
  });

  it('holds back an account-wide finding when any region of its account was incomplete', () => {
    const accountWide = finding({
      checkId: 'IRSA_STALE_PROVIDER',
      name: 'old-etl',
      region: undefined,
      cluster: undefined,
    });
    const diff = diffRuns([accountWide], [], withIncomplete(completeScopes(), 'region'), {
      checks: CHECK_META,
    });
    expect(ids(diff.unknown)).toEqual([accountWide.id]);
  });

  it('never resolves a finding of an account this run did not cover at all', () => {
    const elsewhere = finding({ accountId: '444455556666' });
    const diff = diffRuns([elsewhere], [], completeScopes(), { checks: CHECK_META });
    expect(ids(diff.unknown)).toEqual([elsewhere.id]);
  });

  it('resolves nothing when the baseline was invalid, since nothing else was evaluated', () => {
    const invalid = finding({
      checkId: 'BASELINE_INVALID',
      accountId: '',
      region: undefined,
      cluster: undefined,
      resource: { type: 'Baseline', id: 's3://config/baseline.yaml' },
    });
    const diff = diffRuns([goes], [invalid], completeScopes(), { checks: CHECK_META });
    expect(ids(diff.unknown)).toEqual([goes.id]);
    expect(diff.resolved).toEqual([]);
  });

  it('tracks suppressed findings apart and counts a suppression that ended as new', () => {
    const suppressedNow = { ...stays, suppressed: true, suppressionReason: 'accepted until March' };
    const first = diffRuns([stays], [suppressedNow], completeScopes());
    expect(ids(first.suppressed)).toEqual([stays.id]);
    expect(first.new).toEqual([]);
    expect(first.stillOpen).toEqual([]);
    expect(first.resolved).toEqual([]);

    const second = diffRuns([suppressedNow], [stays], completeScopes());
    expect(ids(second.new)).toEqual([stays.id]);
  });
});

describe('producingScopesComplete', () => {
  it('is false for a cluster finding whose cluster scope is incomplete, true once it is complete', () => {
    const subject = finding();
    expect(producingScopesComplete(subject, withIncomplete(completeScopes(), 'cluster'), 'trust')).toBe(
      false,
    );
    expect(producingScopesComplete(subject, completeScopes(), 'trust')).toBe(true);
  });
});
