import { writeFile } from 'node:fs/promises';

/** Writes command output to `--output FILE` or stdout. */
export async function emit(text: string, outputFile?: string): Promise<void> {
  if (outputFile) {
    await writeFile(outputFile, text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Progress and log lines go to stderr so stdout stays a clean report. */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
