import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import { parseSince } from '../../cli/cutover.js';
import { main } from '../../cli/main.js';
import { podIdentityTrust } from '../support/snapshot-builder.js';
import { BASELINE_YAML, NEW, OLD, type ScenarioOptions, scenarioJson } from './scenario.js';

let stdout: MockInstance;
let stderr: MockInstance;
let dir: string;
const written = (spy: MockInstance) => spy.mock.calls.map((call) => String(call[0])).join('');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutover-cli-'));
  await writeFile(join(dir, 'baseline.yaml'), BASELINE_YAML);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function snapshotFile(name: string, options: ScenarioOptions = {}): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(scenarioJson(options)));
  return file;
}

function run(...args: string[]): Promise<number> {
  return main(['node', 'eks-identity-audit', 'cutover', ...args]);
}

const base = (file: string) => ['--cluster', 'prod', '--from', OLD, '--to', NEW, '--snapshot', file];

describe('cutover command', () => {
  it('exits 0 and prints the JSON contract when READY', async () => {
    const file = await snapshotFile('ready');
    const code = await run(...base(file), '--baseline', join(dir, 'baseline.yaml'), '--format', 'json');
    expect(code).toBe(0);
    const result = JSON.parse(written(stdout));
    expect(result).toMatchObject({ verdict: 'READY', phase: 'pre', cluster: 'prod', from: OLD, to: NEW });
    expect(Object.keys(result)).toEqual(
      expect.arrayContaining(['verdict', 'phase', 'cluster', 'from', 'to', 'workloads', 'findings', 'plan']),
    );
    expect(result.workloads[0]).toMatchObject({ mechanism: 'irsa', status: 'ready', blockers: [] });
  });

  it('exits 2 when NOT_READY, with findings carrying checkId, severity and message', async () => {
    const file = await snapshotFile('not-ready', { notReplicated: ['s3-reader'] });
    const code = await run(...base(file), '--format', 'json');
    expect(code).toBe(2);
    const result = JSON.parse(written(stdout));
    expect(result.verdict).toBe('NOT_READY');
    expect(result.findings[0]).toMatchObject({
      checkId: 'CUTOVER_ASSOCIATION_NOT_REPLICATED',
      severity: 'HIGH',
      message: expect.stringContaining('s3-reader'),
    });
    expect(written(stderr)).toContain('NOT_READY');
  });

  it('exits 0 for a clean post phase and 2 when clean-up is left', async () => {
    const file = await snapshotFile('post', { oldEmptied: true });
    expect(await run(...base(file), '--phase', 'post', '--format', 'json')).toBe(2);
    const cleanFile = await snapshotFile('post-clean', { oldDeleted: true, providers: [NEW] });
    const trust = await snapshotFile('post-clean-trust', {
      oldDeleted: true,
      providers: [NEW],
      externalDnsTrust: podIdentityTrust(),
    });
    expect(await run(...base(cleanFile), '--phase', 'post', '--format', 'json')).toBe(2);
    expect(await run(...base(trust), '--phase', 'post', '--format', 'json')).toBe(0);
  });

  it('exits 1 with a clear message for unknown cluster names', async () => {
    const file = await snapshotFile('unknown');
    expect(await run('--cluster', 'prod', '--from', OLD, '--to', 'prod-red', '--snapshot', file)).toBe(1);
    expect(written(stderr)).toContain('unknown cluster "prod-red" (--to)');
    expect(
      await run(
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
      ),
    ).toBe(1);
    expect(written(stderr)).toContain('unknown logical cluster "nope"');
    expect(written(stdout)).toBe('');
  });

  it('exits 1 for a bad phase, format or --since before reading anything', async () => {
    expect(await run(...base('/nonexistent.json'), '--phase', 'during')).toBe(1);
    expect(await run(...base('/nonexistent.json'), '--format', 'html')).toBe(1);
    expect(await run(...base('/nonexistent.json'), '--since', 'yesterday')).toBe(1);
    expect(written(stderr)).toMatch(
      /--phase must be pre or post[\s\S]*--format must be one of[\s\S]*--since must be/,
    );
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
    expect(await run(...base(file), '--format', 'markdown')).toBe(2);
    const text = written(stdout);
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
