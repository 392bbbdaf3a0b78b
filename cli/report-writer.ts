import { randomBytes } from 'node:crypto';
import { constants, rmSync } from 'node:fs';
import { access, copyFile, type FileHandle, lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AuditError } from '../shared/errors.js';

/** Bytes gathered before one write: few system calls for a report of hundreds of megabytes. */
export const REPORT_WRITE_BUFFER_BYTES = 4 * 2 ** 20;

/** Most bytes one UTF-16 code unit takes in UTF-8 (a surrogate pair takes 4 for 2 units). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

/** Writes `length` bytes of `buffer`; resolves once they are written and the buffer may be reused. */
type Sink = (buffer: Buffer<ArrayBuffer>, length: number) => Promise<void>;

/** How {@link writeReport} writes. */
export interface ReportWriterOptions {
  /** Bytes gathered before one write ({@link REPORT_WRITE_BUFFER_BYTES} by default; tests cross its edges). */
  bufferBytes?: number;
}

/**
 * Writes a report, given in pieces, to `output` or, without it, to stdout; the last line ends with a
 * newline. The pieces are encoded straight into large buffers, so no buffer is made per piece and a
 * report is written in few system calls; a file is written from one buffer while the next pieces are
 * rendered into the other, so rendering does not wait for the disk.
 *
 * A regular file (or a new one) is written beside itself under a temporary name and renamed over
 * `output` once complete, keeping the permissions of the file it replaces: a render or a write that
 * fails leaves the previous report as it was, never half a report. Anything else (`/dev/null`, a
 * pipe, a symbolic link) is written in place.
 */
export async function writeReport(
  pieces: Iterable<string>,
  output: string | undefined,
  options: ReportWriterOptions = {},
): Promise<void> {
  const bufferBytes = Math.max(options.bufferBytes ?? REPORT_WRITE_BUFFER_BYTES, 4 * MAX_UTF8_BYTES_PER_UNIT);
  if (output === undefined) {
    await writeToStdout(pieces, bufferBytes);
    return;
  }
  const staging = await stagingFor(output);
  // Listening before the staged file exists: a signal while it is being made still removes it.
  const release = staging ? removeOnSignal(staging.path) : () => {};
  try {
    const staged = staging && (await openStaged(staging));
    const file = staged?.file ?? (await open(output, 'w'));
    await writeInto(file, pieces, bufferBytes, staged, output);
  } finally {
    release();
  }
}

/** Writes the report into `file`, then moves a staged file into place (or drops it on failure). */
async function writeInto(
  file: FileHandle,
  pieces: Iterable<string>,
  bufferBytes: number,
  staged: { path: string } | undefined,
  output: string,
): Promise<void> {
  try {
    const spare = [Buffer.allocUnsafeSlow(bufferBytes), Buffer.allocUnsafeSlow(bufferBytes)];
    const take = () => spare.pop() ?? Buffer.allocUnsafeSlow(bufferBytes);
    await writeEncoded(pieces, bufferBytes, take, async (buffer, length) => {
      for (let written = 0; written < length; ) {
        written += (await file.write(buffer, written, length - written)).bytesWritten;
      }
      spare.push(buffer);
    });
  } catch (error) {
    // Waits for a write still in flight when rendering failed, then drops the partial report.
    await file.close().catch(() => {});
    if (staged) await rm(staged.path, { force: true });
    throw error;
  }
  if (!staged) {
    await file.close();
    return;
  }
  try {
    await file.close();
    await moveIntoPlace(staged.path, output);
  } finally {
    await rm(staged.path, { force: true });
  }
}

/** Signals that end a CLI run: Ctrl-C, a CI job's timeout, a closed terminal. */
const ENDING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Removes the staged file when the process is told to end while the report is written, then lets
 * the signal end it as it would have (no file of hundreds of megabytes is left behind).
 *
 * @returns what stops listening, once the write is over.
 */
function removeOnSignal(path: string): () => void {
  const release = () => {
    for (const signal of ENDING_SIGNALS) process.off(signal, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    release();
    rmSync(path, { force: true });
    process.kill(process.pid, signal);
  }
  for (const signal of ENDING_SIGNALS) process.on(signal, onSignal);
  return release;
}

/**
 * Renames the complete report over `output`; where a rename is refused but writing the file is not
 * (a file of another user in a sticky directory), copies it over `output` instead.
 */
async function moveIntoPlace(staged: string, output: string): Promise<void> {
  try {
    await rename(staged, output);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'EXDEV') throw error;
    await copyFile(staged, output);
  }
}

/**
 * Where a regular (or new) `output` is staged, and the permissions of the file it will replace;
 * undefined for anything else (written in place).
 */
async function stagingFor(output: string): Promise<{ path: string; mode?: number } | undefined> {
  let mode: number | undefined;
  try {
    const entry = await lstat(output);
    if (!entry.isFile()) return undefined;
    // A file we may not write stays refused, as an in-place write would be (a rename would not ask).
    await access(output, constants.W_OK);
    mode = entry.mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  // Unique per run: a file left by a killed run never stands in the way of the next.
  const path = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.partial`);
  return { path, ...(mode === undefined ? {} : { mode }) };
}

/**
 * Makes the staged file with the permissions of the file it replaces; undefined when it cannot be
 * made (the direct open then reports the problem under the name the user gave).
 */
async function openStaged(staging: {
  path: string;
  mode?: number;
}): Promise<{ path: string; file: FileHandle } | undefined> {
  try {
    const file = await open(staging.path, 'wx', staging.mode ?? 0o666);
    // The creation mode is masked by the umask: a replaced file keeps its own permissions exactly.
    if (staging.mode !== undefined) await file.chmod(staging.mode).catch(() => {});
    return { path: staging.path, file };
  } catch {
    return undefined;
  }
}

/**
 * Stdout was closed before the whole output was written: the reader went away (`| head`), or the
 * terminal closed. The CLI says so in one line instead of naming the failed write an AWS failure.
 */
export class OutputClosedError extends AuditError {
  override name = 'OutputClosedError';
}

/**
 * Stdout may keep the buffer it is given (a pipe that is not drained yet), so each write gets a
 * buffer of its own. A failure (a closed pipe) is reported once the writing stops.
 */
async function writeToStdout(pieces: Iterable<string>, bufferBytes: number): Promise<void> {
  const stream = process.stdout;
  let failure: Error | undefined;
  const onError = (error: NodeJS.ErrnoException) => {
    failure =
      error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED'
        ? new OutputClosedError(
            'stdout was closed before the whole output was written (the reading end of the pipe went away)',
            { cause: error },
          )
        : error;
  };
  stream.on('error', onError);
  try {
    await writeEncoded(
      pieces,
      bufferBytes,
      () => Buffer.allocUnsafeSlow(bufferBytes),
      async (buffer, length) => {
        if (failure !== undefined) throw failure;
        if (stream.write(buffer.subarray(0, length))) return;
        // An error closes the stream, so waiting for `close` as well never hangs.
        await new Promise<void>((resolve) => {
          const settle = () => {
            stream.off('drain', settle);
            stream.off('close', settle);
            resolve();
          };
          stream.on('drain', settle);
          stream.on('close', settle);
        });
        if (failure !== undefined) throw failure;
      },
    );
  } finally {
    stream.off('error', onError);
  }
}

/**
 * Encodes the pieces into buffers from `take` and hands each full one to `sink`, one write in
 * flight at a time so the bytes stay in order; ends the text with a newline when it has none.
 */
async function writeEncoded(
  pieces: Iterable<string>,
  bufferBytes: number,
  take: () => Buffer<ArrayBuffer>,
  sink: Sink,
): Promise<void> {
  let buffer = take();
  let used = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (used === 0) return;
    await inFlight;
    inFlight = sink(buffer, used);
    // Observed at the next flush; until then the next buffer fills.
    inFlight.catch(() => {});
    buffer = take();
    used = 0;
  };
  const append = async (text: string) => {
    if (text.length * MAX_UTF8_BYTES_PER_UNIT > bufferBytes - used) await flush();
    used += buffer.write(text, used);
  };
  const unitsPerBuffer = Math.floor(bufferBytes / MAX_UTF8_BYTES_PER_UNIT);
  let endsWithNewline = false;
  for (const piece of pieces) {
    if (piece === '') continue;
    endsWithNewline = piece.endsWith('\n');
    if (piece.length <= unitsPerBuffer) {
      await append(piece);
      continue;
    }
    // A piece larger than a buffer goes in parts that never split a surrogate pair.
    for (let start = 0; start < piece.length; ) {
      let end = Math.min(start + unitsPerBuffer, piece.length);
      if (end < piece.length && isHighSurrogate(piece.charCodeAt(end - 1))) end -= 1;
      await append(piece.slice(start, end));
      start = end;
    }
  }
  if (!endsWithNewline) await append('\n');
  await flush();
  await inFlight;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}
