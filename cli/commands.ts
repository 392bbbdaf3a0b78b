import type { Command } from 'commander';

/**
 * A CLI command module registers itself on the program. `setExit` records the exit code the run
 * ends with (0 clean, 1 error, 2 findings at or above --fail-on).
 */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

/** One top-level command: its name and how to load the module that registers it. */
export interface CommandEntry {
  name: string;
  /** Loads the command's module; given the run's arguments, it may load only what they need. */
  load: (args?: readonly string[]) => Promise<RegisterCommand>;
}

/**
 * The explicit command registry: one file per command under cli/. Modules load on demand, so a run
 * pays only for the command it uses (the AWS SDK, the sandbox and the CDK-free report code are
 * sizeable to import).
 */
export const commands: readonly CommandEntry[] = [
  {
    name: 'baseline',
    // `baseline validate` is run in CI on every change: it needs neither the AWS SDK nor the generator.
    load: async (args) =>
      args?.[0] === 'baseline' && args[1] === 'validate'
        ? (await import('./baseline-validate.js')).registerBaselineValidate
        : (await import('./baseline.js')).registerBaseline,
  },
  { name: 'trust', load: async () => (await import('./trust.js')).registerTrust },
  { name: 'audit', load: async () => (await import('./audit.js')).registerAudit },
  { name: 'checks', load: async () => (await import('./checks.js')).registerChecks },
  { name: 'sandbox', load: async () => (await import('./sandbox.js')).registerSandbox },
  { name: 'collect', load: async () => (await import('./collect.js')).registerCollect },
  { name: 'demo', load: async () => (await import('./demo.js')).registerDemo },
  { name: 'cutover', load: async () => (await import('./cutover.js')).registerCutover },
  { name: 'usage', load: async () => (await import('./usage.js')).registerUsage },
];

/**
 * The commands a run needs: only the one named by the first argument, or every command when none is
 * named or the name is unknown (so help and "unknown command" messages list them all).
 *
 * @param args the arguments after the program name (`process.argv.slice(2)`).
 */
export function commandsFor(args: readonly string[]): readonly CommandEntry[] {
  const first = args.find((arg) => !arg.startsWith('-'));
  const named = commands.find((entry) => entry.name === first);
  // Program-level flags before the command (e.g. --help) need the whole list too.
  return named && args[0] === first ? [named] : commands;
}
