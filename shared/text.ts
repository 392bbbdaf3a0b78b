/**
 * Text helpers every room shares: how a message ends and how a value goes into a shell command the
 * report prints (remediation, `trust can-assume` replays, cutover plans).
 */
import { quote } from 'shell-quote';

/** Ends a message with exactly one sentence mark (messages are full sentences). */
export function sentence(text: string): string {
  const trimmed = text.trim();
  // Called for every finding's message: a look at the last character, not a regular expression.
  const last = trimmed.charAt(trimmed.length - 1);
  return last === '.' || last === '!' || last === '?' ? trimmed : `${trimmed}.`;
}

/** The English word for `count` things: `word` for one, `words` (`word` + s unless given) otherwise. */
export function plural(count: number, word: string, words = `${word}s`): string {
  return count === 1 ? word : words;
}

/** A message without its closing full stop, to go inside another sentence (`…: ${clause(reason)}; …`). */
export function clause(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

/** Characters no POSIX shell treats specially in a word: ARNs, ids, names and paths stay bare. */
const BARE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word for a POSIX shell: bare when it holds only characters no shell treats specially (so
 * printed commands stay readable), otherwise quoted by `shell-quote`.
 *
 * @example
 * shellWord('arn:aws:iam::111122223333:role/app'); // arn:aws:iam::111122223333:role/app
 * shellWord("x'; rm -rf ~"); // "x'; rm -rf ~"
 */
export function shellWord(value: string): string {
  return BARE_WORD.test(value) ? value : quote([value]);
}
