import type { Report } from './types.js';

/** Pieces {@link renderJsonChunks} gathers before handing one over: large enough to write fast. */
const CHUNK_CHARACTERS = 2 ** 20;

/** Report v1 as pretty JSON, exactly the object given: `JSON.stringify(report, null, 2)` and a newline. */
export function renderJson(report: Report): string {
  return [...renderJsonChunks(report)].join('');
}

/**
 * {@link renderJson} in pieces of about a mebibyte, whose concatenation is byte for byte the same
 * text: a report of 100k findings is written without ever being one string as large as itself.
 * Each top-level member, and each finding, is `JSON.stringify`'d on its own and indented to its
 * depth (JSON text holds no raw newline inside a string, so every newline starts a line).
 *
 * @example for (const chunk of renderJsonChunks(report)) stream.write(chunk);
 */
export function* renderJsonChunks(report: Report): Generator<string> {
  const members = Object.entries(report).flatMap(([key, value]) => {
    const text = key === 'findings' && Array.isArray(value) ? undefined : JSON.stringify(value, null, 2);
    return text === undefined && !(key === 'findings' && Array.isArray(value)) ? [] : [{ key, value, text }];
  });
  if (members.length === 0) {
    yield '{}\n';
    return;
  }
  let pending: string[] = ['{\n'];
  let pendingLength = 2;
  const add = (piece: string) => {
    pending.push(piece);
    pendingLength += piece.length;
  };
  for (const [index, { key, value, text }] of members.entries()) {
    add(`  ${JSON.stringify(key)}: `);
    if (text !== undefined) add(indent(text, '\n  '));
    else {
      const findings = value as unknown[];
      if (findings.length === 0) add('[]');
      else {
        add('[\n');
        for (const [position, finding] of findings.entries()) {
          add(`    ${indent(JSON.stringify(finding, null, 2) ?? 'null', '\n    ')}`);
          add(position === findings.length - 1 ? '\n  ]' : ',\n');
          if (pendingLength >= CHUNK_CHARACTERS) {
            yield pending.join('');
            pending = [];
            pendingLength = 0;
          }
        }
      }
    }
    add(index === members.length - 1 ? '\n}\n' : ',\n');
  }
  yield pending.join('');
}

function indent(text: string, newline: string): string {
  return text.includes('\n') ? text.replaceAll('\n', newline) : text;
}
