import { Language } from './language.js';

/**
 * Sets of requests as unions and differences of boxes: a request is a tuple of strings, one per
 * variable (the `:sub` claim, a session tag, ...), and a box is the product of one language per
 * variable. A statement's conditions give a box (conditions on one key intersect); a policy's
 * allowed requests are the union of its Allow boxes minus the union of its Deny boxes. Questions
 * are answered exactly by splitting a variable's domain into the atoms its languages induce:
 * within an atom every request behaves the same, so one representative decides for all.
 */

/** One dimension of a request space. */
export interface Variable {
  /** How messages name it, e.g. `the kubernetes-namespace session tag`. */
  label: string;
  /** Every value it can take in a real request (e.g. Kubernetes names are DNS labels). Infinite. */
  domain: Language;
  /** The domain in words, for reasons: `service-account subjects system:serviceaccount:NAMESPACE:NAME`. */
  domainLabel: string;
  /** Readable values tried first when a witness is picked. */
  examples: readonly string[];
}

/** A product of languages, one per variable, each inside its variable's domain; undefined is the whole domain. */
export type Box = ReadonlyArray<Language | undefined>;

/** The requests in some `include` box and in no `exclude` box. */
export interface Region {
  include: readonly Box[];
  exclude: readonly Box[];
}

/** A non-empty product of languages lying inside a region: any choice from each is in it. */
export type Cell = readonly Language[];

/** The intersection of two boxes, or undefined when it is empty. */
export function intersectBoxes(a: Box, b: Box): Box | undefined {
  if (a === b) return a;
  const parts: Array<Language | undefined> = [];
  for (let v = 0; v < a.length; v++) {
    const x = a[v];
    const y = b[v];
    const part = x === undefined ? y : y === undefined ? x : x.and(y);
    if (part?.isEmpty()) return undefined;
    parts.push(part);
  }
  return parts;
}

/** A box with one more constraint on variable `v`, or undefined when that empties it. */
function constrainBox(
  box: Box,
  v: number,
  language: Language,
  variables: readonly Variable[],
): Box | undefined {
  const part = (box[v] ?? variables[v].domain).and(language);
  if (part.isEmpty()) return undefined;
  const parts = [...box];
  parts[v] = part;
  return parts;
}

/** The region with every include box constrained on variable `v`. */
export function constrainRegion(
  region: Region,
  v: number,
  language: Language,
  variables: readonly Variable[],
): Region {
  return {
    include: region.include.flatMap((box) => {
      const constrained = constrainBox(box, v, language, variables);
      return constrained ? [constrained] : [];
    }),
    exclude: region.exclude,
  };
}

interface Atom {
  language: Language;
  /** The distinct languages this atom lies inside (it is disjoint from the others). */
  inside: ReadonlySet<Language>;
}

/** One member of every atom of `base` induced by `languages` (values that no language tells apart are represented once). */
export function atomRepresentatives(
  base: Language,
  languages: readonly Language[],
  examples: readonly string[],
): string[] {
  return atomsOf(base, languages).flatMap((atom) => atom.language.sample(examples) ?? []);
}

/** The atoms of `base` induced by `languages`: non-empty, pairwise disjoint, each inside or outside every language. */
function atomsOf(base: Language, languages: readonly Language[]): Atom[] {
  if (base.isFiniteSet) {
    const groups = new Map<string, { values: string[]; inside: Language[] }>();
    for (const value of base.values) {
      const inside = languages.filter((language) => language.has(value));
      const key = inside.map((language) => languages.indexOf(language)).join(',');
      const group = groups.get(key) ?? { values: [], inside };
      group.values.push(value);
      groups.set(key, group);
    }
    return [...groups.values()].map(({ values, inside }) => ({
      language: Language.of(values),
      inside: new Set(inside),
    }));
  }
  let atoms: Atom[] = [{ language: base, inside: new Set() }];
  for (const language of languages) {
    const next: Atom[] = [];
    for (const atom of atoms) {
      const within = atom.language.and(language);
      const outside = atom.language.minus(language);
      if (!within.isEmpty()) next.push({ language: within, inside: new Set([...atom.inside, language]) });
      if (!outside.isEmpty()) next.push({ language: outside, inside: atom.inside });
    }
    atoms = next;
  }
  return atoms;
}

function distinctParts(boxes: readonly Box[], v: number): Language[] {
  const seen = new Set<Language>();
  for (const box of boxes) {
    const part = box[v];
    if (part) seen.add(part);
  }
  return [...seen];
}

/** The boxes that contain an atom on `v`, with `v` freed (every box left holds the whole atom). */
function within(boxes: readonly Box[], v: number, atom: Atom): Box[] {
  const result: Box[] = [];
  for (const box of boxes) {
    const part = box[v];
    if (part !== undefined && !atom.inside.has(part)) continue;
    if (part === undefined) result.push(box);
    else {
      const freed = [...box];
      freed[v] = undefined;
      result.push(freed);
    }
  }
  return result;
}

/**
 * A cell of the region (a non-empty product inside it), or undefined when the region is empty.
 *
 * @throws TooComplexError when a language is too large to decide.
 */
export function findCell(region: Region, variables: readonly Variable[]): Cell | undefined {
  for (const box of region.include) {
    const full = box.map((part, v) => part ?? variables[v].domain);
    const cell = cellOutside(full, region.exclude);
    if (cell) return cell;
  }
  return undefined;
}

function cellOutside(box: Language[], excludes: readonly Box[]): Cell | undefined {
  if (box.some((part) => part.isEmpty())) return undefined;
  const relevant = excludes.filter((exclude) =>
    exclude.every((part, v) => part === undefined || !box[v].and(part).isEmpty()),
  );
  if (relevant.length === 0) return box;
  if (relevant.some((exclude) => exclude.every((part) => part === undefined))) return undefined;
  const v = box.findIndex((_, index) => relevant.some((exclude) => exclude[index] !== undefined));
  for (const atom of atomsOf(box[v], distinctParts(relevant, v))) {
    const narrowed = [...box];
    narrowed[v] = atom.language;
    const cell = cellOutside(narrowed, within(relevant, v, atom));
    if (cell) return cell;
  }
  return undefined;
}

/** Options of {@link existsForAll}. */
export interface QuantifierOptions {
  /** The domain of a variable once the outer variables are chosen (e.g. a cluster ARN of the chosen account). */
  domainOf?: (v: number, chosen: ReadonlyMap<number, string>) => Language;
}

/**
 * Values of the `outer` variables for which every value of the `universal` variables lies in the
 * region (∃ outer ∀ universal), or undefined when there are none. Variables in neither list must be
 * unconstrained.
 *
 * @throws TooComplexError when a language is too large to decide.
 */
export function existsForAll(
  region: Region,
  variables: readonly Variable[],
  outer: readonly number[],
  universal: readonly number[],
  options: QuantifierOptions = {},
): Map<number, string> | undefined {
  const domainOf = (v: number, chosen: ReadonlyMap<number, string>) =>
    options.domainOf?.(v, chosen) ?? variables[v].domain;
  // Domains are infinite: a union of boxes each finite on some universal variable misses values.
  if (region.include.every((box) => universal.some((v) => box[v]?.isFiniteSet))) return undefined;
  const search = (
    include: readonly Box[],
    exclude: readonly Box[],
    rest: readonly number[],
    chosen: Map<number, string>,
  ): Map<number, string> | undefined => {
    if (include.length === 0) return undefined;
    if (rest.length === 0)
      return covers(include, exclude, universal, (v) => domainOf(v, chosen)) ? chosen : undefined;
    const [v, ...others] = rest;
    const base = domainOf(v, chosen);
    const languages = [...new Set([...distinctParts(include, v), ...distinctParts(exclude, v)])];
    const atoms =
      languages.length === 0 ? [{ language: base, inside: new Set<Language>() }] : atomsOf(base, languages);
    for (const atom of atoms) {
      const value = atom.language.sample(variables[v].examples) as string;
      const found = search(
        within(include, v, atom),
        within(exclude, v, atom),
        others,
        new Map([...chosen, [v, value]]),
      );
      if (found) return found;
    }
    return undefined;
  };
  return search(region.include, region.exclude, outer, new Map());
}

/** Whether every point of the free variables' domains is in some include box and no exclude box. */
function covers(
  include: readonly Box[],
  exclude: readonly Box[],
  free: readonly number[],
  domain: (v: number) => Language,
): boolean {
  if (exclude.some((box) => free.every((v) => box[v] === undefined))) return false;
  if (include.length === 0) return false;
  if (exclude.length === 0 && include.some((box) => free.every((v) => box[v] === undefined))) return true;
  if (include.every((box) => free.some((v) => box[v]?.isFiniteSet))) return false;
  const v = free.find((index) => include.some((box) => box[index]) || exclude.some((box) => box[index]));
  if (v === undefined) return false;
  const others = free.filter((index) => index !== v);
  const languages = [...new Set([...distinctParts(include, v), ...distinctParts(exclude, v)])];
  for (const atom of atomsOf(domain(v), languages)) {
    if (!covers(within(include, v, atom), within(exclude, v, atom), others, domain)) return false;
  }
  return true;
}

/**
 * A concrete request from a cell: per variable the first preferred value the cell admits, else its
 * first example, else its shortest member.
 */
export function pickPoint(
  cell: Cell,
  variables: readonly Variable[],
  prefer: (v: number, chosen: readonly (string | undefined)[]) => readonly string[] = () => [],
): string[] {
  const chosen: Array<string | undefined> = cell.map(() => undefined);
  cell.forEach((language, v) => {
    chosen[v] = language.sample([...prefer(v, chosen), ...variables[v].examples]);
  });
  return chosen as string[];
}

/** The region restricted to one value of a variable, that variable then free. */
export function fixVariable(region: Region, v: number, value: string): Region {
  const fix = (boxes: readonly Box[]) =>
    boxes.flatMap((box) => {
      const part = box[v];
      if (part !== undefined && !part.has(value)) return [];
      if (part === undefined) return [box];
      const freed = [...box];
      freed[v] = undefined;
      return [freed];
    });
  return { include: fix(region.include), exclude: fix(region.exclude) };
}
