import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AnalyzeResult, analyzeAndPublish } from '../../functions/analyze-publish/analyze.js';
import {
  analyzeShard,
  joinFacts,
  type ShardEvent,
  type ShardResult,
} from '../../functions/analyze-shard/shard.js';
import { type CollectEvent, collectAccountPart } from '../../functions/collect-account/collect.js';
import { clientFactory } from '../../functions/lib/aws.js';
import { readMapResults } from '../../functions/lib/map-results.js';
import { metrics } from '../../functions/lib/observability.js';
import { type PartSummary, partKey } from '../../functions/lib/parts.js';
import { readRunPlan } from '../../functions/lib/run-plan.js';
import { type PlannedRun, planScopes } from '../../functions/plan-scopes/plan.js';
import { loadScenarioFile, type SandboxHandle, type Scenario, startSandbox } from '../../sandbox/index.js';
import { ALL_SERVICE_CLIENTS } from '../../shared/aws/clients.js';
import type { Report } from '../../shared/report/types.js';
import { PROJECT_SHARD_MAP_STATE, runDistributedMap } from '../support/distributed-map.js';
import { useSandboxCredentials } from '../support/sandbox.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
// Thousands of invocations' metrics are not under test here.
vi.spyOn(metrics, 'addMetric').mockReturnValue(metrics);

const REGION = 'eu-west-1';
const BUCKET = 'eks-identity-audit-demo-111122223333';
const WORKLOADS = '222233334444';
/** What a Step Functions state may carry at most. */
const STATE_LIMIT = 256 * 1024;
const MEMBERS = 5_000;

let sandbox: SandboxHandle;
let restoreEnv: () => void;

/**
 * The demo organization with `members` more accounts; every hundredth has the member role, the
 * others are discovered but cannot be assumed (each is then an incomplete account, never skipped).
 */
function organizationOf(members: number): Scenario {
  const scenario = structuredClone(loadScenarioFile('demo'));
  const security = scenario.accounts[0];
  const readOnly = security.roles.find((role) => role.name === 'EksIdentityAuditReadOnly');
  if (!readOnly) throw new Error('the demo has no member role');
  for (let index = 0; index < members; index += 1) {
    scenario.accounts.push({
      id: String(600000000000 + index),
      alias: `member-${index}`,
      // Every hundredth member has the member role deployed; the others cannot be assumed yet.
      roles: index % 100 === 0 ? [structuredClone(readOnly)] : [],
      policies: [],
      oidcProviders: [],
      regions: {},
    });
  }
  scenario.organization = { delegatedAdministrators: [], units: [], members: [] };
  return scenario;
}

function settings(overrides: { regions?: string[]; organization?: string[]; accounts?: string[] } = {}) {
  return {
    bucket: BUCKET,
    baselineKey: 'baseline.yaml',
    topicArn: `arn:aws:sns:${REGION}:111122223333:eks-identity-audit-findings`,
    memberRoleName: 'EksIdentityAuditReadOnly',
    externalId: 'eks-identity-audit-demo',
    windowDays: 1,
    regions: overrides.regions ?? [REGION],
    accounts: overrides.accounts ?? [],
    securityHubMode: 'off' as const,
    summary: 'never' as const,
    alertThreshold: 'HIGH' as const,
    usageSource: 'scan' as const,
    organization: overrides.organization ?? [],
    endpointUrl: sandbox.url,
    region: REGION,
  };
}

const factory = () => clientFactory(settings(), ALL_SERVICE_CLIENTS);
const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * plan-scopes → Distributed Map of collect-account (S3 ItemReader, ResultWriter) → Distributed Map
 * of analyze-shard (the same) → analyze-publish, as the state machine runs them.
 */
async function runNight(runId: string, config: ReturnType<typeof settings>) {
  const plan = (await planScopes({ runId }, config, factory())) as PlannedRun;
  expect(plan.status).toBe('planned');
  // One client factory per warm worker, as warm Lambda containers keep their connections.
  const workers = Array.from({ length: 64 }, () => factory());
  let next = 0;
  const map = await runDistributedMap<PartSummary>({
    s3: factory().s3(),
    bucket: BUCKET,
    input: plan as unknown as Record<string, unknown>,
    concurrency: 64,
    process: (item) =>
      collectAccountPart(
        item as unknown as CollectEvent,
        config,
        workers[next++ % workers.length],
        new AbortController().signal,
      ),
  });
  const afterMap = { ...plan, collected: map.output };
  // The JoinFacts task: every account's join facts in one file, read once by each shard.
  const joined = await joinFacts(
    { runId: plan.runId, startedAt: plan.startedAt, join: true },
    config,
    factory(),
  );
  const shardMap = await runDistributedMap<ShardResult>({
    s3: factory().s3(),
    bucket: BUCKET,
    input: afterMap as unknown as Record<string, unknown>,
    state: PROJECT_SHARD_MAP_STATE,
    concurrency: 4,
    process: (item) => analyzeShard(item as unknown as ShardEvent, config, workers[next++ % workers.length]),
  });
  const afterShards = { ...afterMap, joined, analyzed: shardMap.output };
  const result = await analyzeAndPublish(afterShards, config, factory());
  return { plan, map, afterMap, joined, shardMap, afterShards, result };
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: organizationOf(MEMBERS), limits: false });
  restoreEnv = useSandboxCredentials(sandbox);
}, 120_000);

afterAll(async () => {
  await sandbox.close();
  restoreEnv();
});

describe('an organization of 5,000 accounts on the distributed engine', () => {
  let night: Awaited<ReturnType<typeof runNight>>;
  let result: AnalyzeResult;

  beforeAll(async () => {
    // No configured region: each member account is its IAM alone (the demo's clusters keep theirs), so
    // the run's cost is the 5,000 items themselves.
    night = await runNight('org-5000', settings({ organization: ['all'], regions: [] }));
    result = night.result;
  }, 600_000);

  it('plans every ACTIVE account of the organization, keeping the list in S3 and out of the state', async () => {
    const planned = await readRunPlan(factory().s3(), { bucket: BUCKET, runId: 'org-5000' });
    expect(planned.accounts).toHaveLength(MEMBERS + 3);
    expect(night.plan.plan).toMatchObject({ accounts: MEMBERS + 3, items: MEMBERS + 3 });
    expect(night.plan.discovery).toEqual({
      organizationId: expect.stringMatching(/^o-/),
      accounts: MEMBERS + 3,
      inactive: 0,
      excluded: 0,
    });
    // Every state the run passes stays a few kilobytes: no list of accounts or results in it.
    expect(size(night.plan)).toBeLessThan(2_048);
    expect(size(night.afterMap)).toBeLessThan(2_048);
    expect(size(night.afterShards)).toBeLessThan(2_048);
    expect(Math.max(...night.shardMap.inputs.map(size))).toBeLessThan(512);
    expect(Math.max(...night.shardMap.results.map(size))).toBeLessThan(512);
    expect(size(result)).toBeLessThan(8_192);
    expect(Math.max(...night.map.inputs.map(size))).toBeLessThan(512);
    expect(Math.max(...night.map.results.map(size))).toBeLessThan(2_048);
    // What the earlier design would have carried: the accounts alone exceed nothing yet, the results would.
    expect(size(planned.accounts)).toBeGreaterThan(100_000);
    expect(size(night.map.results)).toBeGreaterThan(STATE_LIMIT);
  });

  it('analyzes the accounts in shards of at most 250, each with every other account as join facts', async () => {
    expect(night.plan.shards.count).toBe(Math.ceil((MEMBERS + 3) / 250));
    expect(night.shardMap.inputs.map((input) => [input.from, input.to])).toEqual(
      Array.from({ length: night.plan.shards.count }, (_, shard) => [
        shard * 250,
        Math.min(MEMBERS + 3, (shard + 1) * 250),
      ]),
    );
    const shards = night.shardMap.results as ShardResult[];
    expect(shards.every((shard) => 'findings' in shard)).toBe(true);
    expect(shards.reduce((sum, shard) => sum + shard.accounts, 0)).toBe(MEMBERS + 3);
    expect(shards.map((shard) => shard.contextAccounts + shard.accounts)).toEqual(
      shards.map(() => MEMBERS + 3),
    );
    const results = await readMapResults(factory().s3(), night.shardMap.output);
    expect(results.failed).toEqual([]);
    // The join file names every account once; accounts without cross-account data are a few hundred bytes.
    expect(night.joined.accounts).toBe(MEMBERS + 3);
    expect(night.joined.bytes / night.joined.accounts).toBeLessThan(2_048);
  });

  it('collects and analyzes every account, reading the results from the ResultWriter manifest', async () => {
    expect(result.accounts).toBe(MEMBERS + 3);
    expect(result.missingParts).toEqual([]);
    const results = await readMapResults(factory().s3(), night.map.output);
    expect(results.files.succeeded.count).toBeGreaterThan(0);
    expect(results.failed).toEqual([]);
    const report = JSON.parse(
      String(sandbox.s3Object(BUCKET, String(result.reportUri).replace(`s3://${BUCKET}/`, ''))),
    ) as Report;
    const accounts = new Set(report.scopes.map((scope) => scope.accountId));
    expect(accounts.size).toBe(MEMBERS + 3);
  });
});

describe('an account with many regions', () => {
  it('is split into items of at most four regions, IAM read once, and merged back by analyze-publish', async () => {
    const regions = [
      'ap-northeast-1',
      'ap-southeast-1',
      'ca-central-1',
      'eu-central-1',
      'eu-north-1',
      'eu-west-1',
      'sa-east-1',
      'us-east-1',
      'us-west-2',
    ];
    const config = settings({ regions, accounts: [WORKLOADS] });
    sandbox.resetCalls();
    const { plan, map, result } = await runNight('many-regions', config);
    const items = map.inputs.filter((input) => input.accountId === WORKLOADS);
    expect(items.map((item) => [item.batch, item.batches, (item.regions as string[]).length])).toEqual([
      [0, 3, 4],
      [1, 3, 4],
      [2, 3, 1],
    ]);
    expect(sandbox.s3Object(BUCKET, partKey(plan.runId, WORKLOADS, 1, 3))).toBeDefined();
    // IAM is read by the first item only.
    expect(sandbox.calls()[WORKLOADS].iam.GetAccountAuthorizationDetails).toBe(1);
    const report = JSON.parse(
      String(sandbox.s3Object(BUCKET, String(result.reportUri).replace(`s3://${BUCKET}/`, ''))),
    ) as Report;
    const workloadRegions = report.scopes
      .filter((scope) => scope.accountId === WORKLOADS && scope.level === 'region')
      .map((scope) => scope.region)
      .sort();
    expect(workloadRegions).toEqual(regions);
    expect(result.missingParts).toEqual([]);
  }, 300_000);

  it('reports only the regions of a lost batch incomplete, not the whole account', async () => {
    const regions = ['eu-central-1', 'eu-north-1', 'eu-west-1', 'us-east-1', 'us-west-2'];
    const config = settings({ regions, accounts: [WORKLOADS] });
    const plan = (await planScopes({ runId: 'lost-batch' }, config, factory())) as PlannedRun;
    const map = await runDistributedMap<PartSummary>({
      s3: factory().s3(),
      bucket: BUCKET,
      input: plan as unknown as Record<string, unknown>,
      process: async (item) => {
        if (item.accountId === WORKLOADS && item.batch === 1) throw new Error('Lambda timed out');
        return collectAccountPart(
          item as unknown as CollectEvent,
          config,
          factory(),
          new AbortController().signal,
        );
      },
    });
    const result = await analyzeAndPublish({ ...plan, collected: map.output }, config, factory());
    expect(result.missingParts).toEqual([WORKLOADS]);
    expect(result.failedItems).toBe(1);
    const report = JSON.parse(
      String(sandbox.s3Object(BUCKET, String(result.reportUri).replace(`s3://${BUCKET}/`, ''))),
    ) as Report;
    const incomplete = report.scopes
      .filter(
        (scope) => scope.accountId === WORKLOADS && scope.status === 'incomplete' && scope.level === 'region',
      )
      .map((scope) => scope.region);
    expect(incomplete).toEqual(['us-west-2']);
    const iam = report.scopes.find((scope) => scope.accountId === WORKLOADS && scope.level === 'iam');
    expect(iam?.status).toBe('complete');
  }, 300_000);
});
