import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chooseFormat, exitCodeFor, parseFailOn } from '../../cli/audit.js';
import type { Finding } from '../../shared/model/finding.js';
import { ReportSchema } from '../../shared/report/types.js';
import { runCli } from '../support/cli.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const snapshotFile = join(fixtures, 'snapshot.json');
const baselineFile = join(fixtures, 'baseline.yaml');
/**
 * `audit` of the demo fixture snapshot against its baseline, with `extra` flags. The fixture could
 * not assume into 777788889999: `--allow-incomplete` judges the rest, as these tests are about that.
 */
const auditFixture = (...extra: string[]) =>
  runCli('audit', '--baseline', baselineFile, '--snapshot', snapshotFile, '--allow-incomplete', ...extra);

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('audit', () => {
  it('prints report v1 as JSON when stdout is not a terminal and exits 2 on HIGH findings', async () => {
    const { code, stdout, stderr } = await auditFixture();
    expect(code).toBe(2);
    const report = ReportSchema.parse(JSON.parse(stdout));
    expect(report.summary.bySeverity.HIGH).toBeGreaterThan(0);
    expect(report.baseline.source).toBe(baselineFile);
    expect(stderr).toMatch(/findings \(2 suppressed\), usage unknown for \d+\n$/);
  });

  it('exits 0 when nothing unsuppressed reaches --fail-on, in any case, and with none', async () => {
    expect((await auditFixture('--fail-on', 'critical')).code).toBe(0);
    expect((await auditFixture('--fail-on', 'NONE')).code).toBe(0);
  });

  it('exits 1 for a snapshot that could not read a requested account, whatever --fail-on says, naming it and the cause', async () => {
    for (const failOn of ['HIGH', 'CRITICAL', 'none']) {
      const { code, stdout, stderr } = await runCli(
        'audit',
        '--baseline',
        baselineFile,
        '--snapshot',
        snapshotFile,
        '--fail-on',
        failOn,
      );
      expect(code, failOn).toBe(1);
      expect(stderr).toContain(
        "777788889999: AccessDenied on sts:AssumeRole — check --external-id and the member role's trust",
      );
      expect(stderr).toContain('pass --allow-incomplete');
      // The report still says what was read, with the blind account at its top.
      const report = ReportSchema.parse(JSON.parse(stdout));
      expect(report.collection).toMatchObject({
        status: 'incomplete',
        unread: [{ accountId: '777788889999', cause: 'access-denied' }],
      });
    }
  });

  it('near miss: --allow-incomplete judges what could be read, and still warns', async () => {
    const { code, stderr } = await auditFixture();
    expect(code).toBe(2);
    expect(stderr).toMatch(/^warning: COLLECTION INCOMPLETE: 1 account could not be read at all/m);
    expect(stderr).toContain('--allow-incomplete: judging what could be read');
  });

  it('exits 1 for a declared account the snapshot does not hold', async () => {
    const wider = join(dir, 'wider.yaml');
    const text = await readFile(baselineFile, 'utf8');
    await writeFile(
      wider,
      text.replace(/^accounts:.*$/m, (line) => line.replace(']', ', "123456789012"]')),
    );
    const { code, stderr } = await runCli('audit', '--baseline', wider, '--snapshot', snapshotFile);
    expect(code).toBe(1);
    expect(stderr).toContain('123456789012: not in the snapshot — collect this account');
  });

  it('writes the format named by --output when --format is absent', async () => {
    const output = join(dir, 'report.md');
    const { stdout, stderr } = await auditFixture('--output', output);
    expect(stdout).toBe('');
    const markdown = await readFile(output, 'utf8');
    expect(markdown).toMatch(/^# /);
    expect(markdown).toContain('PI_ASSOCIATION_MISSING');
    expect(stderr).toContain(`report written to ${output}`);
  });

  it('renders every report format', async () => {
    for (const format of ['table', 'json', 'markdown', 'html', 'sarif']) {
      const { code, stdout } = await auditFixture('--format', format);
      expect(code, format).toBe(2);
      expect(stdout.length, format).toBeGreaterThan(100);
    }
  });

  it('prints only the located baseline errors and exits 1 for a bad baseline', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nclusters:\n  prod:\n    account: 1111\n');
    const { code, stdout, stderr } = await runCli('audit', '--baseline', bad, '--snapshot', snapshotFile);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${bad}:4:`);
    expect(stderr).not.toMatch(/findings|at .*\.ts:/);
  });

  it('exits 1 with a clear message for a bad --fail-on or --format, before reading anything', async () => {
    const badFailOn = await runCli(
      'audit',
      '--baseline',
      'nowhere.yaml',
      '--snapshot',
      snapshotFile,
      '--fail-on',
      'urgent',
    );
    expect(badFailOn).toMatchObject({ code: 1, stdout: '' });
    expect(badFailOn.stderr).toContain(
      '--fail-on must be one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or none',
    );
    const badFormat = await auditFixture('--format', 'pdf');
    expect(badFormat).toMatchObject({ code: 1, stdout: '' });
    expect(badFormat.stderr).toContain('--format must be one of table, json, markdown, html, sarif');
  });

  it('collects live without --snapshot, and without credentials says how to provide them', async () => {
    // Prepare: no credentials anywhere the standard chain looks (and no instance metadata).
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    try {
      // Act
      const { code, stderr } = await runCli('audit', '--baseline', baselineFile);
      // Assess
      expect(code).toBe(1);
      expect(stderr).toContain('no AWS credentials for live collection');
      expect(stderr).toContain('--snapshot FILE');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('audit helpers', () => {
  const finding = (severity: Finding['severity'], suppressed?: boolean): Finding => ({
    id: 'X-0',
    checkId: 'ROLE_NOT_FOUND',
    severity,
    title: 'Role does not exist',
    message: 'Role x does not exist.',
    accountId: '111122223333',
    resource: { type: 'AwsIamRole', id: 'arn:aws:iam::111122223333:role/x' },
    evidence: {},
    remediation: 'Create it.',
    ...(suppressed === undefined ? {} : { suppressed }),
  });

  it('never lets a suppressed finding decide the exit code', () => {
    expect(exitCodeFor([finding('CRITICAL', true), finding('LOW')], 'HIGH')).toBe(0);
    expect(exitCodeFor([finding('HIGH')], 'HIGH')).toBe(2);
    expect(exitCodeFor([finding('MEDIUM')], 'HIGH')).toBe(0);
    expect(exitCodeFor([finding('CRITICAL')], 'none')).toBe(0);
  });

  it('parses --fail-on in any case', () => {
    expect(parseFailOn('medium')).toBe('MEDIUM');
    expect(parseFailOn('None')).toBe('none');
  });

  it('defaults to table on a terminal and json elsewhere', () => {
    expect(chooseFormat(undefined, undefined, true)).toBe('table');
    expect(chooseFormat(undefined, undefined, false)).toBe('json');
    expect(chooseFormat(undefined, 'out.sarif', true)).toBe('sarif');
    expect(chooseFormat('HTML', 'out.json', false)).toBe('html');
  });
});

describe('checks list', () => {
  it('prints the catalogue as a table by default and as JSON on request', async () => {
    const table = await runCli('checks', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^CHECK\s+SEVERITY\s+CATEGORY\s+TITLE\n/);
    expect(table.stdout).toContain('PI_ASSOCIATION_MISSING');
    const json = await runCli('checks', 'list', '--format', 'json');
    expect(json.code).toBe(0);
    const catalogue = JSON.parse(json.stdout) as Array<{ id: string }>;
    expect(catalogue.map((meta) => meta.id)).toContain('BASELINE_INVALID');
  });
});
