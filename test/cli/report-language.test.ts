import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const scenario = join(import.meta.dirname, '..', 'fixtures', 'acceptance', 'blue-green-partial');

function audit(...extra: string[]) {
  return runCli(
    'audit',
    '--snapshot',
    join(scenario, 'snapshot.json'),
    '--baseline',
    join(scenario, 'baseline.yaml'),
    '--format',
    'table',
    '--fail-on',
    'none',
    '--allow-incomplete',
    ...extra,
  );
}

describe('audit --lang and --no-remediation', () => {
  it("prints each finding's fix under it by default, and a COMPLETE or INCOMPLETE summary line", async () => {
    const { stdout } = await audit();
    expect(stdout).toMatch(/^ {4}fix: /m);
    expect(stdout).toMatch(/^Collection: (COMPLETE|INCOMPLETE) \(/m);
  });

  it('hides the fixes with --no-remediation', async () => {
    const { code, stdout } = await audit('--no-remediation');
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/^ {4}fix: /m);
  });

  it('writes the table in Japanese with --lang ja, keeping check ids and commands', async () => {
    const english = await audit();
    const { code, stdout } = await audit('--lang', 'ja');
    expect(code).toBe(0);
    expect(stdout).toContain('EKS ワークロードアイデンティティ監査');
    expect(stdout).toMatch(/^ {4}対処: /m);
    expect(stdout).toMatch(/^収集: (COMPLETE|INCOMPLETE)/m);
    const ids = (text: string) =>
      [...text.matchAll(/^ {2}[A-Z]+ +([A-Z_]+) {2}(\S+)$/gm)].map((match) => `${match[1]} ${match[2]}`);
    expect(ids(stdout)).toEqual(ids(english.stdout));
    expect(ids(stdout).length).toBeGreaterThan(0);
  });

  it('refuses a language it has no catalogue for, naming the flag', async () => {
    const { code, stderr } = await audit('--lang', 'fr');
    expect(code).not.toBe(0);
    expect(stderr).toContain('--lang must be one of en, ja (got "fr")');
  });

  it('lists the check catalogue in Japanese with checks list --lang ja, ids and commands unchanged', async () => {
    const { code, stdout } = await runCli('checks', 'list', '--format', 'markdown', '--lang', 'ja');
    expect(code).toBe(0);
    expect(stdout).toContain('# チェック一覧');
    expect(stdout).toContain('### PI_AGENT_MISSING');
    expect(stdout).toContain(
      '`aws eks create-addon --cluster-name CLUSTER --addon-name eks-pod-identity-agent --region REGION`',
    );
    const english = await runCli('checks', 'list', '--format', 'markdown');
    expect(english.stdout).toContain('# Check catalogue');
  });
});
