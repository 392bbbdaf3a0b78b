import { describe, expect, it } from 'vitest';
import { diffRuns, producingScopesComplete } from '../../shared/publish/diff.js';
import {
  CHECK_META,
  completeScopes,
  finding,
  MEMBER_ACCOUNT as MEMBER,
  REGION,
  withIncomplete,
} from './support.js';

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

  it("keeps a finding resolved earlier whose archiving is pending apart from this run's resolved ones, and counts it new when it returns", () => {
    // Prepare: the previous record carries `goes` as archive-pending (resolved, not yet archived).
    const pending = { ...goes, carried: 'archive-pending' as const };
    // Act
    const absent = diffRuns([stays, pending], [stays], completeScopes(), { checks: CHECK_META });
    const back = diffRuns([stays, pending], [stays, goes], completeScopes(), { checks: CHECK_META });
    // Assess: archived again, never resolved twice; back again, it is news.
    expect(ids(absent.archivePending)).toEqual([goes.id]);
    expect(absent.resolved).toEqual([]);
    expect(absent.unknown).toEqual([]);
    expect(ids(back.new)).toEqual([goes.id]);
    expect(ids(back.stillOpen)).toEqual([stays.id]);
    expect(back.archivePending).toEqual([]);
  });
});

describe('diffRuns on absence claims that rest on other accounts and regions', () => {
  const PLATFORM = '111111111111';
  const DATA = '222222222222';
  // A dangling provider in the platform account: the claim rests on us-east-1's cluster listing in
  // the platform account and in the data account, where the issuer's cluster could run.
  const dangling = finding({
    checkId: 'OIDC_PROVIDER_DANGLING',
    severity: 'LOW',
    accountId: PLATFORM,
    cluster: undefined,
    resource: {
      type: 'AwsIamOidcProvider',
      id: `arn:aws:iam::${PLATFORM}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/94C8034A0996D9BA152E95995ACDD377`,
    },
    restsOn: [
      { level: 'region', accountId: PLATFORM, region: REGION },
      { level: 'region', accountId: DATA, region: REGION },
    ],
  });
  const platformScopes = completeScopes(PLATFORM).filter((scope) => scope.level !== 'cluster');

  it('resolves it when every scope it rests on was complete', () => {
    const diff = diffRuns([dangling], [], [...platformScopes, ...completeScopes(DATA)], {
      checks: CHECK_META,
    });
    expect(ids(diff.resolved)).toEqual([dangling.id]);
  });

  it("keeps it unknown when the other account's region was incomplete, though its own account was complete", () => {
    const diff = diffRuns(
      [dangling],
      [],
      [...platformScopes, ...withIncomplete(completeScopes(DATA), 'region')],
      { checks: CHECK_META },
    );
    expect(ids(diff.unknown)).toEqual([dangling.id]);
    expect(diff.resolved).toEqual([]);
  });

  it('keeps it unknown when this run did not collect a scope it rests on at all', () => {
    const diff = diffRuns([dangling], [], platformScopes, { checks: CHECK_META });
    expect(ids(diff.unknown)).toEqual([dangling.id]);
  });

  it('keeps it unknown when this run withheld the same claim as undecided', () => {
    const diff = diffRuns([dangling], [], [...platformScopes, ...completeScopes(DATA)], {
      checks: CHECK_META,
      undecided: [dangling.id],
    });
    expect(ids(diff.unknown)).toEqual([dangling.id]);
  });

  it('judges a cluster it rests on by the region listing when the cluster is gone', () => {
    const missing = finding({
      checkId: 'PI_ASSOCIATION_MISSING',
      cluster: 'prod-green',
      restsOn: [{ level: 'cluster', accountId: MEMBER, region: REGION, cluster: 'prod-green' }],
    });
    const complete = completeScopes();
    expect(ids(diffRuns([missing], [], complete, { checks: CHECK_META }).resolved)).toEqual([missing.id]);
    const unlisted = withIncomplete(complete, 'region');
    expect(ids(diffRuns([missing], [], unlisted, { checks: CHECK_META }).unknown)).toEqual([missing.id]);
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
