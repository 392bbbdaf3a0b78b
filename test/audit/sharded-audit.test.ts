import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { seededRandom } from '../../sandbox/wire.js';
import { runAudit, undecidedFindingIds } from '../../shared/audit.js';
import { parseBaseline } from '../../shared/baseline/index.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { ledgerUsageWindow } from '../../shared/run/usage.js';
import {
  auditShard,
  joinFactsOf,
  linkedAccounts,
  mergeShardAudits,
  planShards,
  type ShardAudit,
  unresolvedRoleReferences,
  withRoles,
} from '../../shared/shard.js';
import {
  normalizeSnapshot,
  parseSnapshot,
  type Snapshot,
  type SnapshotAccount,
} from '../../shared/snapshot/index.js';
import type { Ledger } from '../../shared/usage/ledger.js';
import { ledgersFromInventory } from '../../shared/usage/ledger-index.js';
import {
  allowPolicy,
  assumeRoleForPodIdentityEvent,
  collectionError,
  crossAccountTargetTrust,
  irsaTrust,
  irsaWebIdentityEvent,
  oidcIdFor,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
  roleArnOf,
  snapshot,
  targetRoleAssumeRoleEvent,
  workerNodePolicy,
} from '../support/snapshot-builder.js';
import { multiAccountBaseline, multiAccountSnapshot } from './multi-account-estate.js';

const NOW = '2026-11-29T02:00:00Z';
const EAST = 'us-east-1';
const WEST = 'eu-west-1';
const LAST_WEEK = '2026-11-20T08:00:00Z';
const LONG_AGO = '2025-01-10T00:00:00Z';
/** Declared in the baseline, never planned: its findings belong to no shard's accounts. */
const UNPLANNED = '299999999999';

const accountOf = (index: number) => String(210000000000 + index * 1010101);
const clusterOf = (index: number) => `c${index}`;
const scopedTrust = (accountId: string) =>
  podIdentityTrust({ conditions: { StringEquals: { 'aws:SourceAccount': accountId } } });
const nodeTrust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/**
 * An organization of `count` accounts in a ring: account i runs cluster c<i> (every fifth account
 * runs none and only holds roles), owns an IRSA role trusting the next account's cluster through
 * its own provider (cross-account IRSA), a role trusting a cluster deleted long ago, and Pod
 * Identity associations whose target roles live two accounts further on — trusted correctly,
 * without sts:TagSession, trusting only its own account, or missing — with CloudTrail evidence on
 * both sides. Some accounts lose IAM, a region or CloudTrail; the last one never wrote its part.
 */
function generatedOrganization(seed: number, count: number): { snapshot: Snapshot; baseline: Baseline } {
  const next = seededRandom(seed);
  const runsCluster = (index: number) => index % 5 !== 4;
  const builder = snapshot({ capturedAt: NOW });
  const targetKinds = Array.from({ length: count }, () => Math.floor(next() * 4));
  for (let index = 0; index < count; index += 1) {
    const accountId = accountOf(index);
    if (index === count - 1) {
      builder.account(accountId, (account) =>
        account.error(collectionError('lambda', 'CollectAccount', 'PartMissing', 'no part')),
      );
      continue;
    }
    const nextIndex = (index + 1) % count;
    builder.account(accountId, (account) => {
      account
        .role(`irsa-${index}`, {
          trust: irsaTrust({
            accountId,
            region: EAST,
            oidcId: oidcIdFor(clusterOf(nextIndex)),
            subject: ['system:serviceaccount:ingest:loader', 'system:serviceaccount:ingest:idle'],
          }),
          ...(next() < 0.5 ? { lastUsed: LAST_WEEK, lastUsedRegion: EAST } : {}),
        })
        .oidcProvider({ region: EAST, oidcId: oidcIdFor(clusterOf(nextIndex)) })
        .role(`stale-${index}`, {
          trust: irsaTrust({
            accountId,
            region: EAST,
            oidcId: oidcIdFor(`gone-${index}`),
            subject: 'system:serviceaccount:a:b',
          }),
          createDate: '2024-03-01T00:00:00Z',
        })
        .oidcProvider({ region: EAST, oidcId: oidcIdFor(`gone-${index}`) })
        .role(`idle-${index}`, { trust: scopedTrust(accountId), createDate: '2024-01-01T00:00:00Z' });
      // The target role of account index-2's association.
      const sourceIndex = (index - 2 + count) % count;
      const sourceAccount = accountOf(sourceIndex);
      const kind = targetKinds[sourceIndex];
      if (runsCluster(sourceIndex) && kind !== 3) {
        account.role(`target-${sourceIndex}`, {
          trust:
            kind === 2
              ? scopedTrust(accountId)
              : crossAccountTargetTrust({
                  sourceAccountId: sourceAccount,
                  associationRoleArn: roleArnOf(sourceAccount, `reader-${sourceIndex}`),
                  ...(kind === 1 ? { tagSession: false } : {}),
                }),
        });
      }
      if (index % 7 === 3) account.iamError(collectionError('iam', 'GetAccountAuthorizationDetails'));
      if (runsCluster(index)) {
        account
          .role(`reader-${index}`, {
            trust: scopedTrust(accountId),
            inlinePolicies: {
              'assume-target': allowPolicy(
                ['sts:AssumeRole', 'sts:TagSession'],
                roleArnOf(accountOf((index + 2) % count), `target-${index}`),
              ),
            },
          })
          .role(`local-${index}`, {
            trust: irsaTrust({
              accountId,
              region: EAST,
              oidcId: oidcIdFor(clusterOf(index)),
              subject: 'system:serviceaccount:web:frontend',
            }),
          })
          .oidcProvider({ region: EAST, oidcId: oidcIdFor(clusterOf(index)) })
          .role(`node-${index}`, { trust: nodeTrust, inlinePolicies: { worker: workerNodePolicy() } });
      }
      account.region(EAST, (region) => {
        if (runsCluster(index)) {
          region.cluster(clusterOf(index), {}, (cluster) => {
            cluster
              .nodegroup('general', { nodeRoleName: `node-${index}` })
              .association({
                namespace: 'analytics',
                serviceAccount: 'reader',
                roleName: `reader-${index}`,
                targetRoleArn: roleArnOf(accountOf((index + 2) % count), `target-${index}`),
              })
              .association({ namespace: 'analytics', serviceAccount: 'idle', roleName: `idle-${index}` })
              // A service account on both mechanisms: IRSA through the previous account's role.
              .association({ namespace: 'ingest', serviceAccount: 'loader', roleName: `idle-${index}` });
            if (next() < 0.7) cluster.addon('eks-pod-identity-agent');
            if (index % 6 === 2) cluster.error(collectionError('eks', 'ListPodIdentityAssociations'));
          });
          region.event(
            podIdentityAssumeRoleEvent({
              accountId,
              region: EAST,
              clusterName: clusterOf(index),
              namespace: 'analytics',
              serviceAccount: 'reader',
              roleArn: roleArnOf(accountId, `reader-${index}`),
              eventTime: LAST_WEEK,
            }),
            assumeRoleForPodIdentityEvent({
              accountId,
              region: EAST,
              clusterName: clusterOf(index),
              nodeRoleArn: roleArnOf(accountId, `node-${index}`),
              eventTime: LAST_WEEK,
              ...(next() < 0.3 ? { denied: true } : {}),
            }),
          );
        }
        // The cross-account IRSA role's sessions are logged in its own account.
        if (next() < 0.6)
          region.event(
            irsaWebIdentityEvent({
              accountId,
              region: EAST,
              oidcId: oidcIdFor(clusterOf(nextIndex)),
              namespace: 'ingest',
              serviceAccount: 'loader',
              roleArn: roleArnOf(accountId, `irsa-${index}`),
              eventTime: next() < 0.5 ? LAST_WEEK : LONG_AGO,
            }),
          );
        // The target role's sessions are logged in the target account.
        if (runsCluster(sourceIndex) && kind === 0 && next() < 0.7)
          region.event(
            targetRoleAssumeRoleEvent({
              targetAccountId: accountId,
              region: EAST,
              targetRoleArn: roleArnOf(accountId, `target-${sourceIndex}`),
              associationRoleArn: roleArnOf(sourceAccount, `reader-${sourceIndex}`),
              clusterName: clusterOf(sourceIndex),
              namespace: 'analytics',
              serviceAccount: 'reader',
              eventTime: LAST_WEEK,
            }),
          );
        if (index % 4 === 1)
          region.cloudTrailError(collectionError('cloudtrail', 'LookupEvents', 'ThrottlingException'));
      });
      account.region(WEST, (region) => {
        if (index % 5 === 2) region.error(collectionError('eks', 'ListClusters'));
      });
    });
  }
  const clusters: Record<string, { account: string; region: string; members: string[] }> = {};
  const podIdentity: Array<Record<string, unknown>> = [];
  const irsa: Array<Record<string, unknown>> = [];
  for (let index = 0; index < count; index += 1) {
    if (!runsCluster(index) || index % 3 === 0) continue;
    const name = `logical-${index}`;
    clusters[name] = { account: accountOf(index), region: EAST, members: [clusterOf(index)] };
    podIdentity.push({
      cluster: name,
      namespace: 'analytics',
      serviceAccount: 'reader',
      roleArn: roleArnOf(accountOf(index), `reader-${index}`),
      targetRoleArn: roleArnOf(accountOf((index + 2) % count), `target-${index}`),
    });
    podIdentity.push({
      cluster: name,
      namespace: 'analytics',
      serviceAccount: 'writer',
      roleArn: roleArnOf(accountOf(index), `idle-${index}`),
    });
    const previous = (index - 1 + count) % count;
    irsa.push({
      cluster: name,
      namespace: 'ingest',
      serviceAccount: index % 2 === 0 ? 'loader' : 'missing',
      roleArn: roleArnOf(accountOf(previous), `irsa-${previous}`),
    });
  }
  clusters.elsewhere = { account: UNPLANNED, region: EAST, members: ['ghost'] };
  const baseline = parseBaseline(
    stringify({
      version: 1,
      settings: { unusedAfterDays: 90 },
      clusters,
      podIdentity,
      irsa,
      accounts: [accountOf(count - 1)],
      exceptions: [
        {
          check: 'ROLE_UNUSED',
          resource: roleArnOf(accountOf(0), 'idle-0'),
          reason: 'kept for the yearly audit',
          expires: '2026-01-01',
        },
      ],
    }),
    'baseline.yaml',
  );
  return { snapshot: parseSnapshot(builder.build(), 'snapshot.json'), baseline };
}

const RUN = { runId: 'run-1', startedAt: NOW, finishedAt: NOW };

/** The whole organization in one audit: the reference. */
function wholeAudit(snapshotValue: Snapshot, baseline: Baseline) {
  return runAudit({ inventory: normalizeSnapshot(snapshotValue), baseline, ...RUN });
}

/** The organization audited in shards of `size` accounts, each with the others' join facts. */
function shardedAudit(
  snapshotValue: Snapshot,
  baseline: Baseline,
  size: number,
  ledgerWindow?: (
    own: readonly SnapshotAccount[],
    context: readonly SnapshotAccount[],
  ) => Parameters<typeof auditShard>[0]['usageIndex'],
): ShardAudit[] {
  const accounts = snapshotValue.accounts;
  const facts = new Map(accounts.map((account) => [account.accountId, joinFactsOf(account)]));
  const parts = new Map(accounts.map((account) => [account.accountId, account]));
  return planShards(accounts, size).map((own, index) => {
    const ownIds = new Set(own.map((account) => account.accountId));
    let context: SnapshotAccount[] = accounts
      .filter((account) => !ownIds.has(account.accountId))
      .map((account) => facts.get(account.accountId) as SnapshotAccount);
    const wanted = unresolvedRoleReferences({ own, context, baseline });
    context = context.map((account) => {
      const names = wanted.get(account.accountId);
      return names ? withRoles(account, parts.get(account.accountId) as SnapshotAccount, names) : account;
    });
    const usageIndex = ledgerWindow?.(own, context);
    return auditShard({
      own,
      context,
      keepsUnplanned: index === 0,
      capturedAt: snapshotValue.capturedAt,
      baseline,
      ...RUN,
      ...(usageIndex ? { usageIndex } : {}),
    });
  });
}

/**
 * Ledger mode as the nightly service runs it: the parts carry no CloudTrail events (the ledgers
 * do), the whole audit reads every ledger, and a shard reads its own accounts' ledgers and those of
 * the accounts its context links them to.
 */
function expectShardsAgreeOnLedgers(snapshotValue: Snapshot, baseline: Baseline, size: number) {
  const ledgers = ledgersFromInventory(normalizeSnapshot(snapshotValue));
  const parts: Snapshot = {
    ...snapshotValue,
    accounts: snapshotValue.accounts.map((account) => ({
      ...account,
      ...(account.regions
        ? { regions: account.regions.map(({ cloudTrail: _trail, ...region }) => region) }
        : {}),
    })),
  };
  const window = (selected: Ledger[]) => (inventory: ReturnType<typeof normalizeSnapshot>) =>
    ledgerUsageWindow(inventory, selected, { days: baseline.settings.unusedAfterDays });
  const collected = normalizeSnapshot(parts);
  const usage = window(ledgers)(collected);
  const whole = runAudit({ inventory: usage.inventory, baseline, usageIndex: usage.usageIndex, ...RUN });
  const shards = shardedAudit(parts, baseline, size, (own, context) => {
    const reads = new Set([...own.map((account) => account.accountId), ...linkedAccounts(own, context)]);
    return window(ledgers.filter((ledger) => reads.has(ledger.accountId)));
  });
  const merged = mergeShardAudits(shards, { ...RUN, baseline });
  expect(merged).toEqual(whole.report);
  expect(whole.report.summary.usageUnknown).toBeDefined();
}

function expectShardsAgree(snapshotValue: Snapshot, baseline: Baseline, size: number) {
  const whole = wholeAudit(snapshotValue, baseline);
  const shards = shardedAudit(snapshotValue, baseline, size);
  const merged = mergeShardAudits(shards, { ...RUN, baseline });
  expect(merged.findings).toEqual(whole.report.findings);
  expect(merged.summary).toEqual(whole.report.summary);
  expect(merged.scopes).toEqual(whole.report.scopes);
  expect(merged).toEqual(whole.report);
  expect(new Set(shards.flatMap((shard) => shard.undecided))).toEqual(
    new Set(undecidedFindingIds(whole.unknowns)),
  );
  return whole;
}

describe('sharded audit', () => {
  it('finds, shard by shard, exactly what the multi-account estate audited whole finds', () => {
    const snapshotValue = parseSnapshot(multiAccountSnapshot(), 'snapshot.json');
    for (const size of [1, 2, 3, 4]) {
      const whole = expectShardsAgree(snapshotValue, multiAccountBaseline(), size);
      const checks = new Set(whole.findings.map((finding) => finding.checkId));
      for (const id of [
        'IRSA_STALE_PROVIDER',
        'OIDC_PROVIDER_DANGLING',
        'IRSA_BINDING_UNUSED',
        'ROLE_NOT_FOUND',
      ])
        expect(checks, id).toContain(id);
    }
  });

  it.each([
    [11, 12],
    [23, 17],
    [5, 9],
  ])(
    'finds what the whole generated organization finds (seed %i, %i accounts), for every shard size',
    (seed, count) => {
      const { snapshot: snapshotValue, baseline } = generatedOrganization(seed, count);
      for (const size of [1, 2, 3, 5, count]) expectShardsAgree(snapshotValue, baseline, size);
    },
  );

  it.each([
    [11, 12],
    [23, 17],
  ])(
    "finds what the whole organization finds from the usage ledgers (seed %i, %i accounts), each shard reading its own and its linked accounts' ledgers",
    (seed, count) => {
      const { snapshot: snapshotValue, baseline } = generatedOrganization(seed, count);
      for (const size of [1, 3, count]) expectShardsAgreeOnLedgers(snapshotValue, baseline, size);
      const estate = parseSnapshot(multiAccountSnapshot(), 'snapshot.json');
      for (const size of [1, 2]) expectShardsAgreeOnLedgers(estate, multiAccountBaseline(), size);
    },
  );

  it('exercises the cross-account checks on the generated organization', () => {
    const { snapshot: snapshotValue, baseline } = generatedOrganization(11, 12);
    const whole = wholeAudit(snapshotValue, baseline);
    const checks = new Set(whole.findings.map((finding) => finding.checkId));
    for (const id of [
      'PI_TARGET_ROLE_TRUST_MISMATCH',
      'ROLE_NOT_FOUND',
      'IDENTITY_DUAL_BINDING',
      'ROLE_UNUSED',
      'COLLECTION_INCOMPLETE',
      'SUPPRESSION_EXPIRED',
    ])
      expect(checks, id).toContain(id);
    expect(whole.report.summary.absenceUnknown ?? 0).toBeGreaterThan(0);
    // Findings about no planned account: one shard, and only one, keeps them.
    expect(
      whole.findings.filter((finding) => finding.accountId === UNPLANNED).map((f) => f.checkId),
    ).toContain('COLLECTION_INCOMPLETE');
  });

  it('keeps join facts small: only what names another account or a foreign issuer', () => {
    const { snapshot: snapshotValue } = generatedOrganization(11, 12);
    const account = snapshotValue.accounts[1] as SnapshotAccount;
    const facts = joinFactsOf(account);
    const names = (facts.iam?.roles ?? []).map((role) => role.RoleName).sort();
    // The cross-account IRSA role, the stale one (its issuer is no cluster of this account), the
    // association role allowed into another account's target; not the same-account Pod Identity
    // or IRSA roles, nor the node role.
    // and the target role trusting account 11's reader, when the generator made one that names it.
    const targetOfEleven = account.iam?.roles.find((role) => role.RoleName === 'target-11');
    const namesEleven =
      targetOfEleven && decodeURIComponent(JSON.stringify(targetOfEleven)).includes(accountOf(11));
    expect(names).toEqual(['irsa-1', 'reader-1', 'stale-1', ...(namesEleven ? ['target-11'] : [])]);
    const associations = facts.regions?.flatMap((region) =>
      (region.clusters ?? []).flatMap((cluster) => cluster.podIdentityAssociations ?? []),
    );
    expect(associations?.map((association) => association.serviceAccount)).toEqual(['reader']);
  });

  it('links a shard only to the accounts whose join facts name it, for their ledgers', () => {
    const { snapshot: snapshotValue } = generatedOrganization(11, 12);
    const [first, ...others] = snapshotValue.accounts as SnapshotAccount[];
    const linked = linkedAccounts([first as SnapshotAccount], others.map(joinFactsOf));
    // Account 10's reader role may assume a target role in account 0; accounts far round the ring
    // name nothing of account 0, whatever their own cross-account relations.
    expect(linked).toContain(accountOf(10));
    for (const index of [4, 5, 6, 7]) expect(linked).not.toContain(accountOf(index));
    expect(linked.size).toBeLessThan(others.length / 2);
  });

  it('refuses a shard size that is not a positive integer', () => {
    expect(() => planShards([1, 2], 0)).toThrow(/positive integer/);
  });
});
