import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../cli/commands.js';
import { main } from '../../cli/main.js';
import { readmeSection } from '../support/readme.js';

/** Every long flag of the program and of each command and subcommand, with where it is defined. */
async function helpFlags(): Promise<Map<string, string[]>> {
  const program = new Command('eks-identity-audit');
  // The program-level flags as main defines them: --version, --no-color, --quiet, --verbose.
  const version = await captureStdout(() => main(['node', 'eks-identity-audit', '--help']));
  const flags = new Map<string, string[]>();
  for (const flag of version.match(/--[a-z][a-z0-9-]*/g) ?? []) flags.set(flag, ['(program)']);
  for (const entry of commands) (await entry.load())(program, () => undefined);
  const walk = (command: Command, path: string) => {
    for (const option of command.options) {
      if (option.long) flags.set(option.long, [...(flags.get(option.long) ?? []), path]);
    }
    for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`.trim());
  };
  walk(program, '');
  flags.delete('--help');
  return flags;
}

async function captureStdout(work: () => Promise<unknown>): Promise<string> {
  let text = '';
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    text += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = original;
  }
  return text;
}

describe('the README CLI reference and --help', () => {
  let reference: string;
  let flags: Map<string, string[]>;
  beforeAll(async () => {
    reference = await readmeSection('CLI reference');
    flags = await helpFlags();
  });

  it('documents every flag --help shows', () => {
    const mentioned = new Set(reference.match(/--[a-z][a-z0-9-]*/g));
    const missing = [...flags.keys()].filter((flag) => !mentioned.has(flag));

    expect(missing.map((flag) => `${flag} (${flags.get(flag)?.join(', ')})`)).toEqual([]);
  });

  it('names no flag that --help does not show', () => {
    const mentioned = new Set(reference.match(/--[a-z][a-z0-9-]*/g));
    mentioned.delete('--help');

    expect([...mentioned].filter((flag) => !flags.has(flag))).toEqual([]);
  });

  it("agrees with --help on the --accounts default and on cutover's s3:// baselines", async () => {
    const audit = await captureStdout(() => main(['node', 'eks-identity-audit', 'audit', '--help']));
    const cutover = await captureStdout(() => main(['node', 'eks-identity-audit', 'cutover', '--help']));

    expect(reference.replace(/\s+/g, ' ')).toContain(
      "`--accounts a,b` (default: the baseline's accounts, else the caller's",
    );
    expect(audit.replace(/\s+/g, ' ')).toContain(
      "default: the baseline's accounts when a baseline is given, else the caller's account",
    );
    expect(reference).toMatch(/cutover .*\[--baseline FILE\\\|s3:\/\/…\]/);
    expect(cutover.replace(/\s+/g, ' ')).toContain(
      '--baseline <file> baseline file (YAML or JSON) or s3://BUCKET/KEY',
    );
  });
});
