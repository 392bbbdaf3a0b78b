import type { Report } from './types.js';

/** Findings stringified at once by {@link renderJsonChunks} by default: about a mebibyte of text. */
const FINDINGS_PER_CHUNK = 1000;

/**
 * Findings per piece for a writer that hands each piece on at once (a file, stdout): about 60 KB of
 * text, below the size from which V8 places a string in its large-object space, where it lives until
 * the next full collection. Pieces this small die young instead, so writing 100k findings does not
 * grow the heap by the size of the report.
 */
export const STREAMED_FINDINGS_PER_CHUNK = 40;

/** What `JSON.stringify({ findings: [...] }, null, 2)` writes around the findings. */
const FINDINGS_OPEN = '{\n  "findings": [\n';
const FINDINGS_CLOSE = '\n  ]\n}';

/** Report v1 as pretty JSON (docs/architecture.md §8), exactly the object given. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * {@link renderJson} in pieces, whose concatenation is byte for byte the same text: a report of
 * 100k findings is written without ever being one string as large as itself. Each top-level member,
 * and each run of findings, is stringified inside an object of its own at the depth it has in the
 * report, and cut out of it, so `JSON.stringify` itself does all the writing and indenting.
 * `findingsPerChunk` findings are stringified at once.
 *
 * @example for (const chunk of renderJsonChunks(report)) stream.write(chunk);
 */
export function* renderJsonChunks(
  report: Report,
  findingsPerChunk: number = FINDINGS_PER_CHUNK,
): Generator<string> {
  let opened = false;
  for (const [key, value] of Object.entries(report)) {
    const separator = opened ? ',\n' : '{\n';
    if (key === 'findings' && Array.isArray(value) && value.length > 0) {
      yield `${separator}  "findings": [\n`;
      opened = true;
      for (let start = 0; start < value.length; start += findingsPerChunk) {
        const text = JSON.stringify({ findings: value.slice(start, start + findingsPerChunk) }, null, 2);
        const items = text.slice(FINDINGS_OPEN.length, text.length - FINDINGS_CLOSE.length);
        yield start === 0 ? items : `,\n${items}`;
      }
      yield '\n  ]';
      continue;
    }
    // `{\n  "key": VALUE\n}`, or `{}` when the value is not written (undefined, a function).
    const text = JSON.stringify({ [key]: value }, null, 2);
    if (text === '{}') continue;
    yield `${separator}${text.slice(2, text.length - 2)}`;
    opened = true;
  }
  yield opened ? '\n}\n' : '{}\n';
}
