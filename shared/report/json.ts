import type { Report } from './types.js';

/** Findings stringified at once by {@link renderJsonChunks}: about a mebibyte of text. */
const FINDINGS_PER_CHUNK = 1000;

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
 *
 * @example for (const chunk of renderJsonChunks(report)) stream.write(chunk);
 */
export function* renderJsonChunks(report: Report): Generator<string> {
  let opened = false;
  for (const [key, value] of Object.entries(report)) {
    const separator = opened ? ',\n' : '{\n';
    if (key === 'findings' && Array.isArray(value) && value.length > 0) {
      yield `${separator}  "findings": [\n`;
      opened = true;
      for (let start = 0; start < value.length; start += FINDINGS_PER_CHUNK) {
        const text = JSON.stringify({ findings: value.slice(start, start + FINDINGS_PER_CHUNK) }, null, 2);
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
