import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchIamPattern } from '../../shared/trust/index.js';

/** An independent reference: classic dynamic programming over pattern × value prefixes. */
function referenceMatch(pattern: string, value: string): boolean {
  const rows = pattern.length + 1;
  const cols = value.length + 1;
  const table: boolean[][] = Array.from({ length: rows }, () => new Array<boolean>(cols).fill(false));
  table[0][0] = true;
  for (let i = 1; i < rows; i++) {
    const p = pattern[i - 1];
    table[i][0] = table[i - 1][0] && p === '*';
    for (let j = 1; j < cols; j++) {
      if (p === '*') table[i][j] = table[i - 1][j] || table[i][j - 1];
      else table[i][j] = table[i - 1][j - 1] && (p === '?' || p === value[j - 1]);
    }
  }
  return table[rows - 1][cols - 1];
}

describe('matchIamPattern', () => {
  it.each([
    ['system:serviceaccount:*', 'system:serviceaccount:ns:sa', true],
    ['system:serviceaccount:ns:*', 'system:serviceaccount:ns:sa', true],
    ['system:serviceaccount:ns:*', 'system:serviceaccount:other:sa', false],
    ['system:serviceaccount:ns:sa-?', 'system:serviceaccount:ns:sa-1', true],
    ['system:serviceaccount:ns:sa-?', 'system:serviceaccount:ns:sa-12', false],
    ['a.b', 'axb', false],
    ['(a|b)+', '(a|b)+', true],
    ['[abc]', 'a', false],
    ['$^', '$^', true],
    ['', '', true],
    ['*', '', true],
  ])('%j matches %j: %s', (pattern, value, expected) => {
    expect(matchIamPattern(pattern, value)).toBe(expected);
  });

  it('ignores case only when asked', () => {
    expect(matchIamPattern('STS:Assume*', 'sts:AssumeRole')).toBe(false);
    expect(matchIamPattern('STS:Assume*', 'sts:AssumeRole', { ignoreCase: true })).toBe(true);
  });

  it('agrees with a dynamic-programming reference on generated patterns', () => {
    const alphabet = fc.constantFrom('a', 'b', ':', '*', '?', '.', '/');
    const text = fc.constantFrom('a', 'b', ':', '.', '/', '*', '?');
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 12 }),
        fc.string({ unit: text, maxLength: 14 }),
        (pattern, value) => {
          expect(matchIamPattern(pattern, value)).toBe(referenceMatch(pattern, value));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('matches every value against a pattern built from it by replacing characters with wildcards', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.array(fc.constantFrom('*', '?', 'keep'), { maxLength: 20 }),
        (value, edits) => {
          const pattern = [...value]
            .map((ch, i) => (edits[i] === '*' ? '*' : edits[i] === '?' ? '?' : ch))
            .join('');
          expect(matchIamPattern(pattern, value)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
