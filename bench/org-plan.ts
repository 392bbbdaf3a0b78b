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
 * 2. analyze-publish's work at that size: a generated snapshot of `--accounts` accounts with
 *    `--associations` Pod Identity associations each (one cluster, 20 Pod Identity and 10 IRSA roles,
 *    40 CloudTrail events per account), checked against its generated baseline by the CLI in a fresh
 *    process (`audit --snapshot`: the same merge, checks and report rendering analyze-publish runs,
 *    without the S3 reads and the publishing), measured from outside: wall time and peak RSS.
 *    The Lambda limits are 10,240 MB and 15 minutes; analyze-publish is deployed with 3,008 MB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AnalyzeResult } from '../functions/analyze-publish/analyze.js';
import type { MapRunOutput } from '../functions/lib/map-results.js';
import type { PartSummary } from '../functions/lib/parts.js';
import { MAP_ITEM_SELECTOR, mapItems, type PlanRef, REGIONS_PER_ITEM } from '../functions/lib/run-plan.js';
import { planAccountScopes } from '../functions/lib/scopes.js';
import type { PlannedRun } from '../functions/plan-scopes/plan.js';
import { measureCli } from './support/offline-measure.js';
import {
  ACCOUNT_PROFILES,
  type OfflineShape,
  writeBaselineFile,
  writeSnapshotFile,
} from './support/offline-organization.js';
import {
  type BenchmarkTable,
  type BenchmarkTarget,
  recordBenchmarkResult,
  target,
} from './support/results.js';

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
const largestChild = Math.max(...childInputs.map(size));
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
    ['Map output (ResultWriter manifest location) → analyze-publish input', 'state', kib(size(afterMap))],
    ['analyze-publish → execution output (50 names at most per list)', 'state', kib(size(result))],
    ['the earlier design: accounts and the Map’s result array in the state', 'state', kib(earlierState)],
  ],
  notes: [`A Step Functions state holds at most ${kib(STATE_LIMIT)}.`],
};
const tables: BenchmarkTable[] = [payloads];
const targets: BenchmarkTarget[] = [
  target(
    'largest state payload of the run',
    Math.max(size(planned), size(afterMap), size(result), largestChild),
    16 * 1024,
    {
      unit: 'B',
    },
  ),
];
process.stdout.write(`${payloads.rows.map((row) => row.join(' | ')).join('\n')}\n`);

// ── 2. analyze-publish's work at that size ───────────────────────────────────────────────────────
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
  try {
    const snapshot = join(scratch, 'snapshot.json');
    const baseline = join(scratch, 'baseline.yaml');
    const figures = await writeSnapshotFile(shape, snapshot);
    await writeBaselineFile(shape, baseline);
    process.stdout.write(
      `snapshot: ${(figures.bytes / 2 ** 20).toFixed(0)} MiB, ${figures.associations} associations, ${figures.roles} roles\n`,
    );
    const measured = await measureCli([
      'audit',
      '--snapshot',
      snapshot,
      '--baseline',
      baseline,
      '--format',
      'json',
      '--output',
      '/dev/null',
      '--fail-on',
      'none',
      '--max-snapshot-size',
      '4096',
    ]);
    // A run that fails (memory, V8's string limit) is a result to report, not a crash of the benchmark.
    const outcome =
      measured.exitCode === 0 ? 'finished' : `failed: ${measured.stderr.trim().split('\n').pop() ?? ''}`;
    tables.push({
      title: `analyze-publish's merge, checks and report at ${accounts.toLocaleString('en-US')} accounts × ${associations} associations`,
      columns: ['snapshot', 'associations', 'roles', 'outcome', 'wall time', 'peak RSS'],
      rows: [
        [
          `${(figures.bytes / 2 ** 20).toFixed(0)} MiB`,
          figures.associations.toLocaleString('en-US'),
          figures.roles.toLocaleString('en-US'),
          outcome,
          `${measured.wallSeconds.toFixed(1)} s`,
          `${measured.peakRssMiB.toFixed(0)} MiB`,
        ],
      ],
      notes: [
        'One process, as one analyze-publish invocation; the Lambda limits are 10,240 MB and 900 s, and the function is deployed with 3,008 MB.',
      ],
    });
    targets.push(
      target('analyze-publish at 5,000 × 100: finished', measured.exitCode === 0 ? 1 : 0, 1, {
        atLeast: true,
      }),
    );
    targets.push(
      target('analyze-publish at 5,000 × 100: wall time', measured.wallSeconds, 300, { unit: 's' }),
    );
    targets.push(
      target('analyze-publish at 5,000 × 100: peak RSS', measured.peakRssMiB, 10_240, { unit: 'MiB' }),
    );
    process.stdout.write(
      `audit ${outcome}: ${measured.wallSeconds.toFixed(1)} s, ${measured.peakRssMiB.toFixed(0)} MiB peak RSS\n`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

recordBenchmarkResult({ benchmark: 'org-plan', arguments: process.argv.slice(2), tables, targets });
