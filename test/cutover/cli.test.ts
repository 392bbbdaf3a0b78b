import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSince } from '../../cli/cutover.js';
import { runCli } from '../support/cli.js';
import { podIdentityTrust } from '../support/snapshot-builder.js';
import { BASELINE_YAML, NEW, OLD, type ScenarioOptions, scenarioJson } from './scenario.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutover-cli-'));
  await writeFile(join(dir, 'baseline.yaml'), BASELINE_YAML);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function snapshotFile(name: string, options: ScenarioOptions = {}): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(scenarioJson(options)));
  return file;
}

const cutover = (...args: string[]) => runCli('cutover', ...args);

const base = (file: string) => ['--cluster', 'prod', '--from', OLD, '--to', NEW, '--snapshot', file];

describe('cutover command', () => {
  it('exits 0 and prints the JSON contract when READY', async () => {
    const file = await snapshotFile('ready');
    const { code, stdout } = await cutover(
      ...base(file),
      '--baseline',
      join(dir, 'baseline.yaml'),
      '--format',
      'json',
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ verdict: 'READY', phase: 'pre', cluster: 'prod', from: OLD, to: NEW });
    expect(Object.keys(result)).toEqual(
      expect.arrayContaining(['verdict', 'phase', 'cluster', 'from', 'to', 'workloads', 'findings', 'plan']),
    );
    expect(result.workloads[0]).toMatchObject({ mechanism: 'irsa', status: 'ready', blockers: [] });
  });

  it('exits 2 when NOT_READY, with findings carrying checkId, severity and message', async () => {
    const file = await snapshotFile('not-ready', { notReplicated: ['s3-reader'] });
    const { code, stdout, stderr } = await cutover(...base(file), '--format', 'json');
    expect(code).toBe(2);
    const result = JSON.parse(stdout);
    expect(result.verdict).toBe('NOT_READY');
    expect(result.findings[0]).toMatchObject({
      checkId: 'CUTOVER_ASSOCIATION_NOT_REPLICATED',
      severity: 'HIGH',
      message: expect.stringContaining('s3-reader'),
    });
    expect(stderr).toContain('NOT_READY');
  });

  it('exits 0 for a clean post phase and 2 when clean-up is left', async () => {
    const file = await snapshotFile('post', { oldEmptied: true });
    expect((await cutover(...base(file), '--phase', 'post', '--format', 'json')).code).toBe(2);
    const cleanFile = await snapshotFile('post-clean', { oldDeleted: true, providers: [NEW] });
    const trust = await snapshotFile('post-clean-trust', {
      oldDeleted: true,
      providers: [NEW],
      externalDnsTrust: podIdentityTrust(),
    });
    expect((await cutover(...base(cleanFile), '--phase', 'post', '--format', 'json')).code).toBe(2);
    expect((await cutover(...base(trust), '--phase', 'post', '--format', 'json')).code).toBe(0);
  });

  it('exits 1 with a clear message for unknown cluster names', async () => {
    const file = await snapshotFile('unknown');
    const unknownTo = await cutover(
      '--cluster',
      'prod',
      '--from',
      OLD,
      '--to',
      'prod-red',
      '--snapshot',
      file,
    );
    expect(unknownTo).toMatchObject({ code: 1, stdout: '' });
    expect(unknownTo.stderr).toContain('unknown cluster "prod-red" (--to)');
    const unknownLogical = await cutover(
      '--cluster',
      'nope',
      '--from',
      OLD,
      '--to',
      NEW,
      '--snapshot',
      file,
      '--baseline',
      join(dir, 'baseline.yaml'),
    );
    expect(unknownLogical).toMatchObject({ code: 1, stdout: '' });
    expect(unknownLogical.stderr).toContain('unknown logical cluster "nope"');
  });

  it('exits 1 for a bad phase, format or --since before reading anything', async () => {
    const phase = await cutover(...base('/nonexistent.json'), '--phase', 'during');
    const format = await cutover(...base('/nonexistent.json'), '--format', 'html');
    const since = await cutover(...base('/nonexistent.json'), '--since', 'yesterday');
    expect([phase.code, format.code, since.code]).toEqual([1, 1, 1]);
    expect(phase.stderr).toContain('--phase must be pre or post');
    expect(format.stderr).toContain('--format must be one of');
    expect(since.stderr).toContain('--since must be');
  });

  it('escapes AWS text in markdown', async () => {
    const file = await snapshotFile('markdown', {
      notReplicated: ['s3-reader'],
      extra: {
        [OLD]: (cluster) =>
          cluster.association({
            namespace: 'evil',
            serviceAccount: 'x',
            roleArn: 'arn:aws:iam::111122223333:role/a_*b*_|c',
          }),
      },
    });
    const { code, stdout: text } = await cutover(...base(file), '--format', 'markdown');
    expect(code).toBe(2);
    expect(text).toContain('a\\_\\*b\\*\\_\\|c');
    expect(text).toContain('```sh');
  });

  it('reads --since as a time or a duration', () => {
    const now = new Date('2026-11-29T02:00:00Z');
    expect(parseSince('2026-11-28T09:00:00Z', now)?.toISOString()).toBe('2026-11-28T09:00:00.000Z');
    expect(parseSince('24h', now)?.toISOString()).toBe('2026-11-28T02:00:00.000Z');
    expect(parseSince(undefined, now)).toBeUndefined();
  });
});
