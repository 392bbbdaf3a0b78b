import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { InputError } from '../shared/errors.js';
import { cleanText } from '../shared/report/escape.js';
import { commandsFor } from './commands.js';
import { explainAwsFailure } from './failures.js';
import { colorAllowed, configureOutput } from './output.js';
import { OutputClosedError } from './report-writer.js';

/** Exit codes (docs/architecture.md §7). */
export const EXIT = { clean: 0, error: 1, findings: 2 } as const;

/** The package's version, as `--version` prints it. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The program-level flags as commander parses them (`--no-color` gives `color: false`). */
interface ProgramOptions {
  color?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/**
 * Runs the CLI and resolves to the process exit code. Commands return their exit code; input
 * errors print without a stack trace and give exit 1.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('eks-identity-audit')
    .description('Audit EKS workload identity: IRSA trust policies and EKS Pod Identity associations.')
    .version(VERSION, '--version', 'print the version and exit')
    .option('--no-color', 'no colour in the terminal output (also NO_COLOR=1 or TERM=dumb)')
    .addOption(
      new Option('--quiet', 'write only errors and the result (report, snapshot)').conflicts('verbose'),
    )
    .option('--verbose', 'one line per AWS call on stderr: service, operation, lane, latency, outcome')
    .showHelpAfterError()
    .exitOverride();
  configureOutput({ color: colorAllowed(undefined) });
  // Program flags may stand before or after the command; they apply before its action runs.
  program.hook('preAction', () => {
    const flags = program.opts<ProgramOptions>();
    configureOutput({
      color: colorAllowed(flags.color),
      quiet: flags.quiet === true,
      verbose: flags.verbose === true,
    });
  });
  let exitCode: number = EXIT.clean;
  const setExit = (code: number) => {
    exitCode = code;
  };
  try {
    const args = argv.slice(2);
    const registers = await Promise.all(commandsFor(args).map((entry) => entry.load(args)));
    for (const register of registers) register(program, setExit);
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return reportError(error);
  } finally {
    // The next run in this process (tests run many) starts from the defaults again.
    configureOutput({ color: colorAllowed(undefined) });
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage errors were already printed by commander.
    return error.exitCode === 0 ? EXIT.clean : EXIT.error;
  }
  if (error instanceof OutputClosedError) {
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT.error;
  }
  // Messages quote input files and AWS answers: one line each, control and bidi characters shown.
  if (error instanceof InputError) {
    process.stderr.write(`error: ${cleanText(error.message)}\n`);
    for (const problem of error.problems) process.stderr.write(`  ${cleanText(problem)}\n`);
    return EXIT.error;
  }
  // The SDK's own words ("connect ECONNREFUSED …") name no fix; the known failures get one.
  const message = explainAwsFailure(error) ?? (error instanceof Error ? error.message : String(error));
  process.stderr.write(`error: ${cleanText(message)}\n`);
  if (process.env.EKS_IDENTITY_AUDIT_DEBUG && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  return EXIT.error;
}
