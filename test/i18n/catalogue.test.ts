import { describe, expect, it } from 'vitest';
import { checks } from '../../shared/checks/index.js';
import { CUTOVER_CHECKS } from '../../shared/cutover/packs.js';
import { en, ja, LANGUAGES, languageFromEnvironment, parseLanguage } from '../../shared/i18n/index.js';
import { commandKey, commandsOf, segmentsOf } from '../../shared/report/segments.js';

/** Every key path of a message tree (`html.fixFirst`, `catalogue.categories.trust`, …). */
function keyPaths(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = `${prefix}${key}`;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? keyPaths(value, `${path}.`)
      : [path];
  });
}

/** Function-valued messages at a key path, or the string itself. */
function at(tree: object, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], tree);
}

const CATALOGUES = { en, ja: ja.messages } as const;
const CHECK_METAS = [...checks.map((check) => check.meta), ...CUTOVER_CHECKS];

describe('message catalogues', () => {
  it('has one catalogue per language', () => {
    expect(Object.keys(CATALOGUES).sort()).toEqual([...LANGUAGES].sort());
  });

  for (const language of LANGUAGES) {
    it(`misses no message key in ${language} and gives each the same kind of value as English`, () => {
      const catalogue = CATALOGUES[language];
      const expected = keyPaths(en);
      expect(keyPaths(catalogue).sort()).toEqual(expected.sort());
      for (const path of expected) {
        const english = at(en, path);
        const translated = at(catalogue, path);
        expect(typeof translated, path).toBe(typeof english);
        if (typeof translated === 'string') expect(translated.trim(), path).not.toBe('');
      }
    });
  }

  it('translates every registered check and every cutover check into Japanese, and nothing else', () => {
    const ids = CHECK_METAS.map((meta) => meta.id).sort();
    expect(Object.keys(ja.checks).sort()).toEqual(ids);
    for (const id of ids) {
      const text = ja.checks[id];
      expect(text?.title, id).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(text?.description, id).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(text?.remediation, id).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    }
  });

  it('keeps every command and code literal of the English remediation in the Japanese one', () => {
    for (const meta of CHECK_METAS) {
      const english = segmentsOf(meta.remediation)
        .filter((segment) => segment.kind !== 'text')
        .map((segment) => segment.text)
        .sort();
      const japanese = segmentsOf(ja.checks[meta.id]?.remediation ?? '')
        .filter((segment) => segment.kind !== 'text')
        .map((segment) => segment.text)
        .sort();
      expect(japanese, meta.id).toEqual(english);
      expect(commandsOf(ja.checks[meta.id]?.remediation ?? '').map(commandKey), meta.id).toEqual(
        commandsOf(meta.remediation).map(commandKey),
      );
    }
  });

  it('gives a Japanese finding message builder only for checks that exist', () => {
    const ids = new Set(CHECK_METAS.map((meta) => meta.id));
    for (const id of [...Object.keys(ja.findingMessages), ...Object.keys(ja.findingRemediations)])
      expect(ids.has(id), id).toBe(true);
  });
});

describe('language choice', () => {
  it('takes --lang in any case and as a locale name', () => {
    expect(parseLanguage('JA')).toBe('ja');
    expect(parseLanguage('ja_JP.UTF-8')).toBe('ja');
    expect(parseLanguage('en-US')).toBe('en');
  });

  it('refuses a language it has no catalogue for, naming the flag', () => {
    expect(() => parseLanguage('fr')).toThrow(/--lang must be one of en, ja \(got "fr"\)/);
  });

  it('follows LC_ALL, then LC_MESSAGES, then LANG, and falls back to English', () => {
    expect(languageFromEnvironment({ LANG: 'ja_JP.UTF-8' })).toBe('ja');
    expect(languageFromEnvironment({ LC_ALL: 'C', LANG: 'ja_JP.UTF-8' })).toBe('en');
    expect(languageFromEnvironment({ LC_MESSAGES: 'ja_JP.UTF-8', LANG: 'en_US.UTF-8' })).toBe('ja');
    expect(languageFromEnvironment({ LC_ALL: '', LANG: 'ja' })).toBe('ja');
    expect(languageFromEnvironment({})).toBe('en');
  });
});
