import { writeFile } from 'node:fs/promises';
import { cleanText } from '../shared/report/escape.js';

/** Writes command output to `--output FILE` or stdout. */
export async function emit(text: string, outputFile?: string): Promise<void> {
  if (outputFile) {
    await writeFile(outputFile, text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * Progress and log lines go to stderr so stdout stays a clean report. They quote AWS answers
 * (error codes, resources, messages), so each stays one line, with bidi and other invisible
 * characters shown as `<U+XXXX>`, cut at the report's maximum text length.
 */
export function log(line: string): void {
  process.stderr.write(`${cleanText(line)}\n`);
}
