import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columns, proseTokens, type WrapToken, wrapText, wrapTokens } from '../../shared/report/wrap.js';

/** ASCII prose: words, spaces, tabs, newlines, closers and openers, often glued together. */
const asciiProse = fc.string({
  unit: fc.constantFrom(
    'a',
    'b',
    'Z',
    '1',
    '-',
    '`',
    ' ',
    '  ',
    '\t',
    '\n',
    '.',
    ',',
    ')',
    '(',
    '%',
    ':',
    '?',
    ']',
  ),
  maxLength: 60,
});

/** Tokens a fix line may already hold before its prose: a label, a command, a Japanese word. */
const earlier = fc.constantFrom<WrapToken[]>(
  [],
  [{ text: 'Fix:', space: false }],
  [{ text: '修正', space: false }],
  [{ text: 'aws iam get-role', space: true }],
);

describe('proseTokens', () => {
  it('splits ASCII prose as the character walk does', () => {
    // A trailing no-break space (whitespace outside ASCII) sends the text through the character
    // walk and adds no token, so the two spellings must give the same tokens.
    fc.assert(
      fc.property(asciiProse, fc.boolean(), earlier, (text, startsWithSpace, before) => {
        const fast = proseTokens(text, startsWithSpace, structuredClone(before));
        const walked = proseTokens(`${text}\u00a0`, startsWithSpace, structuredClone(before));
        expect(fast).toEqual(walked);
      }),
      { numRuns: 500 },
    );
  });

  it('glues closers and trailing words to the word before them, and breaks Japanese between characters', () => {
    expect(proseTokens('Remove it (now). Then, run')).toEqual([
      { text: 'Remove', space: false },
      { text: 'it', space: true },
      { text: '(now).', space: true },
      { text: 'Then,', space: true },
      { text: 'run', space: true },
    ]);
    expect(proseTokens('削除する。', false).map((token) => token.text)).toEqual(['削', '除', 'す', 'る。']);
  });
});

describe('wrapTokens', () => {
  it('wraps at the width, counting wide characters as two columns and colour codes as none', () => {
    const red = (text: string) => `\u001b[31m${text}\u001b[39m`;
    const tokens: WrapToken[] = [
      { text: red('aaaa'), space: false },
      { text: 'bbbb', space: true },
      { text: '日本', space: true },
      { text: 'cc', space: true },
    ];
    // "aaaa bbbb" is 9 columns; adding " 日本" (5) passes 12, so it starts the next line.
    expect(wrapTokens(tokens, 12, '', '> ')).toEqual([`${red('aaaa')} bbbb`, '> 日本 cc']);
    expect(columns(`${red('aaaa')} bbbb`)).toBe(9);
  });

  it('keeps every line of wrapped ASCII prose within the width unless one word is longer', () => {
    fc.assert(
      fc.property(asciiProse, fc.integer({ min: 8, max: 40 }), (text, width) => {
        for (const line of wrapText(text, width, '  ', '    ')) {
          const words = line.trim().split(/\s+/);
          if (words.length > 1) expect(columns(line)).toBeLessThanOrEqual(width);
        }
      }),
      { numRuns: 300 },
    );
  });
});
