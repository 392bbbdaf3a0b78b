import type { BaselineLocator, FieldPath } from './locate.js';
import type { SourceLocation } from './types.js';

/**
 * A fast reader for the plain block YAML baselines are written in: block maps and lists (including
 * list items that start a map, `- cluster: prod`), plain, single- and double-quoted one-line scalars,
 * one-line flow lists of scalars (`members: [blue, green]`) and comments. It builds the same values
 * `yaml`'s `parseDocument(text).toJS()` builds with the YAML 1.2 core schema, and the offsets
 * `normalize` needs (top-level keys, the keys of their maps, the items of every list).
 *
 * Anything outside that subset (anchors, aliases, tags, block scalars, flow maps, multi-line
 * scalars, tabs, `\r`, duplicate keys, floats, octal or hex numbers, non-string keys, more than
 * {@link MAX_FAST_DEPTH} levels) makes it return `undefined`, and the caller uses the full parser,
 * which also produces every located error: this reader never reports a problem of its own.
 */

/** Deeper documents go to the full parser; baselines are four levels deep. */
export const MAX_FAST_DEPTH = 16;

/** What the fast reader produced: the document's value and a locator over its offsets. */
export interface FastYamlDocument {
  value: Record<string, unknown>;
  locator: BaselineLocator;
}

interface Line {
  /** Column of the first content character (after indentation, or after a `- ` list marker). */
  indent: number;
  /** Offset of the first content character. */
  start: number;
  /** Offset of the line's end (its `\n`, or the end of the text). */
  end: number;
}

/** Offsets of a collection's entries: a map's keys and values, a list's items. */
interface Offsets {
  keys?: Map<string, { key: number; value: number }>;
  items?: number[];
}

/** Thrown (and caught inside this module) when the text leaves the supported subset. */
class Unsupported extends Error {}

const unsupported = (): never => {
  throw new Unsupported();
};

const NULL_PATTERN = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_PATTERN = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const DECIMAL_PATTERN = /^[-+]?[0-9]+$/;
/** Core-schema numbers this reader leaves to the full parser: octal, hex, floats, infinities, NaN. */
const OTHER_NUMBER_PATTERN =
  /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;
/** Characters that cannot start a plain scalar here (YAML indicators this reader does not handle). */
const INDICATORS = new Set(['[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '%', '@', '`', ',', "'", '"']);

/** The core schema's value of a plain scalar. */
function plainValue(text: string): unknown {
  if (NULL_PATTERN.test(text)) return null;
  if (BOOL_PATTERN.test(text)) return text[0] === 't' || text[0] === 'T';
  if (DECIMAL_PATTERN.test(text)) return Number.parseInt(text, 10);
  if (OTHER_NUMBER_PATTERN.test(text)) unsupported();
  return text;
}

class FastReader {
  private readonly lines: Line[] = [];
  private index = 0;
  readonly offsets = new WeakMap<object, Offsets>();
  readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    let lineStart = 0;
    while (lineStart <= text.length) {
      let end = text.indexOf('\n', lineStart);
      if (end < 0) end = text.length;
      let start = lineStart;
      while (start < end && text.charCodeAt(start) === 32) start++;
      if (start < end && text[start] !== '#') {
        this.lines.push({ indent: start - lineStart, start, end });
      }
      if (end === text.length) break;
      lineStart = end + 1;
      this.lineStarts.push(lineStart);
    }
  }

  document(): Record<string, unknown> {
    if (this.lines.length > 0 && this.lineText(this.lines[0]) === '---') this.index++;
    const first = this.lines[this.index];
    if (first === undefined || first.indent !== 0 || this.isListItem(first)) unsupported();
    const value = this.map(0, 1);
    if (this.index !== this.lines.length) unsupported();
    return value;
  }

  private lineText(line: Line): string {
    return this.text.slice(line.start, line.end);
  }

  private isListItem(line: Line): boolean {
    return (
      this.text[line.start] === '-' && (line.start + 1 === line.end || this.text[line.start + 1] === ' ')
    );
  }

  /** The block (map or list) whose first line is the current one. */
  private block(depth: number, keepOffsets: boolean): unknown {
    if (depth > MAX_FAST_DEPTH) unsupported();
    const line = this.lines[this.index];
    return this.isListItem(line) ? this.list(line.indent, depth) : this.map(line.indent, depth, keepOffsets);
  }

  /**
   * Where a map key ends: the offset of its `:` (followed by a space or the line's end), or -1 when
   * the text from `start` is not a `key:` entry.
   */
  private keyColon(start: number, end: number): number {
    const text = this.text;
    const first = text[start];
    if (first === '"' || first === "'") {
      const close = this.closingQuote(start, end);
      let after = close + 1;
      while (after < end && text.charCodeAt(after) === 32) after++;
      return text[after] === ':' && (after + 1 === end || text[after + 1] === ' ') ? after : -1;
    }
    for (let position = start; position < end; position++) {
      const char = text[position];
      if (char === ':' && (position + 1 === end || text[position + 1] === ' ')) return position;
      if (char === '#' && position > start && text[position - 1] === ' ') return -1;
    }
    return -1;
  }

  private closingQuote(start: number, end: number): number {
    const text = this.text;
    const quote = text[start];
    for (let position = start + 1; position < end; position++) {
      const char = text[position];
      if (quote === '"' && char === '\\') position++;
      else if (char === quote) {
        if (quote === "'" && text[position + 1] === "'") position++;
        else return position;
      }
    }
    return unsupported();
  }

  /** A quoted scalar's value; its closing quote must be on the same line. */
  private quoted(start: number, end: number): { value: string; next: number } {
    const close = this.closingQuote(start, end);
    const inner = this.text.slice(start + 1, close);
    if (this.text[start] === "'") return { value: inner.replaceAll("''", "'"), next: close + 1 };
    let value: unknown;
    try {
      // JSON's escapes are a subset of YAML's double-quoted ones; anything else goes to the full parser.
      value = JSON.parse(`"${inner}"`);
    } catch {
      unsupported();
    }
    return { value: value as string, next: close + 1 };
  }

  /** Only spaces and a comment may follow a value on its line. */
  private expectLineEnd(position: number, end: number): void {
    let at = position;
    while (at < end && this.text.charCodeAt(at) === 32) at++;
    if (at < end && !(this.text[at] === '#' && at > position)) unsupported();
  }

  /** A one-line value: quoted or plain scalar, or a flow list of scalars. */
  private inlineValue(start: number, end: number): unknown {
    const text = this.text;
    const first = text[start];
    if (first === '"' || first === "'") {
      const { value, next } = this.quoted(start, end);
      this.expectLineEnd(next, end);
      return value;
    }
    if (first === '[') return this.flowList(start, end);
    return this.plain(start, end, false);
  }

  private plain(start: number, end: number, inFlow: boolean): unknown {
    const text = this.text;
    const first = text[start];
    if (INDICATORS.has(first)) unsupported();
    if ((first === '-' || first === '?' || first === ':') && (start + 1 === end || text[start + 1] === ' ')) {
      unsupported();
    }
    let stop = end;
    for (let position = start; position < end; position++) {
      const char = text[position];
      if (char === '#' && text[position - 1] === ' ') {
        stop = position;
        break;
      }
      if (char === ':' && (position + 1 === end || text[position + 1] === ' ')) unsupported();
      if (inFlow && '[]{},:'.includes(char)) unsupported();
    }
    return plainValue(text.slice(start, stop).trimEnd());
  }

  private flowList(start: number, end: number): unknown[] {
    const text = this.text;
    const close = text.indexOf(']', start);
    if (close < 0 || close >= end) unsupported();
    this.expectLineEnd(close + 1, end);
    const items: unknown[] = [];
    const offsets: number[] = [];
    if (text.slice(start + 1, close).trim() === '') {
      this.offsets.set(items, { items: offsets });
      return items;
    }
    let position = start + 1;
    while (position <= close) {
      let comma = text.indexOf(',', position);
      if (comma < 0 || comma > close) comma = close;
      let itemStart = position;
      while (itemStart < comma && text.charCodeAt(itemStart) === 32) itemStart++;
      let itemEnd = comma;
      while (itemEnd > itemStart && text.charCodeAt(itemEnd - 1) === 32) itemEnd--;
      if (itemStart === itemEnd) unsupported();
      const first = text[itemStart];
      if (first === '"' || first === "'") {
        const { value, next } = this.quoted(itemStart, itemEnd);
        if (next !== itemEnd) unsupported();
        items.push(value);
      } else {
        const slice = text.slice(itemStart, itemEnd);
        if (slice.includes('#')) unsupported();
        items.push(this.plain(itemStart, itemEnd, true));
      }
      offsets.push(itemStart);
      position = comma + 1;
    }
    this.offsets.set(items, { items: offsets });
    return items;
  }

  /** The value after `key:` on a line of a map at `indent`. */
  private entryValue(
    indent: number,
    afterColon: number,
    end: number,
    depth: number,
  ): { value: unknown; offset: number } {
    let start = afterColon;
    while (start < end && this.text.charCodeAt(start) === 32) start++;
    this.index++;
    if (start < end && this.text[start] !== '#') {
      const value = this.inlineValue(start, end);
      const next = this.lines[this.index];
      if (next !== undefined && next.indent > indent) unsupported();
      return { value, offset: start };
    }
    const next = this.lines[this.index];
    if (next !== undefined && (next.indent > indent || (next.indent === indent && this.isListItem(next)))) {
      return { value: this.block(depth + 1, depth < 2), offset: next.start };
    }
    return { value: null, offset: afterColon };
  }

  private map(indent: number, depth: number, keepOffsets = true): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    const keys = keepOffsets ? new Map<string, { key: number; value: number }>() : undefined;
    for (let line = this.lines[this.index]; line !== undefined && line.indent === indent; ) {
      if (this.isListItem(line)) unsupported();
      const colon = this.keyColon(line.start, line.end);
      if (colon < 0) unsupported();
      let key: unknown;
      const first = this.text[line.start];
      if (first === '"' || first === "'") key = this.quoted(line.start, line.end).value;
      else {
        if (INDICATORS.has(first) || first === '?' || first === '-' || first === ':') unsupported();
        key = plainValue(this.text.slice(line.start, colon).trimEnd());
      }
      if (typeof key !== 'string' || key === '__proto__' || key === '<<' || Object.hasOwn(value, key)) {
        unsupported();
      }
      const name = key as string;
      const entry = this.entryValue(indent, colon + 1, line.end, depth);
      value[name] = entry.value;
      keys?.set(name, { key: line.start, value: entry.offset });
      line = this.lines[this.index];
      if (line !== undefined && line.indent > indent) unsupported();
    }
    if (keys) this.offsets.set(value, { keys });
    return value;
  }

  private list(indent: number, depth: number): unknown[] {
    const items: unknown[] = [];
    const offsets: number[] = [];
    // A line at the list's indent that is not an item ends it (an indentless list under a map key).
    for (
      let line = this.lines[this.index];
      line !== undefined && line.indent === indent && this.isListItem(line);
    ) {
      let start = line.start + 1;
      while (start < line.end && this.text.charCodeAt(start) === 32) start++;
      if (start === line.end || this.text[start] === '#') {
        this.index++;
        const next = this.lines[this.index];
        if (next !== undefined && next.indent > indent) {
          offsets.push(next.start);
          items.push(this.block(depth + 1, false));
        } else {
          offsets.push(start);
          items.push(null);
        }
      } else {
        // The item's content starts a block at its own column (`- cluster: prod` then `  namespace: x`).
        const column = line.indent + (start - line.start);
        const startsBlock =
          this.isListItem({ indent: column, start, end: line.end }) || this.keyColon(start, line.end) >= 0;
        offsets.push(start);
        if (startsBlock) {
          line.indent = column;
          line.start = start;
          items.push(this.block(depth + 1, false));
        } else {
          items.push(this.inlineValue(start, line.end));
          this.index++;
          const next = this.lines[this.index];
          if (next !== undefined && next.indent > indent) unsupported();
        }
      }
      line = this.lines[this.index];
      if (line !== undefined && line.indent > indent) unsupported();
    }
    this.offsets.set(items, { items: offsets });
    return items;
  }
}

/** Locates paths of a document read by the fast reader; paths it kept no offsets for give 0. */
class FastLocator implements BaselineLocator {
  constructor(
    private readonly root: Record<string, unknown>,
    private readonly offsets: WeakMap<object, Offsets>,
    private readonly lineStarts: number[],
    private readonly file: string,
  ) {}

  valueOffset(path: FieldPath): number {
    let node: unknown = this.root;
    let offset = 0;
    for (const segment of path) {
      if (typeof node !== 'object' || node === null) return offset;
      const offsets = this.offsets.get(node);
      const next =
        typeof segment === 'number' ? offsets?.items?.[segment] : offsets?.keys?.get(segment)?.value;
      if (next === undefined) return offset;
      offset = next;
      node = (node as Record<string | number, unknown>)[segment];
    }
    return offset;
  }

  keyOffset(path: FieldPath): number {
    const parent = path
      .slice(0, -1)
      .reduce<unknown>(
        (node, segment) =>
          typeof node === 'object' && node !== null
            ? (node as Record<string | number, unknown>)[segment]
            : undefined,
        this.root,
      );
    const key = path[path.length - 1];
    const found =
      typeof parent === 'object' && parent !== null
        ? this.offsets.get(parent)?.keys?.get(String(key))?.key
        : undefined;
    return found ?? this.valueOffset(path);
  }

  sourceText(): string | undefined {
    return undefined;
  }

  location(offset: number): SourceLocation {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return { file: this.file, line: low + 1, column: offset - this.lineStarts[low] + 1 };
  }

  render(problem: { offset: number; field: string; message: string }): string {
    const { line, column } = this.location(problem.offset);
    return `${this.file}:${line}:${column} ${problem.field}: ${problem.message}`;
  }
}

/**
 * Reads a baseline written in plain block YAML quickly, or returns `undefined` when the text uses
 * anything outside the subset described above (the caller then uses the full YAML parser).
 *
 * @example readSimpleYaml('version: 1\nclusters:\n  prod:\n    members: [prod-blue]\n', 'b.yaml')?.value
 */
export function readSimpleYaml(text: string, file: string): FastYamlDocument | undefined {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    const reader = new FastReader(text);
    const value = reader.document();
    return { value, locator: new FastLocator(value, reader.offsets, reader.lineStarts, file) };
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}
