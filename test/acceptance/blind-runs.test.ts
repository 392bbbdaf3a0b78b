import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { ReportSchema } from '../../shared/report/types.js';
import { runCli } from '../support/cli.js';
import { useSandboxCredentials } from '../support/sandbox.js';

/**
 * A run that could not look never looks clean: the operator mistakes a new user makes (a wrong
 * external id, no credentials, a profile that does not exist, an endpoint nothing listens on) end
 * every command that collects with exit 1 and the cause, one line per account, whatever --fail-on
 * says; never with an empty report, listing or baseline that passes for a clean result.
 */

const BASELINE = join(import.meta.dirname, '..', '..', 'sandbox', 'scenarios', 'demo.baseline.yaml');
const WORKLOADS = '222233334444';
const DATA = '333344445555';
const REGION = 'eu-west-1';
const ROLE = 'EksIdentityAuditReadOnly';
const EXTERNAL_ID = 'eks-identity-audit-demo';

let sandbox: SandboxHandle;
let directory: string;
let restoreEnv: () => void;
/** A 127.0.0.1 port nothing listens on. */
let closedPort: number;

beforeAll(async () => {
  sandbox = await startSandbox({ scenario: 'demo', limits: false });
  directory = await mkdtemp(join(tmpdir(), 'blind-runs-'));
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await sandbox.close();
  await rm(directory, { recursive: true, force: true });
});

afterEach(() => {
  restoreEnv?.();
  vi.unstubAllEnvs();
});

/** The sandbox's operator credentials in the environment, as an operator's shell would have them. */
function operator(): void {
  restoreEnv = useSandboxCredentials(sandbox, { AWS_REGION: REGION });
}

/** No credentials anywhere the standard chain looks, nor instance metadata. */
function noCredentials(configFile = join(directory, 'no-such-config')): void {
  restoreEnv = useSandboxCredentials(sandbox, {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_REGION: REGION,
  });
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(directory, 'no-such-credentials'));
  vi.stubEnv('AWS_CONFIG_FILE', configFile);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

/** The member-account flags of a multi-account run against `endpoint` (the sandbox by default). */
function memberFlags(externalId = EXTERNAL_ID, endpoint = sandbox.url): string[] {
  return [
    '--endpoint-url',
    endpoint,
    '--role-name',
    ROLE,
    '--external-id',
    externalId,
    '--max-attempts',
    '1',
  ];
}

/** `audit` of the demo organization's baseline with `flags`. */
const auditDemo = (...flags: string[]) => runCli('audit', '--baseline', BASELINE, ...flags);

const assumeRoleLine = (account: string, code: string) =>
  new RegExp(`^  ${account}: ${code} on sts:AssumeRole — `, 'm');

describe('audit of the demo organization that cannot read its accounts', () => {
  it('wrong --external-id: exit 1 with one line per account, even with --fail-on CRITICAL', async () => {
    operator();

    const run = await auditDemo(...memberFlags('wrong'), '--fail-on', 'CRITICAL', '--format', 'json');

    expect(run.code).toBe(1);
    for (const account of [WORKLOADS, DATA]) {
      expect(run.stderr).toMatch(assumeRoleLine(account, 'AccessDenied'));
      expect(run.stderr).toContain(
        `${account}: AccessDenied on sts:AssumeRole — check --external-id and the member role's trust`,
      );
    }
    expect(run.stderr).toMatch(/COLLECTION INCOMPLETE: 2 accounts could not be read at all/);
    // The report says so at its top, and names the cause class.
    const report = ReportSchema.parse(JSON.parse(run.stdout));
    expect(report.collection?.unread.map((entry) => [entry.accountId, entry.cause])).toEqual([
      [WORKLOADS, 'access-denied'],
      [DATA, 'access-denied'],
    ]);
    const incomplete = report.findings.filter((finding) => finding.checkId === 'COLLECTION_INCOMPLETE');
    expect(incomplete.length).toBeGreaterThan(0);
    for (const finding of incomplete) expect(finding.remediation).toMatch(/^access denied: .*--external-id/);
  });

  it('near miss: the right external id exits by the findings', async () => {
    operator();
    const run = await auditDemo(...memberFlags(), '--fail-on', 'CRITICAL', '--format', 'json');
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('COLLECTION INCOMPLETE');
  });

  it('no credentials: exit 1 naming the credentials as the cause for every account', async () => {
    noCredentials();

    const run = await auditDemo(...memberFlags(), '--format', 'json');

    expect(run.code).toBe(1);
    for (const account of [WORKLOADS, DATA]) {
      expect(run.stderr).toMatch(assumeRoleLine(account, 'CredentialsProviderError'));
    }
    expect(run.stderr).toContain('the starting identity has no valid credentials');
    expect(ReportSchema.parse(JSON.parse(run.stdout)).collection?.causes).toEqual(['credentials']);
  });

  it('no credentials, single account: exit 1 before collecting, saying how to provide them', async () => {
    noCredentials();
    const run = await auditDemo('--endpoint-url', sandbox.url, '--accounts', WORKLOADS);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no AWS credentials for live collection');
  });

  it('a --profile that does not exist: exit 1 naming the profile', async () => {
    const config = join(directory, 'config');
    await writeFile(config, '[profile audit]\nregion = eu-west-1\n');
    noCredentials(config);

    const run = await auditDemo(...memberFlags(), '--profile', 'no-such-profile');

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(assumeRoleLine(WORKLOADS, 'CredentialsProviderError'));
    expect(run.stderr).toContain('no-such-profile');
  });

  it('a closed port: exit 1 naming the network as the cause', async () => {
    operator();

    const run = await auditDemo(
      ...memberFlags(EXTERNAL_ID, `http://127.0.0.1:${closedPort}`),
      '--fail-on',
      'none',
    );

    expect(run.code).toBe(1);
    for (const account of [WORKLOADS, DATA])
      expect(run.stderr).toMatch(assumeRoleLine(account, 'ECONNREFUSED'));
    expect(run.stderr).toContain('the endpoint could not be reached: check --endpoint-url');
  });

  it('a closed port without a member role: the starting identity fails, exit 1 before collecting', async () => {
    operator();
    const run = await auditDemo(
      '--endpoint-url',
      `http://127.0.0.1:${closedPort}`,
      '--accounts',
      '111122223333',
      '--max-attempts',
      '1',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the starting identity failed, nothing was collected: cannot connect to 127.0.0.1:${closedPort} (connection refused): is the endpoint running? check --endpoint-url`,
    );
  });

  it('--allow-incomplete judges what could be read, and the report still says the account was not read', async () => {
    operator();
    sandbox.setFaults([{ service: 'sts', operation: 'AssumeRole', targetAccount: DATA, accessDenied: true }]);
    try {
      const run = await auditDemo(...memberFlags(), '--allow-incomplete', '--format', 'json');
      expect(run.code).toBe(2);
      expect(ReportSchema.parse(JSON.parse(run.stdout)).collection?.unread).toEqual([
        expect.objectContaining({ accountId: DATA, cause: 'access-denied' }),
      ]);
    } finally {
      sandbox.setFaults([]);
    }
  });
});

describe('the other commands that collect', () => {
  it('usage with nothing read prints no listing and exits 1', async () => {
    operator();
    for (const format of ['table', 'json']) {
      const run = await runCli(
        'usage',
        '--accounts',
        WORKLOADS,
        '--regions',
        REGION,
        ...memberFlags('wrong'),
        '--format',
        format,
      );
      expect(run.code, format).toBe(1);
      expect(run.stdout, format).toBe('');
      expect(run.stderr).toMatch(assumeRoleLine(WORKLOADS, 'AccessDenied'));
    }
  });

  it('near miss: usage of what was read lists it', async () => {
    operator();
    const run = await runCli(
      'usage',
      '--accounts',
      WORKLOADS,
      '--regions',
      REGION,
      ...memberFlags(),
      '--format',
      'json',
    );
    expect(run.code).toBe(0);
    const listing = JSON.parse(run.stdout);
    expect(listing.collection).toMatchObject({ status: 'complete' });
    expect(listing.identities.length).toBeGreaterThan(0);
  });

  it('collect writes the snapshot but exits 1', async () => {
    operator();
    const output = join(directory, 'blind.json');
    const run = await runCli(
      'collect',
      '--accounts',
      WORKLOADS,
      '--regions',
      REGION,
      ...memberFlags('wrong'),
      '--output',
      output,
    );
    expect(run.code).toBe(1);
    expect(JSON.parse(await readFile(output, 'utf8')).accounts[0].errors).toHaveLength(1);
  });

  it('baseline init writes no baseline and does not call the failed accounts "without clusters"', async () => {
    operator();
    const output = join(directory, 'never-written.yaml');
    const run = await runCli(
      'baseline',
      'init',
      '--accounts',
      `${WORKLOADS},${DATA}`,
      '--regions',
      REGION,
      ...memberFlags('wrong'),
      '--output',
      output,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no baseline written');
    await expect(readFile(output, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('cutover says the real cause, not "unknown cluster"', async () => {
    operator();
    const run = await runCli(
      'cutover',
      '--cluster',
      'prod',
      '--from',
      'prod-blue',
      '--to',
      'prod-green',
      '--baseline',
      BASELINE,
      ...memberFlags('wrong'),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(assumeRoleLine(WORKLOADS, 'AccessDenied'));
    expect(run.stderr).not.toContain('unknown cluster');
    expect(run.stdout).toBe('');
  });
});
