/**
 * Word wrapping for terminal text in any language: ASCII words break at spaces, CJK text between
 * any two characters (but never before closing punctuation such as `。` or `)`), and code spans
 * never: a command stays on one line so it can be copied as it is. Widths count East Asian wide
 * characters as two columns and ANSI colour codes as none.
 */

/** A unit the wrapper never breaks, and whether a space separates it from the unit before. */
export interface WrapToken {
  text: string;
  space: boolean;
}

const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;
/** Characters a line must not start with (Japanese line-breaking rules, and ASCII closers). */
const NO_LINE_START =
  /^[、。，．・：；？！）」』】〕〉》ー…‥ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)\]}.,;:!?%]/;

/** Printable ASCII only: one column per character (no wide characters, no colour codes). */
const PLAIN_ASCII = /^[\x20-\x7e]*$/;
/** Any ASCII, whitespace and controls included. */
const ASCII = /^[\x00-\x7f]*$/;
/** The ASCII characters of {@link NO_LINE_START}. */
const ASCII_NO_LINE_START = /^[)\]}.,;:!?%]/;
/** A run of non-space characters (in ASCII text, where `\s` has only its ASCII members). */
const ASCII_RUN = /\S+/g;

/** Terminal columns a text takes. */
export function columns(text: string): number {
  if (PLAIN_ASCII.test(text)) return text.length;
  let width = 0;
  for (const character of text.replace(/\u001b\[[0-9;]*m/g, '')) width += WIDE.test(character) ? 2 : 1;
  return width;
}

/**
 * Splits prose into wrap tokens (ASCII words, and single wide characters with their closers glued
 * on), appended to `tokens`: prose glued to the token before it (`cmd`.) stays with it.
 */
export function proseTokens(text: string, startsWithSpace = false, tokens: WrapToken[] = []): WrapToken[] {
  if (ASCII.test(text)) return asciiProseTokens(text, startsWithSpace, tokens);
  let pendingSpace = startsWithSpace;
  let word = '';
  let wordSpace = false;
  const flush = () => {
    if (word === '') return;
    const last = tokens.at(-1);
    // A word glued to a code span or an ASCII word before it (no space) belongs to it: `cmd`.
    if (!wordSpace && last && !WIDE.test(last.text.at(-1) ?? '')) last.text += word;
    else tokens.push({ text: word, space: wordSpace });
    word = '';
  };
  for (const character of text) {
    if (/\s/.test(character)) {
      flush();
      pendingSpace = true;
      continue;
    }
    if (WIDE.test(character) || NO_LINE_START.test(character)) {
      flush();
      const last = tokens.at(-1);
      if (!pendingSpace && last && NO_LINE_START.test(character)) last.text += character;
      else tokens.push({ text: character, space: pendingSpace });
      pendingSpace = false;
      continue;
    }
    if (word === '') wordSpace = pendingSpace;
    word += character;
    pendingSpace = false;
  }
  flush();
  return tokens;
}

/**
 * {@link proseTokens} of ASCII text, a run of non-space characters at a time: in ASCII every such run
 * is one token (a closer glues to the word before it, and a word to the closer), glued to the token
 * before it when no space separates them, as the character walk would glue it.
 */
function asciiProseTokens(text: string, startsWithSpace: boolean, tokens: WrapToken[]): WrapToken[] {
  ASCII_RUN.lastIndex = 0;
  for (let match = ASCII_RUN.exec(text); match !== null; match = ASCII_RUN.exec(text)) {
    const run = match[0];
    const space = match.index > 0 || startsWithSpace;
    const last = tokens.at(-1);
    const glued =
      !space && last !== undefined && (ASCII_NO_LINE_START.test(run) || !WIDE.test(last.text.at(-1) ?? ''));
    if (glued) last.text += run;
    else tokens.push({ text: run, space });
  }
  return tokens;
}

/**
 * Wraps tokens to `width` columns: the first line starts with `firstIndent`, the others with
 * `nextIndent`; a token longer than a line stays whole on a line of its own.
 */
export function wrapTokens(
  tokens: WrapToken[],
  width: number,
  firstIndent: string,
  nextIndent: string,
): string[] {
  const lines: string[] = [];
  let line = firstIndent;
  // The line's width, kept as tokens are added (tokens carry whole colour codes, so widths add up).
  let lineWidth = columns(firstIndent);
  let empty = true;
  for (const token of tokens) {
    const separator = empty || !token.space ? '' : ' ';
    const tokenWidth = columns(token.text);
    if (!empty && lineWidth + separator.length + tokenWidth > width) {
      lines.push(line);
      line = nextIndent + token.text;
      lineWidth = columns(nextIndent) + tokenWidth;
      empty = false;
      continue;
    }
    line += separator + token.text;
    lineWidth += separator.length + tokenWidth;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Wraps plain text (see {@link proseTokens}). */
export function wrapText(text: string, width: number, firstIndent: string, nextIndent: string): string[] {
  return wrapTokens(proseTokens(text), width, firstIndent, nextIndent);
}
