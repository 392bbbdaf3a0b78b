import type { Command } from 'commander';
import { checks as registeredChecks } from '../shared/checks/index.js';
import type { CheckMeta } from '../shared/checks/types.js';
import { InputError } from '../shared/errors.js';
import { catalogueFor, type Messages } from '../shared/i18n/index.js';
import { DEFAULT_LANGUAGE, type Language, parseLanguage } from '../shared/i18n/language.js';
import type { CheckCategory } from '../shared/model/finding.js';
import { columns } from '../shared/report/wrap.js';
import type { RegisterCommand } from './commands.js';
import { checkOutputPath, emit } from './output.js';

/** Formats of `checks list`. */
export const CATALOGUE_FORMATS = ['table', 'json', 'markdown'] as const;
export type CatalogueFormat = (typeof CATALOGUE_FORMATS)[number];

const CATEGORY_ORDER: CheckCategory[] = ['drift', 'trust', 'runtime', 'usage', 'meta', 'cutover'];

/**
 * Renders the check catalogue in a language (titles, descriptions and remediation translated; ids,
 * severities, categories and commands as they are). The English Markdown form is `docs/checks.md`
 * (written by `npm run docs`), so it depends only on the registry: no dates, no environment.
 *
 * @example renderCatalogue(checks.map((check) => check.meta), 'markdown')
 */
export function renderCatalogue(
  metas: CheckMeta[],
  format: CatalogueFormat,
  language: Language = DEFAULT_LANGUAGE,
): string {
  const { messages, checks } = catalogueFor(language, metas);
  const catalogue = metas.map((meta) => ({ ...meta, ...checks[meta.id] }));
  switch (format) {
    case 'json':
      return `${JSON.stringify(catalogue, null, 2)}\n`;
    case 'table':
      return renderTable(catalogue, messages);
    case 'markdown':
      return renderMarkdown(catalogue, messages);
  }
}

function renderTable(catalogue: CheckMeta[], t: Messages): string {
  const c = t.catalogue;
  const rows = [
    [c.check, c.severity, c.category, c.title],
    ...catalogue.map((meta) => [meta.id, meta.severity, meta.category, meta.title]),
  ];
  // Widths in terminal columns: a Japanese heading takes two per character.
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => columns(row[column]))));
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => (column < 3 ? cell + ' '.repeat(widths[column] - columns(cell)) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

function tableCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function anchor(id: string): string {
  return id.toLowerCase();
}

/** `CHECK` → `Check`: the table's column names as Markdown headings. */
function heading(name: string): string {
  return name.charAt(0) + name.slice(1).toLowerCase();
}

function renderMarkdown(catalogue: CheckMeta[], t: Messages): string {
  const c = t.catalogue;
  const lines: string[] = [
    `# ${c.heading}`,
    '',
    `<!-- ${c.generated} -->`,
    '',
    c.intro(catalogue.length),
    '',
    `| ${[c.check, c.severity, c.category, c.title].map(heading).join(' | ')} |`,
    '|---|---|---|---|',
    ...catalogue.map(
      (meta) =>
        `| [\`${meta.id}\`](#${anchor(meta.id)}) | ${meta.severity} | ${meta.category} | ${tableCell(meta.title)} |`,
    ),
  ];
  const categories = [
    ...CATEGORY_ORDER,
    ...new Set(
      catalogue.map((meta) => meta.category).filter((category) => !CATEGORY_ORDER.includes(category)),
    ),
  ];
  for (const category of categories) {
    const members = catalogue.filter((meta) => meta.category === category);
    if (members.length === 0) continue;
    lines.push('', `## ${c.categories[category] ?? category}`);
    for (const meta of members) {
      lines.push(
        '',
        `### ${meta.id}`,
        '',
        c.meta(meta.title, meta.severity, meta.category),
        '',
        meta.description,
        '',
        `**${c.remediation}** ${meta.remediation}`,
        '',
        `**${c.documentation}** <${meta.docsUrl}>`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `checks list [--format table|json|markdown] [--output FILE]`. */
export const registerChecks: RegisterCommand = (program: Command) => {
  const checksCommand = program.command('checks').description('The check catalogue.');
  checksCommand
    .command('list')
    .description(
      'Print every check: id, severity, category, title (Markdown adds descriptions and remediation).',
    )
    .option('--format <format>', `output format: ${CATALOGUE_FORMATS.join(', ')}`, 'table')
    .option('--output <file>', 'write to this file instead of stdout')
    .option('--lang <language>', 'language of titles, descriptions and remediation: en or ja (default en)')
    .action(async (options: { format: string; output?: string; lang?: string }) => {
      await checkOutputPath(options.output, CATALOGUE_FORMATS);
      const format = options.format.toLowerCase();
      if (!(CATALOGUE_FORMATS as readonly string[]).includes(format)) {
        throw new InputError(
          `--format must be one of ${CATALOGUE_FORMATS.join(', ')} (got "${options.format}")`,
        );
      }
      // English unless asked: `npm run docs` writes docs/checks.md from this listing on any machine.
      const language = options.lang === undefined ? DEFAULT_LANGUAGE : parseLanguage(options.lang);
      await emit(
        renderCatalogue(
          registeredChecks.map((check) => check.meta),
          format as CatalogueFormat,
          language,
        ),
        options.output,
      );
    });
};
