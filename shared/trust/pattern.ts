import {
  ANY_CHAR,
  type CharSet,
  charSetOf,
  complementCharSet,
  type GlobItem,
  globNfa,
  unionCharSets,
} from './automaton.js';
import { Language, nfaLeaf } from './language.js';

/**
 * A condition value after policy variables are resolved: its text, and which of its characters
 * are wildcards (`*`, `?` written in the policy; never those from `${*}`, `${?}` or a substituted
 * request value, which are literal).
 */
export interface Pattern {
  text: string;
  /** `wild[i]` is true when `text[i]` is a wildcard; undefined when no character is. */
  wild?: readonly boolean[];
}

/**
 * A condition value ready for comparison: a pattern; `null` when it names a policy variable whose
 * key the request lacks (IAM: "effectively null", so it equals and matches nothing); or unknown.
 */
export type ResolvedValue =
  | { kind: 'pattern'; pattern: Pattern }
  | { kind: 'null' }
  | { kind: 'unknown'; why: string };

/** What a policy variable's key holds in the request being judged. */
export type VariableValue = { value: string } | { absent: true } | { unknown: string };

/**
 * Resolves the policy variables of a condition value (`${aws:username}`, `${key, 'default'}`, and
 * the literal `${*}`, `${?}`, `${$}`). Under Version `2008-10-17` variables are not substituted:
 * the text is literal, its `*` and `?` still wildcards.
 */
export function resolveValue(
  raw: string,
  version: string,
  lookup: (key: string) => VariableValue,
): ResolvedValue {
  if (version !== '2012-10-17' || !raw.includes('${')) return { kind: 'pattern', pattern: plainPattern(raw) };
  let text = '';
  const wild: boolean[] = [];
  const literal = (chunk: string) => {
    text += chunk;
    for (let i = 0; i < chunk.length; i++) wild.push(false);
  };
  let isNull = false;
  for (let i = 0; i < raw.length; ) {
    if (raw.startsWith('${', i)) {
      const close = raw.indexOf('}', i + 2);
      if (close < 0)
        return { kind: 'unknown', why: `the policy variable in ${JSON.stringify(raw)} is not closed` };
      const inner = raw.slice(i + 2, close).trim();
      i = close + 1;
      if (inner === '*' || inner === '?' || inner === '$') {
        literal(inner);
        continue;
      }
      const comma = inner.indexOf(',');
      const key = (comma < 0 ? inner : inner.slice(0, comma)).trim();
      let fallback: string | undefined;
      if (comma >= 0) {
        const quoted = inner.slice(comma + 1).trim();
        if (quoted.length < 2 || !quoted.startsWith("'") || !quoted.endsWith("'"))
          return { kind: 'unknown', why: `the default of the policy variable \${${inner}} is not quoted` };
        fallback = quoted.slice(1, -1).replaceAll("''", "'");
      }
      if (key === '') return { kind: 'unknown', why: `${JSON.stringify(raw)} has an empty policy variable` };
      const value = lookup(key);
      if ('value' in value) literal(value.value);
      else if ('absent' in value) {
        if (fallback === undefined) isNull = true;
        else literal(fallback);
      } else return { kind: 'unknown', why: `the policy variable \${${key}}: ${value.unknown}` };
      continue;
    }
    const char = raw[i];
    text += char;
    wild.push(char === '*' || char === '?');
    i++;
  }
  if (isNull) return { kind: 'null' };
  return { kind: 'pattern', pattern: wild.includes(true) ? { text, wild } : { text } };
}

function plainPattern(text: string): Pattern {
  return text.includes('*') || text.includes('?')
    ? { text, wild: codeUnits(text).map((c) => c === '*' || c === '?') }
    : { text };
}

function isWild(pattern: Pattern, i: number): boolean {
  return pattern.wild?.[i] === true;
}

/** True when the pattern has a `*` or `?` wildcard. */
export function hasWildcard(pattern: Pattern): boolean {
  return pattern.wild?.includes(true) === true;
}

/**
 * Whether a value matches a `StringLike` pattern: `*` any run of characters, `?` one, the rest
 * literally. Backtracks only to the last `*`, so the cost is at most value × pattern.
 */
export function matchPattern(pattern: Pattern, value: string): boolean {
  if (!pattern.wild) return pattern.text === value;
  const p = pattern.text;
  let pi = 0;
  let vi = 0;
  let starP = -1;
  let starV = 0;
  while (vi < value.length) {
    if (pi < p.length && isWild(pattern, pi) && p[pi] === '*') {
      starP = pi++;
      starV = vi;
    } else if (
      pi < p.length &&
      ((isWild(pattern, pi) && p[pi] === '?') || (!isWild(pattern, pi) && p[pi] === value[vi]))
    ) {
      pi++;
      vi++;
    } else if (starP >= 0) {
      pi = starP + 1;
      vi = ++starV;
    } else return false;
  }
  while (pi < p.length && isWild(pattern, pi) && p[pi] === '*') pi++;
  return pi === p.length;
}

/** The six parts of an ARN (the resource part keeps its colons), or undefined when it has fewer. */
function arnParts(pattern: Pattern): Pattern[] | undefined {
  const cuts: number[] = [];
  for (let i = 0; i < pattern.text.length && cuts.length < 5; i++) if (pattern.text[i] === ':') cuts.push(i);
  if (cuts.length < 5) return undefined;
  const bounds = [-1, ...cuts, pattern.text.length];
  return bounds.slice(0, 6).map((cut, k) => {
    const from = cut + 1;
    const to = bounds[k + 1];
    const text = pattern.text.slice(from, to);
    return pattern.wild ? { text, wild: pattern.wild.slice(from, to) } : { text };
  });
}

/**
 * ArnEquals and ArnLike (identical in IAM): each of the six colon-separated parts is matched on its
 * own with `*`/`?` wildcards. A policy value that is not a six-part ARN is undecided.
 */
export function matchArn(pattern: Pattern, value: string): boolean | 'unknown' {
  const patternParts = arnParts(pattern);
  if (!patternParts) return 'unknown';
  const valueParts = arnParts({ text: value });
  if (!valueParts) return false;
  return patternParts.every((part, i) => matchPattern(part, valueParts[i].text));
}

/** The comparison a string operator makes between one policy value and one request value. */
export type Comparison = 'equals' | 'equals-ignore-case' | 'like' | 'arn';

/** Whether one request value satisfies one (positive) comparison with one policy value. */
export function compare(comparison: Comparison, pattern: Pattern, value: string): boolean | 'unknown' {
  switch (comparison) {
    case 'equals':
      return pattern.text === value;
    case 'equals-ignore-case':
      return pattern.text.toLowerCase() === value.toLowerCase();
    case 'like':
      return matchPattern(pattern, value);
    default:
      return matchArn(pattern, value);
  }
}

const NOT_COLON = complementCharSet(charSetOf(':'));
/** Characters outside ASCII whose lower case is an ASCII letter (the Kelvin sign is a `k`). */
const FOLDS_TO_ASCII: Record<string, string> = { k: '\u212a' };

/**
 * The language of request values that satisfy a comparison with one policy value, or a reason it
 * cannot be described (an ARN pattern of fewer than six parts; a case-insensitive comparison with
 * non-ASCII text, whose case folding depends on context).
 */
export function comparisonLanguage(comparison: Comparison, pattern: Pattern): Language | { unknown: string } {
  if (!hasWildcard(pattern) && (comparison === 'equals' || comparison === 'like'))
    return Language.of([pattern.text]);
  const key = `${comparison}\u0000${pattern.text}\u0000${pattern.wild?.map((w) => (w ? 1 : 0)).join('') ?? ''}`;
  let language = languages.get(key);
  if (!language) {
    language = buildComparisonLanguage(comparison, pattern);
    // Policies repeat their patterns (every role of a cluster names its issuer): share the automata.
    if (languages.size >= 10_000) languages.clear();
    languages.set(key, language);
  }
  return language;
}

const languages = new Map<string, Language | { unknown: string }>();

function buildComparisonLanguage(comparison: Comparison, pattern: Pattern): Language | { unknown: string } {
  switch (comparison) {
    case 'equals':
      return Language.of([pattern.text]);
    case 'equals-ignore-case': {
      const text = pattern.text;
      if (!/^[\x00-\x7f]*$/.test(text))
        return {
          unknown: `case-insensitive comparison with non-ASCII text ${JSON.stringify(text)} is not decided statically`,
        };
      if (text.toLowerCase() === text.toUpperCase()) return Language.of([text]);
      const lower = text.toLowerCase();
      const items = () =>
        codeUnits(lower).map((c): GlobItem => {
          let set: CharSet = unionCharSets(charSetOf(c), charSetOf(c.toUpperCase()));
          if (FOLDS_TO_ASCII[c]) set = unionCharSets(set, charSetOf(FOLDS_TO_ASCII[c]));
          return { one: set };
        });
      return Language.leaf(
        nfaLeaf(
          () => globNfa(items()),
          (value) => value.toLowerCase() === lower,
        ),
      );
    }
    case 'like':
      if (!hasWildcard(pattern)) return Language.of([pattern.text]);
      return Language.leaf(
        nfaLeaf(
          () => globNfa(globItems(pattern, ANY_CHAR)),
          (value) => matchPattern(pattern, value),
        ),
      );
    default: {
      const parts = arnParts(pattern);
      if (!parts) return { unknown: `${JSON.stringify(pattern.text)} is not a six-part ARN` };
      // Without wildcards, part-wise equality of six parts is equality of the whole text.
      if (!hasWildcard(pattern)) return Language.of([pattern.text]);
      const items = () => {
        const list: GlobItem[] = [];
        parts.forEach((part, i) => {
          if (i > 0) list.push({ one: charSetOf(':') });
          list.push(...globItems(part, i < 5 ? NOT_COLON : ANY_CHAR));
        });
        return list;
      };
      return Language.leaf(
        nfaLeaf(
          () => globNfa(items()),
          (value) => matchArn(pattern, value) === true,
        ),
      );
    }
  }
}

function globItems(pattern: Pattern, wildcardSet: CharSet): GlobItem[] {
  return codeUnits(pattern.text).map((c, i) => {
    if (isWild(pattern, i)) return c === '*' ? { run: wildcardSet } : { one: wildcardSet };
    return { one: charSetOf(c) };
  });
}

/** The UTF-16 code units of a text, one string each (what `?` matches one of). */
function codeUnits(text: string): string[] {
  return Array.from({ length: text.length }, (_, i) => text[i]);
}
