import type { Command } from 'commander';
import { checks as registeredChecks } from '../shared/checks/index.js';
import type { CheckMeta } from '../shared/checks/types.js';
import { InputError } from '../shared/errors.js';
import type { CheckCategory } from '../shared/model/finding.js';
import type { RegisterCommand } from './commands.js';
import { checkOutputPath, emit } from './output.js';

/** Formats of `checks list`. */
export const CATALOGUE_FORMATS = ['table', 'json', 'markdown'] as const;
export type CatalogueFormat = (typeof CATALOGUE_FORMATS)[number];

const CATEGORY_ORDER: CheckCategory[] = ['drift', 'trust', 'runtime', 'usage', 'meta', 'cutover'];

const CATEGORY_HEADINGS: Record<CheckCategory, string> = {
  drift: 'Drift: deployed against declared',
  trust: 'Trust policies',
  runtime: 'Runtime readiness',
  usage: 'Usage evidence',
  meta: 'The audit itself',
  cutover: 'Blue/green cutover',
};

/**
 * Renders the check catalogue. The Markdown form is `docs/checks.md` (written by `npm run docs`),
 * so it depends only on the registry: no dates, no environment.
 *
 * @example renderCatalogue(checks.map((check) => check.meta), 'markdown')
 */
export function renderCatalogue(catalogue: CheckMeta[], format: CatalogueFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(catalogue, null, 2)}\n`;
    case 'table':
      return renderTable(catalogue);
    case 'markdown':
      return renderMarkdown(catalogue);
  }
}

function renderTable(catalogue: CheckMeta[]): string {
  const rows = [
    ['CHECK', 'SEVERITY', 'CATEGORY', 'TITLE'],
    ...catalogue.map((meta) => [meta.id, meta.severity, meta.category, meta.title]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column].length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]) : cell))
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

function renderMarkdown(catalogue: CheckMeta[]): string {
  const lines: string[] = [
    '# Check catalogue',
    '',
    '<!-- Generated from the check registry (shared/checks/index.ts) by `npm run docs`; do not edit by hand. -->',
    '',
    `${catalogue.length} checks. The severity shown is the default a finding carries; check ids are stable and never renamed. ` +
      'Suppress a finding with an `exceptions:` entry in the baseline (check id plus a glob on the resource id).',
    '',
    '| Check | Severity | Category | Title |',
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
    lines.push('', `## ${CATEGORY_HEADINGS[category] ?? category}`);
    for (const meta of members) {
      lines.push(
        '',
        `### ${meta.id}`,
        '',
        `**${meta.title}** · severity ${meta.severity} · category ${meta.category}`,
        '',
        meta.description,
        '',
        `**Remediation:** ${meta.remediation}`,
        '',
        `**AWS documentation:** <${meta.docsUrl}>`,
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
    .action(async (options: { format: string; output?: string }) => {
      await checkOutputPath(options.output, CATALOGUE_FORMATS);
      const format = options.format.toLowerCase();
      if (!(CATALOGUE_FORMATS as readonly string[]).includes(format)) {
        throw new InputError(
          `--format must be one of ${CATALOGUE_FORMATS.join(', ')} (got "${options.format}")`,
        );
      }
      await emit(
        renderCatalogue(
          registeredChecks.map((check) => check.meta),
          format as CatalogueFormat,
        ),
        options.output,
      );
    });
};
