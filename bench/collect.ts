/**
 * Live collection at organization scale, against the local sandbox.
 *
 *   npm run bench -- collect                       # 10 and 100 accounts
 *   npm run bench -- collect --sizes 10,100,500    # or --large to add 500
 *   npm run bench -- collect --latency-ms 30 --eks-rate 10 --iam-rate 5 --max-in-flight 64 --naive-sample 2
 *   npm run bench -- collect --cpu-prof bench/profiles   # V8 CPU profile of each paced collection
 *
 * For each size it generates an organization (2 regions, 2 clusters per region, 50–500 Pod Identity
 * associations per cluster in a deterministic Zipf-like distribution, IRSA roles with their OIDC
 * providers, 88 days of Pod Identity and IRSA CloudTrail history), serves it from the sandbox in a
 * separate Node process with a latency on every call and the rate limits enforced (LookupEvents
 * 2/s burst 2 per account-region as documented; EKS and IAM token buckets chosen here, because AWS
 * publishes none, and printed), and collects it with the real collector in a fresh process. Then it
 * runs a naive sequential collector over a sample of the same accounts and extrapolates.
 *
 * Printed per size: wall time, the lower bound and the ratio; API calls counted by the sandbox
 * per operation against the minimum; peak RSS and CPU of the collector process; the sandbox's CPU
 * (when it nears one full core, the sandbox and not the collector sets the pace).
 *
 * The minimum calls come from the scenario data alone (bench/support/bounds.ts): per account one
 * AssumeRole, GetAccountAuthorizationDetails pages at 1,000 items, one ListOpenIDConnectProviders and
 * one GetOpenIDConnectProvider per provider; per account-region ListClusters, per cluster one
 * DescribeCluster, List pages at 100 items and one Describe per association, add-on, node group and
 * Fargate profile; per lookup kind the LookupEvents pages at 50 records. The lower bound is the
 * largest of: per account-region, LookupEvents pages beyond the burst ÷ 2/s plus two latencies
 * (AssumeRole, last page); per account-region EKS calls and per account IAM calls the same way
 * under their buckets; the latency chain AssumeRole → ListClusters → association pages → Describe;
 * and every call's latency spread over the in-flight cap.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validateScenario } from '../sandbox/scenario.js';
import type { CallCounts, FaultRule } from '../sandbox/types.js';
import { DEFAULT_PACING } from '../shared/collect/pacing.js';
import { compareText } from '../shared/model/compare.js';
import {
  type BoundLimits,
  type LowerBound,
  lowerBound,
  type MinimumCalls,
  minimumCalls,
} from './support/bounds.js';
import { type CollectorMeasure, runCollector } from './support/collector-process.js';
import { BENCH_REGIONS, DEFAULT_SHAPE, generateOrganization, memberAccounts } from './support/generate.js';
import { BENCH_EXTERNAL_ID } from './support/organization.js';
import {
  type BenchmarkTable,
  type BenchmarkTarget,
  recordBenchmarkResult,
  target,
} from './support/results.js';
import { startSandboxProcess } from './support/sandbox-process.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** CloudTrail's documented LookupEvents limit. */
const LOOKUP_EVENTS_LIMIT = { rps: 2, burst: 2 };

/** Sizes whose targets the issue sets. */
const TARGET_SIZE = 100;

interface Settings {
  sizes: number[];
  latencyMs: number;
  limits: BoundLimits;
  naiveSample: number;
  cpuProfileDir?: string;
}

interface SizeResult {
  accounts: number;
  associations: number;
  records: number;
  paced: CollectorMeasure;
  calls: Record<string, number>;
  throttled: number;
  minimum: MinimumCalls;
  bound: LowerBound;
  sandboxCpuSeconds: number;
  sandboxBuildSeconds: number;
  /** The machine's 1-minute load average when the paced collection started and when it ended. */
  load: { before: number; after: number };
  naive?: { sample: number; measure: CollectorMeasure; calls: number; minimum: number; throttled: number };
}

function parseSettings(): { settings: Settings; args: string[] } {
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args,
    options: {
      sizes: { type: 'string', default: '10,100' },
      large: { type: 'boolean', default: false },
      'latency-ms': { type: 'string', default: '30' },
      'eks-rate': { type: 'string', default: String(DEFAULT_PACING.eksPerSecond) },
      'iam-rate': { type: 'string', default: String(DEFAULT_PACING.iamPerSecond) },
      'max-in-flight': { type: 'string', default: String(DEFAULT_PACING.maxInFlight) },
      'naive-sample': { type: 'string', default: '2' },
      'cpu-prof': { type: 'string' },
    },
  });
  const sizes = values.sizes.split(',').map((size) => Number(size.trim()));
  if (values.large && !sizes.includes(500)) sizes.push(500);
  if (sizes.some((size) => !(Number.isInteger(size) && size > 0)))
    throw new Error(`bad --sizes ${values.sizes}`);
  const eksRate = Number(values['eks-rate']);
  const iamRate = Number(values['iam-rate']);
  const settings: Settings = {
    sizes,
    latencyMs: Number(values['latency-ms']),
    limits: {
      lookupEvents: LOOKUP_EVENTS_LIMIT,
      // The sandbox's buckets hold one second of requests; the collector spaces its calls evenly.
      eks: { rps: eksRate, burst: Math.max(1, Math.ceil(eksRate)) },
      iam: { rps: iamRate, burst: Math.max(1, Math.ceil(iamRate)) },
      latencyMs: Number(values['latency-ms']),
      maxInFlight: Number(values['max-in-flight']),
    },
    naiveSample: Number(values['naive-sample']),
    ...(values['cpu-prof'] ? { cpuProfileDir: values['cpu-prof'] } : {}),
  };
  return { settings, args };
}

/** The EKS and IAM limits and the latency, as sandbox fault rules (LookupEvents 2/s is the sandbox's default). */
function benchFaults(settings: Settings): FaultRule[] {
  return [
    { latencyMs: settings.latencyMs },
    { service: 'eks', rateLimit: { ...settings.limits.eks, perOperation: false } },
    { service: 'iam', rateLimit: { ...settings.limits.iam, perOperation: false } },
  ];
}

/** Sandbox counts summed over accounts, per `service:Operation`. */
function callsByOperation(counts: CallCounts): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const [account, services] of Object.entries(counts)) {
    if (account === 'total' || account === 'throttled' || account === 'injected') continue;
    for (const [service, operations] of Object.entries(services as Record<string, Record<string, number>>)) {
      for (const [operation, count] of Object.entries(operations)) {
        const key = `${service}:${operation}`;
        totals[key] = (totals[key] ?? 0) + count;
      }
    }
  }
  return totals;
}

async function sandboxCalls(url: string): Promise<CallCounts> {
  return (await (await fetch(`${url}/_sandbox/calls`)).json()) as CallCounts;
}

async function resetCalls(url: string): Promise<void> {
  await fetch(`${url}/_sandbox/reset-calls`, { method: 'POST' });
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

async function measureSize(accounts: number, settings: Settings, workDir: string): Promise<SizeResult> {
  const shape = { ...DEFAULT_SHAPE, accounts };
  const input = { ...generateOrganization(shape), faults: benchFaults(settings) };
  const scenario = validateScenario(input);
  const file = join(workDir, `organization-${accounts}.json`);
  writeFileSync(file, JSON.stringify(input));
  const members = memberAccounts(accounts);
  const regions = BENCH_REGIONS.slice(0, shape.regions);
  const minimum = minimumCalls(scenario, members, regions);
  const bound = lowerBound(minimum, settings.limits);
  const associations = sum(
    scenario.accounts.flatMap((account) =>
      Object.values(account.regions).flatMap((region) =>
        region.clusters.map((cluster) => cluster.associations.length),
      ),
    ),
  );
  const records = sum(Object.values(minimum.lookupPages).map(() => 0));
  process.stdout.write(`\n${accounts} accounts: starting the sandbox (${associations} associations)…\n`);
  const sandbox = await startSandboxProcess(file);
  try {
    const job = {
      url: sandbox.url,
      credentials: sandbox.credentials,
      roleName: 'AuditReadOnly',
      externalId: BENCH_EXTERNAL_ID,
      regions,
    };
    await resetCalls(sandbox.url);
    const before = await sandbox.stats();
    const loadBefore = loadavg()[0];
    const paced = await runCollector({
      ...job,
      mode: 'paced',
      accounts: members,
      pacing: {
        eksPerSecond: settings.limits.eks.rps,
        iamPerSecond: settings.limits.iam.rps,
        maxInFlight: settings.limits.maxInFlight,
      },
      ...(settings.cpuProfileDir ? { cpuProfileDir: settings.cpuProfileDir } : {}),
    });
    const after = await sandbox.stats();
    const loadAfter = loadavg()[0];
    const counts = await sandboxCalls(sandbox.url);
    const result: SizeResult = {
      accounts,
      associations,
      records: records + paced.events,
      paced,
      calls: callsByOperation(counts),
      throttled: counts.throttled.total,
      minimum,
      bound,
      sandboxCpuSeconds: (after.cpuMs - before.cpuMs) / 1000,
      sandboxBuildSeconds: sandbox.buildSeconds,
      load: { before: loadBefore, after: loadAfter },
    };
    printSize(result, settings);
    const sample = Math.min(settings.naiveSample, accounts);
    if (sample > 0) {
      await resetCalls(sandbox.url);
      const sampleAccounts = members.slice(0, sample);
      const measure = await runCollector({ ...job, mode: 'naive', accounts: sampleAccounts });
      const naiveCounts = await sandboxCalls(sandbox.url);
      result.naive = {
        sample,
        measure,
        calls: naiveCounts.total,
        minimum: minimumCalls(scenario, sampleAccounts, regions).total,
        throttled: naiveCounts.throttled.total,
      };
      printNaive(result);
    }
    return result;
  } finally {
    await sandbox.close();
  }
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

/** Above this share of one core the sandbox, not the collector, may be setting the pace. */
const SANDBOX_BUSY_SHARE = 0.8;

function sandboxVerdict(result: SizeResult): string {
  return result.sandboxCpuSeconds / result.paced.seconds >= SANDBOX_BUSY_SHARE
    ? 'the sandbox is near one full core and may be the bottleneck'
    : 'the sandbox is not the bottleneck';
}
const ratio = (value: number) => value.toFixed(3);

function printSize(result: SizeResult, settings: Settings): void {
  const { paced, minimum, bound } = result;
  const cpus = availableParallelism();
  const callRatio = paced.apiCalls / minimum.total;
  const lines = [
    `${result.accounts} accounts × ${DEFAULT_SHAPE.regions} regions × ${DEFAULT_SHAPE.clustersPerRegion} clusters: ${result.associations} associations, ${paced.events} CloudTrail records collected, ${paced.errors} errors (sandbox built in ${fixed(result.sandboxBuildSeconds)} s)`,
    `  wall time        ${fixed(paced.seconds)} s`,
    `  lower bound      ${fixed(bound.seconds)} s (${bound.dominant.name}, ${bound.dominant.scope}); ${bound.terms.map((term) => `${term.name} ${fixed(term.seconds)} s`).join(', ')}`,
    `  wall ÷ bound     ${ratio(paced.seconds / bound.seconds)}`,
    `  API calls        ${paced.apiCalls} by the collector, ${sum(Object.values(result.calls))} seen by the sandbox, ${result.throttled} throttled; minimum ${minimum.total}; calls ÷ minimum ${ratio(callRatio)}`,
    ...Object.entries(minimum.byOperation)
      .sort(([a], [b]) => compareText(a, b))
      .map(
        ([operation, least]) =>
          `    ${operation.padEnd(42)} ${String(result.calls[operation] ?? 0).padStart(7)} (minimum ${least})`,
      ),
    ...Object.entries(result.calls)
      .filter(([operation]) => minimum.byOperation[operation] === undefined)
      .map(([operation, count]) => `    ${operation.padEnd(42)} ${String(count).padStart(7)} (not needed)`),
    `  peak RSS         ${fixed(paced.maxRssMiB, 0)} MiB (collector process)`,
    `  CPU              collector ${fixed(paced.cpuMs / 1000)} s = ${fixed((100 * paced.cpuMs) / 1000 / paced.seconds, 0)}% of one core, sandbox ${fixed(result.sandboxCpuSeconds)} s = ${fixed((100 * result.sandboxCpuSeconds) / paced.seconds, 0)}% of one core over the wall time: ${sandboxVerdict(result)}`,
    `  load average     ${fixed(result.load.before, 2)} → ${fixed(result.load.after, 2)} (1 minute, at the start and the end; ${cpus} cores)`,
    `  limits           LookupEvents ${settings.limits.lookupEvents.rps}/s burst ${settings.limits.lookupEvents.burst} per account-region; EKS ${settings.limits.eks.rps}/s burst ${settings.limits.eks.burst} per account-region; IAM ${settings.limits.iam.rps}/s burst ${settings.limits.iam.burst} per account; latency ${settings.latencyMs} ms; collector in-flight cap ${settings.limits.maxInFlight}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function naiveWall(result: SizeResult): { seconds: number; extrapolated: boolean } {
  if (!result.naive) return { seconds: Number.NaN, extrapolated: false };
  const scale = result.accounts / result.naive.sample;
  return { seconds: result.naive.measure.seconds * scale, extrapolated: scale !== 1 };
}

function printNaive(result: SizeResult): void {
  const naive = result.naive;
  if (!naive) return;
  const wall = naiveWall(result);
  process.stdout.write(
    `  naive            ${naive.sample} account(s) in ${fixed(naive.measure.seconds)} s` +
      `${wall.extrapolated ? ` → ${fixed(wall.seconds)} s extrapolated to ${result.accounts} accounts` : ''}` +
      `; ${naive.calls} calls (${naive.throttled} throttled) for a minimum of ${naive.minimum}: calls ÷ minimum ${ratio(naive.calls / naive.minimum)}; ${naive.measure.errors} calls failed after retries\n`,
  );
}

function tables(results: SizeResult[], settings: Settings): BenchmarkTable[] {
  const summary: BenchmarkTable = {
    title: 'Live collection against the sandbox',
    columns: [
      'accounts',
      'associations',
      'wall (s)',
      'lower bound (s)',
      'bound set by',
      'wall ÷ bound',
      'API calls',
      'minimum calls',
      'calls ÷ minimum',
      'throttled',
      'peak RSS (MiB)',
      'collector CPU (% of a core)',
      'sandbox CPU (% of a core)',
      'load average (start → end)',
      'naive wall (s)',
    ],
    rows: results.map((result) => {
      const wall = naiveWall(result);
      return [
        String(result.accounts),
        String(result.associations),
        fixed(result.paced.seconds),
        fixed(result.bound.seconds),
        result.bound.dominant.name,
        ratio(result.paced.seconds / result.bound.seconds),
        String(result.paced.apiCalls),
        String(result.minimum.total),
        ratio(result.paced.apiCalls / result.minimum.total),
        String(result.throttled),
        fixed(result.paced.maxRssMiB, 0),
        fixed((100 * result.paced.cpuMs) / 1000 / result.paced.seconds, 0),
        fixed((100 * result.sandboxCpuSeconds) / result.paced.seconds, 0),
        `${fixed(result.load.before, 1)} → ${fixed(result.load.after, 1)}`,
        result.naive
          ? `${fixed(wall.seconds)}${wall.extrapolated ? ` (${result.naive.sample}-account sample × ${result.accounts / result.naive.sample})` : ''}`
          : 'not run',
      ];
    }),
    notes: [
      `Limits enforced by the sandbox: LookupEvents ${settings.limits.lookupEvents.rps}/s (burst ${settings.limits.lookupEvents.burst}) per account-region (documented); EKS ${settings.limits.eks.rps}/s (burst ${settings.limits.eks.burst}) per account-region and IAM ${settings.limits.iam.rps}/s (burst ${settings.limits.iam.burst}) per account (chosen: AWS publishes none); ${settings.latencyMs} ms latency per call; collector in-flight cap ${settings.limits.maxInFlight}.`,
      'Lower bound: the largest of the per-scope rate terms (calls beyond the burst ÷ rate, plus the AssumeRole and last-call latencies), the latency chain of dependent calls, and all calls × latency ÷ in-flight cap. Minimum calls: computed from the generated data at maximum page sizes, one Describe per item.',
      'The naive collector goes one account and one call at a time with the SDK paginators and standard retries; it runs on a sample of accounts and its wall time is scaled to the size.',
    ],
  };
  const perOperation: BenchmarkTable = {
    title: 'API calls per operation (collector ÷ minimum)',
    columns: ['operation', ...results.map((result) => `${result.accounts} accounts`)],
    rows: [
      ...new Set(
        results.flatMap((result) => [
          ...Object.keys(result.minimum.byOperation),
          ...Object.keys(result.calls),
        ]),
      ),
    ]
      .sort()
      .map((operation) => [
        operation,
        ...results.map(
          (result) => `${result.calls[operation] ?? 0} / ${result.minimum.byOperation[operation] ?? 0}`,
        ),
      ]),
  };
  return [summary, perOperation];
}

function targets(results: SizeResult[]): BenchmarkTarget[] {
  const atTarget = results.find((result) => result.accounts === TARGET_SIZE);
  if (!atTarget) return [];
  return [
    target(
      `live collection, ${TARGET_SIZE} accounts: wall time ÷ lower bound`,
      Number(ratio(atTarget.paced.seconds / atTarget.bound.seconds)),
      1.2,
    ),
    target(
      `live collection, ${TARGET_SIZE} accounts: API calls ÷ minimum`,
      Number(ratio(atTarget.paced.apiCalls / atTarget.minimum.total)),
      1.02,
    ),
  ];
}

async function main(): Promise<void> {
  const { settings, args } = parseSettings();
  const workDir = mkdtempSync(join(tmpdir(), 'bench-collect-'));
  try {
    const results: SizeResult[] = [];
    for (const size of settings.sizes) results.push(await measureSize(size, settings, workDir));
    recordBenchmarkResult({
      benchmark: 'collect',
      arguments: args,
      tables: tables(results, settings),
      targets: targets(results),
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
