/**
 * Escaping for text that came from AWS (role paths, tag values, condition values, error messages)
 * before it goes into Markdown, HTML, Slack or a terminal. IAM role paths accept any printable ASCII
 * and tag values almost any Unicode, so every renderer treats AWS data as hostile.
 */

/** Zero-width space: invisible, but breaks the tokens chat clients turn into mentions and links. */
const ZWSP = '\u200B';

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and double- or single-quoted attribute values.
 *
 * @example escapeHtml('"><img src=x onerror=alert(1)>') // '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ENTITIES[character]);
}

// C0 controls (tab and newlines included), DEL and C1 controls, plus the Unicode line and paragraph
// separators: none may reach a one-line field, where they would break the layout or carry escapes.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Replaces every run of control characters (newlines, tabs, terminal escape sequences' ESC, C1
 * controls, U+2028/2029) with one space, so that AWS text stays on the line it was put on.
 *
 * @example singleLine('a\r\n\u001b[31mb') // 'a [31mb'
 */
export function singleLine(text: string): string {
  return text.replace(CONTROL_CHARACTERS, ' ');
}

// Invisible format characters (Unicode category Cf: bidi embeddings, overrides, isolates and marks,
// zero-width spaces and joiners, the BOM, tag characters), lone surrogate halves (category Cs), and
// the controls a multi-line block could still hold: all but tab and line feed, DEL, C1, U+2028/2029.
const INVISIBLE_CHARACTERS = /[\p{Cf}\p{Cs}\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/gu;

/**
 * Shows every invisible format character, lone surrogate and control character other than tab and
 * line feed as `<U+XXXX>`, so AWS text can neither reorder what is displayed around it (U+202E and
 * the other bidi controls) nor hide characters that make two names differ (zero-width spaces) nor
 * drive a terminal; a lone surrogate, which is not valid UTF-8, is shown the same way instead of
 * reaching an encoder. Multi-line blocks (evidence, code) keep their lines.
 *
 * @example revealInvisible('prod\u200B-blue \u202Egnp.exe') // 'prod<U+200B>-blue <U+202E>gnp.exe'
 */
export function revealInvisible(text: string): string {
  return text.replace(INVISIBLE_CHARACTERS, (character) => {
    const code = character.codePointAt(0) ?? 0;
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

/** The mark that ends a value cut by {@link truncate}. */
export const ELLIPSIS = '…';

/**
 * Longest identifier (ARN, name, id, account, region, cluster) the human formats print, in
 * characters. Every ARN and name AWS accepts is shorter; a longer value is cut and ends in `…`.
 */
export const MAX_IDENTIFIER_LENGTH = 1024;
/** Longest free text (message, remediation, error message, reason) the human formats print. */
export const MAX_TEXT_LENGTH = 4096;
/** Longest evidence block (pretty JSON) the HTML report prints. */
export const MAX_EVIDENCE_LENGTH = 16_384;

/**
 * Cuts text to at most `max` characters (code points, so a surrogate pair is never split), the
 * last being {@link ELLIPSIS} when anything was cut.
 *
 * @example truncate('arn:aws:iam::111122223333:role/very-long', 20) // 'arn:aws:iam::111122…'
 */
export function truncate(text: string, max: number): string {
  // A string has at least as many UTF-16 units as code points: short strings need no counting.
  if (text.length <= max) return text;
  const characters = Array.from(text);
  return characters.length <= max ? text : `${characters.slice(0, Math.max(0, max - 1)).join('')}${ELLIPSIS}`;
}

/**
 * AWS text made plain for any human format: one line, invisible characters shown as `<U+XXXX>`,
 * cut to `max` characters. Escape the result for the target format as well.
 *
 * @example cleanText('a\nb\u202E', 100) // 'a b<U+202E>'
 */
export function cleanText(text: string, max: number = MAX_TEXT_LENGTH): string {
  return truncate(revealInvisible(singleLine(text)), max);
}

// ASCII punctuation that opens or closes an inline Markdown construct anywhere in a line
// (emphasis, code, links, images, raw HTML, entities, strikethrough, table cells, escapes).
const MARKDOWN_INLINE = /[\\`*_[\]<>|~&!]/g;
// Constructs that only count at the start of a line: headings, block quotes (already escaped `>`),
// bullet and ordered lists, thematic breaks and setext underlines.
const MARKDOWN_LINE_START = /^(\s*)([#+=-]|\d+[.)])/;

/**
 * Escapes text for one inline Markdown field (CommonMark and GitHub Flavored Markdown, including
 * table cells): backslash-escapes inline punctuation and a leading block marker, and joins lines so
 * a value cannot start a heading, list or table of its own. Pair with {@link neutralizeMentions} for
 * text that goes to chat.
 *
 * @example escapeMarkdown('*bold* | `x`') // '\\*bold\\* \\| \\`x\\`'
 */
export function escapeMarkdown(text: string): string {
  const escaped = singleLine(text).replace(MARKDOWN_INLINE, (character) => `\\${character}`);
  return escaped.replace(MARKDOWN_LINE_START, (_match, space: string, marker: string) =>
    marker.length === 1 ? `${space}\\${marker}` : `${space}${marker.slice(0, -1)}\\${marker.slice(-1)}`,
  );
}

/**
 * Stops chat clients and code hosts from turning AWS text into notifications or links, without
 * changing what a reader sees: inserts a zero-width space into
 * - mentions: `@here`, `@channel`, `@everyone`, `@user`, `@org/team` (an `@` not preceded by a word
 *   character, as in an e-mail address);
 * - Slack control sequences: `<!here>`, `<!channel>`, `<!subteam^…>`, `<@U…>`, `<#C…>` and
 *   `<https://…|label>` links;
 * - web URLs (`https://…`, `http://…`, `ftp://…`, also glued to a preceding word, and `www.…`) and
 *   the dots of their host names, which Slack and GitHub would otherwise link (other schemes such as `s3://` are not linked).
 *
 * The result is still plain text: escape it for the target format as well ({@link escapeMarkdown},
 * {@link escapeHtml} or {@link escapeSlack}).
 *
 * @example neutralizeMentions('@here see <!channel>') // '@\u200Bhere see <\u200B!channel>'
 */
export function neutralizeMentions(text: string): string {
  return text
    .replace(/<(?=[!@#]|[a-z][a-z0-9+.-]*:)/gi, `<${ZWSP}`)
    .replace(/(^|[^\p{L}\p{N}_])@(?=[\p{L}\p{N}_])/gu, `$1@${ZWSP}`)
    .replace(/(https?|ftps?):\/\/([^\s/?#|>]*)/gi, (_match, scheme: string, host: string) => {
      return `${scheme}:${ZWSP}//${host.replaceAll('.', `${ZWSP}.`)}`;
    })
    .replace(
      /www\.([^\s/?#|>]*)/gi,
      (_match, host: string) => `www${ZWSP}.${host.replaceAll('.', `${ZWSP}.`)}`,
    );
}

/**
 * Escapes text for Slack `mrkdwn` (and Amazon Q Developer custom notifications rendered by Slack):
 * Slack requires `&`, `<` and `>` as HTML entities; mentions and links are neutralized on top, and
 * lines are joined.
 *
 * @example escapeSlack('<!channel> & @here') // '&lt;\u200B!channel&gt; &amp; @\u200Bhere'
 */
export function escapeSlack(text: string): string {
  return neutralizeMentions(singleLine(text))
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/**
 * Makes AWS text safe to print on a terminal: joins lines and removes control characters, so a
 * value cannot forge lines of the report or send escape sequences to the terminal, and shows bidi
 * controls and other invisible characters as `<U+XXXX>` (see {@link revealInvisible}).
 */
export function escapeTerminal(text: string): string {
  return revealInvisible(singleLine(text));
}
