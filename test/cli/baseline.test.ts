import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBaseline } from '../../shared/baseline/parse.js';
import { runCli } from '../support/cli.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const baselines = join(fixtures, 'baselines');

describe('baseline validate', () => {
  it('exits 0 with a one-line summary for a valid baseline', async () => {
    // Act
    const file = join(baselines, 'design-example.yaml');
    const { code, stdout } = await runCli('baseline', 'validate', file);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${file}: valid — 1 logical cluster (1 member cluster), 1 Pod Identity binding, 1 IRSA binding, 1 exception\n`,
    );
  });

  it('counts members, bindings and exceptions in plural', async () => {
    // Act
    const file = join(baselines, 'cutover.yaml');
    const { code, stdout } = await runCli('baseline', 'validate', file);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${file}: valid — 2 logical clusters (3 member clusters), 5 Pod Identity bindings, 2 IRSA bindings, 1 exception\n`,
    );
  });

  it('exits 1 with every located problem on stderr and nothing on stdout', async () => {
    // Act
    const file = join(baselines, 'broken.yaml');
    const { code, stdout, stderr } = await runCli('baseline', 'validate', file);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`error: ${file}: invalid baseline (5 problems)`);
    expect(lines.slice(1).map((line) => line.trim().slice(0, line.trim().indexOf(': ')))).toEqual([
      `${file}:4:14 clusters.prod.account`,
      `${file}:8:5 podIdentity[0].serviceAccount`,
      `${file}:10:5 podIdentity[0].serviceAcount`,
      `${file}:12:14 podIdentity[1].cluster`,
      `${file}:15:14 podIdentity[1].roleArn`,
    ]);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 naming a file that does not exist', async () => {
    // Act
    const { code, stderr } = await runCli('baseline', 'validate', join(baselines, 'no-such-baseline.yaml'));

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('no-such-baseline.yaml: file not found');
  });

  it('notes an exception that has already expired, without failing', async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'baseline-cli-'));
    const file = join(directory, 'expired.yaml');
    await writeFile(
      file,
      'version: 1\nexceptions:\n  - check: CLUSTER_UNDECLARED\n    resource: "*"\n    reason: migration window\n    expires: 2020-01-31\n',
    );

    // Act
    const { code, stderr } = await runCli('baseline', 'validate', file);

    // Assess
    expect(code).toBe(0);
    expect(stderr).toContain(`note: ${file}:3 exception for CLUSTER_UNDECLARED expired on 2020-01-31`);
    await rm(directory, { recursive: true });
  });
});

describe('baseline init', () => {
  let directory: string;
  /** The fixture snapshot without the account it could not assume into: a complete collection. */
  let complete: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'baseline-init-'));
    const snapshot = JSON.parse(await readFile(join(fixtures, 'snapshot.json'), 'utf8'));
    snapshot.accounts = snapshot.accounts.filter(
      (account: { errors?: unknown[] }) => !account.errors?.length,
    );
    complete = join(directory, 'complete.json');
    await writeFile(complete, JSON.stringify(snapshot));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true });
  });

  it('writes a baseline for the snapshot to stdout that validates', async () => {
    // Act
    const { code, stdout } = await runCli('baseline', 'init', '--snapshot', complete);

    // Assess
    expect(code).toBe(0);
    const baseline = parseBaseline(stdout, 'stdout.yaml');
    expect(baseline.clusters.map((cluster) => cluster.name)).toEqual(['prod-blue', 'prod-green', 'staging']);
  });

  it('writes no baseline from an incomplete collection, naming what could not be read, and exits 1', async () => {
    const { code, stdout, stderr } = await runCli(
      'baseline',
      'init',
      '--snapshot',
      join(fixtures, 'snapshot.json'),
    );

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      "777788889999: AccessDenied on sts:AssumeRole — check --external-id and the member role's trust",
    );
    expect(stderr).toContain('no baseline written');
    // A failed account is not passed off as an account without clusters.
    expect(stderr).not.toContain('accounts without clusters');
  });

  it('near miss: with --allow-incomplete it writes one, marked incomplete at the top, that still validates', async () => {
    const { code, stdout } = await runCli(
      'baseline',
      'init',
      '--snapshot',
      join(fixtures, 'snapshot.json'),
      '--allow-incomplete',
    );

    expect(code).toBe(0);
    expect(stdout).toMatch(/^# WARNING: generated from an incomplete collection \(--allow-incomplete\)/);
    expect(stdout).toMatch(/^# {3}777788889999: AccessDenied on sts:AssumeRole/m);
    expect(parseBaseline(stdout, 'stdout.yaml').clusters).toHaveLength(3);
  });

  it('says when the requested regions hold no cluster', async () => {
    const empty = join(directory, 'empty.json');
    await writeFile(
      empty,
      JSON.stringify({
        snapshotVersion: 1,
        capturedAt: '2026-11-29T02:00:00Z',
        accounts: [
          {
            accountId: '111122223333',
            errors: [],
            iam: { roles: [], openIdConnectProviders: [], errors: [] },
            regions: [{ region: 'eu-north-1', errors: [], clusters: [] }],
          },
        ],
      }),
    );
    const { stderr } = await runCli('baseline', 'init', '--snapshot', empty);
    expect(stderr).toContain('no EKS cluster found in eu-north-1 of 1 account (111122223333)');
  });

  it('writes to --output and the written file validates through baseline validate', async () => {
    // Prepare
    const output = join(directory, 'baseline.yaml');

    // Act
    const init = await runCli('baseline', 'init', '--snapshot', complete, '--output', output);
    const validate = await runCli('baseline', 'validate', output);

    // Assess
    expect(init.code).toBe(0);
    expect(validate.code).toBe(0);
    expect(await readFile(output, 'utf8')).toMatch(/^# Baseline v1 generated by/);
    expect(validate.stdout).toMatch(
      new RegExp(`^${output.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: valid — 3 logical clusters`),
    );
  });

  it('exits 1 when no inventory source is given', async () => {
    // Act
    const { code, stderr } = await runCli('baseline', 'init');

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('baseline init needs an inventory: pass --snapshot FILE');
  });

  it('exits 1 naming a snapshot that does not exist', async () => {
    // Act
    const { code, stderr } = await runCli('baseline', 'init', '--snapshot', join(directory, 'missing.json'));

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('missing.json');
  });
});
