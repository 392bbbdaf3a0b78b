import type { CollectionSummary } from '../collect/verdict.js';
import { type CheckTextSource, catalogueFor } from '../i18n/index.js';
import { DEFAULT_LANGUAGE, type Language } from '../i18n/language.js';
import type { Catalogue, CheckText, Messages } from '../i18n/types.js';
import { type FindingLike, factsOf } from '../model/facts.js';
import type { CollectionError } from '../model/scope.js';
import { fillPlaceholders, localizeRemediation } from './remediation.js';

/** A finding's text in one language: what every format shows of it. */
export interface Localizer {
  language: Language;
  /** The renderers' own text. */
  t: Messages;
  catalogue: Catalogue;
  /** The check's title, description and remediation template. */
  check(checkId: string): CheckText | undefined;
  title(finding: FindingLike): string;
  message(finding: FindingLike): string;
  /** The remediation with every placeholder the finding knows filled in. */
  remediation(finding: FindingLike): string;
  /** The headline of an incomplete collection, with one line per unread account or region. */
  collectionBanner(
    collection: CollectionSummary,
    scopes: ReadonlyArray<{ accountId: string; region?: string; level?: string; errors: CollectionError[] }>,
  ): { headline?: string; unread: string[] };
}

/**
 * The text of findings in a language, for these checks. English shows what each finding says,
 * with its remediation's placeholders filled; another language translates title, message and
 * remediation from the catalogue, keeping every command the finding gives.
 *
 * @example localizer('ja', checks.map((check) => check.meta)).remediation(finding)
 */
export function localizer(language: Language | undefined, checks: readonly CheckTextSource[]): Localizer {
  const catalogue = catalogueFor(language ?? DEFAULT_LANGUAGE, checks);
  const english = catalogue.language === 'en';
  const t = catalogue.messages;
  const englishRemediation = (finding: FindingLike) =>
    fillPlaceholders(finding.remediation || catalogue.checks[finding.checkId]?.remediation || '', finding);
  const title = (finding: FindingLike) =>
    english ? finding.title : (catalogue.checks[finding.checkId]?.title ?? finding.title);
  return {
    language: catalogue.language,
    t,
    catalogue,
    check: (checkId) => catalogue.checks[checkId],
    title,
    message(finding) {
      if (english) return finding.message;
      const said = catalogue.findingMessages[finding.checkId]?.(factsOf(finding), finding);
      return said ?? t.genericMessage(title(finding), finding.resource.id);
    },
    remediation(finding) {
      const original = englishRemediation(finding);
      if (english) return original;
      const facts = factsOf(finding);
      const template =
        catalogue.findingRemediations?.[finding.checkId]?.(facts, finding) ??
        catalogue.checks[finding.checkId]?.remediation;
      if (template === undefined) return original;
      return localizeRemediation(template, original, finding, {
        document: t.carriedDocument,
        command: t.carriedCommand,
      });
    },
    collectionBanner(collection, scopes) {
      const headline = t.collectionHeadline(collection);
      if (headline === undefined) return { unread: [] };
      const unread = collection.unread.map((entry) => {
        const scope = scopes.find(
          (candidate) =>
            candidate.accountId === entry.accountId &&
            candidate.level === (entry.region === undefined ? 'account' : 'region') &&
            (entry.region === undefined || candidate.region === entry.region),
        );
        return t.unreadLine(entry, scope?.errors[0]);
      });
      return { headline, unread };
    },
  };
}
