import { describe, expect, it } from 'vitest';
import { commands, commandsFor } from '../../cli/commands.js';

const names = (entries: ReadonlyArray<{ name: string }>) => entries.map((entry) => entry.name);

describe('commandsFor', () => {
  it('loads only the command named first', () => {
    expect(names(commandsFor(['audit', '--snapshot', 'x.json']))).toEqual(['audit']);
  });

  it('loads every command for program help, no command, or an unknown one', () => {
    expect(names(commandsFor([]))).toEqual(names(commands));
    expect(names(commandsFor(['--help']))).toEqual(names(commands));
    expect(names(commandsFor(['bogus']))).toEqual(names(commands));
    expect(names(commandsFor(['help', 'audit']))).toEqual(names(commands));
  });

  it('loads every command when a program flag comes before the command name', () => {
    expect(names(commandsFor(['--help', 'audit']))).toEqual(names(commands));
  });

  it('has a loader for every command that registers the command of its name', async () => {
    const { Command } = await import('commander');
    for (const entry of commands) {
      const program = new Command();
      (await entry.load())(program, () => undefined);
      expect(program.commands.map((command) => command.name())).toEqual([entry.name]);
    }
  });

  it('registers only `baseline validate` for a run of it, and every baseline subcommand otherwise', async () => {
    const { Command } = await import('commander');
    const entry = commands.find((candidate) => candidate.name === 'baseline');
    const subcommands = async (args?: string[]) => {
      const program = new Command();
      (await entry!.load(args))(program, () => undefined);
      return program.commands[0].commands.map((command) => command.name());
    };
    expect(await subcommands(['baseline', 'validate', 'b.yaml'])).toEqual(['validate']);
    expect(await subcommands(['baseline', 'init', '--snapshot', 's.json'])).toEqual(['validate', 'init']);
    expect(await subcommands()).toEqual(['validate', 'init']);
  });
});
