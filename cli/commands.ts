import type { Command } from 'commander';
import { registerAudit } from './audit.js';
import { registerBaseline } from './baseline.js';
import { registerChecks } from './checks.js';
import { registerCollect } from './collect.js';
import { registerCutover } from './cutover.js';
import { registerDemo } from './demo.js';
import { registerSandbox } from './sandbox.js';
import { registerTrust } from './trust.js';
import { registerUsage } from './usage.js';

/**
 * A CLI command module registers itself on the program. `setExit` records the exit code the run
 * ends with (0 clean, 1 error, 2 findings at or above --fail-on).
 */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

/** The explicit command registry: one file per command under cli/. */
export const commands: RegisterCommand[] = [
  registerBaseline,
  registerTrust,
  registerAudit,
  registerChecks,
  registerSandbox,
  registerCollect,
  registerDemo,
  registerCutover,
  registerUsage,
];
