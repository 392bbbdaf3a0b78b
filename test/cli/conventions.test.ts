import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveSnapshot } from '../../cli/collect.js';
import { addLiveOptions, type LiveOptions, parseLiveOptions } from '../../cli/live-options.js';
import { VERSION } from '../../cli/main.js';
import { checkOutputPath, colorAllowed } from '../../cli/output.js';
import { InputError } from '../../shared/errors.js';
import { runCli } from '../support/cli.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'cli-conventions-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('--version', () => {
  it("prints the package's version and exits 0", async () => {
    const packageJson = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8'));
    const { code, stdout } = await runCli('--version');

    expect(code).toBe(0);
    expect(stdout.trim()).toBe(packageJson.version);
    expect(VERSION).toBe(packageJson.version);
  });
});

describe('colour', () => {
  it('is allowed unless --no-color, a non-empty NO_COLOR or TERM=dumb says otherwise', () => {
    expect(colorAllowed(undefined, { TERM: 'xterm-256color' })).toBe(true);
    expect(colorAllowed(true, {})).toBe(true);
    expect(colorAllowed(false, {})).toBe(false);
    expect(colorAllowed(undefined, { NO_COLOR: '1' })).toBe(false);
    expect(colorAllowed(undefined, { NO_COLOR: 'false' })).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(colorAllowed(undefined, { NO_COLOR: '' })).toBe(true);
    expect(colorAllowed(undefined, { TERM: 'dumb' })).toBe(false);
  });

  it('colours the table on a terminal only while no flag or variable turns it off', async () => {
    const fixtures = join(import.meta.dirname, '..', 'fixtures');
    const audit = (...extra: string[]) =>
      runCli(
        ...extra,
        'audit',
        '--baseline',
        join(fixtures, 'baseline.yaml'),
        '--snapshot',
        join(fixtures, 'snapshot.json'),
        '--allow-incomplete',
        '--format',
        'table',
      );
    const saved = { tty: process.stdout.isTTY, noColor: process.env.NO_COLOR, term: process.env.TERM };
    const ansi = /\x1b\[/;
    process.stdout.isTTY = true;
    try {
      delete process.env.NO_COLOR;
      process.env.TERM = 'xterm-256color';
      expect((await audit()).stdout).toMatch(ansi);
      expect((await audit('--no-color')).stdout).not.toMatch(ansi);
      process.env.NO_COLOR = '1';
      expect((await audit()).stdout).not.toMatch(ansi);
      delete process.env.NO_COLOR;
      process.env.TERM = 'dumb';
      expect((await audit()).stdout).not.toMatch(ansi);
    } finally {
      process.stdout.isTTY = saved.tty;
      for (const [name, value] of [
        ['NO_COLOR', saved.noColor],
        ['TERM', saved.term],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('accepts --no-color before or after the command', async () => {
    expect((await runCli('--no-color', 'checks', 'list', '--format', 'json')).code).toBe(0);
    expect((await runCli('checks', 'list', '--format', 'json', '--no-color')).code).toBe(0);
  });
});

describe('--quiet and --verbose', () => {
  it('refuses both at once', async () => {
    const { code, stderr } = await runCli('--quiet', '--verbose', 'checks', 'list');

    expect(code).toBe(1);
    expect(stderr).toMatch(/--quiet.*cannot be used with.*--verbose/);
  });

  it('keeps the result under --quiet', async () => {
    const { code, stdout, stderr } = await runCli('--quiet', 'checks', 'list', '--format', 'json');

    expect(code).toBe(0);
    expect(JSON.parse(stdout).length).toBeGreaterThan(10);
    expect(stderr).toBe('');
  });
});

describe('--output', () => {
  it.each([
    ['json', 'json'],
    ['JSON', 'json'],
    ['table', 'table'],
    ['markdown', 'markdown'],
    ['md', 'markdown'],
    ['html', 'html'],
    ['sarif', 'sarif'],
  ])('refuses the bare format name %s with a --format hint', async (name, format) => {
    const { code, stderr } = await runCli(
      'audit',
      '--baseline',
      'b.yaml',
      '--snapshot',
      's.json',
      '--output',
      name,
    );

    expect(code).toBe(1);
    expect(stderr).toContain(`did you mean --format ${format}?`);
    // Checked before anything is read: the missing baseline and snapshot are not mentioned.
    expect(stderr).not.toContain('b.yaml');
  });

  it('takes a file of that name when the path says so', async () => {
    await expect(checkOutputPath(join(directory, 'json'))).resolves.toBeUndefined();
    await expect(checkOutputPath('./json')).resolves.toBeUndefined();
  });

  it('refuses a directory that does not exist, a directory, and an unwritable directory, naming the path', async () => {
    await expect(checkOutputPath(join(directory, 'missing', 'report.html'))).rejects.toThrow(
      /the directory .*missing does not exist; create it first/,
    );
    await expect(checkOutputPath(directory)).rejects.toThrow(/is a directory/);
    const locked = join(directory, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    try {
      // root writes anywhere: the check then rightly finds the directory writable.
      if (process.getuid?.() !== 0)
        await expect(checkOutputPath(join(locked, 'report.html'))).rejects.toThrow(/is not writable/);
    } finally {
      await chmod(locked, 0o700);
    }
  });

  it('is checked before collection: collect with a missing directory fails without any AWS call', async () => {
    const { code, stderr } = await runCli(
      'collect',
      '--region',
      'eu-west-1',
      '--endpoint-url',
      'http://127.0.0.1:9',
      '--output',
      join(directory, 'nowhere', 'snapshot.json'),
    );

    expect(code).toBe(1);
    expect(stderr).toContain('does not exist; create it first');
    expect(stderr).not.toMatch(/credentials|ECONNREFUSED|starting identity/);
  });
});

describe('saveSnapshot', () => {
  it('writes the file whole, leaving no temporary file behind', async () => {
    const file = join(directory, 'whole.json');

    expect(await saveSnapshot('{"snapshotVersion":1}', file)).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('{"snapshotVersion":1}\n');
    expect((await readdir(directory)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('keeps the snapshot in the fallback directory, and says where, when the file cannot be written', async () => {
    const fallback = join(directory, 'fallback');
    await mkdir(fallback);
    const { stderr, saved } = await captureStderr(() =>
      saveSnapshot('{"snapshotVersion":1}', join(directory, 'gone', 'snapshot.json'), fallback),
    );

    expect(saved).toBe(false);
    const [kept] = await readdir(fallback);
    expect(stderr).toContain(`the snapshot was saved to ${join(fallback, kept)} instead`);
    expect(await readFile(join(fallback, kept), 'utf8')).toBe('{"snapshotVersion":1}\n');
  });
});

async function captureStderr(work: () => Promise<boolean>): Promise<{ stderr: string; saved: boolean }> {
  let stderr = '';
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { saved: await work(), stderr };
  } finally {
    process.stderr.write = original;
  }
}

describe('repeated list flags', () => {
  function parse(...args: string[]): LiveOptions {
    const command = addLiveOptions(new Command('collect').exitOverride());
    command.parse(['node', 'collect', ...args]);
    return command.opts<LiveOptions>();
  }

  it('merge --regions a --regions b,c into a,b,c', () => {
    const options = parse('--regions', 'eu-west-1', '--regions', 'us-east-1,ap-northeast-1');

    expect(parseLiveOptions(options, {}).regions).toEqual(['eu-west-1', 'us-east-1', 'ap-northeast-1']);
  });

  it('merge --accounts the same way, once each', () => {
    const options = parse(
      '--region',
      'eu-west-1',
      '--accounts',
      '111122223333',
      '--accounts',
      '222233334444,111122223333',
    );

    expect(parseLiveOptions(options, {}).accounts).toEqual(['111122223333', '222233334444']);
  });

  it('still reports a bad item of any occurrence', () => {
    const options = parse('--regions', 'eu-west-1', '--regions', 'Mars-1');

    expect(() => parseLiveOptions(options, {})).toThrow(InputError);
  });
});

describe('--endpoint-url', () => {
  it('falls back to AWS_ENDPOINT_URL, as the AWS CLI does', async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    try {
      const command = addLiveOptions(new Command('collect').exitOverride());
      command.parse(['node', 'collect']);
      expect(command.opts<LiveOptions>().endpointUrl).toBe('http://127.0.0.1:4566');
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });
});
