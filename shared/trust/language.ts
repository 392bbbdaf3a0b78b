import { type Nfa, nfaAccepts, shortestWord } from './automaton.js';

/** An automaton with a fast membership test of its own (a glob matcher, a regular expression). */
export interface LanguageLeaf {
  nfa(): Nfa;
  has(text: string): boolean;
}

type Node =
  | { kind: 'leaf'; leaf: LanguageLeaf }
  | { kind: 'and'; parts: Node[] }
  | { kind: 'or'; parts: Node[] }
  | { kind: 'not'; part: Node };

/**
 * A set of strings, closed under intersection, union and complement, with exact emptiness and a
 * shortest member. Finite sets (what `StringEquals` admits) and their complements stay plain sets,
 * so the usual policies never build an automaton; the rest are boolean combinations of automata,
 * decided by {@link shortestWord}.
 */
export class Language {
  /** Every string. */
  static readonly ALL = new Language('coset', new Set());
  /** No string. */
  static readonly NONE = new Language('set', new Set());

  private emptiness?: boolean;
  private member?: string | null;

  private constructor(
    /** `set`: exactly `values`; `coset`: every string but `values`; `node`: the automaton combination. */
    readonly kind: 'set' | 'coset' | 'node',
    readonly values: ReadonlySet<string>,
    private readonly node?: Node,
  ) {}

  /** Exactly these strings. */
  static of(values: Iterable<string>): Language {
    return new Language('set', new Set(values));
  }

  /** The strings an automaton leaf accepts. */
  static leaf(leaf: LanguageLeaf): Language {
    return new Language('node', new Set(), { kind: 'leaf', leaf });
  }

  /** True when this is a finite set (and so smaller than any domain of names). */
  get isFiniteSet(): boolean {
    return this.kind === 'set';
  }

  has(text: string): boolean {
    if (this.kind === 'set') return this.values.has(text);
    if (this.kind === 'coset') return !this.values.has(text);
    return evaluate(this.node as Node, text);
  }

  and(other: Language): Language {
    if (this === other) return this;
    if (this.kind === 'set') return this.filtered(other);
    if (other.kind === 'set') return other.filtered(this);
    if (this.kind === 'coset' && this.values.size === 0) return other;
    if (other.kind === 'coset' && other.values.size === 0) return this;
    if (this.kind === 'coset' && other.kind === 'coset')
      return new Language('coset', new Set([...this.values, ...other.values]));
    return new Language('node', new Set(), {
      kind: 'and',
      parts: flatten('and', this.toNode(), other.toNode()),
    });
  }

  /** This finite set's members that `other` has: the same object when all are kept. */
  private filtered(other: Language): Language {
    let kept: string[] | undefined;
    let index = 0;
    for (const value of this.values) {
      if (other.has(value)) {
        kept?.push(value);
      } else if (!kept) {
        kept = [...this.values].slice(0, index);
      }
      index++;
    }
    return kept ? Language.of(kept) : this;
  }

  or(other: Language): Language {
    if (this === other) return this;
    if (this.kind === 'set' && this.values.size === 0) return other;
    if (other.kind === 'set' && other.values.size === 0) return this;
    if (this.kind === 'set' && other.kind === 'set') return Language.of([...this.values, ...other.values]);
    if (this.kind === 'coset' && other.kind === 'coset')
      return new Language('coset', new Set([...this.values].filter((v) => other.values.has(v))));
    if (this.kind === 'coset' && other.kind === 'set')
      return new Language('coset', new Set([...this.values].filter((v) => !other.values.has(v))));
    if (this.kind === 'set' && other.kind === 'coset') return other.or(this);
    return new Language('node', new Set(), {
      kind: 'or',
      parts: flatten('or', this.toNode(), other.toNode()),
    });
  }

  not(): Language {
    if (this.kind === 'set') return new Language('coset', this.values);
    if (this.kind === 'coset') return new Language('set', this.values);
    const node = this.node as Node;
    return node.kind === 'not'
      ? new Language('node', new Set(), node.part)
      : new Language('node', new Set(), { kind: 'not', part: node });
  }

  minus(other: Language): Language {
    return this.and(other.not());
  }

  /**
   * True when no string belongs. A complement of a finite set is never empty.
   *
   * @throws TooComplexError when the automata are too large to decide within the budget.
   */
  isEmpty(): boolean {
    if (this.kind === 'set') return this.values.size === 0;
    if (this.kind === 'coset') return false;
    if (this.emptiness === undefined) this.emptiness = this.shortest() === undefined;
    return this.emptiness;
  }

  /**
   * A member: the first of `examples` that belongs, else the shortest (most readable) one; undefined
   * when the language is empty.
   */
  sample(examples: readonly string[] = []): string | undefined {
    for (const example of examples) if (this.has(example)) return example;
    if (this.kind === 'set') return [...this.values].sort()[0];
    if (this.kind === 'coset') {
      for (let n = 0; ; n++) {
        const candidate = n === 0 ? 'a' : `a${n}`;
        if (!this.values.has(candidate)) return candidate;
      }
    }
    return this.shortest();
  }

  private shortest(): string | undefined {
    if (this.member !== undefined) return this.member ?? undefined;
    const key = nodeKey(this.node as Node);
    if (key !== undefined && memo.has(key)) {
      this.member = memo.get(key) as string | null;
      return this.member ?? undefined;
    }
    const word = this.search();
    if (key !== undefined) {
      if (memo.size >= 20_000) memo.clear();
      memo.set(key, word ?? null);
    }
    return word;
  }

  private search(): string | undefined {
    const leaves: LanguageLeaf[] = [];
    const indexOf = new Map<LanguageLeaf, number>();
    const collect = (node: Node): void => {
      if (node.kind === 'leaf') {
        if (!indexOf.has(node.leaf)) {
          indexOf.set(node.leaf, leaves.length);
          leaves.push(node.leaf);
        }
      } else if (node.kind === 'not') collect(node.part);
      else for (const part of node.parts) collect(part);
    };
    const root = this.node as Node;
    collect(root);
    const holds = (node: Node, accepting: readonly boolean[]): boolean => {
      if (node.kind === 'leaf') return accepting[indexOf.get(node.leaf) as number];
      if (node.kind === 'not') return !holds(node.part, accepting);
      if (node.kind === 'and') return node.parts.every((part) => holds(part, accepting));
      return node.parts.some((part) => holds(part, accepting));
    };
    // Kleene logic: a dead leaf rejects every longer word, a live one may go either way.
    const may = (node: Node, dead: readonly boolean[]): boolean | undefined => {
      if (node.kind === 'leaf') return dead[indexOf.get(node.leaf) as number] ? false : undefined;
      if (node.kind === 'not') {
        const inner = may(node.part, dead);
        return inner === undefined ? undefined : !inner;
      }
      let unknown = false;
      for (const part of node.parts) {
        const value = may(part, dead);
        if (value === undefined) unknown = true;
        else if (value === (node.kind === 'or')) return value;
      }
      return unknown ? undefined : node.kind === 'and';
    };
    const word = shortestWord(
      leaves.map((leaf) => leaf.nfa()),
      (accepting) => holds(root, accepting),
      (dead) => may(root, dead) !== false,
    );
    this.member = word ?? null;
    this.emptiness = word === undefined;
    return word;
  }

  private toNode(): Node {
    if (this.kind === 'node') return this.node as Node;
    const leaf = finiteSetLeaf(this.values);
    return this.kind === 'set' ? { kind: 'leaf', leaf } : { kind: 'not', part: { kind: 'leaf', leaf } };
  }
}

/** Shortest members by the structure of the combination (`null`: empty), shared by equal combinations. */
const memo = new Map<string, string | null>();
const leafIds = new WeakMap<LanguageLeaf, number>();
let nextLeafId = 0;

/** A key naming a combination by its leaves' identities, or undefined when a leaf is a large set. */
function nodeKey(node: Node): string | undefined {
  if (node.kind === 'leaf') {
    const set = finiteSetValues.get(node.leaf);
    if (set) return set.size <= 16 ? `{${JSON.stringify([...set].sort())}}` : undefined;
    let id = leafIds.get(node.leaf);
    if (id === undefined) {
      id = nextLeafId++;
      leafIds.set(node.leaf, id);
    }
    return `#${id}`;
  }
  if (node.kind === 'not') {
    const inner = nodeKey(node.part);
    return inner === undefined ? undefined : `!${inner}`;
  }
  const parts: string[] = [];
  for (const part of node.parts) {
    const key = nodeKey(part);
    if (key === undefined) return undefined;
    parts.push(key);
  }
  return `${node.kind}(${parts.join(',')})`;
}

/** The values of the finite-set leaves, for their keys. */
const finiteSetValues = new WeakMap<LanguageLeaf, ReadonlySet<string>>();

/** The parts of `a op b`, nested combinations of the same operator spliced in (long unions stay shallow). */
function flatten(kind: 'and' | 'or', a: Node, b: Node): Node[] {
  const parts: Node[] = [];
  for (const node of [a, b]) {
    if (node.kind === kind) parts.push(...node.parts);
    else parts.push(node);
  }
  return parts;
}

function evaluate(node: Node, text: string): boolean {
  if (node.kind === 'leaf') return node.leaf.has(text);
  if (node.kind === 'not') return !evaluate(node.part, text);
  if (node.kind === 'and') return node.parts.every((part) => evaluate(part, text));
  return node.parts.some((part) => evaluate(part, text));
}

/** A finite set as an automaton: a trie. */
function finiteSetLeaf(values: ReadonlySet<string>): LanguageLeaf {
  let built: Nfa | undefined;
  const leaf: LanguageLeaf = {
    has: (text) => values.has(text),
    nfa() {
      if (built) return built;
      const moves: Array<Array<{ on: number[]; to: number[] }>> = [[]];
      const accept: boolean[] = [false];
      for (const value of values) {
        let at = 0;
        for (let i = 0; i < value.length; i++) {
          const code = value.charCodeAt(i);
          const existing = moves[at].find((move) => move.on[0] === code);
          if (existing) at = existing.to[0];
          else {
            moves.push([]);
            accept.push(false);
            moves[at].push({ on: [code, code], to: [moves.length - 1] });
            at = moves.length - 1;
          }
        }
        accept[at] = true;
      }
      built = { start: [0], accept, moves };
      return built;
    },
  };
  finiteSetValues.set(leaf, values);
  return leaf;
}

/** A leaf for an automaton whose membership test simulates it. */
export function nfaLeaf(build: () => Nfa, has?: (text: string) => boolean): LanguageLeaf {
  let built: Nfa | undefined;
  const nfa = () => {
    built ??= build();
    return built;
  };
  return { nfa, has: has ?? ((text) => nfaAccepts(nfa(), text)) };
}
