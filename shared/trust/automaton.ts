import { AuditError } from '../errors.js';
/**
 * Finite automata over UTF-16 code units, the alphabet IAM string comparison works on here: the
 * evaluator compares JavaScript strings and `?` matches one code unit. Character sets are sorted,
 * disjoint, inclusive ranges, so `*` and `?` need no enumeration of an alphabet.
 *
 * Automata are non-deterministic and built without empty moves; questions about a boolean
 * combination of them (is it empty? which is its shortest word?) are answered by a breadth-first
 * search of the product of their subset constructions, built lazily, so complement and
 * intersection cost only the states the search visits.
 */

/** The largest UTF-16 code unit. */
export const MAX_CODE_UNIT = 0xffff;

/** A set of code units: `[lo0, hi0, lo1, hi1, ...]`, sorted, disjoint, inclusive. */
export type CharSet = readonly number[];

export const ANY_CHAR: CharSet = [0, MAX_CODE_UNIT];
const NO_CHAR: CharSet = [];

/** The set of the characters (code units) of a text. */
export function charSetOf(text: string): CharSet {
  if (text.length === 1) return [text.charCodeAt(0), text.charCodeAt(0)];
  const codes = [...new Set(Array.from({ length: text.length }, (_, i) => text.charCodeAt(i)))].sort(
    (a, b) => a - b,
  );
  const ranges: number[] = [];
  for (const code of codes) {
    if (ranges.length > 0 && ranges[ranges.length - 1] === code - 1) ranges[ranges.length - 1] = code;
    else ranges.push(code, code);
  }
  return ranges;
}

/** The set of code units in the inclusive ranges given as pairs of characters, e.g. `['a', 'z']`. */
export function charRanges(...ranges: Array<[string, string]>): CharSet {
  let result: CharSet = NO_CHAR;
  for (const [from, to] of ranges) result = unionCharSets(result, [from.charCodeAt(0), to.charCodeAt(0)]);
  return result;
}

export function unionCharSets(a: CharSet, b: CharSet): CharSet {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < a.length; i += 2) pairs.push([a[i], a[i + 1]]);
  for (let i = 0; i < b.length; i += 2) pairs.push([b[i], b[i + 1]]);
  pairs.sort((x, y) => x[0] - y[0]);
  const merged: number[] = [];
  for (const [lo, hi] of pairs) {
    if (merged.length > 0 && lo <= merged[merged.length - 1] + 1)
      merged[merged.length - 1] = Math.max(merged[merged.length - 1], hi);
    else merged.push(lo, hi);
  }
  return merged;
}

export function complementCharSet(set: CharSet): CharSet {
  const result: number[] = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i] > next) result.push(next, set[i] - 1);
    next = set[i + 1] + 1;
  }
  if (next <= MAX_CODE_UNIT) result.push(next, MAX_CODE_UNIT);
  return result;
}

function hasChar(set: CharSet, code: number): boolean {
  for (let i = 0; i < set.length; i += 2) {
    if (code < set[i]) return false;
    if (code <= set[i + 1]) return true;
  }
  return false;
}

/**
 * A non-deterministic automaton without empty moves: every target list is already closed, so a
 * subset of states steps by the union of its members' moves.
 */
export interface Nfa {
  start: readonly number[];
  accept: readonly boolean[];
  moves: ReadonlyArray<ReadonlyArray<{ on: CharSet; to: readonly number[] }>>;
  /**
   * States that accept everything a lower-numbered state accepts (a glob position at a `*` over
   * every character): a subset holding one needs none below it, which keeps the subsets of long
   * globs as small as one star-free segment.
   */
  dominant?: readonly boolean[];
}

/** One position of a glob: one character of a set, or a run (`*`) of characters of a set. */
export type GlobItem = { one: CharSet } | { run: CharSet };

/** The automaton of a sequence of glob items (state i: the first i items are matched). */
export function globNfa(items: readonly GlobItem[]): Nfa {
  const n = items.length;
  const closures: number[][] = new Array(n + 1);
  closures[n] = [n];
  for (let i = n - 1; i >= 0; i--) closures[i] = 'run' in items[i] ? [i, ...closures[i + 1]] : [i];
  const moves = items.map((item, i) =>
    'run' in item ? [{ on: item.run, to: closures[i] }] : [{ on: item.one, to: closures[i + 1] }],
  );
  moves.push([]);
  const accept = Array.from({ length: n + 1 }, (_, i) => i === n);
  // From a `*` over every character, the rest of the pattern accepts any suffix an earlier position does.
  const dominant = items.map(
    (item) => 'run' in item && item.run.length === 2 && item.run[0] === 0 && item.run[1] === MAX_CODE_UNIT,
  );
  dominant.push(false);
  return { start: closures[0], accept, moves, dominant };
}

/** A regular expression over character sets, compiled to an {@link Nfa} by {@link rxNfa}. */
export type Rx =
  | { lit: string }
  | { set: CharSet }
  | { seq: Rx[] }
  | { alt: Rx[] }
  | { star: Rx }
  | { opt: Rx }
  | { times: Rx; count: number };

/** Compiles a regular expression (Thompson construction, then the empty moves removed). */
export function rxNfa(rx: Rx): Nfa {
  const empty: number[][] = [];
  const charMoves: Array<Array<{ on: CharSet; to: number }>> = [];
  const state = () => {
    empty.push([]);
    charMoves.push([]);
    return empty.length - 1;
  };
  const build = (node: Rx, from: number): number => {
    if ('lit' in node) {
      let at = from;
      for (let i = 0; i < node.lit.length; i++) {
        const next = state();
        charMoves[at].push({ on: [node.lit.charCodeAt(i), node.lit.charCodeAt(i)], to: next });
        at = next;
      }
      return at;
    }
    if ('set' in node) {
      const next = state();
      charMoves[from].push({ on: node.set, to: next });
      return next;
    }
    if ('seq' in node) return node.seq.reduce((at, part) => build(part, at), from);
    if ('alt' in node) {
      const end = state();
      for (const part of node.alt) {
        const start = state();
        empty[from].push(start);
        empty[build(part, start)].push(end);
      }
      return end;
    }
    if ('star' in node) {
      const loop = state();
      empty[from].push(loop);
      empty[build(node.star, loop)].push(loop);
      return loop;
    }
    if ('opt' in node) {
      const end = build(node.opt, from);
      empty[from].push(end);
      return end;
    }
    let at = from;
    for (let i = 0; i < node.count; i++) at = build(node.times, at);
    return at;
  };
  const start = state();
  const end = build(rx, start);
  const closure = (s: number): number[] => {
    const seen = new Set([s]);
    const stack = [s];
    while (stack.length > 0) {
      for (const next of empty[stack.pop() as number]) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  };
  const closures = empty.map((_, s) => closure(s));
  return {
    start: closures[start],
    accept: closures.map((states) => states.includes(end)),
    moves: charMoves.map((list) => list.map(({ on, to }) => ({ on, to: closures[to] }))),
  };
}

/** Runs an automaton on a text. */
export function nfaAccepts(nfa: Nfa, text: string): boolean {
  let current = new Set(nfa.start);
  for (let i = 0; i < text.length && current.size > 0; i++) {
    const code = text.charCodeAt(i);
    const next = new Set<number>();
    for (const s of current)
      for (const move of nfa.moves[s]) if (hasChar(move.on, code)) for (const t of move.to) next.add(t);
    current = next;
  }
  for (const s of current) if (nfa.accept[s]) return true;
  return false;
}

/** Thrown when a question would visit more automaton states than the budget allows. */
export class TooComplexError extends AuditError {
  override name = 'TooComplexError';
  constructor() {
    super('the patterns are too complex to decide within the analysis budget');
  }
}

/** How many product states one question may visit. */
const STATE_BUDGET = 50_000;

/**
 * Ranges tried in order for the character a witness uses, so witnesses read like names: lower-case
 * letters, digits, `-`, `.`, upper-case letters, `_`, `:`, `/`, other printable ASCII, anything.
 */
const PREFERRED_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x61, 0x7a],
  [0x30, 0x39],
  [0x2d, 0x2d],
  [0x2e, 0x2e],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x3a, 0x3a],
  [0x2f, 0x2f],
  [0x21, 0x7e],
];

/** The most readable code unit of a range, and its rank (lower reads better). */
function representative(lo: number, hi: number): { code: number; rank: number } {
  for (let rank = 0; rank < PREFERRED_RANGES.length; rank++) {
    const [from, to] = PREFERRED_RANGES[rank];
    if (hi >= from && lo <= to) return { code: Math.max(lo, from), rank };
  }
  return { code: lo, rank: PREFERRED_RANGES.length };
}

/** The determinized view of one automaton: subsets interned as ids, their steps cached. */
class LazyDfa {
  private readonly ids = new Map<string, number>();
  readonly subsets: number[][] = [];
  readonly accepting: boolean[] = [];
  /** Per subset: the alphabet cut into ranges, each with its target subset. */
  private readonly steps: Array<Array<{ lo: number; hi: number; to: number }> | undefined> = [];
  readonly start: number;

  constructor(private readonly nfa: Nfa) {
    this.start = this.intern([...nfa.start]);
  }

  private intern(sorted: number[]): number {
    let states = sorted;
    const dominant = this.nfa.dominant;
    if (dominant) {
      let last = -1;
      for (let i = states.length - 1; i >= 0; i--)
        if (dominant[states[i]]) {
          last = i;
          break;
        }
      if (last > 0) states = states.slice(last);
    }
    const key = states.join(',');
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.subsets.length;
      this.ids.set(key, id);
      this.subsets.push(states);
      this.accepting.push(states.some((s) => this.nfa.accept[s]));
    }
    return id;
  }

  step(id: number): Array<{ lo: number; hi: number; to: number }> {
    const cached = this.steps[id];
    if (cached) return cached;
    const moves = this.subsets[id].flatMap((s) => this.nfa.moves[s]);
    const cuts = new Set<number>([0, MAX_CODE_UNIT + 1]);
    for (const { on } of moves)
      for (let i = 0; i < on.length; i += 2) {
        cuts.add(on[i]);
        cuts.add(on[i + 1] + 1);
      }
    const points = [...cuts].sort((a, b) => a - b);
    const ranges: Array<{ lo: number; hi: number; to: number }> = [];
    for (let k = 0; k + 1 < points.length; k++) {
      const lo = points[k];
      const hi = points[k + 1] - 1;
      const targets = new Set<number>();
      for (const { on, to } of moves) if (hasChar(on, lo)) for (const t of to) targets.add(t);
      const to = this.intern([...targets].sort((a, b) => a - b));
      const last = ranges[ranges.length - 1];
      if (last && last.to === to && last.hi + 1 === lo) last.hi = hi;
      else ranges.push({ lo, hi, to });
    }
    this.steps[id] = ranges;
    return ranges;
  }
}

/**
 * The shortest word (preferring readable characters) on which the boolean combination `accepts`
 * of the automata's acceptance holds, or undefined when there is none.
 *
 * @throws TooComplexError when the search would exceed its budget.
 */
export function shortestWord(
  automata: readonly Nfa[],
  accepts: (accepting: readonly boolean[]) => boolean,
  possible: (dead: readonly boolean[]) => boolean = () => true,
): string | undefined {
  const dfas = automata.map(dfaOf);
  const startIds = dfas.map((dfa) => dfa.start);
  const parent = new Map<string, { from: string; code: number } | null>();
  const startKey = startIds.join(',');
  parent.set(startKey, null);
  const queue: number[][] = [startIds];
  const keys: string[] = [startKey];
  for (let head = 0; head < queue.length; head++) {
    const ids = queue[head];
    const key = keys[head];
    if (accepts(ids.map((id, i) => dfas[i].accepting[id]))) {
      const codes: number[] = [];
      for (let at = parent.get(key); at; at = parent.get(at.from)) codes.push(at.code);
      return String.fromCharCode(...codes.reverse());
    }
    for (const { code, next } of productSteps(dfas, ids)) {
      const nextKey = next.join(',');
      if (parent.has(nextKey)) continue;
      // Automata in their empty subset reject every longer word: skip states that can no longer accept.
      if (!possible(next.map((id, i) => dfas[i].subsets[id].length === 0))) {
        parent.set(nextKey, { from: key, code });
        continue;
      }
      if (parent.size >= STATE_BUDGET) throw new TooComplexError();
      parent.set(nextKey, { from: key, code });
      queue.push(next);
      keys.push(nextKey);
    }
  }
  return undefined;
}

/** The determinized view of each automaton, kept with it: questions on the same patterns share their steps. */
const dfas = new WeakMap<Nfa, LazyDfa>();

function dfaOf(nfa: Nfa): LazyDfa {
  let dfa = dfas.get(nfa);
  if (!dfa) {
    dfa = new LazyDfa(nfa);
    dfas.set(nfa, dfa);
  }
  return dfa;
}

/** The product's moves from one state, most readable character first. */
function productSteps(dfas: LazyDfa[], ids: number[]): Array<{ code: number; next: number[]; rank: number }> {
  const tables = dfas.map((dfa, i) => dfa.step(ids[i]));
  const positions = tables.map(() => 0);
  const steps: Array<{ code: number; next: number[]; rank: number }> = [];
  let lo = 0;
  while (lo <= MAX_CODE_UNIT) {
    let hi = MAX_CODE_UNIT;
    const next: number[] = new Array(tables.length);
    for (let i = 0; i < tables.length; i++) {
      const table = tables[i];
      while (table[positions[i]].hi < lo) positions[i]++;
      const range = table[positions[i]];
      next[i] = range.to;
      if (range.hi < hi) hi = range.hi;
    }
    const { code, rank } = representative(lo, hi);
    steps.push({ code, next, rank });
    lo = hi + 1;
  }
  return steps.sort((a, b) => a.rank - b.rank);
}
