import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanText,
  ELLIPSIS,
  escapeHtml,
  escapeMarkdown,
  escapeSlack,
  escapeTerminal,
  neutralizeMentions,
  revealInvisible,
  truncate,
} from '../../shared/report/index.js';

const ZWSP = '\u200B';

function unescapeHtml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

describe('escapeHtml', () => {
  it('escapes an attribute-breaking image tag', () => {
    expect(escapeHtml('"><img src=x onerror=alert(1)>')).toBe('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes single quotes and ampersands so entities in AWS data stay literal', () => {
    expect(escapeHtml("it's &lt;")).toBe('it&#39;s &amp;lt;');
  });

  it('never leaves a markup character and round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const escaped = escapeHtml(text);
        expect(escaped).not.toMatch(/[<>"']/);
        expect(unescapeHtml(escaped)).toBe(text);
      }),
    );
  });
});

describe('escapeMarkdown', () => {
  it('escapes emphasis, code, links, raw HTML, table pipes and strikethrough', () => {
    expect(escapeMarkdown('*bold* _it_ `code` [x](javascript:y) <b> a|b ~~s~~ &amp; !')).toBe(
      '\\*bold\\* \\_it\\_ \\`code\\` \\[x\\](javascript:y) \\<b\\> a\\|b \\~\\~s\\~\\~ \\&amp; \\!',
    );
  });

  it('joins lines so a value cannot start a heading or list of its own', () => {
    expect(escapeMarkdown('role\n# Heading\r\n- item')).toBe('role # Heading - item');
  });

  it('escapes a block marker at the start of the value', () => {
    expect(escapeMarkdown('# not a heading')).toBe('\\# not a heading');
    expect(escapeMarkdown('- not a list')).toBe('\\- not a list');
    expect(escapeMarkdown('1. not a list')).toBe('1\\. not a list');
  });

  it('leaves ordinary ARNs readable', () => {
    expect(escapeMarkdown('arn:aws:iam::111122223333:role/ebs-csi')).toBe(
      'arn:aws:iam::111122223333:role/ebs-csi',
    );
  });

  it('escapes every inline metacharacter of any string and keeps it on one line', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const escaped = escapeMarkdown(text);
        expect(escaped).not.toMatch(/[\n\r]/);
        // Once every backslash escape is removed, no metacharacter (and no lone backslash) is left.
        expect(escaped.replace(/\\[!-/:-@[-`{-~]/g, '')).not.toMatch(/[\\`*_[\]<>|~&!]/);
      }),
    );
  });
});

describe('neutralizeMentions', () => {
  it('breaks broadcast mentions', () => {
    expect(neutralizeMentions('@here @channel @everyone')).toBe(
      `@${ZWSP}here @${ZWSP}channel @${ZWSP}everyone`,
    );
  });

  it('breaks Slack control sequences: special mentions, user mentions and labelled links', () => {
    const neutral = neutralizeMentions('<!channel> <!here> <@U012AB3CD> <http://evil.example|click>');
    expect(neutral).not.toMatch(/<[!@]|<http/);
    expect(neutral.replaceAll(ZWSP, '')).toBe('<!channel> <!here> <@U012AB3CD> <http://evil.example|click>');
  });

  it('breaks bare web URLs and their host names', () => {
    const neutral = neutralizeMentions('see https://evil.example/login and www.evil.example');
    expect(neutral).not.toContain('https://');
    expect(neutral).not.toContain('evil.example');
    expect(neutral).not.toContain('www.');
    expect(neutral.replaceAll(ZWSP, '')).toBe('see https://evil.example/login and www.evil.example');
  });

  it('leaves e-mail addresses, ARNs and s3 URIs as they are', () => {
    for (const text of [
      'ops@example.com',
      'arn:aws:iam::111122223333:role/ci@deploy',
      's3://acme-audit-config/baseline.yaml',
    ])
      expect(neutralizeMentions(text)).toBe(text);
  });
});

describe('escapeSlack', () => {
  it('escapes &, < and > as Slack requires and neutralizes mentions', () => {
    expect(escapeSlack('<!channel> & @here')).toBe(`&lt;${ZWSP}!channel&gt; &amp; @${ZWSP}here`);
  });
});

describe('escapeTerminal', () => {
  it('removes terminal escape sequences and line breaks', () => {
    expect(escapeTerminal('ok\u001b[2J\u001b]0;pwned\u0007\nnext')).toBe('ok [2J ]0;pwned next');
  });

  it('shows a right-to-left override instead of letting it reorder the line', () => {
    expect(escapeTerminal('invoice\u202Efdp.exe')).toBe('invoice<U+202E>fdp.exe');
  });
});

describe('revealInvisible', () => {
  it('shows bidi controls, zero-width characters and the BOM as code points', () => {
    expect(revealInvisible('a\u202Ab\u2066c\u2069d\u200Fe\u200Bf\u2060g\uFEFFh\u061Ci')).toBe(
      'a<U+202A>b<U+2066>c<U+2069>d<U+200F>e<U+200B>f<U+2060>g<U+FEFF>h<U+061C>i',
    );
  });

  it('shows lone surrogate halves and keeps a valid pair (an emoji) as it is', () => {
    expect(revealInvisible('x\uD800y\uDC00z 😀')).toBe('x<U+D800>y<U+DC00>z 😀');
  });

  it('leaves no format character or lone surrogate in any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(revealInvisible(text)).not.toMatch(/[\p{Cf}\p{Cs}]/u);
      }),
    );
  });
});

describe('truncate', () => {
  it('keeps text up to the maximum and cuts longer text with an ellipsis', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdefg', 6)).toBe(`abcde${ELLIPSIS}`);
  });

  it('counts code points, so a surrogate pair is never split', () => {
    expect(truncate('😀😀😀', 3)).toBe('😀😀😀');
    expect(truncate('😀😀😀😀', 3)).toBe(`😀😀${ELLIPSIS}`);
  });

  it('never returns more than the maximum number of characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 50 }), (text, max) => {
        expect(Array.from(truncate(text, max)).length).toBeLessThanOrEqual(max);
      }),
    );
  });
});

describe('cleanText', () => {
  it('joins lines, shows invisible characters and bounds a 100,000-character value', () => {
    // Prepare
    const hostile = `\u202E${'x'.repeat(100_000)}\nnext`;
    // Act
    const cleaned = cleanText(hostile, 80);
    // Assess
    expect(cleaned).toBe(`<U+202E>${'x'.repeat(71)}${ELLIPSIS}`);
  });
});
