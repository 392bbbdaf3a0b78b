import type { Document, Node } from 'yaml';
import type { SourceLocation } from './types.js';
import { yamlLibrary } from './yaml-library.js';

/** A path into the baseline document: map keys and list indexes, as zod reports them. */
export type FieldPath = ReadonlyArray<string | number>;

/** A validation problem anchored at a character offset of the source text. */
export interface LocatedProblem {
  offset: number;
  field: string;
  message: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Renders a path the way users read it: `podIdentity[2].roleArn`, `clusters.prod.members[0]`,
 * `(document)` for the root.
 */
export function formatFieldPath(path: FieldPath): string {
  let rendered = '';
  for (const segment of path) {
    if (typeof segment === 'number') rendered += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) rendered += rendered ? `.${segment}` : segment;
    else rendered += `[${JSON.stringify(segment)}]`;
  }
  return rendered || '(document)';
}

/** Maps paths of a baseline document to offsets, and offsets to `file:line:column` locations. */
export interface BaselineLocator {
  /** Offset of the value at `path`, or of its nearest located ancestor. */
  valueOffset(path: FieldPath): number;
  /** Offset of the map key that ends `path`. */
  keyOffset(path: FieldPath): number;
  /** The source text of the scalar at `path`, when known. */
  sourceText(path: FieldPath): string | undefined;
  location(offset: number): SourceLocation;
  render(problem: LocatedProblem): string;
}

/** 1-based line and column of an offset, as the position-aware parser's line counter gives them. */
export interface LinePositions {
  linePos(offset: number): { line: number; col: number };
}

/**
 * The lines of `text` as the YAML parser counts them: a line starts at 0 and after every `\n` (a
 * lone `\r` does not end a line for it).
 */
export function lineCounterOf(text: string): LinePositions {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return {
    linePos(offset) {
      // The last line starting at or before the offset.
      let low = 0;
      let high = starts.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (starts[middle] <= offset) low = middle + 1;
        else high = middle;
      }
      return { line: low, col: offset - starts[low - 1] + 1 };
    },
  };
}

/** Turns offsets into `file:line:column`, the same way for every locator. */
abstract class LineLocator {
  constructor(
    private readonly lineCounter: LinePositions,
    protected readonly file: string,
  ) {}

  /** 1-based line and column of an offset. */
  location(offset: number): SourceLocation {
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** `file:line:col field: message`, the form every baseline error takes. */
  render(problem: LocatedProblem): string {
    const { line, column } = this.location(problem.offset);
    return `${this.file}:${line}:${column} ${problem.field}: ${problem.message}`;
  }
}

/**
 * Where a node of a document starts and, for the first two levels (the root map and its sections),
 * where its entries start: all a valid baseline needs to place its declarations.
 */
export interface NodeOffsets {
  offset: number;
  /** A map's entries by key (the first of duplicates): where the key and its value start. */
  entries?: Map<string, { key: number; value: NodeOffsets }>;
  /** A list's items, in order. */
  items?: NodeOffsets[];
}

/**
 * A locator over {@link NodeOffsets}, for documents read without the position-aware parser. Paths
 * deeper than the recorded levels resolve to their nearest recorded ancestor, as a missing value does
 * for {@link DocumentLocator}; only a valid document is placed with it.
 */
export class OffsetLocator extends LineLocator implements BaselineLocator {
  constructor(
    private readonly root: NodeOffsets | undefined,
    lineCounter: LinePositions,
    file: string,
  ) {
    super(lineCounter, file);
  }

  valueOffset(path: FieldPath): number {
    let node = this.root;
    let offset = node?.offset ?? 0;
    for (const segment of path) {
      node = this.child(node, segment);
      if (!node) break;
      offset = node.offset;
    }
    return offset;
  }

  keyOffset(path: FieldPath): number {
    let parent = this.root;
    for (const segment of path.slice(0, -1)) parent = this.child(parent, segment);
    const entry = parent?.entries?.get(String(path[path.length - 1]));
    return entry ? entry.key : this.valueOffset(path);
  }

  sourceText(): string | undefined {
    return undefined;
  }

  private child(node: NodeOffsets | undefined, segment: string | number): NodeOffsets | undefined {
    if (!node) return undefined;
    return typeof segment === 'number' ? node.items?.[segment] : node.entries?.get(segment)?.value;
  }
}

/** Maps paths of a parsed YAML document to offsets and `file:line:column` locations. */
export class DocumentLocator extends LineLocator implements BaselineLocator {
  constructor(
    private readonly document: Document,
    lineCounter: LinePositions,
    file: string,
  ) {
    super(lineCounter, file);
  }

  /** Offset of the value at `path`, or of its nearest written ancestor when the value is missing. */
  valueOffset(path: FieldPath): number {
    for (let length = path.length; length >= 0; length--) {
      const node = this.nodeAt(path.slice(0, length));
      if (node?.range) return node.range[0];
    }
    return 0;
  }

  /** Offset of the map key that ends `path` (for unknown fields and map-entry names). */
  keyOffset(path: FieldPath): number {
    const parent = this.nodeAt(path.slice(0, -1));
    const key = path[path.length - 1];
    const { isMap, isScalar } = yamlLibrary();
    if (isMap(parent)) {
      for (const pair of parent.items) {
        if (isScalar(pair.key) && String(pair.key.value) === String(key) && pair.key.range) {
          return pair.key.range[0];
        }
      }
    }
    return this.valueOffset(path);
  }

  /** The source text of the scalar at `path`, as written (before YAML typed it). */
  sourceText(path: FieldPath): string | undefined {
    const node = this.nodeAt(path);
    if (yamlLibrary().isScalar(node) && typeof node.source === 'string') return node.source;
    return undefined;
  }

  private nodeAt(path: FieldPath): Node | undefined {
    const { isNode } = yamlLibrary();
    if (path.length === 0) return isNode(this.document.contents) ? this.document.contents : undefined;
    const node = this.document.getIn(path, true);
    return isNode(node) ? node : undefined;
  }
}
