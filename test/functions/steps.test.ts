import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AnalyzeEventSchema,
  analyzeAndPublish,
  analyzeStep,
} from '../../functions/analyze-publish/analyze.js';
import { collectAccountPart } from '../../functions/collect-account/collect.js';
import { clientFactory, parseBaselineObject, readBaselineObject } from '../../functions/lib/aws.js';
import { LEDGER_PREFIX } from '../../functions/lib/ledgers.js';
import { DeadlineError } from '../../functions/lib/middleware.js';
import { partKey, readPart } from '../../functions/lib/parts.js';
import { runBaselineKey } from '../../functions/lib/run-baseline.js';
import { readRunPlan } from '../../functions/lib/run-plan.js';
import { type PlannedRun, planScopes } from '../../functions/plan-scopes/plan.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { runAudit } from '../../shared/audit.js';
import { ALL_SERVICE_CLIENTS } from '../../shared/aws/clients.js';
import { parseBaseline, sha256Hex } from '../../shared/baseline/index.js';
import { baselineInvalidFinding } from '../../shared/checks/meta/BASELINE_INVALID.js';
import { InputError } from '../../shared/errors.js';
import { normalizeSnapshot } from '../../shared/snapshot/index.js';
import { SnapshotSchema } from '../../shared/snapshot/schema.js';
import { type Ledger, validateLedger } from '../../shared/usage/ledger.js';
import { useSandboxCredentials } from '../support/sandbox.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const REGION = 'eu-west-1';
const BUCKET = 'eks-identity-audit-demo-111122223333';
const WORKLOADS = '222233334444';
const DATA = '333344445555';

let sandbox: SandboxHandle;

let restoreEnv: () => void;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  restoreEnv = useSandboxCredentials(sandbox);
});
afterAll(async () => {
  await sandbox.close();
  restoreEnv();
});
beforeEach(() => {
  sandbox.loadScenario('demo');
});

function settings(usageSource: 'ledger' | 'scan' = 'ledger') {
  return {
    bucket: BUCKET,
    baselineKey: 'baseline.yaml',
    topicArn: `arn:aws:sns:${REGION}:111122223333:eks-identity-audit-findings`,
    memberRoleName: 'EksIdentityAuditReadOnly',
    externalId: 'eks-identity-audit-demo',
    windowDays: 90,
    regions: [REGION],
    accounts: [],
    securityHubMode: 'audit-account' as const,
    summary: 'always' as const,
    alertThreshold: 'HIGH' as const,
    usageSource,
    endpointUrl: sandbox.url,
    region: REGION,
  };
}

/** The function's client factory; the sandbox operator stands in for the execution role. */
function factory() {
  return clientFactory(settings(), ALL_SERVICE_CLIENTS);
}

describe('collect-account', () => {
  it('writes an incomplete part with a Timeout error when the deadline has passed', async () => {
    // Prepare
    const deadline = AbortSignal.abort(new DeadlineError('stopped 60000 ms before the Lambda time limit'));
    const event = {
      runId: 'run-timeout',
      startedAt: new Date().toISOString(),
      accountId: WORKLOADS,
      regions: [REGION],
    };

    // Act
    const summary = await collectAccountPart(event, settings(), factory(), deadline);

    // Assess
    expect(summary).toMatchObject({ accountId: WORKLOADS, timedOut: true, complete: false, errors: 1 });
    const part = SnapshotSchema.parse(
      JSON.parse(String(sandbox.s3Object(BUCKET, partKey('run-timeout', WORKLOADS)))),
    );
    expect(part.accounts[0].errors?.[0]).toMatchObject({ code: 'Timeout', operation: 'CollectAccount' });
    expect(part.accounts[0].iam).toBeUndefined();
  });

  it('records a denied service in the part instead of failing the Map item', async () => {
    sandbox.setFaults([{ account: DATA, service: 'iam', accessDenied: true }]);
    const event = {
      runId: 'run-denied',
      startedAt: new Date().toISOString(),
      accountId: DATA,
      regions: [REGION],
    };
    const summary = await collectAccountPart(event, settings(), factory(), new AbortController().signal);
    expect(summary).toMatchObject({ accountId: DATA, timedOut: false, complete: false });
  });
});

/** The ledger collect-account keeps for an account-region, as stored in the audit bucket. */
function storedLedger(accountId: string, region = REGION): Ledger | undefined {
  const body = sandbox.s3Object(BUCKET, `${LEDGER_PREFIX}/usage/${accountId}/${region}/ledger.json`);
  if (!body) return undefined;
  const result = validateLedger(JSON.parse(body.toString('utf8')));
  if ('problem' in result) throw new Error(result.problem);
  return result.ledger;
}

function collectEvent(runId: string, startedAt: string, accountId = WORKLOADS) {
  return { runId, startedAt, accountId, regions: [REGION] };
}

describe('collect-account with usage ledgers (the default)', () => {
  it('keeps CloudTrail out of the part and backfills the region ledger under state/usage up to the run start', async () => {
    // Prepare
    const startedAt = new Date().toISOString();

    // Act
    const summary = await collectAccountPart(
      collectEvent('run-ledger-1', startedAt),
      settings(),
      factory(),
      new AbortController().signal,
    );

    // Assess
    const part = SnapshotSchema.parse(
      JSON.parse(String(sandbox.s3Object(BUCKET, partKey('run-ledger-1', WORKLOADS)))),
    );
    expect(part.accounts[0].regions?.map((region) => region.cloudTrail)).toEqual([undefined]);
    const ledger = storedLedger(WORKLOADS);
    expect(ledger?.highWaterMark).toBe(startedAt);
    expect(ledger?.backfills.map((backfill) => backfill.reason)).toEqual(['first-run']);
    expect(Object.keys(ledger?.entries ?? {}).length).toBeGreaterThan(0);
    expect(summary.usage).toEqual({
      source: 'ledger',
      lookupEvents: sandbox.calls()[WORKLOADS]?.cloudtrail?.LookupEvents,
      eventsRead: expect.any(Number),
      backfilled: [REGION],
      gaps: [],
      failed: [],
    });
    expect(summary.usage?.eventsRead).toBeGreaterThan(50);
    expect(JSON.stringify(summary).length).toBeLessThan(1024);
  });

  it('reads only the overlap before the high-water mark on the next run', async () => {
    // Prepare: a first night, then a fresh count of calls.
    const first = await collectAccountPart(
      collectEvent('run-ledger-a', new Date().toISOString()),
      settings(),
      factory(),
      new AbortController().signal,
    );
    const firstNight = {
      lookups: sandbox.calls()[WORKLOADS]?.cloudtrail?.LookupEvents ?? 0,
      events: first.usage?.eventsRead ?? 0,
    };
    sandbox.resetCalls();

    // Act
    const secondStart = new Date().toISOString();
    const summary = await collectAccountPart(
      collectEvent('run-ledger-b', secondStart),
      settings(),
      factory(),
      new AbortController().signal,
    );

    // Assess: one page per lookup attribute (three) covers the overlap, whose events are few.
    expect(summary.usage).toMatchObject({ source: 'ledger', lookupEvents: 3, backfilled: [], gaps: [] });
    expect(firstNight.lookups).toBeGreaterThan(summary.usage?.lookupEvents ?? 0);
    expect(firstNight.events).toBeGreaterThan(10 * (summary.usage?.eventsRead ?? 0));
    expect(storedLedger(WORKLOADS)?.highWaterMark).toBe(secondStart);
  });

  it('commits the unread span as a coverage gap when the deadline has passed, and says so', async () => {
    // Prepare
    const deadline = AbortSignal.abort(new DeadlineError('stopped 60000 ms before the Lambda time limit'));

    // Act
    const summary = await collectAccountPart(
      collectEvent('run-ledger-stopped', new Date().toISOString()),
      settings(),
      factory(),
      deadline,
    );

    // Assess
    expect(summary).toMatchObject({
      timedOut: true,
      usage: { source: 'ledger', lookupEvents: 0, eventsRead: 0, gaps: [REGION], failed: [] },
    });
    const ledger = storedLedger(WORKLOADS);
    expect(ledger?.highWaterMark).toBeUndefined();
    expect(ledger?.gaps).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('lookups stopped before they finished') }),
    ]);
  });

  it('scans the whole window into the part and touches no ledger with USAGE_SOURCE=scan', async () => {
    const summary = await collectAccountPart(
      collectEvent('run-scan', new Date().toISOString()),
      settings('scan'),
      factory(),
      new AbortController().signal,
    );
    const part = SnapshotSchema.parse(
      JSON.parse(String(sandbox.s3Object(BUCKET, partKey('run-scan', WORKLOADS)))),
    );
    const events = part.accounts[0].regions?.[0].cloudTrail?.events ?? [];
    expect(events.length).toBeGreaterThan(50);
    expect(summary.usage).toEqual({
      source: 'scan',
      lookupEvents: sandbox.calls()[WORKLOADS]?.cloudtrail?.LookupEvents,
      eventsRead: events.length,
    });
    expect(storedLedger(WORKLOADS)).toBeUndefined();
  });
});

/** The accounts × regions a planned run wrote to S3 (the state carries only where they are). */
function plannedOf(plan: PlannedRun) {
  return readRunPlan(factory().s3(), { bucket: BUCKET, runId: plan.runId });
}

describe('plan-scopes', () => {
  it('returns a missing baseline as a rejected run, publishing nothing itself', async () => {
    // Prepare
    await factory()
      .s3()
      .send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'baseline.yaml' }));

    // Act
    const outcome = await planScopes({}, settings(), factory());

    // Assess
    expect(outcome.status).toBe('baseline-invalid');
    expect(outcome.status === 'baseline-invalid' && outcome.accounts).toEqual([]);
    expect(outcome.status === 'baseline-invalid' && outcome.error).toMatch(/baseline not found/);
    expect(outcome.status === 'baseline-invalid' && outcome.problems).toEqual([]);
    expect(AnalyzeEventSchema.safeParse(outcome).success).toBe(true);
    expect(sandbox.securityHubFindings()).toEqual([]);
    expect(sandbox.snsMessages()).toEqual([]);
  });

  it('fails the execution, publishing nothing, when S3 refuses the read', async () => {
    sandbox.setFaults([{ service: 's3', operation: 'GetObject', accessDenied: true }]);
    await expect(planScopes({}, settings(), factory())).rejects.toThrow(/not authorized/);
    expect(sandbox.snsMessages()).toEqual([]);
  });

  it('keeps a run id given by the caller and starts the run at the scheduled time', async () => {
    const outcome = (await planScopes(
      { runId: 'manual-1', scheduledTime: '2026-11-29T02:00:00+09:00' },
      settings(),
      factory(),
    )) as PlannedRun;
    expect(outcome).toMatchObject({
      status: 'planned',
      runId: 'manual-1',
      startedAt: '2026-11-28T17:00:00.000Z',
    });
  });
});

describe('analyze-publish', () => {
  it('reports an account whose part never arrived as incomplete, with no missing findings inside it', async () => {
    // Prepare: plan, then collect only the data account; the workloads account's Map item "failed".
    const plan = (await planScopes({}, settings(), factory())) as PlannedRun;
    const data = await collectAccountPart(
      { runId: plan.runId, startedAt: plan.startedAt, accountId: DATA, regions: [REGION] },
      settings(),
      factory(),
      new AbortController().signal,
    );

    // Act
    const result = await analyzeAndPublish(
      { ...plan, collected: [data, { Error: 'States.TaskFailed', Cause: 'Lambda timed out' }] },
      settings(),
      factory(),
    );

    // Assess
    expect(result.missingParts).toEqual([WORKLOADS]);
    expect(result.incompleteScopes).toBeGreaterThan(0);
    const report = JSON.parse(
      String(sandbox.s3Object(BUCKET, String(result.reportUri).replace(`s3://${BUCKET}/`, ''))),
    ) as {
      findings: Array<{ checkId: string; accountId: string }>;
    };
    const inWorkloads = report.findings
      .filter((finding) => finding.accountId === WORKLOADS)
      .map((f) => f.checkId);
    expect(inWorkloads).toContain('COLLECTION_INCOMPLETE');
    expect(inWorkloads.filter((id) => /_MISSING$|_UNUSED$/.test(id))).toEqual([]);
  });

  it('judges usage from the ledgers, and reports a scope whose ledger is missing as unknown, never unused', async () => {
    // Prepare: a planned run with both accounts collected in ledger mode.
    const plan = (await planScopes({}, settings(), factory())) as PlannedRun;
    const collected = [];
    for (const scope of (await plannedOf(plan)).accounts) {
      collected.push(
        await collectAccountPart(
          { runId: plan.runId, startedAt: plan.startedAt, ...scope },
          settings(),
          factory(),
          new AbortController().signal,
        ),
      );
    }
    /** The workloads account's usage verdicts in a run's report: unused findings and incomplete scopes. */
    const workloadsUsage = (result: { reportUri?: string }) => {
      const report = JSON.parse(
        String(sandbox.s3Object(BUCKET, String(result.reportUri).replace(`s3://${BUCKET}/`, ''))),
      ) as {
        findings: Array<{ checkId: string; accountId: string; resource: { id: string } }>;
        scopes: Array<{ level: string; accountId: string; region?: string; status: string }>;
      };
      const inWorkloads = report.findings.filter((finding) => finding.accountId === WORKLOADS);
      return {
        unused: inWorkloads.filter((finding) => /_UNUSED$/.test(finding.checkId)).map((f) => f.checkId),
        incomplete: inWorkloads
          .filter((finding) => finding.checkId === 'COLLECTION_INCOMPLETE')
          .map((finding) => finding.resource.id),
        trailScope: report.scopes.find(
          (scope) => scope.level === 'cloudtrail' && scope.accountId === WORKLOADS && scope.region === REGION,
        )?.status,
      };
    };

    // Act: with every ledger, then with the workloads account's eu-west-1 ledger gone (the run id,
    // and so the report key, is the same: read each report before the next run replaces it).
    const withLedgers = await analyzeAndPublish({ ...plan, collected }, settings(), factory());
    const judgedWithLedgers = workloadsUsage(withLedgers);
    await factory()
      .s3()
      .send(
        new DeleteObjectCommand({
          Bucket: BUCKET,
          Key: `${LEDGER_PREFIX}/usage/${WORKLOADS}/${REGION}/ledger.json`,
        }),
      );
    const withoutOne = await analyzeAndPublish({ ...plan, collected }, settings(), factory());
    const judgedWithoutOne = workloadsUsage(withoutOne);

    // Assess
    expect(withLedgers.usage).toEqual({ source: 'ledger', ledgers: 2, missingLedgers: [] });
    expect(withLedgers.incompleteScopes).toBe(0);
    expect(judgedWithLedgers).toEqual({
      unused: expect.arrayContaining(['ROLE_UNUSED', 'PI_ASSOCIATION_UNUSED']),
      incomplete: [],
      trailScope: 'complete',
    });
    expect(withoutOne.usage).toEqual({
      source: 'ledger',
      ledgers: 1,
      missingLedgers: [`${WORKLOADS}/${REGION}`],
    });
    expect(judgedWithoutOne).toEqual({
      unused: [],
      incomplete: [`account/${WORKLOADS}/region/${REGION}/cloudtrail`],
      trailScope: 'incomplete',
    });
  });

  it('judges against the baseline plan-scopes validated, even when the file changes after planning', async () => {
    // Prepare: a scan-mode night whose baseline file is replaced by an empty one once planned.
    const plan = (await planScopes({ runId: 'validated-copy' }, settings('scan'), factory())) as PlannedRun;
    const yaml = await readBaselineObject(factory().s3(), plan.baseline);
    const collected = [];
    for (const scope of (await plannedOf(plan)).accounts) {
      collected.push(
        await collectAccountPart(
          { runId: plan.runId, startedAt: plan.startedAt, ...scope },
          settings('scan'),
          factory(),
          new AbortController().signal,
        ),
      );
    }
    await factory()
      .s3()
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'baseline.yaml', Body: 'version: 1\n' }));
    const finishedAt = new Date(Date.parse(plan.startedAt) + 60_000);

    // Act
    const result = await analyzeAndPublish(
      { ...plan, collected },
      settings('scan'),
      factory(),
      () => finishedAt,
    );

    // Assess: the stored copy is the parsed YAML, byte for byte, and the findings (ids, messages,
    // baseline locations) are those an audit of the same parts against the YAML itself produces.
    const copy = String(sandbox.s3Object(BUCKET, runBaselineKey(plan.runId)));
    const parsed = parseBaselineObject(yaml);
    expect(copy).toBe(JSON.stringify(parsed));
    const accounts = await Promise.all(
      (await plannedOf(plan)).accounts.map((scope) =>
        readPart(factory().s3(), { bucket: BUCKET, runId: plan.runId }, scope.accountId),
      ),
    );
    const expected = runAudit({
      inventory: normalizeSnapshot({ snapshotVersion: 1, capturedAt: plan.startedAt, accounts }),
      baseline: parsed,
      runId: plan.runId,
      startedAt: plan.startedAt,
      finishedAt: finishedAt.toISOString(),
    }).report;
    const report = JSON.parse(
      String(sandbox.s3Object(BUCKET, String(result.reportUri).replace(`s3://${BUCKET}/`, ''))),
    ) as typeof expected;
    expect(expected.findings.length).toBeGreaterThan(10);
    expect(expected.findings.some((finding) => finding.baselineLocation !== undefined)).toBe(true);
    expect(JSON.stringify(report.findings)).toBe(JSON.stringify(expected.findings));
    expect(report.baseline).toEqual(expected.baseline);
    expect(report.summary).toEqual(expected.summary);
  });

  it('refuses a validated baseline that is not the planned version, publishing nothing (near miss)', async () => {
    const plan = (await planScopes({ runId: 'other-version' }, settings(), factory())) as PlannedRun;
    const analysis = analyzeAndPublish(
      { ...plan, baseline: { ...plan.baseline, sha256: 'b'.repeat(64) } },
      settings(),
      factory(),
    );
    await expect(analysis).rejects.toThrow(InputError);
    await expect(analysis).rejects.toThrow(/not the planned b{64}/);
    expect(sandbox.snsMessages()).toEqual([]);
  });

  it('refuses a run whose validated baseline is missing or altered', async () => {
    const plan = (await planScopes({ runId: 'altered-copy' }, settings(), factory())) as PlannedRun;
    const key = runBaselineKey(plan.runId);
    const copy = JSON.parse(String(sandbox.s3Object(BUCKET, key))) as Record<string, unknown>;
    await factory()
      .s3()
      .send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify({ ...copy, version: 2 }) }),
      );
    await expect(analyzeAndPublish(plan, settings(), factory())).rejects.toThrow(/not a validated baseline/);
    await factory()
      .s3()
      .send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    await expect(analyzeAndPublish(plan, settings(), factory())).rejects.toThrow(
      /validated baseline is missing/,
    );
    expect(sandbox.snsMessages()).toEqual([]);
  });

  it('accepts a planned run that lists each account once, and refuses one that lists an account twice', async () => {
    const plan = (await planScopes({}, settings(), factory())) as PlannedRun;
    const { accounts } = await plannedOf(plan);
    expect(AnalyzeEventSchema.safeParse(plan).success).toBe(true);
    // An event of the earlier version, with the accounts in the state.
    const { plan: _stored, ...earlier } = plan;
    expect(AnalyzeEventSchema.safeParse({ ...earlier, accounts }).success).toBe(true);
    const twice = AnalyzeEventSchema.safeParse({ ...earlier, accounts: [...accounts, accounts[0]] });
    expect(twice.error?.issues.map((issue) => issue.message)).toEqual(['must list each account once']);
  });

  it('publishes a rejected run as the BASELINE_INVALID finding plan-scopes would have built from the error', async () => {
    // Prepare: a baseline whose problems carry file:line:column, rejected by plan-scopes.
    const text = 'version: 1\nclusters:\n  prod:\n    account: "12345"\n';
    await factory()
      .s3()
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'baseline.yaml', Body: text }));
    const source = `s3://${BUCKET}/baseline.yaml`;
    const parseError = (() => {
      try {
        parseBaseline(text, source);
      } catch (error) {
        return error;
      }
      throw new Error('the baseline was expected to be invalid');
    })();
    const rejected = await planScopes({ runId: 'rejected-1' }, settings(), factory());
    expect(rejected.status).toBe('baseline-invalid');
    if (rejected.status !== 'baseline-invalid') return;
    const event = AnalyzeEventSchema.parse(rejected);

    // Act
    const result = await analyzeStep(event, settings(), factory());

    // Assess
    expect(result).toMatchObject({
      status: 'baseline-invalid',
      runId: 'rejected-1',
      securityHub: { imported: 1 },
    });
    const report = JSON.parse(
      String(sandbox.s3Object(BUCKET, String(result.reportUri).replace(`s3://${BUCKET}/`, ''))),
    ) as { findings: unknown[]; scopes: unknown[]; baseline: { source: string; sha256: string } };
    expect(report.findings).toEqual([
      baselineInvalidFinding({ source, error: parseError, accountId: '111122223333', region: REGION }),
    ]);
    expect(report.scopes).toEqual([]);
    expect(report.baseline).toEqual({ source, sha256: sha256Hex(text) });
    const hub = sandbox.securityHubFindings() as Array<{ GeneratorId: string }>;
    expect(hub.map((finding) => finding.GeneratorId)).toEqual([expect.stringContaining('BASELINE_INVALID')]);
    expect(
      sandbox
        .snsMessages()
        .map((message) => message.message)
        .join('\n'),
    ).toContain('BASELINE_INVALID');
  });

  it('refuses a rejected run that lists accounts, so an invalid baseline can never start a collection (near miss)', () => {
    const rejected = {
      status: 'baseline-invalid',
      runId: 'rejected-2',
      startedAt: new Date().toISOString(),
      baseline: { bucket: BUCKET, key: 'baseline.yaml' },
      accounts: [{ accountId: WORKLOADS, regions: [REGION] }],
      error: 'invalid',
      problems: [],
    };
    const parsed = AnalyzeEventSchema.safeParse(rejected);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['accounts']);
    expect(AnalyzeEventSchema.safeParse({ ...rejected, accounts: [] }).success).toBe(true);
  });
});
