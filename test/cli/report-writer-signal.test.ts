import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const writerModule = join(import.meta.dirname, '..', '..', 'cli', 'report-writer.ts');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-writer-signal-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A process writing a report that never ends, in small buffers (so it waits on the disk often). */
function endlessWriter(output: string) {
  const script = [
    `const { writeReport } = await import(${JSON.stringify(writerModule)});`,
    'function* endless() { for (;;) yield "x".repeat(100); }',
    `await writeReport(endless(), ${JSON.stringify(output)}, { bufferBytes: 4096 });`,
  ].join('\n');
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: 'ignore',
  });
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('writeReport told to end while it writes', () => {
  it.skipIf(process.platform === 'win32').each(['SIGINT', 'SIGTERM'] as const)(
    'on %s leaves the previous report as it was, removes the partial one, and ends by the signal',
    async (signal) => {
      const place = await mkdtemp(join(dir, `${signal}-`));
      const output = join(place, 'report.json');
      await writeFile(output, '{"previous": true}\n');
      const child = endlessWriter(output);
      const ended = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, by) => resolve(by)),
      );
      // The partial report exists and grows: the write is under way.
      await until(
        async () => (await readdir(place)).some((name) => name.endsWith('.partial')),
        'the partial report',
      );
      child.kill(signal);
      expect(await ended).toBe(signal);
      expect(await readdir(place)).toEqual(['report.json']);
      expect(await readFile(output, 'utf8')).toBe('{"previous": true}\n');
    },
    30_000,
  );
});

describe('the CLI whose stdout reader goes away (`| head`)', () => {
  const cli = join(import.meta.dirname, '..', '..', 'bin', 'eks-identity-audit.js');
  const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', name);

  it.skipIf(process.platform === 'win32').each([
    [
      'audit',
      [
        'audit',
        '--snapshot',
        fixture('snapshot.json'),
        '--baseline',
        fixture('baseline.yaml'),
        '--format',
        'json',
      ],
    ],
    ['checks list', ['checks', 'list', '--format', 'json']],
  ])(
    '%s says stdout was closed and exits 1, naming no AWS failure',
    async (_name, args) => {
      const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      // The reading end is gone before the CLI writes a byte.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (exit) => resolve(exit)));
      expect(stderr).toContain(
        'error: stdout was closed before the whole output was written (the reading end of the pipe went away)\n',
      );
      expect(stderr).not.toMatch(/endpoint|AWS|EPIPE/);
      expect(code).toBe(1);
    },
    30_000,
  );
});
