import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  escapeMarkdown,
  escapeSlack,
  escapeTerminal,
  neutralizeMentions,
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
});
