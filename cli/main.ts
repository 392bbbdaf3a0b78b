import { Command, CommanderError } from 'commander';
import { InputError } from '../shared/errors.js';
import { cleanText } from '../shared/report/escape.js';
import { commandsFor } from './commands.js';

/** Exit codes (DESIGN.md §7). */
export const EXIT = { clean: 0, error: 1, findings: 2 } as const;

/**
 * Runs the CLI and resolves to the process exit code. Commands return their exit code; input
 * errors print without a stack trace and give exit 1.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('eks-identity-audit')
    .description('Audit EKS workload identity: IRSA trust policies and EKS Pod Identity associations.')
    .showHelpAfterError()
    .exitOverride();
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
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage errors were already printed by commander.
    return error.exitCode === 0 ? EXIT.clean : EXIT.error;
  }
  // Messages quote input files and AWS answers: one line each, control and bidi characters shown.
  if (error instanceof InputError) {
    process.stderr.write(`error: ${cleanText(error.message)}\n`);
    for (const problem of error.problems) process.stderr.write(`  ${cleanText(problem)}\n`);
    return EXIT.error;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${cleanText(message)}\n`);
  if (process.env.EKS_IDENTITY_AUDIT_DEBUG && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  return EXIT.error;
}
