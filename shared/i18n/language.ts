import { InputError } from '../errors.js';

/** Languages reports, notifications and the check catalogue are written in. */
export const LANGUAGES = ['en', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language used when nothing chooses one. */
export const DEFAULT_LANGUAGE: Language = 'en';

/**
 * `--lang`: `en` or `ja`, any case; a locale name such as `ja_JP.UTF-8` is accepted too.
 *
 * @throws InputError for any other value.
 * @example parseLanguage('JA') // 'ja'
 */
export function parseLanguage(text: string, flag = '--lang'): Language {
  const language = languageOfLocale(text);
  if (language === undefined) {
    throw new InputError(`${flag} must be one of ${LANGUAGES.join(', ')} (got "${text}")`);
  }
  return language;
}

/**
 * The language a locale name asks for (`ja_JP.UTF-8`, `ja-JP`, `ja` → `ja`; `en_US.UTF-8` → `en`),
 * or undefined when it names none of {@link LANGUAGES}.
 */
function languageOfLocale(locale: string): Language | undefined {
  const code = /^([a-z]{2,3})(?:[_-][a-z0-9]+)?(?:\.[\w-]+)?(?:@[\w-]+)?$/i.exec(locale.trim())?.[1];
  const lower = code?.toLowerCase();
  return (LANGUAGES as readonly string[]).includes(lower ?? '') ? (lower as Language) : undefined;
}

/**
 * The language of the user's locale, as POSIX resolves the messages category: the first non-empty
 * of `LC_ALL`, `LC_MESSAGES` and `LANG` decides; a locale of another language (or `C`, `POSIX`)
 * gives English.
 *
 * @example languageFromEnvironment({ LANG: 'ja_JP.UTF-8' }) // 'ja'
 * @example languageFromEnvironment({ LC_ALL: 'C', LANG: 'ja_JP.UTF-8' }) // 'en'
 */
export function languageFromEnvironment(env: Readonly<Record<string, string | undefined>>): Language {
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    return languageOfLocale(value) ?? DEFAULT_LANGUAGE;
  }
  return DEFAULT_LANGUAGE;
}
