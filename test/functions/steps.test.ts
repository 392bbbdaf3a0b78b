import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analyzeAndPublish } from '../../functions/analyze-publish/analyze.js';
import { collectAccountPart } from '../../functions/collect-account/collect.js';
import { clientFactory } from '../../functions/lib/aws.js';
import { DeadlineError } from '../../functions/lib/middleware.js';
import { partKey } from '../../functions/lib/parts.js';
import { type PlannedRun, planScopes } from '../../functions/plan-scopes/plan.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { InputError } from '../../shared/errors.js';
import { SnapshotSchema } from '../../shared/snapshot/schema.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const REGION = 'eu-west-1';
const BUCKET = 'eks-identity-audit-demo-111122223333';
const WORKLOADS = '222233334444';
const DATA = '333344445555';

let sandbox: SandboxHandle;

const savedEnv = { ...process.env };

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: sandbox.credentials.sessionToken ?? '',
  });
});
afterAll(async () => {
  await sandbox.close();
  process.env = savedEnv;
});
beforeEach(() => {
  sandbox.loadScenario('demo');
});

function settings() {
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
    endpointUrl: sandbox.url,
    region: REGION,
  };
}

/** The function's client factory; the sandbox operator stands in for the execution role. */
function factory() {
  return clientFactory(settings());
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

describe('plan-scopes', () => {
  it('treats a missing baseline as BASELINE_INVALID and publishes only that', async () => {
    // Prepare
    await factory()
      .s3()
      .send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'baseline.yaml' }));

    // Act
    const outcome = await planScopes({}, settings(), factory());

    // Assess
    expect(outcome.status).toBe('baseline-invalid');
    expect(outcome.accounts).toEqual([]);
    expect(outcome.status === 'baseline-invalid' && outcome.problems.join()).toMatch(/baseline not found/);
    const hub = sandbox.securityHubFindings() as Array<{ GeneratorId: string }>;
    expect(hub.map((finding) => finding.GeneratorId)).toEqual([expect.stringContaining('BASELINE_INVALID')]);
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

  it('refuses to judge against a baseline that changed after planning', async () => {
    const plan = (await planScopes({}, settings(), factory())) as PlannedRun;
    await factory()
      .s3()
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'baseline.yaml', Body: 'version: 1\n' }));
    const analysis = analyzeAndPublish(
      { ...plan, baseline: { ...plan.baseline, versionId: undefined } },
      settings(),
      factory(),
    );
    await expect(analysis).rejects.toThrow(InputError);
    await expect(analysis).rejects.toThrow(/changed since the run was planned/);
  });
});
