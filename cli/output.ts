import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError } from '../shared/errors.js';
import { cleanText } from '../shared/report/escape.js';
import { writeReport } from './report-writer.js';

/**
 * How the run talks to the terminal, from the program-level flags and the environment: set once per
 * run by `main` (see {@link configureOutput}) and read by every command.
 */
export interface OutputMode {
  /** `--quiet`: only errors and the result (the report, the snapshot) are written. */
  quiet: boolean;
  /** `--verbose`: one line per AWS call on stderr. */
  verbose: boolean;
  /** False with `--no-color`, a non-empty `NO_COLOR`, or `TERM=dumb`. */
  color: boolean;
}

const DEFAULT_MODE: OutputMode = { quiet: false, verbose: false, color: true };
let mode: OutputMode = { ...DEFAULT_MODE };

/**
 * Whether colour is allowed at all (a terminal is still required): not with `--no-color`, not when
 * `NO_COLOR` is set to anything but the empty string (no-color.org), not on `TERM=dumb`.
 */
export function colorAllowed(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.TERM !== 'dumb';
}

/** Sets the run's output mode (`main` calls it before every run, so runs never inherit one). */
export function configureOutput(next: Partial<OutputMode>): void {
  mode = { ...DEFAULT_MODE, ...next };
}

/** The run's output mode. */
export function outputMode(): Readonly<OutputMode> {
  return mode;
}

/** Colour for a report written to a stream: only on a terminal, and only when allowed. */
export function useColor(stream: { isTTY?: boolean } = process.stdout): boolean {
  return mode.color && stream.isTTY === true;
}

/**
 * Writes command output, ended by a newline, to stdout or to a file. A file is written whole or not
 * at all, as the report is ({@link writeReport}): under a temporary name beside it, renamed over it
 * with the replaced file's permissions, so a failed write leaves an older file as it was.
 */
export function emit(text: string, outputFile?: string): Promise<void> {
  return writeReport([text], outputFile);
}

/**
 * Progress and log lines go to stderr so stdout stays a clean report. They quote AWS answers
 * (error codes, resources, messages), so each stays one line, with bidi and other invisible
 * characters shown as `<U+XXXX>`, cut at the report's maximum text length. Informational: nothing
 * is written under `--quiet` (see {@link warn}).
 */
export function log(line: string): void {
  if (mode.quiet) return;
  process.stderr.write(`${cleanText(line)}\n`);
}

/** A warning or error line on stderr, as {@link log} writes it, also under `--quiet`. */
export function warn(line: string): void {
  process.stderr.write(`${cleanText(line)}\n`);
}

/** Names `--output` might be mistaken for: the `--format` values, as the AWS CLI's `--output json`. */
const FORMAT_NAMES = ['json', 'table', 'markdown', 'md', 'html', 'sarif', 'text', 'yaml', 'csv'];

/**
 * Checks an `--output FILE` before any work: not a bare format name (the AWS CLI's `--output json`
 * habit), not a directory, in a directory that exists, and writable (the file itself when it exists,
 * else its directory). A collection of an hour must not end in "cannot write".
 *
 * @param formats the `--format` values of the command, for the hint.
 * @param flag the flag named in the message.
 * @throws InputError naming the flag, the path and what to do.
 */
export async function checkOutputPath(
  output: string | undefined,
  formats: readonly string[] = FORMAT_NAMES,
  flag = '--output',
): Promise<void> {
  if (output === undefined) return;
  const lower = output.trim().toLowerCase();
  if ([...formats, ...FORMAT_NAMES].includes(lower)) {
    const format = lower === 'md' ? 'markdown' : lower;
    throw new InputError(
      `${flag} ${output}: ${flag} takes a file name; did you mean --format ${format}? (or ${flag} ./${output} for a file of that name)`,
    );
  }
  if (output === '') throw new InputError(`${flag}: give a file name`);
  const path = resolve(output);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new InputError(`${flag} ${output}: is a directory; give a file name inside it`);
  }
  const directory = dirname(path);
  const folder = await stat(directory).catch(() => undefined);
  if (!folder?.isDirectory()) {
    throw new InputError(
      `${flag} ${output}: the directory ${dirname(output)} does not exist; create it first`,
    );
  }
  try {
    await access(existing ? path : directory, constants.W_OK);
  } catch {
    throw new InputError(
      `${flag} ${output}: ${existing ? 'the file' : `the directory ${dirname(output)}`} is not writable; choose another path`,
    );
  }
}
