/**
 * An organization of 5,000 accounts on the distributed engine:
 *
 *   npm run bench -- org-plan [--accounts 5000] [--associations 100] [--regions 2] [--skip-analysis]
 *
 * 1. State payloads: the plan of `--accounts` accounts × `--regions` configured regions as
 *    plan-scopes writes it (plan.json and the Map's items.json in S3), the state plan-scopes returns,
 *    the largest child input the Map's ItemSelector builds, a child's result, the Map's output (the
 *    ResultWriter's manifest location) and analyze-publish's result, against the 256 KiB a Step
 *    Functions state holds; beside them, what the earlier design carried in the state (the accounts
 *    and the Map's result array).
 * 2. The analysis at that size, sharded as the state machine runs it: the JoinFacts step, one shard
 *    (analyze-shard, at most 250 accounts with the others' join facts) and the merging
 *    analyze-publish, each measured in a process of its own (the other shards run in the
 *    benchmark's process). Each step's code path: `--accounts` generated accounts with
 *    `--associations` Pod Identity associations each (one cluster, 20 Pod Identity and 10 IRSA roles,
 *    40 CloudTrail events per account) written as collect-account writes its parts, with the plan and
 *    the validated baseline, into the S3 of a sandbox in a process of its own; then
 *    `analyzeAndPublish` runs in a fresh process (heap capped at 90 % of 10,240 MB, as Lambda's
 *    runtime caps it) and reads, checks and publishes: reports by multipart upload, SNS, Security
 *    Hub (audit-account mode). Measured from inside that process: wall time, CPU, peak RSS
 *    (`getrusage`) and peak V8 heap. The Lambda limits are 10,240 MB and 15 minutes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { AnalyzeConfig, AnalyzeEvent, AnalyzeResult } from '../functions/analyze-publish/analyze.js';
import type { ShardResult } from '../functions/analyze-shard/shard.js';
import type { MapRunOutput } from '../functions/lib/map-results.js';
import { type PartSummary, writeJoinFacts, writePart } from '../functions/lib/parts.js';
import { writeRunBaseline } from '../functions/lib/run-baseline.js';
import {
  MAP_ITEM_SELECTOR,
  mapItems,
  type PlanRef,
  REGIONS_PER_ITEM,
  writeRunPlan,
} from '../functions/lib/run-plan.js';
import type { AccountScope } from '../functions/lib/scopes.js';
import { planAccountScopes } from '../functions/lib/scopes.js';
import {
  ACCOUNTS_PER_SHARD,
  type JoinFileRef,
  readShardItems,
  type ShardsRef,
  shardItems,
  writeShards,
} from '../functions/lib/shards.js';
import type { PlannedRun } from '../functions/plan-scopes/plan.js';
import { loadBaselineFile } from '../shared/baseline/parse.js';
import { type SnapshotAccount, writeSnapshot } from '../shared/snapshot/index.js';
import { type AnalyzeMeasure, runAnalyze } from './support/analyze-process.js';
import {
  ACCOUNT_PROFILES,
  buildAccount,
  CAPTURED_AT,
  type OfflineShape,
  writeBaselineFile,
} from './support/offline-organization.js';
import { AUDIT_ACCOUNT, auditAccount, BENCH_EXTERNAL_ID } from './support/organization.js';
import {
  type BenchmarkTable,
  type BenchmarkTarget,
  recordBenchmarkResult,
  target,
} from './support/results.js';
import { startSandboxProcess } from './support/sandbox-process.js';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '5000' },
    associations: { type: 'string', default: '100' },
    regions: { type: 'string', default: '2' },
    'skip-analysis': { type: 'boolean', default: false },
  },
});
const accounts = Number(values.accounts);
const associations = Number(values.associations);
const regionCount = Number(values.regions);
const STATE_LIMIT = 256 * 1024;
/** Lambda's largest memory size. */
const LAMBDA_MAX_MB = 10_240;
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-northeast-1', 'eu-central-1', 'us-west-2', 'sa-east-1'];
const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

// ── 1. state payloads ────────────────────────────────────────────────────────────────────────────
const runId = '20261207T020000Z-0a1b2c3d';
const startedAt = '2026-12-07T02:00:00.000Z';
const bucket = 'eks-identity-audit-111122223333';
const memberIds = Array.from({ length: accounts }, (_, index) => String(600000000000 + index));
const scopes = planAccountScopes(
  { clusters: [], accounts: [] },
  { accounts: memberIds, regions: REGIONS.slice(0, regionCount) },
);
const items = mapItems(scopes);
const plan: PlanRef = {
  bucket,
  key: `runs/${runId}/plan.json`,
  accounts: scopes.length,
  scopes: scopes.reduce((sum, scope) => sum + scope.regions.length, 0),
  items: items.length,
};
const planned: PlannedRun = {
  status: 'planned',
  runId,
  startedAt,
  baseline: {
    bucket,
    key: 'baseline.yaml',
    etag: '"0123456789abcdef0123456789abcdef"',
    sha256: 'a'.repeat(64),
  },
  plan,
  items: { bucket, key: `runs/${runId}/items.json` },
  results: { bucket, prefix: `runs/${runId}/results` },
  shards: {
    bucket,
    key: `runs/${runId}/shards.json`,
    count: shardItems(accounts).length,
    results: { bucket, prefix: `runs/${runId}/shard-results` },
  },
  discovery: { organizationId: 'o-a1b2c3d4e5', accounts: accounts, inactive: 0, excluded: 0 },
};
// What the ItemSelector (runId and startedAt from the state, the rest from the item) builds.
const selected = Object.keys(MAP_ITEM_SELECTOR).map((key) => key.replace(/\.\$$/, ''));
const childInputs = items.map((item) => ({
  runId,
  startedAt,
  accountId: item.accountId,
  regions: item.regions,
  batch: item.batch,
  batches: item.batches,
}));
const summary: PartSummary = {
  accountId: memberIds[0],
  key: `runs/${runId}/parts/${memberIds[0]}.json`,
  regions: regionCount,
  clusters: 1,
  errors: 0,
  complete: true,
  timedOut: false,
  apiCalls: 143,
  usage: { source: 'ledger', lookupEvents: 6, eventsRead: 80 },
};
const mapOutput: MapRunOutput = {
  MapRunArn: `arn:aws:states:eu-west-1:111122223333:mapRun:eks-identity-audit-nightly/CollectAccounts:0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9`,
  ResultWriterDetails: {
    Bucket: bucket,
    Key: `runs/${runId}/results/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/manifest.json`,
  },
};
const result: AnalyzeResult = {
  runId,
  accounts,
  total: 123_456,
  suppressed: 0,
  bySeverity: { CRITICAL: 0, HIGH: 40_000, MEDIUM: 50_000, LOW: 33_456, INFORMATIONAL: 0 },
  newFindings: 120,
  resolvedFindings: 80,
  incompleteScopes: 60,
  // analyze-publish names at most 50 and counts the rest.
  missingParts: memberIds.slice(0, 50),
  missingPartCount: 60,
  usage: {
    source: 'ledger',
    ledgers: accounts * regionCount,
    missingLedgers: memberIds.slice(0, 50).map((id) => `${id}/eu-west-1`),
    missingLedgerCount: 60,
  },
  reportUri: `s3://${bucket}/reports/2026/12/07/${runId}.json`,
  sns: { published: true, messages: 3 },
  securityHub: { imported: 123_456, archived: 80, failed: 0 },
};
if (selected.length !== 6)
  throw new Error(`the ItemSelector builds ${selected.join(', ')}: update this benchmark`);
const afterMap = { ...planned, collected: mapOutput };
const shards = shardItems(accounts);
const joined: JoinFileRef = { bucket, key: `runs/${runId}/join.jsonl`, accounts, bytes: accounts * 400 };
const shardChildInputs = shards.map((item) => ({ runId, startedAt, baseline: planned.baseline, ...item }));
const shardResult: ShardResult = {
  runId,
  shard: shards.length - 1,
  accounts: ACCOUNTS_PER_SHARD,
  findings: 123_456,
  contextAccounts: accounts - ACCOUNTS_PER_SHARD,
  resolvedRoles: 12,
};
const afterShards = {
  ...afterMap,
  joined,
  analyzed: { ...mapOutput, MapRunArn: mapOutput.MapRunArn.replace('CollectAccounts', 'AnalyzeShards') },
};
const largestChild = Math.max(...childInputs.map(size), ...shardChildInputs.map(size));
const earlierState = size({ ...planned, accounts: scopes, collected: items.map(() => summary) });
const payloads: BenchmarkTable = {
  title: `State payloads, ${accounts.toLocaleString('en-US')} accounts × ${regionCount} regions (${items.length.toLocaleString('en-US')} Map items, at most ${REGIONS_PER_ITEM} regions each)`,
  columns: ['what', 'where', 'size'],
  rows: [
    [
      'plan.json (accounts × regions)',
      'S3',
      kib(size({ runId, regionsPerItem: REGIONS_PER_ITEM, accounts: scopes })),
    ],
    ['items.json (the Map’s ItemReader input)', 'S3', kib(size(items))],
    ['plan-scopes → state', 'state', kib(size(planned))],
    ['largest child input (ItemSelector)', 'state of a child', `${largestChild} B`],
    ['one child’s result (part summary)', 'ResultWriter file in S3', `${size(summary)} B`],
    ['collect Map output (ResultWriter manifest location)', 'state', kib(size(afterMap))],
    ['shards.json (the shard Map’s ItemReader input)', 'S3', kib(size(shards))],
    [
      'largest shard child input (ItemSelector)',
      'state of a child',
      `${Math.max(...shardChildInputs.map(size))} B`,
    ],
    ['one shard’s result', 'ResultWriter file in S3', `${size(shardResult)} B`],
    ['JoinFacts and shard Map outputs → analyze-publish input', 'state', kib(size(afterShards))],
    ['analyze-publish → execution output (50 names at most per list)', 'state', kib(size(result))],
    ['the earlier design: accounts and the Map’s result array in the state', 'state', kib(earlierState)],
  ],
  notes: [`A Step Functions state holds at most ${kib(STATE_LIMIT)}.`],
};
const tables: BenchmarkTable[] = [payloads];
const targets: BenchmarkTarget[] = [
  target(
    'largest state payload of the run',
    Math.max(size(planned), size(afterMap), size(afterShards), size(result), largestChild),
    16 * 1024,
    {
      unit: 'B',
    },
  ),
];
process.stdout.write(`${payloads.rows.map((row) => row.join(' | ')).join('\n')}\n`);

// ── 2. analyze-publish at that size, its own code path ──────────────────────────────────────────
if (!values['skip-analysis']) {
  const shape: OfflineShape = {
    ...ACCOUNT_PROFILES.standard,
    clusters: 1,
    associations,
    podIdentityRoles: 20,
    irsaRoles: 10,
    events: 40,
    kind: 'standard',
    accounts,
    seed: 7,
  };
  const scratch = mkdtempSync(join(tmpdir(), 'org-plan-'));
  const reportBucket = `eks-identity-audit-${AUDIT_ACCOUNT}`;
  const region = 'eu-west-1';
  const topic = 'eks-identity-audit-findings';
  const scenarioFile = join(scratch, 'scenario.json');
  writeFileSync(
    scenarioFile,
    JSON.stringify({
      name: 'org-plan',
      description: 'The audit account, its bucket and topic: the parts are written into it.',
      identity: { account: AUDIT_ACCOUNT, role: 'Auditor', sessionName: 'analyze-publish', region },
      accounts: [{ ...auditAccount(), regions: { [region]: { topics: [topic] } } }],
      buckets: [{ name: reportBucket, account: AUDIT_ACCOUNT, region }],
    }),
  );
  // The sandbox (holding the parts, taking the reports) in a process of its own, without rate
  // limits: the figures are analyze-publish's own; Security Hub's limit is computed below.
  const sandbox = await startSandboxProcess(scenarioFile, { limits: false });
  try {
    const s3 = new S3Client({
      endpoint: sandbox.url,
      region,
      forcePathStyle: true,
      credentials: sandbox.credentials,
    });
    const location = { bucket: reportBucket, runId };
    const baselineFile = join(scratch, 'baseline.json');
    await writeBaselineFile(shape, baselineFile, 'json');
    const baseline = await loadBaselineFile(baselineFile);
    await writeRunBaseline(s3, location, baseline);
    // Each account's part as collect-account writes it; the plan lists the regions the parts hold.
    const written = { bytes: 0, associations: 0 };
    const scopesOfParts: AccountScope[] = [];
    const limit = pLimit(16);
    const generating = performance.now();
    await Promise.all(
      Array.from({ length: accounts }, (_, index) =>
        limit(async () => {
          const account = buildAccount(shape, index) as unknown as SnapshotAccount;
          written.bytes += Buffer.byteLength(
            writeSnapshot({ snapshotVersion: 1, capturedAt: CAPTURED_AT, accounts: [account] }),
          );
          for (const regional of account.regions ?? [])
            for (const cluster of regional.clusters ?? [])
              written.associations += cluster.podIdentityAssociations?.length ?? 0;
          scopesOfParts[index] = {
            accountId: account.accountId,
            regions: (account.regions ?? []).map((regional) => regional.region),
          };
          await writePart(s3, { ...location, capturedAt: CAPTURED_AT }, account);
          // collect-account writes the account's join facts beside its part.
          await writeJoinFacts(s3, { ...location, capturedAt: CAPTURED_AT }, account);
        }),
      ),
    );
    const { plan: planRef } = await writeRunPlan(s3, location, scopesOfParts);
    const shardsRef: ShardsRef = await writeShards(s3, location, scopesOfParts.length);
    process.stdout.write(
      `parts: ${accounts} accounts, ${(written.bytes / 2 ** 20).toFixed(0)} MiB, ${written.associations} associations, written in ${((performance.now() - generating) / 1000).toFixed(0)} s\n`,
    );
    const event: AnalyzeEvent = {
      status: 'planned',
      runId,
      startedAt: CAPTURED_AT,
      baseline: { bucket: reportBucket, key: 'baseline.json', sha256: baseline.source.sha256 },
      plan: planRef,
      shards: shardsRef,
      analyzed: [],
    };
    const config: AnalyzeConfig = {
      bucket: reportBucket,
      topicArn: `arn:aws:sns:${region}:${AUDIT_ACCOUNT}:${topic}`,
      memberRoleName: 'AuditReadOnly',
      externalId: BENCH_EXTERNAL_ID,
      securityHubMode: 'audit-account',
      summary: 'always',
      alertThreshold: 'HIGH',
      usageSource: 'scan',
      endpointUrl: sandbox.url,
      region,
    };
    const loadBefore = loadavg();
    const heapMiB = Math.floor(LAMBDA_MAX_MB * 0.9);
    const child = (
      step: 'join' | 'shard' | 'publish',
      stepEvent: Parameters<typeof runAnalyze>[0]['event'],
    ) => runAnalyze({ credentials: sandbox.credentials, step, event: stepEvent, config, heapMiB });
    // 1. JoinFacts: every account's join facts in one file.
    const joinStep = await child('join', { runId, startedAt: CAPTURED_AT, join: true });
    process.stdout.write(`join: ${describeMeasure(joinStep)}\n`);
    // 2. The shards: the first measured in a process of its own, the others run here (2 at once).
    const items = await readShardItems(s3, shardsRef);
    const shardEvent = (item: (typeof items)[number]) => ({
      runId,
      startedAt: CAPTURED_AT,
      baseline: event.baseline,
      ...item,
    });
    const [first, ...others] = items;
    const firstShard = await child('shard', shardEvent(first as (typeof items)[number]));
    process.stdout.write(`shard 0: ${describeMeasure(firstShard)}\n`);
    const { analyzeShard } = await import('../functions/analyze-shard/shard.js');
    const { clientFactory } = await import('../functions/lib/aws.js');
    // The functions' clients take their credentials from the environment, as in Lambda.
    process.env.AWS_ACCESS_KEY_ID = sandbox.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = sandbox.credentials.secretAccessKey;
    if (sandbox.credentials.sessionToken) process.env.AWS_SESSION_TOKEN = sandbox.credentials.sessionToken;
    const { logger } = await import('../functions/lib/observability.js');
    logger.setLogLevel('ERROR');
    const shardFactory = () => clientFactory(config, { s3: S3Client });
    const othersStarted = performance.now();
    const shardLimit = pLimit(2);
    const otherResults = await Promise.all(
      others.map((item) => shardLimit(() => analyzeShard(shardEvent(item), config, shardFactory()))),
    );
    const othersSeconds = (performance.now() - othersStarted) / 1000;
    process.stdout.write(`other ${others.length} shards: ${othersSeconds.toFixed(0)} s here, 2 at once\n`);
    // 3. AnalyzePublish merges the shards' findings and publishes.
    const measured = await child('publish', event);
    const loadAfter = loadavg();
    const published = measured.result as AnalyzeResult | undefined;
    const outcome = measured.finished ? 'finished' : `failed: ${measured.error ?? ''}`;
    const findings = published?.total ?? 0;
    const reportKeys = published?.reportUri
      ? [published.reportUri.replace(`s3://${reportBucket}/`, '')].flatMap((json) => [
          json,
          json.replace(/\.json$/, '.md'),
          json.replace(/\.json$/, '.html'),
        ])
      : [];
    // One question at a time: the sandbox process answers in order.
    const reportSizes: number[] = [];
    for (const key of reportKeys) reportSizes.push(await sandbox.objectSize(reportBucket, key));
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    // Security Hub takes at most 10 BatchImportFindings calls a second per account and region (100
    // findings each): in audit-account mode every open finding goes through one account.
    const securityHubFloor = (published?.securityHub.imported ?? 0) / (100 * 10);
    const firstResult = firstShard.result as ShardResult | undefined;
    const shardFindings =
      (firstResult?.findings ?? 0) +
      otherResults.reduce((sum, shardOutcome) => sum + shardOutcome.findings, 0);
    const row = (step: string, accountsOf: string, found: string, measure: AnalyzeMeasure, extra: string) => [
      step,
      accountsOf,
      found,
      measure.finished ? 'finished' : `failed: ${measure.error ?? ''}`,
      `${measure.seconds.toFixed(1)} s`,
      `${measure.cpuSeconds.toFixed(1)} s`,
      `${measure.maxRssMiB.toFixed(0)} MiB`,
      `${measure.peakHeapMiB.toFixed(0)} MiB`,
      extra,
    ];
    const joinedRef = joinStep.result as JoinFileRef | undefined;
    tables.push({
      title: `Sharded analysis at ${accounts.toLocaleString('en-US')} accounts × ${associations} associations (${items.length} shards of at most ${ACCOUNTS_PER_SHARD} accounts; each step in a process of its own, parts in a sandbox process)`,
      columns: [
        'step',
        'accounts',
        'findings',
        'outcome',
        'wall time',
        'CPU',
        'peak RSS',
        'peak heap',
        'notes',
      ],
      rows: [
        row(
          'JoinFacts (every account’s join facts → one file)',
          accounts.toLocaleString('en-US'),
          '–',
          joinStep,
          joinedRef ? `join.jsonl ${kib(joinedRef.bytes)}` : '',
        ),
        row(
          'AnalyzeShard (shard 0)',
          String(firstResult?.accounts ?? first?.to ?? 0),
          (firstResult?.findings ?? 0).toLocaleString('en-US'),
          firstShard,
          `${firstResult?.contextAccounts ?? 0} accounts as join facts`,
        ),
        row(
          'AnalyzePublish (k-way merge of the shards, reports, SNS, Security Hub)',
          accounts.toLocaleString('en-US'),
          findings.toLocaleString('en-US'),
          measured,
          `parts ${mib(written.bytes)}, ${written.associations.toLocaleString('en-US')} associations; reports ${reportSizes.length > 0 ? reportSizes.map(mib).join(' / ') : '–'}`,
        ),
      ],
      notes: [
        `Each step runs its function's own code path in a fresh process with a ${heapMiB} MiB heap (Lambda's runtime gives the heap about 90 % of the function's memory) against the sandbox's S3, SNS and Security Hub (audit-account mode). Lambda's limits: 10,240 MB and 900 s; analyze-shard and analyze-publish are deployed with 3,008 MB unless \`analyzeMemoryMiB\` says otherwise.`,
        `The other ${others.length} shards ran in the benchmark's own process, 2 at once, in ${othersSeconds.toFixed(0)} s (${shardFindings.toLocaleString('en-US')} findings over all shards; the Map runs them in parallel child executions).`,
        `Load average (1, 5, 15 min) on this shared machine: ${loadBefore.map((value) => value.toFixed(2)).join(', ')} before the steps, ${loadAfter.map((value) => value.toFixed(2)).join(', ')} after; the figures are inflated accordingly.`,
        published
          ? `Security Hub's documented rate (10 BatchImportFindings calls a second, 100 findings each, per account and region) alone would take ${securityHubFloor.toFixed(0)} s for the ${published.securityHub.imported.toLocaleString('en-US')} findings imported into the audit account; the sandbox ran without rate limits, so that wait is not in the wall time above.`
          : 'The run failed before it returned its counts (findings, Security Hub imports); the error is in the outcome column.',
      ],
    });
    targets.push(
      target('analyze-publish at 5,000 × 100: finished', measured.finished ? 1 : 0, 1, { atLeast: true }),
    );
    targets.push(target('analyze-publish at 5,000 × 100: wall time', measured.seconds, 900, { unit: 's' }));
    targets.push(
      target('analyze-publish at 5,000 × 100: peak RSS', measured.maxRssMiB, 10_240, { unit: 'MiB' }),
    );
    targets.push(
      target('analyze-shard at 5,000 × 100: finished', firstShard.finished ? 1 : 0, 1, { atLeast: true }),
    );
    targets.push(target('analyze-shard at 5,000 × 100: wall time', firstShard.seconds, 900, { unit: 's' }));
    targets.push(
      target('analyze-shard at 5,000 × 100: peak RSS', firstShard.maxRssMiB, 10_240, { unit: 'MiB' }),
    );
    targets.push(target('join facts at 5,000 accounts: wall time', joinStep.seconds, 900, { unit: 's' }));
    targets.push(
      target('join facts at 5,000 accounts: peak RSS', joinStep.maxRssMiB, 10_240, { unit: 'MiB' }),
    );
    process.stdout.write(
      `analyze-publish ${outcome}: ${measured.seconds.toFixed(1)} s wall, ${measured.cpuSeconds.toFixed(1)} s CPU, ${measured.maxRssMiB.toFixed(0)} MiB peak RSS, ${measured.peakHeapMiB.toFixed(0)} MiB peak heap; ${findings} findings; reports ${reportSizes.map(mib).join(' / ')}\n`,
    );
  } finally {
    await sandbox.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function describeMeasure(measure: AnalyzeMeasure): string {
  return `${measure.finished ? 'finished' : `failed (${measure.error ?? ''})`}: ${measure.seconds.toFixed(1)} s wall, ${measure.cpuSeconds.toFixed(1)} s CPU, ${measure.maxRssMiB.toFixed(0)} MiB peak RSS`;
}

recordBenchmarkResult({ benchmark: 'org-plan', arguments: process.argv.slice(2), tables, targets });
