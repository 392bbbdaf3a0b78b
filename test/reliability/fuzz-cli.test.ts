import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { pathsOf, replaceAt } from './fuzz-support.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const BASELINE_TEXT = readFileSync(new URL('baseline.yaml', FIXTURES), 'utf8');
const SNAPSHOT = JSON.parse(readFileSync(new URL('snapshot.json', FIXTURES), 'utf8'));
/** A handful of cases per property: each one runs the whole CLI. */
const RUN = { numRuns: 12, interruptAfterTimeLimit: 20_000 } as const;
/** How long a child CLI may run before it counts as hung: far above any normal run on a busy machine. */
const HANG_GUARD_MS = 120_000;

const directory = mkdtempSync(join(tmpdir(), 'fuzz-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let fileCounter = 0;
function writeCase(name: string, text: string): string {
  fileCounter += 1;
  const file = join(directory, `${fileCounter}-${name}`);
  writeFileSync(file, text);
  return file;
}

const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(undefined, '', 1e308, -1, [], {}, '\u202E\u001b[31m', 'x'.repeat(10_000)),
);

describe('CLI with malformed input: a non-zero exit and a message that names the location', () => {
  it('baseline validate: every mutated baseline is valid (exit 0) or fails with file:line:column', async () => {
    const lines = BASELINE_TEXT.split('\n');
    const mutation = fc.oneof(
      fc.nat(BASELINE_TEXT.length).map((at) => BASELINE_TEXT.slice(0, at)),
      fc
        .tuple(
          fc.nat(lines.length - 1),
          fc.constantFrom('\t', ': :', '- [', '&a *b', '"', 'unusedAfterDays: 1e400'),
        )
        .map(([index, inserted]) =>
          lines
            .map((line, i) => (i === index ? `${line.slice(0, line.length >> 1)}${inserted}` : line))
            .join('\n'),
        ),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (text) => {
        // Prepare
        const file = writeCase('baseline.yaml', text);
        // Act
        const run = await runCli('baseline', 'validate', file);
        // Assess
        if (run.code === 0) return;
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`${file}:`);
        expect(run.stderr).toMatch(new RegExp(`${escapeRegExp(file)}:\\d+:\\d+ `));
        expect(run.stderr).not.toMatch(/\n\s+at /);
      }),
      RUN,
    );
  });

  it('audit --snapshot: every mutated snapshot audits (exit 0 or 2) or fails naming the JSON path or line', async () => {
    const baselineFile = writeCase('baseline.yaml', BASELINE_TEXT);
    const paths = pathsOf(SNAPSHOT);
    const mutation = fc.oneof(
      fc
        .tuple(fc.constantFrom(...paths), oddValue)
        .map(([path, value]) => JSON.stringify(replaceAt(SNAPSHOT, path, value))),
      fc.nat(60_000).map((at) => JSON.stringify(SNAPSHOT, null, 2).slice(0, at)),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (text) => {
        // Prepare
        const file = writeCase('snapshot.json', text ?? '');
        // Act
        // The fixture could not assume into one account: the property is about malformed input, so
        // what could be read is judged (a blind run's exit 1 is tested on its own).
        const run = await runCli(
          'audit',
          '--snapshot',
          file,
          '--baseline',
          baselineFile,
          '--format',
          'json',
          '--allow-incomplete',
        );
        // Assess
        if (run.code === 0 || run.code === 2) {
          expect(JSON.parse(run.stdout).reportVersion).toBe(1);
          return;
        }
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(new RegExp(`${escapeRegExp(file)}(:\\d+:\\d+:| [\\w$[].*?:|:)`));
        expect(run.stderr).not.toMatch(/\n\s+at /);
      }),
      RUN,
    );
  });

  it('trust explain: malformed policies exit 1 naming the statement field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: {}, Action: 'sts:AssumeRole' }] },
        /Statement\[0\]\.Principal/,
      ],
      [
        { Version: '2012-10-17', Statement: [{ Effect: 'Permit', Principal: '*', Action: '*' }] },
        /Statement\[0\]\.Effect/,
      ],
      [
        {
          Version: '2012-10-17',
          Statement: { Effect: 'Allow', Principal: '*', Action: '*', Condition: { StringLike: { k: [{}] } } },
        },
        /Statement\[0\]\.Condition\.StringLike\.k\[0\]/,
      ],
      [{ Version: '2012-10-17', Statment: [] }, /Statment: unknown policy element/],
    ];
    for (const [policy, location] of cases) {
      // Prepare
      const file = writeCase('trust.json', JSON.stringify(policy));
      // Act
      const run = await runCli('trust', 'explain', '--file', file);
      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(location);
    }
    const truncated = writeCase('trust.json', '{\n  "Version": "2012-10-17",\n  "Statement": [\n');
    const run = await runCli('trust', 'explain', '--file', truncated);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line 4, column 1/);
  });
});

describe('CLI with adversarial input in a child process: it ends, a hang would be killed', () => {
  const bin = new URL('../../bin/eks-identity-audit.js', import.meta.url).pathname;
  /** Runs the real CLI; a process still running after the hang guard is killed and reported. */
  function cli(...args: string[]) {
    const run = spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      timeout: HANG_GUARD_MS,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(run.signal, `${args.join(' ')} did not end`).toBeNull();
    return run;
  }

  it(
    'baseline validate on an alias bomb exits 1 naming the location',
    () => {
      const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let level = 1; level < 9; level++) {
        const previous = String.fromCharCode(96 + level);
        const name = String.fromCharCode(97 + level);
        levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
      }
      const file = writeCase('bomb.yaml', `version: 1\n${levels.join('\n')}\n`);
      const run = cli('baseline', 'validate', file);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${file}:1:1 (yaml)`);
    },
    HANG_GUARD_MS + 30_000,
  );

  it(
    'audit --snapshot on text nested 200,000 levels deep exits 1 naming line and column',
    () => {
      const baselineFile = writeCase('baseline.yaml', BASELINE_TEXT);
      const file = writeCase('deep.json', '['.repeat(200_000));
      const run = cli('audit', '--snapshot', file, '--baseline', baselineFile, '--format', 'json');
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(`${escapeRegExp(file)}:1:\\d+: arrays and objects nested too deeply`),
      );
    },
    HANG_GUARD_MS + 30_000,
  );

  it(
    'trust can-assume on an 8,000-character a*a*…b subject pattern answers',
    () => {
      const host = 'oidc.eks.us-east-1.amazonaws.com/id/ABC';
      const provider = `arn:aws:iam::111122223333:oidc-provider/${host}`;
      const file = writeCase(
        'adversarial.json',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: provider },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringLike: { [`${host}:sub`]: `${'a*'.repeat(4_000)}b` } },
            },
          ],
        }),
      );
      const subject = `system:serviceaccount:${'a'.repeat(4_000)}:${'a'.repeat(4_000)}`;
      const run = cli(
        'trust',
        'can-assume',
        '--file',
        file,
        '--irsa',
        '--provider',
        provider,
        '--subject',
        subject,
      );
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout).allowed).toBe(false);
    },
    HANG_GUARD_MS + 30_000,
  );
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
