import { AsyncLocalStorage } from 'node:async_hooks';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { vi } from 'vitest';
import { demoEnvironment } from '../../cli/demo.js';
import { ROLE_SESSION_NAME } from '../../functions/lib/aws.js';
import { type ConfigKey, ENV, loadConfig } from '../../functions/lib/config.js';
import { LEDGER_PREFIX } from '../../functions/lib/ledgers.js';
import { type FailedItem, type NightlyRun, runNightlySteps } from '../../functions/lib/nightly.js';
import { logger, metrics } from '../../functions/lib/observability.js';
import type { CollectItem } from '../../functions/lib/run-plan.js';
import type { ShardItem } from '../../functions/lib/shards.js';
import { type FaultRule, resolveScenario, type SandboxHandle, type Scenario } from '../../sandbox/index.js';
import { type ClientFactoryOptions, createClientFactory } from '../../shared/aws/clients.js';
import { S3LedgerStore } from '../../shared/collect/usage/store.js';
import type { Finding } from '../../shared/model/finding.js';
import type { Report } from '../../shared/report/types.js';
import { tallyCount } from '../../shared/usage/ledger.js';
import { deadlineAfter } from './time.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The functions' logger was built before this module ran; the nights' logs are not under test.
logger.setLogLevel('SILENT');

/** The demo organization's audit account, members, region, bucket and topic. */
export const DEMO = {
  auditAccount: '111122223333',
  workloads: '222233334444',
  data: '333344445555',
  region: 'eu-west-1',
  bucket: 'eks-identity-audit-demo-111122223333',
  topicArn: 'arn:aws:sns:eu-west-1:111122223333:eks-identity-audit-findings',
  roleName: 'EksIdentityAuditReadOnly',
  externalId: 'eks-identity-audit-demo',
} as const;

/**
 * The demo organization without its staging cluster (and staging's usage), and with only the
 * add-ons that matter to identity: the same accounts, roles, trust, drift and usage, in about two
 * thirds of the EKS calls, so fault tests can afford many nights.
 */
export function smallDemo(): Scenario {
  const scenario = structuredClone(resolveScenario('demo'));
  scenario.name = 'demo-small';
  for (const account of scenario.accounts) {
    for (const region of Object.values(account.regions)) {
      region.clusters = region.clusters.filter((cluster) => cluster.name !== 'staging');
      for (const cluster of region.clusters) {
        cluster.addons = cluster.addons.filter((addon) => !['coredns', 'kube-proxy'].includes(addon.name));
      }
      region.usage = region.usage.filter((usage) => usage.cluster !== 'staging');
      region.deniedAttempts = region.deniedAttempts.filter((attempt) => attempt.cluster !== 'staging');
    }
  }
  return scenario;
}

/** The functions' settings for the demo organization, as the CDK app sets them and `npm run demo` reads them. */
export function nightConfig(sandbox: SandboxHandle) {
  return loadConfig(demoEnvironment(sandbox.url), Object.keys(ENV) as ConfigKey[]);
}

/**
 * The functions' client factory with short timeouts and few attempts, so a fault that outlasts
 * the retries shows within seconds instead of after the production budget (8 attempts, 30 s).
 */
export function fastFactory(sandbox: SandboxHandle, overrides: Partial<ClientFactoryOptions> = {}) {
  return createClientFactory({
    region: DEMO.region,
    roleName: DEMO.roleName,
    externalId: DEMO.externalId,
    roleSessionName: ROLE_SESSION_NAME,
    endpointUrl: sandbox.url,
    maxAttempts: 3,
    connectionTimeoutMs: 1_000,
    // Generous for a loaded machine (a fault-free night must never time out), short for a hang.
    requestTimeoutMs: 1_500,
    ...overrides,
  });
}

/** One metric value a step recorded. */
export interface RecordedMetric {
  name: string;
  value: number;
  dimensions?: Record<string, string>;
}

/** A collect-account invocation that failed (the Map item's error). */
export type { FailedItem };

/** What one night did: each step's output or error, the metrics, and the stored report. */
export interface Night extends NightlyRun {
  runId: string;
  metrics: RecordedMetric[];
  /** The JSON report the run stored, when it got that far. */
  report?: Report;
  /** Faulty responses the sandbox gave during the night (see `calls().injected`). */
  injected: number;
}

/** Options of {@link runNight}. */
export interface NightOptions {
  runId: string;
  /** The scheduler's time; default now. */
  scheduledTime?: string;
  /** Fault rules in force during the whole night (replacing the previous run-time rules). */
  faults?: FaultRule[];
  /** Time each collect-account invocation has before its deadline fires, on the process's clock. */
  collectDeadlineMs?: number;
  factory?: Partial<ClientFactoryOptions>;
  /** Runs after planning, before collection (e.g. to upload a new baseline mid-run). */
  afterPlan?: () => Promise<void>;
}

/**
 * Runs the state machine's steps in order through {@link runNightlySteps} (as `npm run demo` does),
 * with a fresh client factory per invocation, as separate Lambda invocations have, and the night's
 * metrics captured.
 */
export async function runNight(sandbox: SandboxHandle, options: NightOptions): Promise<Night> {
  const night: Night = { runId: options.runId, parts: [], shards: [], metrics: [], injected: 0 };
  const injectedBefore = sandbox.calls().injected.total;
  const restoreMetrics = captureMetrics();
  sandbox.setFaults(options.faults ?? []);
  try {
    const steps = await metricsOfNight.run(night.metrics, () =>
      runNightlySteps({
        config: nightConfig(sandbox),
        factory: () => fastFactory(sandbox, options.factory),
        event: { runId: options.runId, scheduledTime: options.scheduledTime ?? new Date().toISOString() },
        collectDeadline: () => deadlineAfter(options.collectDeadlineMs ?? 60_000),
        // The Map's ItemReader is the Step Functions service's own access: the night's faults, injected
        // into the functions' calls, do not reach it.
        readItems: async ({ bucket, key }) => {
          const body = sandbox.s3Object(bucket, key);
          if (!body) throw new Error(`the Map's ItemReader found no s3://${bucket}/${key}`);
          return JSON.parse(body.toString('utf8')) as CollectItem[];
        },
        readShards: async ({ bucket, key }) => {
          const body = sandbox.s3Object(bucket, key);
          if (!body) throw new Error(`the shard Map's ItemReader found no s3://${bucket}/${key}`);
          return JSON.parse(body.toString('utf8')) as ShardItem[];
        },
        ...(options.afterPlan ? { afterPlan: options.afterPlan } : {}),
      }),
    );
    Object.assign(night, steps);
  } finally {
    restoreMetrics();
    sandbox.setFaults([]);
    night.injected = Math.max(0, sandbox.calls().injected.total - injectedBefore);
  }
  night.report = await storedReport(sandbox, options.runId);
  return night;
}

/** The metrics of the night whose async context is current (nights may run side by side). */
const metricsOfNight = new AsyncLocalStorage<RecordedMetric[]>();
let metricSpies = 0;
let restoreSpies: (() => void) | undefined;

/** Routes what the steps pass to the metrics instance into the current night instead of EMF output. */
function captureMetrics(): () => void {
  metricSpies += 1;
  if (metricSpies === 1) {
    const add = vi.spyOn(metrics, 'addMetric').mockImplementation((name, _unit, value) => {
      metricsOfNight.getStore()?.push({ name, value });
      return metrics;
    });
    const single = vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      const dimensions: Record<string, string> = {};
      const into = metricsOfNight.getStore();
      return {
        addDimension: (key: string, value: string) => {
          dimensions[key] = value;
        },
        addMetric: (name: string, _unit: unknown, value: number) => {
          into?.push({ name, value, dimensions: { ...dimensions } });
        },
      } as unknown as ReturnType<typeof metrics.singleMetric>;
    });
    restoreSpies = () => {
      add.mockRestore();
      single.mockRestore();
    };
  }
  return () => {
    metricSpies -= 1;
    if (metricSpies === 0) restoreSpies?.();
  };
}

/** The sum of a metric over a night (0 when it was never recorded). */
export function metricTotal(night: Pick<Night, 'metrics'>, name: string): number {
  return night.metrics
    .filter((metric) => metric.name === name)
    .reduce((sum, metric) => sum + metric.value, 0);
}

/** The JSON report a run stored under `reports/`, found by its run id. */
export async function storedReport(sandbox: SandboxHandle, runId: string): Promise<Report | undefined> {
  const listed = await fastFactory(sandbox)
    .s3()
    .send(new ListObjectsV2Command({ Bucket: DEMO.bucket, Prefix: 'reports/' }));
  const key = listed.Contents?.map((object) => object.Key ?? '').find((name) =>
    name.endsWith(`/${runId}.json`),
  );
  if (!key) return undefined;
  return JSON.parse(String(sandbox.s3Object(DEMO.bucket, key))) as Report;
}

/** Security Hub's findings by id. */
export function hubFindings(sandbox: SandboxHandle): Map<string, AwsSecurityFinding> {
  return new Map(
    (sandbox.securityHubFindings() as AwsSecurityFinding[]).map((finding) => [finding.Id ?? '', finding]),
  );
}

/** The ids of the findings Security Hub holds as active. */
export function activeHubIds(sandbox: SandboxHandle): Set<string> {
  return new Set(
    [...hubFindings(sandbox).values()]
      .filter((finding) => finding.RecordState === 'ACTIVE')
      .map((finding) => finding.Id ?? ''),
  );
}

/**
 * Events per ledger entry of each account-region (`none` when no ledger is stored), so two ledgers
 * compare by what they counted rather than by when they were written.
 */
export async function ledgerEvents(
  sandbox: SandboxHandle,
  scopes: ReadonlyArray<{ accountId: string; region: string }>,
): Promise<Record<string, Record<string, number> | 'none'>> {
  const store = new S3LedgerStore(fastFactory(sandbox).s3(), { bucket: DEMO.bucket, prefix: LEDGER_PREFIX });
  const events: Record<string, Record<string, number> | 'none'> = {};
  for (const { accountId, region } of scopes) {
    const { ledger } = await store.read(accountId, region);
    events[`${accountId}/${region}`] = ledger
      ? Object.fromEntries(
          Object.entries(ledger.entries).map(([key, entry]) => [key, tallyCount(entry.tally)]),
        )
      : 'none';
  }
  return events;
}

/** A report's findings by id. */
export function findingsById(report: Pick<Report, 'findings'> | undefined): Map<string, Finding> {
  return new Map((report?.findings ?? []).map((finding) => [finding.id, finding]));
}
