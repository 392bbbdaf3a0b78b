/**
 * The languages the symbolic analysis decides with are exactly what the evaluator compares: for
 * every comparison (StringEquals, IgnoreCase, StringLike, ARN), the automaton accepts a value when
 * and only when the evaluator's comparison does; and the boolean combinations answer emptiness and
 * give members consistently with membership.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { charSetOf, globNfa } from '../../shared/trust/automaton.js';
import { Language, nfaLeaf } from '../../shared/trust/language.js';
import { type Comparison, compare, comparisonLanguage, type Pattern } from '../../shared/trust/pattern.js';

/** A small alphabet with the characters that matter: wildcards, the ARN separator, case. */
const character = fc.constantFrom('a', 'b', 'A', ':', '/', '*', '?', '\u212a');
const text = fc.array(character, { maxLength: 8 }).map((chars) => chars.join(''));
const pattern = fc
  .array(character, { maxLength: 7 })
  .map((chars): Pattern => ({ text: chars.join(''), wild: chars.map((c) => c === '*' || c === '?') }));
const arnPattern = fc.tuple(pattern, pattern, pattern, pattern, pattern).map(([a, b, c, d, e]): Pattern => {
  const parts = [a, b, c, d, e].map((part) => ({ ...part, text: part.text.replaceAll(':', 'x') }));
  const joined = `arn:${parts.map((part) => part.text).join(':')}`;
  return { text: joined, wild: [...joined].map((ch) => ch === '*' || ch === '?') };
});
const comparison = fc.constantFrom<Comparison>('equals', 'equals-ignore-case', 'like', 'arn');

/**
 * The automaton's own answer for a value, bypassing the leaves' membership tests: the value as an
 * automaton too, and the product searched for a common word.
 */
function accepts(language: Language, value: string): boolean {
  const items = Array.from({ length: value.length }, (_, i) => ({ one: charSetOf(value[i]) }));
  const only = Language.leaf(
    nfaLeaf(
      () => globNfa(items),
      (candidate) => candidate === value,
    ),
  );
  return !language.and(only).isEmpty();
}

describe('comparison languages', () => {
  it('accept exactly the values the evaluator matches', () => {
    fc.assert(
      fc.property(
        comparison,
        fc.oneof(pattern, arnPattern),
        fc.array(text, { minLength: 1, maxLength: 6 }),
        (kind, p, values) => {
          const language = comparisonLanguage(kind, p);
          for (const value of [
            ...values,
            p.text,
            p.text.toUpperCase(),
            ...values.map((v) => `arn:${v}:a:b:c:d`),
          ]) {
            const expected = compare(kind, p, value);
            if (!(language instanceof Language)) {
              // Only an ARN pattern of fewer than six parts, or non-ASCII text under IgnoreCase, is undescribed.
              expect(expected === 'unknown' || kind === 'equals-ignore-case').toBe(true);
              continue;
            }
            const shortest = language.isEmpty() ? undefined : language.sample();
            if (shortest !== undefined) expect(compare(kind, p, shortest)).toBe(true);
            expect(language.has(value), `${kind} ${JSON.stringify(p.text)} ${JSON.stringify(value)}`).toBe(
              expected === true,
            );
            expect(accepts(language, value)).toBe(expected === true);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('decide emptiness and members of their combinations consistently with membership', () => {
    fc.assert(
      fc.property(pattern, pattern, pattern, fc.array(text, { maxLength: 10 }), (x, y, z, values) => {
        const [a, b, c] = [x, y, z].map((p) => comparisonLanguage('like', p) as Language);
        const combined = a.and(b.not()).or(c.and(a));
        const member = combined.sample();
        if (member === undefined) {
          expect(combined.isEmpty()).toBe(true);
          for (const value of values) expect(combined.has(value)).toBe(false);
        } else {
          expect(combined.isEmpty()).toBe(false);
          expect(combined.has(member)).toBe(true);
        }
        for (const value of values)
          expect(combined.has(value)).toBe((a.has(value) && !b.has(value)) || (c.has(value) && a.has(value)));
      }),
      { numRuns: 1500 },
    );
  });
});
