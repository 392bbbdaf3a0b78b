import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import {
  irsaTrust,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
  snapshot,
} from '../support/snapshot-builder.js';

const REGION = 'eu-west-1';
const MiB = 2 ** 20;
const ACCOUNTS = 82;
const scratch = mkdtempSync(join(tmpdir(), 'oversized-snapshot-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function accountIdOf(index: number): string {
  return String(300_000_000_000 + index);
}

/**
 * One account (1.25 MB) of the 100 MB organization: a cluster with 40 associations, their roles
 * and 100 CloudTrail events, each LookupEvents item carrying 10 KB of response fields this version
 * does not read (as newer AWS APIs add them).
 */
function paddedAccount(index: number): string {
  const accountId = accountIdOf(index);
  const json = snapshot()
    .account(accountId, (account) => {
      for (let role = 0; role < 40; role++) account.role(`app-${role}`, { trust: podIdentityTrust() });
      account.region(REGION, (region) => {
        region.cluster(`eks-${index}`, {}, (cluster) => {
          for (let association = 0; association < 40; association++) {
            cluster.association({
              namespace: 'apps',
              serviceAccount: `app-${association}`,
              roleName: `app-${association}`,
            });
          }
          cluster.addon('eks-pod-identity-agent');
        });
        for (let event = 0; event < 100; event++) {
          region.event({
            ...podIdentityAssumeRoleEvent({
              accountId,
              region: REGION,
              clusterName: `eks-${index}`,
              namespace: 'apps',
              serviceAccount: `app-${event % 40}`,
              roleArn: `arn:aws:iam::${accountId}:role/app-${event % 40}`,
              eventTime: new Date(Date.parse('2026-11-28T00:00:00Z') - event * 60_000).toISOString(),
            }),
            AdditionalResponseFields: 'x'.repeat(10_000),
          });
        }
      });
    })
    .build();
  return JSON.stringify(json.accounts[0]);
}

/** Writes a snapshot of `accounts` padded accounts to `path`, one account at a time. */
function writePaddedSnapshot(path: string, accounts: number): void {
  const file = openSync(path, 'w');
  try {
    writeSync(file, '{"snapshotVersion":1,"capturedAt":"2026-11-29T02:00:00Z","accounts":[');
    for (let index = 0; index < accounts; index++)
      writeSync(file, `${index === 0 ? '' : ','}${paddedAccount(index)}`);
    writeSync(file, ']}\n');
  } finally {
    closeSync(file);
  }
}

/** Runs the CLI in a fresh process and returns its exit code and its own peak RSS (`ru_maxrss`). */
function runCliProcess(
  args: string[],
  rssFile: string,
): Promise<{ code: number; peakRssMiB: number; stderr: string }> {
  const hook = `data:text/javascript,${encodeURIComponent(
    `import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));`,
  )}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hook, 'bin/eks-identity-audit.js', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, peakRssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, stderr }),
    );
  });
}

describe('a 100 MB snapshot', () => {
  const snapshotPath = join(scratch, 'organization.json');
  const baselinePath = join(scratch, 'baseline.yaml');

  beforeAll(() => {
    writePaddedSnapshot(snapshotPath, ACCOUNTS);
    writeFileSync(baselinePath, 'version: 1\n');
  }, 60_000);

  it('is audited in a fresh process whose peak memory stays far below what holding the file would take', async () => {
    // Prepare
    const bytes = statSync(snapshotPath).size;
    const reportPath = join(scratch, 'report.json');

    // Act
    const run = await runCliProcess(
      [
        'audit',
        '--snapshot',
        snapshotPath,
        '--baseline',
        baselinePath,
        '--format',
        'json',
        '--output',
        reportPath,
        '--fail-on',
        'none',
      ],
      join(scratch, 'rss'),
    );

    // Assess: reading the whole text, its parsed tree and the validated copy took 413 MiB before the
    // audit even started; account by account the whole run stays near 250 MiB.
    expect(bytes).toBeGreaterThan(100 * 1000 * 1000);
    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    expect(report.scopes.filter((scope: { level: string }) => scope.level === 'account')).toHaveLength(
      ACCOUNTS,
    );
    expect(run.peakRssMiB).toBeLessThan(320);
  }, 60_000);

  it('is refused under a lower --max-snapshot-size, naming its size, the limit and the flag', async () => {
    // Act
    const run = await runCli(
      'audit',
      '--snapshot',
      snapshotPath,
      '--baseline',
      baselinePath,
      '--max-snapshot-size',
      '64',
    );

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/organization\.json: \d+ MiB is over the limit of 64 MiB/);
    expect(run.stderr).toContain('--max-snapshot-size');
    expect(run.stdout).toBe('');
  });

  it('is read under a limit just above its size (near-miss)', async () => {
    const limit = String(Math.ceil(statSync(snapshotPath).size / MiB));
    const run = await runCli(
      'audit',
      '--snapshot',
      snapshotPath,
      '--baseline',
      baselinePath,
      '--max-snapshot-size',
      limit,
      '--format',
      'json',
      '--output',
      join(scratch, 'near-miss.json'),
      '--fail-on',
      'none',
    );
    expect(run.code).toBe(0);
  }, 60_000);
});

describe('deeply nested JSON in a snapshot', () => {
  const DEPTH = 100_000;
  const nested = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
  const baselinePath = join(scratch, 'nested-baseline.yaml');

  function base() {
    return snapshot()
      .account('111122223333', (account) =>
        account
          .role('app', { trust: podIdentityTrust() })
          .role('irsa', {
            trust: irsaTrust({
              accountId: '111122223333',
              region: REGION,
              oidcId: 'ABC',
              subject: 'system:serviceaccount:apps:irsa',
            }),
          })
          .region(REGION, (region) =>
            region.cluster('blue', {}, (cluster) =>
              cluster.association({ namespace: 'apps', serviceAccount: 'app', roleName: 'app' }),
            ),
          ),
      )
      .build();
  }

  beforeAll(() => {
    writeFileSync(
      baselinePath,
      'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    members: [blue]\n',
    );
  });

  it(`audits a snapshot whose AWS objects carry fields nested ${DEPTH} levels deep`, async () => {
    // Prepare: the nesting sits in fields the audit does not read (role, cluster, association).
    const text = JSON.stringify(base())
      .replace('"RoleName":"app"', `"RoleName":"app","Nested":${nested}`)
      .replace('"name":"blue"', `"name":"blue","Nested":${nested}`)
      .replace('"namespace":"apps"', `"namespace":"apps","Nested":${nested}`);
    const path = join(scratch, 'nested-fields.json');
    writeFileSync(path, text);

    // Act
    const run = await runCli(
      'audit',
      '--snapshot',
      path,
      '--baseline',
      baselinePath,
      '--format',
      'json',
      '--fail-on',
      'none',
    );

    // Assess
    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).findings.map((finding: { checkId: string }) => finding.checkId)).toContain(
      'PI_ASSOCIATION_UNDECLARED',
    );
  }, 30_000);

  it(`reports a trust policy nested ${DEPTH} levels deep as a located error, not a crash`, async () => {
    // Prepare
    const json = base() as unknown as { accounts: Array<{ iam: { roles: Array<Record<string, unknown>> } }> };
    json.accounts[0].iam.roles[0].AssumeRolePolicyDocument = '__NESTED__';
    const path = join(scratch, 'nested-policy.json');
    writeFileSync(
      path,
      JSON.stringify(json).replace(
        '"__NESTED__"',
        JSON.stringify(`{"Version":"2012-10-17","Statement":${nested}}`),
      ),
    );

    // Act
    const run = await runCli('audit', '--snapshot', path, '--baseline', baselinePath, '--format', 'json');

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('accounts[0].iam.roles[0].AssumeRolePolicyDocument');
    expect(run.stderr).not.toMatch(/Maximum call stack|RangeError|\n\s+at /);
    expect(run.stdout).toBe('');
  }, 30_000);

  it(`locates broken JSON nested ${DEPTH} levels deep by line and column`, async () => {
    // Prepare: the nesting never closes.
    const path = join(scratch, 'nested-broken.json');
    writeFileSync(
      path,
      `{"snapshotVersion":1,"capturedAt":"2026-11-29T02:00:00Z","accounts":[${'['.repeat(DEPTH)}\n`,
    );

    // Act
    const run = await runCli('audit', '--snapshot', path, '--baseline', baselinePath);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/nested-broken\.json:\d+:\d+: /);
    expect(run.stderr).not.toMatch(/Maximum call stack|RangeError/);
  }, 30_000);
});
