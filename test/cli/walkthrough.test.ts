import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'shell-quote';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxInstructions, walkthroughOf } from '../../cli/sandbox.js';
import { resolveScenario, type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { runCli } from '../support/cli.js';
import { readmeSection } from '../support/readme.js';

const PROGRAM = 'npx eks-identity-audit ';

/** The CLI commands of a README section's `sh` blocks, continuation lines joined, comments dropped. */
function commandsOf(section: string): string[][] {
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.startsWith(PROGRAM))
    .map((line) => parse(line.slice(PROGRAM.length)))
    .map((words) => {
      const comment = words.findIndex((word) => typeof word !== 'string');
      return (comment < 0 ? words : words.slice(0, comment)).map(String);
    });
}

/** Applies `export NAME=VALUE` lines as a shell would, and gives back the previous environment. */
function applyExports(lines: string[]): () => void {
  const saved = { ...process.env };
  delete process.env.AWS_PROFILE;
  for (const line of lines) {
    const exported = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (exported) process.env[exported[1]] = exported[2];
  }
  return () => {
    process.env = saved;
  };
}

describe('the README walkthrough, replayed against the sandbox', () => {
  let sandbox: SandboxHandle;
  let directory: string;
  let instructions: string[];
  let restoreEnv: () => void = () => {};
  const startedIn = process.cwd();

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, scenario: 'demo' });
    directory = await mkdtemp(join(tmpdir(), 'walkthrough-'));
    instructions = sandboxInstructions(sandbox, resolveScenario('demo'));
    // What the README says to do: paste the exports `sandbox` prints, then run the commands.
    restoreEnv = applyExports(instructions);
    process.chdir(directory);
  });

  afterAll(async () => {
    process.chdir(startedIn);
    restoreEnv();
    await sandbox.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('prints the member accounts, regions, role name, external id and the baseline of the organization', () => {
    expect(instructions).toEqual(
      expect.arrayContaining([
        `export AWS_ENDPOINT_URL=${sandbox.url}`,
        '# member accounts: 222233334444 (workloads), 333344445555 (data)',
        '# regions: eu-west-1',
        '# member role: EksIdentityAuditReadOnly, external id: eks-identity-audit-demo',
        '# baseline: s3://eks-identity-audit-demo-111122223333/baseline.yaml',
      ]),
    );
  });

  it('runs every command of "Using it on your accounts" as written, each to its documented exit', async () => {
    const section = await readmeSection('Using it on your accounts');
    const commands = commandsOf(section);
    // The server is the one this test started; the others are the walkthrough.
    expect(commands[0]).toEqual(['sandbox']);
    const walkthrough = commands.slice(1);
    expect(walkthrough.length).toBeGreaterThanOrEqual(8);

    const codes: string[] = [];
    for (const args of walkthrough) {
      const run = await runCli(...args);
      codes.push(`${args.slice(0, 2).join(' ')} → ${run.code}`);
      // 0 or 2 (findings, NOT_READY): never an error, never a raw message.
      expect(run.code, `${args.join(' ')}\n${run.stderr}`).not.toBe(1);
      expect(run.stderr).not.toMatch(/^error:/m);
    }

    expect(codes).toEqual([
      'baseline init → 0',
      'baseline validate → 0',
      'audit --baseline → 2',
      'audit --baseline → 2',
      'collect --accounts → 0',
      'audit --snapshot → 2',
      'cutover --cluster → 2',
      'cutover --cluster → 2',
    ]);
    // What the commands wrote is what they said they wrote.
    expect(await readFile('baseline.yaml', 'utf8')).toMatch(/^clusters:\n {2}prod-blue:/m);
    expect(await readFile('report.html', 'utf8')).toMatch(/^<!doctype html>/i);
    expect(JSON.parse(await readFile('snapshot.json', 'utf8')).accounts).toHaveLength(2);
    expect(JSON.parse(await readFile('audit.sarif', 'utf8')).version).toBe('2.1.0');
    // Eight whole CLI runs, four of them collections: more than one test's default on a busy machine.
  }, 180_000);

  it('runs the audit command `sandbox` prints, pasted as it is', async () => {
    const pasted = instructions.find((line) => line.startsWith(PROGRAM));
    expect(pasted).toBeDefined();
    const [args] = commandsOf(`\`\`\`sh\n${pasted}\n\`\`\``);

    const run = await runCli(...args, '--format', 'json');

    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).summary.total).toBeGreaterThan(0);
  });

  it('writes one --verbose line per AWS call, from the clients themselves', async () => {
    const run = await runCli(
      '--verbose',
      'collect',
      '--accounts',
      '222233334444',
      '--regions',
      'eu-west-1',
      '--role-name',
      'EksIdentityAuditReadOnly',
      '--external-id',
      'eks-identity-audit-demo',
      '--output',
      'verbose.json',
    );

    expect(run.code).toBe(0);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('aws '));
    expect(lines).toContainEqual(expect.stringMatching(/^aws sts:AssumeRole caller\/eu-west-1 \d+ ms ok$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^aws eks:ListClusters 222233334444\/eu-west-1 \d+ ms ok$/),
    );
    const calls = Number(/(\d+) API call\(s\)/.exec(run.stderr)?.[1]);
    expect(lines).toHaveLength(calls);
  });

  it('writes only errors and the result under --quiet', async () => {
    const args = ['collect', '--accounts', '222233334444', '--regions', 'eu-west-1'];
    const member = ['--role-name', 'EksIdentityAuditReadOnly', '--external-id', 'eks-identity-audit-demo'];

    const chatty = await runCli(...args, ...member, '--output', 'chatty.json');
    const quiet = await runCli('--quiet', ...args, ...member, '--output', 'quiet.json');
    const denied = await runCli(
      '--quiet',
      ...args,
      '--role-name',
      'EksIdentityAuditReadOnly',
      '--output',
      'denied.json',
    );

    expect(chatty.stderr).toContain('snapshot written to chatty.json');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(JSON.parse(await readFile('quiet.json', 'utf8')).accounts).toHaveLength(1);
    // Without the external id the member role refuses: that error is still written.
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(
      "222233334444: AccessDenied on sts:AssumeRole — check --external-id and the member role's trust",
    );
    expect(denied.stderr).not.toContain('collected 1 account(s)');
  });

  it('finds no member role in a scenario without one, and prints a collect command instead', () => {
    const scenario = resolveScenario('demo');
    const alone = { ...scenario, accounts: scenario.accounts.slice(0, 1), buckets: [] };

    expect(walkthroughOf(alone)).toEqual({ memberAccounts: [], regions: ['eu-west-1'] });
    expect(sandboxInstructions(sandbox, alone)).toContain(
      'npx eks-identity-audit collect --regions eu-west-1',
    );
  });
});
