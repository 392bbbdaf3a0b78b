import { type Document, isMap, isNode, isScalar, type LineCounter, type Node } from 'yaml';
import type { SourceLocation } from './types.js';

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

/** Maps paths of a parsed YAML document to offsets and `file:line:column` locations. */
export class DocumentLocator implements BaselineLocator {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
    private readonly file: string,
  ) {}

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
    if (isScalar(node) && typeof node.source === 'string') return node.source;
    return undefined;
  }

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

  private nodeAt(path: FieldPath): Node | undefined {
    if (path.length === 0) return isNode(this.document.contents) ? this.document.contents : undefined;
    const node = this.document.getIn(path, true);
    return isNode(node) ? node : undefined;
  }
}
