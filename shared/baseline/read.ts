import {
  COLLECTION_STYLE,
  CORE_SCHEMA,
  constructFromEvents,
  EVENT_ID,
  type Event,
  getScalarValue,
  mergeTag,
  parseEvents,
  SCALAR_STYLE,
} from 'js-yaml';
import { type BaselineLocator, lineCounterOf, type NodeOffsets, OffsetLocator } from './locate.js';

/**
 * Reads a baseline quickly, without positions for every node: JSON through `JSON.parse`, YAML through
 * js-yaml's event parser. Both record where the declarations a valid baseline is normalized from
 * start (the sections, their items, the logical cluster names), which is all a valid baseline needs.
 *
 * The value must be the one the position-aware parser (`yaml`, YAML 1.2 core schema, merge keys on)
 * builds, because a baseline with a problem is read again by that parser to locate it. Where the two
 * differ, the text is left to that parser (a differential test holds them together):
 * - `%YAML 1.1` (dates, yes/no, octal) and `%TAG` directives, several documents, a document end
 *   marker before any content, an indented `---`;
 * - tags other than `!!str`, `!!map` and `!!seq`; keys that are not scalars, or that YAML reads as
 *   null (js-yaml names them `null`, yaml `""`); a tagged merge key (`!!str <<`);
 * - a lone `\r` (a line break for js-yaml only), a byte-order mark past the start, an escaped line
 *   break before an empty line in a double-quoted scalar (folded differently), a block collection
 *   on its key's line after an anchor (js-yaml accepts it);
 * - a blank line with a tab in it: inside a multi-line scalar, YAML 1.2 takes a line for an empty
 *   one only when it is indented as far as the scalar with spaces or ends right after fewer spaces
 *   (`l-empty`); js-yaml takes any line of blanks for one, and so reads `a:\n b\n\t\n c` as `b\nc`
 *   where yaml, as the spec does, reports the tab;
 * - `---` or `...` after a tab at a line's start (`[a,\n\t...]`): text for js-yaml, as the spec
 *   has it (a marker stands at the line's first column), a document marker for yaml, which then
 *   reports the unfinished collection;
 * - text after an item of an indentless list on the item's line (`- {a: b}x: y`): a key of the
 *   enclosing map for js-yaml, an error for yaml and the spec;
 * - an anchor or a tag on a block map's first key (the two place the map differently);
 * - duplicate JSON keys (`JSON.parse` keeps the last one), and anything js-yaml rejects.
 */

/** A document read on the fast path: its value and where its declarations start. */
export interface ReadDocument {
  value: unknown;
  locator: BaselineLocator;
  /** Whether the text has aliases, so that its value may share nodes (JSON never does). */
  aliased: boolean;
}

/** js-yaml's YAML 1.2 core schema with `<<` merge keys, as `yaml` reads them with `merge: true`. */
const SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/** Explicit tags both parsers read the same way, by the kind of node they may stand on. */
const SAME_TAGS: Readonly<Record<number, string>> = {
  [EVENT_ID.SCALAR]: '!!str',
  [EVENT_ID.MAPPING]: '!!map',
  [EVENT_ID.SEQUENCE]: '!!seq',
};

/** Plain scalars the YAML 1.2 core schema reads as null. */
const NULL_PLAIN = /^(?:~|null|Null|NULL)?$/;

/** Plain scalars the core schema reads as something other than text (bool, int, float, inf, nan). */
const NOT_TEXT_PLAIN =
  /^(?:true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** `\` at a line's end, then a line of blanks (only a double-quoted scalar gives it a meaning). */
const ESCAPED_BREAK_BEFORE_EMPTY_LINE = /\\\r?\n[ \t]*\r?\n/;

/** A line of blanks with a tab in it (not a line break: a lone `\r` is left to yaml before this). */
const BLANK_LINE_WITH_TAB = /^ *\t[ \t]*\r?$/m;

/** `---` or `...` after a tab at a line's start: a document marker for yaml, text for js-yaml. */
const MARKER_AFTER_TAB = /^\uFEFF?\t[ \t]*(?:---|\.\.\.)(?:[ \t\r]|$)/m;

/** A document start marker at a line's start, `---`. */
const DOCUMENT_START = /^(?:\uFEFF)?---(?:[ \t\r\n]|$)/m;

/** A document end marker line, `...` (after the byte-order mark on the first line, before a CRLF). */
const DOCUMENT_END = /^\uFEFF?\.\.\.(?:[ \t\r]|$)/m;

/** Nodes at this depth or shallower record where their entries start (root 0, sections 1). */
const RECORDED_DEPTH = 1;

/**
 * The most keys `<<` merges may copy: in proportion to the text, so merging stays linear in it.
 * Beyond it the text goes to the position-aware parser, which does the same merges.
 */
function mergeLimit(text: string): number {
  return 10_000 + text.length;
}

/**
 * Reads `text` on the fast path, or returns `undefined` when it is not plain JSON or YAML the fast
 * parsers read exactly as the position-aware parser does (see the module comment).
 *
 * @example readDocument('{"version": 1}', 'b.json')?.value // { version: 1 }
 */
export function readDocument(text: string, file: string): ReadDocument | undefined {
  // A lone \r ends a line for js-yaml (and is JSON whitespace) but not for yaml.
  if (text.includes('\r') && /\r(?!\n)/.test(text)) return undefined;
  // A byte-order mark past the start: yaml skips it, js-yaml keeps it in the text.
  if (text.indexOf('\uFEFF', 1) !== -1) return undefined;
  // An escaped line break followed by an empty line, in a double-quoted scalar: the two fold it differently.
  if (ESCAPED_BREAK_BEFORE_EMPTY_LINE.test(text)) return undefined;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const first = /\S/.exec(start === 0 ? text : text.slice(start));
  if (first?.[0] === '{') {
    const json = readJson(text, start, file);
    if (json) return json;
  }
  return readYaml(text, file);
}

function readJson(text: string, start: number, file: string): ReadDocument | undefined {
  let value: unknown;
  try {
    value = JSON.parse(start === 0 ? text : text.slice(start));
  } catch {
    return undefined;
  }
  const scan = scanJson(text, start);
  // Every key is followed by one colon outside strings: fewer keys than colons means JSON.parse
  // dropped a duplicate, which the YAML parser reports.
  if (scan.colons !== countKeys(value)) return undefined;
  return { value, locator: new OffsetLocator(scan.root, lineCounterOf(text), file), aliased: false };
}

/** Own keys of every object in a JSON value. */
function countKeys(value: unknown): number {
  let keys = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null) continue;
    if (Array.isArray(next)) {
      for (const item of next) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    for (const key in next) {
      keys += 1;
      const item = (next as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
  return keys;
}

interface JsonFrame {
  isObject: boolean;
  /** Present while the container records where its entries start. */
  offsets?: NodeOffsets;
  expectKey: boolean;
  key?: { name: string; offset: number };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the `"` that closes the string opened at `open`. */
function endOfString(text: string, open: number): number {
  let at = open + 1;
  for (;;) {
    at = text.indexOf('"', at);
    let escapes = 0;
    while (text.charCodeAt(at - 1 - escapes) === BACKSLASH) escapes += 1;
    if (escapes % 2 === 0) return at;
    at += 1;
  }
}

/**
 * Where the first levels of a JSON text (already known to be valid) start, and how many key
 * separators it has. Offsets are those of the original text, byte-order mark included.
 */
function scanJson(text: string, start: number): { root: NodeOffsets | undefined; colons: number } {
  let root: NodeOffsets | undefined;
  let colons = 0;
  const stack: JsonFrame[] = [];
  const begin = (offset: number): NodeOffsets | undefined => {
    const parent = stack[stack.length - 1];
    if (!parent) {
      root = { offset };
      return root;
    }
    if (!parent.offsets) return undefined;
    const node: NodeOffsets = { offset };
    if (parent.isObject) {
      const { key } = parent;
      if (key && !parent.offsets.entries?.has(key.name)) {
        parent.offsets.entries ??= new Map();
        parent.offsets.entries.set(key.name, { key: key.offset, value: node });
      }
    } else {
      parent.offsets.items ??= [];
      parent.offsets.items.push(node);
    }
    return node;
  };
  let at = start;
  const end = text.length;
  while (at < end) {
    const code = text.charCodeAt(at);
    switch (code) {
      case 0x20:
      case 0x09:
      case 0x0a:
      case 0x0d:
        at += 1;
        break;
      case QUOTE: {
        const close = endOfString(text, at);
        const frame = stack[stack.length - 1];
        if (frame?.isObject && frame.expectKey) {
          frame.expectKey = false;
          if (frame.offsets) frame.key = { name: JSON.parse(text.slice(at, close + 1)), offset: at };
        } else {
          begin(at);
        }
        at = close + 1;
        break;
      }
      case 0x7b: // {
      case 0x5b: {
        // [
        const node = begin(at);
        const recording = node !== undefined && stack.length <= RECORDED_DEPTH;
        stack.push({
          isObject: code === 0x7b,
          expectKey: code === 0x7b,
          offsets: recording ? node : undefined,
        });
        at += 1;
        break;
      }
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        at += 1;
        break;
      case 0x3a: // :
        colons += 1;
        at += 1;
        break;
      case 0x2c: {
        // ,
        const frame = stack[stack.length - 1];
        if (frame?.isObject) frame.expectKey = true;
        at += 1;
        break;
      }
      default: {
        // A number, true, false or null: runs until the next separator.
        begin(at);
        at += 1;
        while (at < end && !/[\s,\]}]/.test(text[at])) at += 1;
      }
    }
  }
  return { root, colons };
}

interface YamlFrame {
  kind: typeof EVENT_ID.MAPPING | typeof EVENT_ID.SEQUENCE | typeof EVENT_ID.DOCUMENT;
  depth: number;
  offsets?: NodeOffsets;
  /** In a map: whether the next node is a key. */
  expectKey: boolean;
  /** In a map: where the last key ends. */
  keyEnd: number;
  key?: { name: string; offset: number };
  block: boolean;
  /** A block map past its first key: each further key must start its line. */
  keysStartLines: boolean;
}

const SPACE = 0x20;
const LINE_FEED = 0x0a;
const QUESTION_MARK = 0x3f;

/**
 * Whether the key whose first character (its properties included) is at `start` stands first on
 * its line: after indentation, and an explicit key's `?`, only.
 */
function startsItsLine(text: string, start: number): boolean {
  let at = start - 1;
  while (at >= 0 && text.charCodeAt(at) === SPACE) at -= 1;
  if (at >= 0 && text.charCodeAt(at) === QUESTION_MARK) {
    at -= 1;
    while (at >= 0 && text.charCodeAt(at) === SPACE) at -= 1;
  }
  return at < 0 || text.charCodeAt(at) === LINE_FEED;
}

/** Where a key starts with its properties (`&anchor`, `!tag`), which come before it. */
function keyStartOf(event: Extract<Event, { type: typeof EVENT_ID.SCALAR }>): number {
  let start = startOf(event);
  if (event.anchorStart !== -1) start = Math.min(start, event.anchorStart - 1);
  if (event.tagStart !== -1) start = Math.min(start, event.tagStart);
  return start;
}

/** Where a node starts, as the position-aware parser places it (a quoted scalar at its quote). */
function startOf(event: Event): number {
  switch (event.type) {
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return event.start;
    case EVENT_ID.SCALAR:
      return event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED
        ? event.valueStart - 1
        : event.valueStart;
    case EVENT_ID.ALIAS:
      return event.anchorStart - 1;
    default:
      return 0;
  }
}

/** Whether a line ends between `from` and `to`. */
function lineBreakBetween(text: string, from: number, to: number): boolean {
  const next = text.indexOf('\n', from);
  return next !== -1 && next < to;
}

function readYaml(text: string, file: string): ReadDocument | undefined {
  // Tabs where the two parsers read lines differently (see the module comment).
  if (text.includes('\t') && (BLANK_LINE_WITH_TAB.test(text) || MARKER_AFTER_TAB.test(text)))
    return undefined;
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return undefined;
  }
  const offsets = offsetsOfEvents(text, events);
  if (!offsets) return undefined;
  // A document end marker before any content ends an empty first document: yaml reads that one and
  // reports the next, js-yaml drops the empty one and reads the next.
  const end = DOCUMENT_END.exec(text);
  if (end && end.index < (offsets.root?.offset ?? text.length)) return undefined;
  let documents: unknown[];
  try {
    documents = constructFromEvents(events, {
      source: text,
      schema: SCHEMA,
      maxTotalMergeKeys: mergeLimit(text),
    });
  } catch {
    return undefined;
  }
  // An empty stream: js-yaml has no document (undefined), yaml an empty one (null).
  if (documents.length !== 1) return undefined;
  return {
    value: documents[0],
    locator: new OffsetLocator(offsets.root, lineCounterOf(text), file),
    aliased: offsets.aliased,
  };
}

/**
 * Where the first levels of a one-document YAML stream start and whether it has aliases, or
 * `undefined` when the stream uses something the two parsers may read differently.
 */
function offsetsOfEvents(
  text: string,
  events: Event[],
): { root: NodeOffsets | undefined; aliased: boolean } | undefined {
  let root: NodeOffsets | undefined;
  let aliased = false;
  let documents = 0;
  const stack: YamlFrame[] = [];
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      documents += 1;
      const directivesDiffer = event.directives.some(
        (directive) => directive.kind !== 'yaml' || directive.version !== '1.2',
      );
      if (documents > 1 || directivesDiffer) return undefined;
      // js-yaml also takes an indented `---` for the marker; for yaml it is text.
      if (event.explicitStart && !DOCUMENT_START.test(text)) return undefined;
      stack.push({
        kind: EVENT_ID.DOCUMENT,
        depth: -1,
        expectKey: false,
        keyEnd: 0,
        block: false,
        keysStartLines: false,
      });
      continue;
    }
    if (event.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    if ('tagStart' in event && event.tagStart !== -1) {
      if (text.slice(event.tagStart, event.tagEnd) !== SAME_TAGS[event.type]) return undefined;
    }
    if (event.type === EVENT_ID.ALIAS) aliased = true;
    const parent = stack[stack.length - 1];
    const isKey = parent.kind === EVENT_ID.MAPPING && parent.expectKey;
    if (parent.kind === EVENT_ID.MAPPING) parent.expectKey = !parent.expectKey;
    if (isKey) {
      if (event.type !== EVENT_ID.SCALAR) return undefined;
      // js-yaml reads text after an indentless list's item (`- {a: b}x: y`) as a key of the
      // enclosing map; a further key of a block map starts its own line, as yaml requires.
      if (parent.keysStartLines && !startsItsLine(text, keyStartOf(event))) return undefined;
      // Properties on a block map's first key (`- !!str cluster: a`): js-yaml starts the map at
      // them, yaml at the key, and the two would place the map's item differently.
      const keyProperties = event.anchorStart !== -1 || event.tagStart !== -1;
      if (parent.block && !parent.keysStartLines && keyProperties) return undefined;
      parent.keysStartLines = parent.block;
      parent.keyEnd = event.valueEnd;
      const plain = event.style === SCALAR_STYLE.PLAIN;
      // Most keys are neither recorded, tagged, nor short enough to read as null: their text is not needed.
      const mayBeNull = plain && (!event.fast || event.valueEnd - event.valueStart <= 4);
      if (!(mayBeNull || parent.offsets || event.tagStart !== -1)) continue;
      const name = getScalarValue(text, event);
      if (plain && NULL_PLAIN.test(name)) return undefined;
      // A tagged `<<` (`!!str <<`) is a plain key for js-yaml; yaml still merges it, or fails.
      if (name === '<<' && event.tagStart !== -1) return undefined;
      if (parent.offsets) {
        // Recorded keys are looked up by the text they are read as.
        if (plain && NOT_TEXT_PLAIN.test(name)) return undefined;
        parent.key = { name, offset: startOf(event) };
      }
      continue;
    }
    const node: NodeOffsets | undefined =
      parent.kind === EVENT_ID.DOCUMENT || parent.offsets ? { offset: startOf(event) } : undefined;
    if (node) {
      if (parent.kind === EVENT_ID.DOCUMENT) root = node;
      else if (parent.kind === EVENT_ID.SEQUENCE) {
        parent.offsets!.items ??= [];
        parent.offsets!.items.push(node);
      } else if (parent.key && !parent.offsets!.entries?.has(parent.key.name)) {
        parent.offsets!.entries ??= new Map();
        parent.offsets!.entries.set(parent.key.name, { key: parent.key.offset, value: node });
      }
    }
    if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      // A block collection as a map's value starts on a line of its own; js-yaml lets one follow
      // an anchor on the key's line (`key: &a inner: value`), yaml does not.
      const blockValue = parent.kind === EVENT_ID.MAPPING && event.style === COLLECTION_STYLE.BLOCK;
      if (blockValue && !lineBreakBetween(text, parent.keyEnd, event.start)) return undefined;
      const depth = parent.depth + 1;
      stack.push({
        kind: event.type,
        depth,
        expectKey: event.type === EVENT_ID.MAPPING,
        keyEnd: 0,
        offsets: depth <= RECORDED_DEPTH ? node : undefined,
        block: event.style === COLLECTION_STYLE.BLOCK,
        keysStartLines: false,
      });
    }
  }
  return { root, aliased };
}
