import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnalyzeResult } from '../../functions/analyze-publish/analyze.js';
import type { BaselineInvalidResult } from '../../functions/analyze-publish/baseline-invalid.js';
import { parseBaselineObject, readBaselineObject } from '../../functions/lib/aws.js';
import { auditLedgerStore, loadLedgers } from '../../functions/lib/ledgers.js';
import { type PartSummary, readPart } from '../../functions/lib/parts.js';
import { type RunPlan, readRunPlan } from '../../functions/lib/run-plan.js';
import type { PlannedRun, RejectedRun } from '../../functions/plan-scopes/plan.js';
import { resolveScenario, type SandboxHandle, type Scenario, startSandbox } from '../../sandbox/index.js';
import { runAudit } from '../../shared/audit.js';
import type { Report } from '../../shared/report/types.js';
import { normalizeSnapshot } from '../../shared/snapshot/index.js';
import { SnapshotSchema } from '../../shared/snapshot/schema.js';
import { ledgerUsageIndex } from '../../shared/usage/ledger-index.js';
import { withLedgerCoverage } from '../../shared/usage/ledger-scopes.js';
import { lambdaContext } from '../functions/support.js';
import { applySelector, stateMachineDefinition, templates } from '../infra/support.js';
import { type DistributedMapState, runDistributedMap } from '../support/distributed-map.js';
import { useSandboxCredentials } from '../support/sandbox.js';

const AUDIT_ACCOUNT = '111122223333';
const WORKLOADS = '222233334444';
const DATA = '333344445555';
const REGION = 'eu-west-1';
const BUCKET = `eks-identity-audit-demo-${AUDIT_ACCOUNT}`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${AUDIT_ACCOUNT}:eks-identity-audit-findings`;

type Invoke = (event: unknown, context: Context) => Promise<unknown>;

const DAY_MS = 86_400_000;

let sandbox: SandboxHandle;
/** How far the sandbox clock runs ahead of the wall clock: a later night without waiting for it. */
let clockOffsetMs = 0;
/** The sandbox's "now", which is also when the scheduler fires in these tests. */
const sandboxNow = () => new Date(Date.now() + clockOffsetMs);
let handlers: {
  plan: Invoke;
  collect: Invoke;
  shard: Invoke;
  analyze: Invoke;
  importFindings: Invoke;
  cutover: Invoke;
};
/** The Map state's ItemSelector exactly as synthesized. */
let mapState: DistributedMapState;
/** The shard Map state and the JoinFacts task's payload, exactly as synthesized. */
let shardMapState: DistributedMapState;
let joinPayload: Record<string, unknown>;
/** The state the synthesized Choice sends a rejected run (invalid baseline) to. */
let rejectedRunNext: string | undefined;
/** The synthesized tail after AnalyzePublish: the Choice, and the task it loops to while the import is pending. */
let importLoop: { choice?: string; task?: string; back?: string };
let restoreEnv: () => void;

beforeAll(async () => {
  // Prepare: the deployed shape of the workflow, the sandbox, and the environment the CDK app sets.
  const { audit } = templates({ regions: [REGION, 'us-east-1'] });
  const states = stateMachineDefinition(audit).States as Record<string, Record<string, unknown>>;
  mapState = states.CollectAccounts as unknown as DistributedMapState;
  shardMapState = states.AnalyzeShards as unknown as DistributedMapState;
  joinPayload = states.JoinFacts.Parameters as Record<string, unknown>;
  rejectedRunNext = (states['BaselineValid?'].Choices as Array<{ StringEquals: string; Next: string }>).find(
    (choice) => choice.StringEquals === 'baseline-invalid',
  )?.Next;
  const choice = states.AnalyzePublish.Next as string | undefined;
  const task = choice
    ? (states[choice].Choices as Array<{ Next: string }> | undefined)?.[0]?.Next
    : undefined;
  importLoop = { choice, task, back: task ? (states[task].Next as string) : undefined };

  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false, now: sandboxNow });
  restoreEnv = useSandboxCredentials(sandbox, {
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: sandbox.url,
    AUDIT_BUCKET: BUCKET,
    BASELINE_KEY: 'baseline.yaml',
    TOPIC_ARN,
    MEMBER_ROLE_NAME: 'EksIdentityAuditReadOnly',
    EXTERNAL_ID: 'eks-identity-audit-demo',
    WINDOW_DAYS: '90',
    AUDIT_REGIONS: `${REGION},us-east-1`,
    AUDIT_ACCOUNTS: '',
    SECURITY_HUB_MODE: 'audit-account',
    SUMMARY: 'always',
    ALERT_THRESHOLD: 'HIGH',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  handlers = await importHandlers();
  // Synthesizing both stacks is CPU-bound: generous for a loaded machine.
}, 120_000);

/** The deployed handlers, freshly imported: each reads its environment once, at cold start. */
async function importHandlers(): Promise<typeof handlers> {
  return {
    plan: (await import('../../functions/plan-scopes/handler.js')).handler as Invoke,
    collect: (await import('../../functions/collect-account/handler.js')).handler as Invoke,
    shard: (await import('../../functions/analyze-shard/handler.js')).handler as Invoke,
    analyze: (await import('../../functions/analyze-publish/handler.js')).handler as Invoke,
    importFindings: (await import('../../functions/import-findings/handler.js')).handler as Invoke,
    cutover: (await import('../../functions/cutover-check/handler.js')).handler as Invoke,
  };
}

afterAll(async () => {
  await sandbox.close();
  restoreEnv();
});

/** Runs the state machine's steps in order, with the payloads Scheduler and Step Functions pass. */
async function runNight(scheduledTime: string) {
  const schedulerInput = {
    source: 'eventbridge-scheduler',
    scheduledTime,
    scheduleExecutionId: 'e2e-0001',
  };
  const plan = (await handlers.plan(schedulerInput, lambdaContext('plan-scopes'))) as
    | PlannedRun
    | RejectedRun;
  if (plan.status !== 'planned') {
    if (rejectedRunNext !== 'AnalyzePublish')
      return {
        plan,
        planned: undefined as RunPlan | undefined,
        parts: [] as PartSummary[],
        result: undefined,
      };
    // The Choice skips the Map: analyze-publish gets plan-scopes' output as it is.
    const rejected = (await handlers.analyze(
      plan,
      lambdaContext('analyze-publish'),
    )) as BaselineInvalidResult;
    return {
      plan,
      planned: undefined as RunPlan | undefined,
      parts: [] as PartSummary[],
      result: undefined,
      rejected,
    };
  }
  // The synthesized Distributed Map: items from S3 (ItemReader), results to S3 (ResultWriter).
  const map = await runDistributedMap({
    s3: s3Client(),
    bucket: BUCKET,
    input: plan as unknown as Record<string, unknown>,
    state: mapState,
    concurrency: 1,
    process: async (item) => (await handlers.collect(item, lambdaContext('collect-account'))) as PartSummary,
  });
  const parts = map.results as PartSummary[];
  const afterMap = { ...plan, collected: map.output };
  // JoinFacts, then the synthesized shard Map over the shards plan-scopes wrote, then AnalyzePublish.
  const joined = await handlers.shard(
    applySelector(joinPayload, afterMap, {}),
    lambdaContext('analyze-shard'),
  );
  const shardMap = await runDistributedMap({
    s3: s3Client(),
    bucket: BUCKET,
    input: { ...afterMap, joined } as unknown as Record<string, unknown>,
    state: shardMapState,
    concurrency: 1,
    process: async (item) => await handlers.shard(item, lambdaContext('analyze-shard')),
  });
  expect(
    shardMap.results.every((shard) => typeof shard === 'object' && shard !== null && 'findings' in shard),
  ).toBe(true);
  const afterShards = { ...afterMap, joined, analyzed: shardMap.output };
  const result = (await handlers.analyze(afterShards, lambdaContext('analyze-publish'))) as AnalyzeResult;
  // The synthesized tail: the Choice loops to ImportFindings (InputPath = ResultPath = $.securityHub).
  let imports = 0;
  while (result.securityHub.done === false) {
    expect(importLoop).toEqual({
      choice: 'SecurityHubImportPending?',
      task: 'ImportFindings',
      back: 'SecurityHubImportPending?',
    });
    result.securityHub = (await handlers.importFindings(
      result.securityHub,
      lambdaContext('import-findings'),
    )) as AnalyzeResult['securityHub'];
    imports += 1;
  }
  const planned = await readRunPlan(s3Client(), { bucket: BUCKET, runId: plan.runId });
  return { plan, planned, parts, result, imports };
}

function s3Client(): S3Client {
  return new S3Client({
    region: REGION,
    endpoint: sandbox.url,
    forcePathStyle: true,
    credentials: sandbox.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

describe('a nightly run against the demo organization', () => {
  let night: Awaited<ReturnType<typeof runNight>>;

  beforeAll(async () => {
    // Act
    night = await runNight(new Date().toISOString());
  }, 120_000);

  it('plans every declared account with the configured regions plus the clusters regions', () => {
    // Assess
    expect(night.plan.status).toBe('planned');
    const plan = night.plan as PlannedRun;
    expect(plan.plan).toMatchObject({
      bucket: BUCKET,
      key: `runs/${plan.runId}/plan.json`,
      accounts: 2,
      items: 2,
    });
    expect(night.planned?.accounts).toEqual(
      [
        { accountId: WORKLOADS, regions: [REGION, 'us-east-1'] },
        { accountId: DATA, regions: [REGION, 'us-east-1'] },
      ].sort((a, b) => a.accountId.localeCompare(b.accountId)),
    );
    expect(plan.baseline).toMatchObject({ bucket: BUCKET, key: 'baseline.yaml' });
    expect(plan.baseline.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(plan).length).toBeLessThan(256 * 1024);
  });

  it('writes one valid snapshot part per account and returns small summaries', () => {
    const plan = night.plan as PlannedRun;
    for (const summary of night.parts) {
      expect(summary.key).toBe(`runs/${plan.runId}/parts/${summary.accountId}.json`);
      const body = sandbox.s3Object(BUCKET, summary.key);
      expect(body, summary.key).toBeDefined();
      const part = SnapshotSchema.parse(JSON.parse(String(body)));
      expect(part.accounts.map((account) => account.accountId)).toEqual([summary.accountId]);
      expect(part.capturedAt).toBe(plan.startedAt);
      expect(JSON.stringify(summary).length).toBeLessThan(1024);
      expect(summary.timedOut).toBe(false);
    }
    const workloads = night.parts.find((summary) => summary.accountId === WORKLOADS);
    expect(workloads).toMatchObject({ complete: true, errors: 0, clusters: 3 });
  });

  it('finds the demo drift and publishes it to SNS, Security Hub and the report store', () => {
    const result = night.result as AnalyzeResult;
    expect(result.accounts).toBe(2);
    expect(result.missingParts).toEqual([]);
    expect(result.total).toBeGreaterThan(0);
    // The first run has no previous record, so every unsuppressed finding is new.
    expect(result.newFindings).toBe(result.total);
    expect(result.sns.published).toBe(true);
    expect(result.securityHub.failed).toBe(0);
    // analyze-publish queued the findings; one ImportFindings invocation (far from its deadline) sent them.
    expect(night.imports).toBe(1);
    expect(result.securityHub).toMatchObject({ done: true, invocations: 1 });
    expect(result.securityHub.queue?.key).toBe(`runs/${result.runId}/securityhub/manifest.json`);

    const report = JSON.parse(
      String(sandbox.s3Object(BUCKET, (result.reportUri as string).replace(`s3://${BUCKET}/`, ''))),
    ) as { runId: string; findings: Array<{ id: string; checkId: string; suppressed?: boolean }> };
    expect(report.runId).toBe(result.runId);
    const checkIds = new Set(report.findings.map((finding) => finding.checkId));
    expect(checkIds).toContain('PI_ASSOCIATION_MISSING');
    expect(checkIds).not.toContain('BASELINE_INVALID');

    const messages = sandbox.snsMessages();
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((message) => message.topicArn === TOPIC_ARN)).toBe(true);

    const hub = sandbox.securityHubFindings() as AwsSecurityFinding[];
    // Unsuppressed findings are active in Security Hub under their finding id; suppressed ones are archived.
    const active = hub.filter((finding) => finding.RecordState === 'ACTIVE').map((finding) => finding.Id);
    const open = report.findings.filter((finding) => !finding.suppressed).map((finding) => finding.id);
    expect(new Set(active)).toEqual(new Set(open));
    expect(active.length).toBe(result.securityHub.imported);
    expect(hub.length - active.length).toBe(result.securityHub.archived);
    expect(hub.every((finding) => finding.AwsAccountId === AUDIT_ACCOUNT)).toBe(true);
    expect(hub.some((finding) => finding.GeneratorId?.includes('PI_ASSOCIATION_MISSING'))).toBe(true);
  });

  it('judges against the validated copy plan-scopes wrote: the findings, ids and baseline locations an audit against the YAML gives', async () => {
    // Prepare: the same parts and ledgers, judged against the YAML the run planned.
    const plan = night.plan as PlannedRun;
    const result = night.result as AnalyzeResult;
    const report = JSON.parse(
      String(sandbox.s3Object(BUCKET, (result.reportUri as string).replace(`s3://${BUCKET}/`, ''))),
    ) as Report;
    const s3 = new S3Client({
      region: REGION,
      endpoint: sandbox.url,
      forcePathStyle: true,
      credentials: sandbox.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const yaml = parseBaselineObject(await readBaselineObject(s3, plan.baseline));
    const accounts = await Promise.all(
      (night.planned?.accounts ?? []).map((scope) =>
        readPart(s3, { bucket: BUCKET, runId: plan.runId }, scope.accountId),
      ),
    );
    const store = auditLedgerStore(s3, BUCKET);
    const stored = await loadLedgers(store, night.planned?.accounts ?? []);
    const inventory = withLedgerCoverage(
      normalizeSnapshot({ snapshotVersion: 1, capturedAt: plan.startedAt, accounts }),
      stored.ledgers,
      {
        days: yaml.settings.unusedAfterDays,
        describe: (accountId, region) => store.describe(accountId, region),
      },
    );

    // Act
    const expected = runAudit({
      inventory,
      baseline: yaml,
      runId: plan.runId,
      startedAt: plan.startedAt,
      finishedAt: report.finishedAt,
      usageIndex: (options) => ledgerUsageIndex(stored.ledgers, inventory, options),
    }).report;

    // Assess
    expect(String(sandbox.s3Object(BUCKET, `runs/${plan.runId}/baseline.json`))).toBe(JSON.stringify(yaml));
    expect(report.findings.filter((finding) => finding.baselineLocation).length).toBeGreaterThan(0);
    expect(JSON.stringify(report.findings)).toBe(JSON.stringify(expected.findings));
    expect(report.summary).toEqual(expected.summary);
  });
});

/**
 * The demo organization with `factor` times its workload sessions (capped at the sandbox's 48 a
 * day): the same identities used and unused, but a history of many LookupEvents pages, as a busy
 * account has.
 */
function busyDemo(factor: number): Scenario {
  const scenario = structuredClone(resolveScenario('demo'));
  for (const account of scenario.accounts) {
    for (const region of Object.values(account.regions)) {
      for (const usage of region.usage) usage.perDay = Math.min(48, usage.perDay * factor);
    }
  }
  return scenario;
}

/** LookupEvents requests the sandbox answered, per audited account. */
function lookupCalls(): Record<string, number> {
  const calls = sandbox.calls();
  return Object.fromEntries(
    [WORKLOADS, DATA].map((account) => [account, calls[account]?.cloudtrail?.LookupEvents ?? 0]),
  );
}

interface ReportFinding {
  id: string;
  checkId: string;
  severity: string;
  accountId: string;
  resource: { id: string };
  message: string;
  suppressed?: boolean;
}

/** The findings of a night's report, reduced to what must not change between equivalent runs. */
function reportedFindings(result: AnalyzeResult | undefined) {
  const key = String(result?.reportUri).replace(`s3://${BUCKET}/`, '');
  const report = JSON.parse(String(sandbox.s3Object(BUCKET, key))) as { findings: ReportFinding[] };
  return report.findings.map(({ id, checkId, severity, resource, message, suppressed }) => ({
    id,
    checkId,
    severity,
    resource: resource.id,
    message,
    suppressed: suppressed ?? false,
  }));
}

describe('nightly runs with the incremental usage ledger', () => {
  const nights: Array<{ night: Awaited<ReturnType<typeof runNight>>; lookups: Record<string, number> }> = [];
  let scan: { night: Awaited<ReturnType<typeof runNight>>; lookups: Record<string, number> };

  beforeAll(async () => {
    // Prepare: an unchanged, busy organization and fresh state.
    sandbox.loadScenario(busyDemo(20));

    // Act: two consecutive nights a day apart, then the same night again with the window scan.
    for (const offset of [0, DAY_MS]) {
      clockOffsetMs = offset;
      sandbox.resetCalls();
      const night = await runNight(sandboxNow().toISOString());
      nights.push({ night, lookups: lookupCalls() });
    }
    vi.resetModules();
    process.env.USAGE_SOURCE = 'scan';
    const ledgerHandlers = handlers;
    try {
      handlers = await importHandlers();
      sandbox.resetCalls();
      const night = await runNight(sandboxNow().toISOString());
      scan = { night, lookups: lookupCalls() };
    } finally {
      delete process.env.USAGE_SOURCE;
      handlers = ledgerHandlers;
    }
  }, 240_000);

  afterAll(() => {
    clockOffsetMs = 0;
  });

  it('backfills each region ledger on the first night, then reads only the overlap', () => {
    const [first, second] = nights;
    for (const summary of first.night.parts) {
      expect(summary.usage).toMatchObject({ source: 'ledger', backfilled: [REGION, 'us-east-1'], gaps: [] });
    }
    for (const summary of second.night.parts) {
      // One page per lookup attribute (three) in each of the two regions.
      expect(summary.usage).toMatchObject({ source: 'ledger', lookupEvents: 6, backfilled: [], gaps: [] });
    }
    expect(second.lookups).toEqual({ [WORKLOADS]: 6, [DATA]: 6 });
    // A 90-day backfill of the busy account pages through thousands of events; the overlap does not.
    expect(first.lookups[WORKLOADS]).toBeGreaterThan(10 * second.lookups[WORKLOADS]);
    const eventsRead = (night: (typeof nights)[number]) =>
      night.night.parts.reduce((sum, summary) => sum + (summary.usage?.eventsRead ?? 0), 0);
    expect(eventsRead(first)).toBeGreaterThan(10 * eventsRead(second));
  });

  it('reports the same findings on the second night, so nothing is new or resolved', () => {
    const [first, second] = nights;
    expect(second.night.result?.usage).toEqual({ source: 'ledger', ledgers: 4, missingLedgers: [] });
    expect(second.night.result?.incompleteScopes).toBe(0);
    expect(reportedFindings(second.night.result)).toEqual(reportedFindings(first.night.result));
    expect(second.night.result).toMatchObject({ newFindings: 0, resolvedFindings: 0 });
    const checkIds = new Set(reportedFindings(second.night.result).map((finding) => finding.checkId));
    for (const usageCheck of [
      'ROLE_UNUSED',
      'PI_ASSOCIATION_UNUSED',
      'PI_ASSUME_DENIED',
      'UNDECLARED_USAGE',
    ]) {
      expect(checkIds.has(usageCheck), usageCheck).toBe(true);
    }
  });

  it('finds exactly what a full window scan finds, with far more LookupEvents calls for the scan', () => {
    expect(scan.night.result?.usage).toEqual({ source: 'scan' });
    expect(reportedFindings(scan.night.result)).toEqual(reportedFindings(nights[1].night.result));
    // The scan pays the backfill's price every night.
    expect(scan.lookups[WORKLOADS]).toBeGreaterThan(10 * nights[1].lookups[WORKLOADS]);
  });
});

describe('an on-demand cutover check', () => {
  it('collects the logical cluster and returns the readiness report of prod-blue to prod-green', async () => {
    // Prepare
    sandbox.loadScenario('demo');

    // Act: what `aws lambda invoke --payload '{...}'` sends.
    const result = (await handlers.cutover(
      { cluster: 'prod', from: 'prod-blue', to: 'prod-green', phase: 'pre' },
      lambdaContext('cutover-check'),
    )) as {
      cutoverVersion: number;
      verdict: string;
      cluster: string;
      accountId: string;
      summary: { workloads: number };
    };

    // Assess
    expect(result).toMatchObject({ cutoverVersion: 1, cluster: 'prod', accountId: WORKLOADS });
    expect(['READY', 'NOT_READY']).toContain(result.verdict);
    expect(result.summary.workloads).toBeGreaterThan(0);
    expect(sandbox.calls()[WORKLOADS]?.eks).toBeDefined();
  }, 60_000);

  it('names the field when the request is malformed', async () => {
    await expect(
      handlers.cutover(
        { cluster: 'prod', from: 'prod blue', to: 'prod-green' },
        lambdaContext('cutover-check'),
      ),
    ).rejects.toThrow(/event\.from: must be an EKS cluster name/);
  });
});

describe('a nightly run with a broken baseline', () => {
  it('skips collection and publishes BASELINE_INVALID alone from analyze-publish', async () => {
    // Prepare
    sandbox.loadScenario('demo');
    const s3 = new S3Client({
      region: REGION,
      endpoint: sandbox.url,
      forcePathStyle: true,
      credentials: sandbox.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'baseline.yaml',
        Body: 'version: 1\nclusters:\n  prod:\n    account: "12345"\n',
        ContentType: 'application/yaml',
      }),
    );

    // Act
    const night = await runNight(new Date().toISOString());

    // Assess
    expect(night.plan.status).toBe('baseline-invalid');
    const rejected = night.plan as RejectedRun;
    expect(rejected.accounts).toEqual([]);
    expect(rejected.problems.join('\n')).toMatch(/baseline\.yaml:\d+:\d+/);
    expect(sandbox.calls()[WORKLOADS]).toBeUndefined();
    expect(night.rejected).toMatchObject({
      status: 'baseline-invalid',
      runId: rejected.runId,
      problems: rejected.problems,
      reportUri: expect.stringMatching(/^s3:\/\/.*\.json$/),
      sns: { published: true },
      securityHub: { imported: 1, failed: 0 },
    });
    const hub = sandbox.securityHubFindings() as AwsSecurityFinding[];
    expect(hub.map((finding) => finding.GeneratorId)).toEqual([expect.stringContaining('BASELINE_INVALID')]);
    const messages = sandbox.snsMessages();
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.map((message) => message.message).join('\n')).toContain('BASELINE_INVALID');
  }, 60_000);
});
