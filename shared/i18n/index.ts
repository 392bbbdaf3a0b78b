import { en } from './en.js';
import { ja } from './ja.js';
import { DEFAULT_LANGUAGE, type Language } from './language.js';
import type { Catalogue, CheckText } from './types.js';

export { en } from './en.js';
export { ja } from './ja.js';
export {
  DEFAULT_LANGUAGE,
  LANGUAGES,
  type Language,
  languageFromEnvironment,
  parseLanguage,
} from './language.js';

import { mapLevel } from '../parts-map.js';

export type { Catalogue, CheckText, FindingMessage, Messages } from './types.js';

/** What a check's metadata gives the catalogue (the check registry's `meta`, or a cutover check's). */
export type CheckTextSource = CheckText & { id: string };

const cache = new WeakMap<readonly CheckTextSource[], Map<Language, Catalogue>>();

/**
 * Everything one language says, for these checks. English takes each check's title, description
 * and remediation from its metadata, where the check keeps them beside its logic; Japanese has its
 * own translations, and falls back to the metadata for a check it does not know (the catalogue
 * test keeps that from happening to a registered check).
 *
 * @example catalogueFor('ja', checks.map((check) => check.meta)).checks.PI_AGENT_MISSING.title
 */
export function catalogueFor(language: Language, checks: readonly CheckTextSource[]): Catalogue {
  const byLanguage = mapLevel(cache, checks);
  let catalogue = byLanguage.get(language);
  if (!catalogue) {
    const fromMeta = Object.fromEntries(
      checks.map((check) => [
        check.id,
        { title: check.title, description: check.description, remediation: check.remediation },
      ]),
    );
    catalogue =
      language === 'ja'
        ? {
            language,
            messages: ja.messages,
            checks: { ...fromMeta, ...ja.checks },
            findingMessages: ja.findingMessages,
            findingRemediations: ja.findingRemediations,
          }
        : { language: DEFAULT_LANGUAGE, messages: en, checks: fromMeta, findingMessages: {} };
    byLanguage.set(language, catalogue);
  }
  return catalogue;
}
