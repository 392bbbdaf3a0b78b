/**
 * Remediation and catalogue texts are prose with literals in them: `code spans` (commands, condition
 * keys, file names) and inline JSON documents (a trust statement to add). Renderers show the
 * literals as code and the prose as text; translations keep the literals as they are.
 */

/** A run of prose, or a literal (a code span's content, or a JSON document). */
export interface Segment {
  kind: 'text' | 'code' | 'json';
  text: string;
}

/**
 * Splits text into prose, code spans (single backticks) and JSON objects (`{"…": …}` that parse).
 * An unmatched backtick stays prose. Concatenating the segments, with backticks around the code
 * ones, gives the text back.
 *
 * @example segmentsOf('Run `aws eks list-clusters`.') // [text 'Run ', code 'aws eks list-clusters', text '.']
 */
export function segmentsOf(text: string): Segment[] {
  const segments: Segment[] = [];
  let prose = '';
  const flush = () => {
    if (prose !== '') segments.push({ kind: 'text', text: prose });
    prose = '';
  };
  let index = 0;
  while (index < text.length) {
    const character = text[index];
    if (character === '`') {
      const end = text.indexOf('`', index + 1);
      if (end > index + 1) {
        flush();
        segments.push({ kind: 'code', text: text.slice(index + 1, end) });
        index = end + 1;
        continue;
      }
    } else if (character === '{' && /^\{\s*"/.test(text.slice(index, index + 8))) {
      const end = jsonEnd(text, index);
      if (end !== undefined) {
        flush();
        segments.push({ kind: 'json', text: text.slice(index, end) });
        index = end;
        continue;
      }
    }
    prose += character;
    index += 1;
  }
  flush();
  return segments;
}

/** Text from segments: code spans in backticks, JSON and prose as they are. */
export function joinSegments(segments: readonly Segment[]): string {
  return segments.map((segment) => (segment.kind === 'code' ? `\`${segment.text}\`` : segment.text)).join('');
}

/** The end (exclusive) of the JSON object starting at `start`, when the balanced text parses. */
function jsonEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
      continue;
    }
    if (character === '"') inString = true;
    else if (character === '{' || character === '[') depth += 1;
    else if (character === '}' || character === ']') {
      depth -= 1;
      if (depth === 0) {
        try {
          JSON.parse(text.slice(start, index + 1));
          return index + 1;
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

const COMMAND = /^(?:aws|eksctl|kubectl|eks-identity-audit)\s/;

/** True when a code span is a command someone runs (`aws …`, `eksctl …`, `kubectl …`, `eks-identity-audit …`). */
export function isCommand(code: string): boolean {
  return COMMAND.test(code);
}

/** The commands in a text, in order. */
export function commandsOf(text: string): string[] {
  return segmentsOf(text)
    .filter((segment) => segment.kind === 'code' && isCommand(segment.text))
    .map((segment) => segment.text);
}

/**
 * What identifies a command across languages and placeholder fillings: the program and its first
 * two words (`aws eks create-addon`, `eks-identity-audit trust can-assume`).
 */
export function commandKey(command: string): string {
  return command.trim().split(/\s+/).slice(0, 3).join(' ');
}
