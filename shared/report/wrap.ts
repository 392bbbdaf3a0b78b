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

/** Terminal columns a text takes. */
export function columns(text: string): number {
  let width = 0;
  for (const character of text.replace(/\u001b\[[0-9;]*m/g, '')) width += WIDE.test(character) ? 2 : 1;
  return width;
}

/**
 * Splits prose into wrap tokens (ASCII words, and single wide characters with their closers glued
 * on), appended to `tokens`: prose glued to the token before it (`cmd`.) stays with it.
 */
export function proseTokens(text: string, startsWithSpace = false, tokens: WrapToken[] = []): WrapToken[] {
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
  let empty = true;
  for (const token of tokens) {
    const separator = empty || !token.space ? '' : ' ';
    if (!empty && columns(line) + columns(separator) + columns(token.text) > width) {
      lines.push(line);
      line = nextIndent + token.text;
      empty = false;
      continue;
    }
    line += separator + token.text;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Wraps plain text (see {@link proseTokens}). */
export function wrapText(text: string, width: number, firstIndent: string, nextIndent: string): string[] {
  return wrapTokens(proseTokens(text), width, firstIndent, nextIndent);
}
