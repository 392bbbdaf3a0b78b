import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveScenario, type SandboxHandle, type Scenario, startSandbox } from '../../sandbox/index.js';
import { RunRecordSchema } from '../../shared/publish/record.js';
import { runCli } from '../support/cli.js';
import { demoLiveFlags, useSandboxCredentials } from '../support/sandbox.js';

/**
 * CLI publishing goes where the AWS CLI would send it: `--region`, then `AWS_REGION`, then
 * `AWS_DEFAULT_REGION`, then the profile's region, never the baseline's first cluster region. The
 * demo's clusters are in eu-west-1; the operator's bucket and topic are in us-east-2, where the
 * sandbox, like AWS, serves them only.
 */

const BASELINE = join(import.meta.dirname, '..', '..', 'sandbox', 'scenarios', 'demo.baseline.yaml');
const AUDIT_ACCOUNT = '111122223333';
const CLUSTER_REGION = 'eu-west-1';
const CALLER_REGION = 'us-east-2';
const BUCKET = `audit-east-${AUDIT_ACCOUNT}`;
const TOPIC = `arn:aws:sns:${CALLER_REGION}:${AUDIT_ACCOUNT}:audit-east`;
const DEMO_TOPIC = `arn:aws:sns:${CLUSTER_REGION}:${AUDIT_ACCOUNT}:eks-identity-audit-findings`;

/** The demo organization, with the operator's bucket and topic in us-east-2. */
function scenario(): Scenario {
  const demo = structuredClone(resolveScenario('demo'));
  const audit = demo.accounts.find((account) => account.id === AUDIT_ACCOUNT);
  if (!audit) throw new Error('the demo has no audit account');
  audit.regions[CALLER_REGION] = { topics: ['audit-east'] } as (typeof audit.regions)[string];
  demo.buckets.push({
    name: BUCKET,
    account: AUDIT_ACCOUNT,
    region: CALLER_REGION,
    versioned: true,
    objects: [],
  });
  return demo;
}

let sandbox: SandboxHandle;
let directory: string;
let restoreEnv: () => void;

beforeAll(async () => {
  sandbox = await startSandbox({ scenario: scenario(), limits: false });
  directory = await mkdtemp(join(tmpdir(), 'publish-region-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(directory, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.loadScenario(scenario());
});

afterEach(() => {
  restoreEnv?.();
  vi.unstubAllEnvs();
});

/** The operator's environment: the sandbox credentials, no config file, and `extra` variables. */
function environment(extra: Record<string, string | undefined>): void {
  restoreEnv = useSandboxCredentials(sandbox, {
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    ...extra,
  });
  vi.stubEnv('AWS_CONFIG_FILE', join(directory, 'no-such-config'));
}

/** `audit --publish` of the demo organization to the operator's bucket and `topic`, with `extra` flags. */
function publishAudit(extra: string[] = [], topic = TOPIC) {
  return runCli(
    'audit',
    '--baseline',
    BASELINE,
    ...demoLiveFlags(sandbox),
    '--format',
    'json',
    '--publish',
    '--bucket',
    BUCKET,
    '--topic-arn',
    topic,
    ...extra,
  );
}

function latest() {
  const body = sandbox.s3Object(BUCKET, 'reports/latest.json');
  return body ? RunRecordSchema.parse(JSON.parse(body.toString('utf8'))) : undefined;
}

/** Where the run's notifications, findings and run record went. */
function expectLandedIn(region: string): void {
  const messages = sandbox.snsMessages();
  expect(messages.length).toBeGreaterThan(0);
  expect(new Set(messages.map((message) => `${message.region} ${message.topicArn}`))).toEqual(
    new Set([`${region} ${TOPIC}`]),
  );
  const findings = sandbox.securityHubFindings() as Array<{ Region: string; ProductArn: string }>;
  expect(findings.length).toBeGreaterThan(0);
  expect(new Set(findings.map((finding) => finding.Region))).toEqual(new Set([region]));
  expect(findings.every((finding) => finding.ProductArn.startsWith(`arn:aws:securityhub:${region}:`))).toBe(
    true,
  );
  expect(latest()?.securityHubRegion).toBe(region);
}

describe("publishing from the CLI lands in the caller's region, not the baseline's", () => {
  it('AWS_REGION', async () => {
    environment({ AWS_REGION: CALLER_REGION });

    const run = await publishAudit();

    expect(run.code, run.stderr).toBe(2);
    expectLandedIn(CALLER_REGION);
    expect(run.stderr).toMatch(new RegExp(`Security Hub: \\d+ imported, .* in ${CALLER_REGION}`));
  });

  it('AWS_DEFAULT_REGION when AWS_REGION is not set', async () => {
    environment({ AWS_DEFAULT_REGION: CALLER_REGION });
    const run = await publishAudit();
    expect(run.code, run.stderr).toBe(2);
    expectLandedIn(CALLER_REGION);
  });

  it("the profile's region when neither is set", async () => {
    environment({});
    const config = join(directory, 'config');
    await writeFile(config, `[default]\nregion = ${CALLER_REGION}\n`);
    vi.stubEnv('AWS_CONFIG_FILE', config);

    const run = await publishAudit();

    expect(run.code, run.stderr).toBe(2);
    expectLandedIn(CALLER_REGION);
  });

  it('--region over AWS_REGION', async () => {
    environment({ AWS_REGION: CLUSTER_REGION });
    const run = await publishAudit(['--region', CALLER_REGION]);
    expect(run.code, run.stderr).toBe(2);
    expectLandedIn(CALLER_REGION);
  });

  it('near miss: a topic of another region is refused before anything is collected or sent', async () => {
    environment({ AWS_REGION: CALLER_REGION });

    const run = await publishAudit([], DEMO_TOPIC);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the topic is in ${CLUSTER_REGION} but SNS calls go to ${CALLER_REGION} (the caller's region)`,
    );
    expect(sandbox.snsMessages()).toEqual([]);
    expect(latest()).toBeUndefined();
    expect(sandbox.calls().total).toBe(0);
  });

  it('a later run into another Security Hub region archives nothing it cannot see, and says so', async () => {
    environment({ AWS_REGION: CALLER_REGION });
    expect((await publishAudit()).code).toBe(2);
    const imported = (sandbox.securityHubFindings() as unknown[]).length;

    const moved = await publishAudit(['--securityhub-region', CLUSTER_REGION]);

    expect(moved.code, moved.stderr).toBe(2);
    expect(moved.stderr).toContain(
      `Security Hub: the previous run imported into ${CALLER_REGION}; this run imports into ${CLUSTER_REGION} and cannot see, update or archive the ${imported} finding(s) left there`,
    );
    expect(latest()?.securityHubRegion).toBe(CLUSTER_REGION);
  });
});
