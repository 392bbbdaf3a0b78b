import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePublishResult } from '../../cli/publish-options.js';
import { type FaultRule, type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import type { PublishRunResult } from '../../shared/publish/index.js';
import type { Report } from '../../shared/report/types.js';
import { type CliRun, runCli } from '../support/cli.js';
import { activeHubIds, DEMO, ledgerEvents, smallDemo } from '../support/nightly.js';
import { useSandboxCredentials } from '../support/sandbox.js';

let sandbox: SandboxHandle;
let restoreEnv: () => void;
/** What Security Hub held active after the fault-free run of the whole organization. */
let activeBefore: Set<string>;
/** The findings of fault-free runs of the whole organization and of the data account alone. */
let wholeFindings: string[];
let dataFindings: string[];

const LEDGER = `s3://${DEMO.bucket}/state`;
const DATA_SCOPE = [{ accountId: DEMO.data, region: DEMO.region }];

/** A CLI run under faults, with its report when it printed one. */
interface FaultyRun extends CliRun {
  report?: Report;
}

/** The operator's `audit` arguments: live, published, with the usage ledger; the data account unless `wholeOrganization`. */
function auditArguments(wholeOrganization: boolean, extra: string[] = []): string[] {
  return [
    'audit',
    '--baseline',
    `s3://${DEMO.bucket}/baseline.yaml`,
    '--endpoint-url',
    sandbox.url,
    '--role-name',
    DEMO.roleName,
    '--external-id',
    DEMO.externalId,
    '--format',
    'json',
    '--publish',
    '--bucket',
    DEMO.bucket,
    '--topic-arn',
    DEMO.topicArn,
    '--usage-ledger',
    LEDGER,
    ...(wholeOrganization ? [] : ['--accounts', DEMO.data]),
    ...extra,
  ];
}

/**
 * `audit` live with `--publish` and `--usage-ledger`, as an operator runs it, with `faults` in
 * force; `--accounts` narrows it to the data account unless the whole organization is asked for.
 */
async function audit(
  faults: FaultRule[],
  wholeOrganization = false,
  extra: string[] = [],
): Promise<FaultyRun> {
  if (faults.length > 0) cases += 1;
  sandbox.setFaults(faults);
  try {
    const run = await runCli(...auditArguments(wholeOrganization, extra));
    return { ...run, ...(run.stdout.trim() ? { report: JSON.parse(run.stdout) as Report } : {}) };
  } finally {
    sandbox.setFaults([]);
  }
}

function findingIds(run: FaultyRun): string[] {
  return (run.report?.findings ?? []).map((finding) => finding.id).sort();
}

/** Nothing Security Hub held active was archived by a run under faults. */
function expectNoFalseResolution(): void {
  const active = activeHubIds(sandbox);
  expect([...activeBefore].filter((id) => !active.has(id))).toEqual([]);
}

beforeAll(async () => {
  sandbox = await startSandbox({ scenario: smallDemo(), limits: false });
  restoreEnv = useSandboxCredentials(sandbox, { AWS_REGION: DEMO.region });
  const whole = await audit([], true);
  expect(whole.code, whole.stderr).toBe(2);
  wholeFindings = findingIds(whole);
  activeBefore = activeHubIds(sandbox);
  const data = await audit([]);
  expect(data.code, data.stderr).toBe(2);
  dataFindings = findingIds(data);
}, 60_000);

/** CLI runs under faults, and expected findings missing from their reports. */
let cases = 0;
let lost = 0;

afterAll(async () => {
  const injected = sandbox.calls().injected.total;
  await sandbox.close();
  restoreEnv();
  console.info(
    `fault CLI runs: ${cases} audit runs under faults or races, ${injected} faulty responses injected, findings lost: ${lost}`,
  );
});

/** Asserts a run reported exactly the expected findings, counting any that went missing. */
function expectFindings(run: FaultyRun, expected: string[]): void {
  const found = new Set(findingIds(run));
  lost += expected.filter((id) => !found.has(id)).length;
  expect(findingIds(run)).toEqual(expected);
}

describe('audit --publish --usage-ledger under faults', () => {
  it('rides out 5xx bursts on every service and throttled publishing, with the same findings for the whole organization', async () => {
    // Act: the first calls of every service fail with a 5xx; SNS and Security Hub also throttle.
    // (A throttled S3 or collection client slows to the SDK's adaptive minimum rate for the rest of
    // the run; the fault matrix covers throttling of every service on the nightly path.)
    const services = ['sts', 'iam', 'eks', 'cloudtrail', 's3', 'sns', 'securityhub'];
    const throttled = new Set(['sns', 'securityhub']);
    const run = await audit(
      services.flatMap((service): FaultRule[] => [
        ...(throttled.has(service) ? [{ service, throttle: { firstCalls: 2 } }] : []),
        { service, error: { status: 503, code: 'ServiceUnavailable', firstCalls: 4 } },
      ]),
      true,
    );

    // Assess
    expect(run.code, run.stderr).toBe(2);
    expectFindings(run, wholeFindings);
    expect(run.stderr).toMatch(/SNS: \d+ messages published/);
    expect(run.stderr).toMatch(/Security Hub: \d+ imported, \d+ archived, 0 deferred, 0 failed/);
    expectNoFalseResolution();
  });

  it('exits 1 when SNS refuses, after printing the report and importing into Security Hub', async () => {
    const run = await audit([{ service: 'sns', accessDenied: true }]);

    expect(run.code).toBe(1);
    expectFindings(run, dataFindings);
    expect(run.stderr).toMatch(/SNS: FAILED after retries \(AuthorizationError/);
    expect(run.stderr).toMatch(/Security Hub: \d+ imported, .* 0 failed/);
    expectNoFalseResolution();
  });

  it('exits 1 and names every finding Security Hub did not take', async () => {
    const run = await audit([
      { service: 'securityhub', operation: 'BatchImportFindings', accessDenied: true },
    ]);

    expect(run.code).toBe(1);
    expectFindings(run, dataFindings);
    for (const finding of run.report?.findings ?? []) {
      if (!finding.suppressed) expect(run.stderr).toContain(`failed ${finding.id} (`);
    }
    expectNoFalseResolution();
  });

  it('reports an account whose AssumeRole is refused as incomplete, claims nothing in it, archives nothing and exits 1', async () => {
    const run = await audit([
      { service: 'sts', operation: 'AssumeRole', targetAccount: DEMO.data, accessDenied: true },
    ]);

    // The only requested account could not be read: never a findings exit, whatever --fail-on says.
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${DEMO.data}: AccessDenied on sts:AssumeRole — check --external-id`);
    const checkIds = new Set(run.report?.findings.map((finding) => finding.checkId));
    expect([...checkIds]).toEqual(['COLLECTION_INCOMPLETE']);
    expect(run.report?.scopes.every((scope) => scope.status === 'incomplete')).toBe(true);
    expect(run.stderr).toMatch(/deferred/);
    expectNoFalseResolution();
  });

  it('near miss: a refused region read leaves IAM findings of the same account in place', async () => {
    const run = await audit(
      [{ account: DEMO.data, service: 'eks', region: DEMO.region, accessDenied: true }],
      false,
      ['--allow-incomplete'],
    );

    expect(run.code).toBe(2);
    const incomplete = run.report?.scopes.filter((scope) => scope.status === 'incomplete') ?? [];
    expect(incomplete.map((scope) => scope.region)).toContain(DEMO.region);
    expect(incomplete.some((scope) => scope.region === undefined)).toBe(false);
    expectNoFalseResolution();
  });

  it('fails loudly, sending nothing, when the starting identity has expired', async () => {
    const messagesBefore = sandbox.snsMessages().length;

    const run = await audit([{ account: DEMO.auditAccount, expiredToken: true }]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ExpiredToken/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(sandbox.snsMessages()).toHaveLength(messagesBefore);
    expectNoFalseResolution();
  });

  it('fails loudly, naming the ledger, when the ledger cannot be written, and the ledger keeps its events', async () => {
    const ledgersBefore = await ledgerEvents(sandbox, DATA_SCOPE);
    const messagesBefore = sandbox.snsMessages().length;

    const run = await audit([
      { service: 's3', operation: 'PutObject', keyPrefix: 'state/', accessDenied: true },
    ]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot write the usage ledger ${LEDGER}/usage/${DEMO.data}/${DEMO.region}`);
    expect(sandbox.snsMessages()).toHaveLength(messagesBefore);
    expect(await ledgerEvents(sandbox, DATA_SCOPE)).toEqual(ledgersBefore);
  });

  it('fails loudly, sending nothing, when the report store refuses the reports', async () => {
    const messagesBefore = sandbox.snsMessages().length;

    const run = await audit([
      { service: 's3', operation: 'PutObject', keyPrefix: 'reports/', accessDenied: true },
    ]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/PutObject|not authorized/);
    expect(sandbox.snsMessages()).toHaveLength(messagesBefore);
    expectNoFalseResolution();
  });

  it('lets two runs at once keep both in the history and every ledger event', async () => {
    // Prepare
    const ledgersBefore = await ledgerEvents(sandbox, DATA_SCOPE);
    const directory = await mkdtemp(join(tmpdir(), 'faults-cli-'));

    // Act: two operators' processes at the same time.
    const runs = await Promise.all(['a', 'b'].map((name) => auditInProcess(join(directory, `${name}.json`))));
    cases += runs.length;

    // Assess
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2);
      expectFindings(run, dataFindings);
    }
    const latest = JSON.parse(String(sandbox.s3Object(DEMO.bucket, 'reports/latest.json'))) as {
      history: Array<{ runId: string }>;
    };
    const history = latest.history.map((entry) => entry.runId);
    for (const run of runs) expect(history).toContain(run.report?.runId);
    expect(await ledgerEvents(sandbox, DATA_SCOPE)).toEqual(ledgersBefore);
    expectNoFalseResolution();
  });
});

describe('the publish outcome on stderr', () => {
  it('lists the first 20 findings Security Hub refused and says where the rest are recorded', () => {
    // Prepare: 25 findings refused.
    const failures = Array.from({ length: 25 }, (_, index) => ({
      id: `IRSA_SUBJECT_WILDCARD-${String(index).padStart(4, '0')}`,
      accountId: DEMO.auditAccount,
      code: 'InternalException',
      message: 'try again',
    }));
    const result = {
      dryRun: false,
      reportUris: {
        json: `s3://${DEMO.bucket}/reports/run.json`,
        markdown: `s3://${DEMO.bucket}/reports/run.md`,
        html: `s3://${DEMO.bucket}/reports/run.html`,
        latest: `s3://${DEMO.bucket}/reports/latest.json`,
      },
      diff: { new: [], resolved: [], stillOpen: [], unknown: [], suppressed: [], archivePending: [] },
      sns: { published: true, messages: [], messageIds: [] },
      securityHub: { imported: 0, archived: 0, failed: 25, deferred: 0, failures },
      latestConflicts: 0,
      failed: true,
    } as unknown as PublishRunResult;

    // Act
    const lines = describePublishResult(result);

    // Assess
    expect(lines.filter((line) => line.includes('failed IRSA_SUBJECT_WILDCARD-'))).toHaveLength(20);
    expect(lines).toContain(
      `    and 5 more; s3://${DEMO.bucket}/reports/latest.json marks each finding not in Security Hub with securityHubImported: false`,
    );
  });

  it('near miss: 20 refused findings are all listed, with no count of more', () => {
    const failures = Array.from({ length: 20 }, (_, index) => ({
      id: `F-${index}`,
      accountId: '',
      code: 'InternalException',
      message: '',
    }));
    const lines = describePublishResult({
      dryRun: false,
      diff: { new: [], resolved: [], stillOpen: [], unknown: [], suppressed: [], archivePending: [] },
      sns: { published: true, messages: [], messageIds: [] },
      securityHub: { imported: 0, archived: 0, failed: 20, deferred: 0, failures },
      latestConflicts: 0,
      failed: true,
    } as unknown as PublishRunResult);
    expect(lines.filter((line) => line.includes('failed F-'))).toHaveLength(20);
    expect(lines.some((line) => line.includes('more;'))).toBe(false);
  });
});

/** `audit` of the data account in a process of its own (bin/eks-identity-audit.js), report to `output`. */
async function auditInProcess(output: string): Promise<FaultyRun> {
  const args = ['bin/eks-identity-audit.js', ...auditArguments(false), '--output', output];
  // Asynchronous: this process's sandbox has to answer while the child runs.
  const { code, stdout, stderr } = await new Promise<CliRun>((resolve) => {
    execFile(process.execPath, args, { env: process.env }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err }),
    );
  });
  return { code, stdout, stderr, report: JSON.parse(await readFile(output, 'utf8')) as Report };
}
