import type { RenderOptions } from './common.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderTable } from './table.js';
import type { Report } from './types.js';

export { type BuildReportInput, buildReport, compareFindings, summarize } from './build.js';
export { DEFAULT_TITLE, type RenderOptions } from './common.js';
export {
  cleanText,
  ELLIPSIS,
  escapeHtml,
  escapeMarkdown,
  escapeSlack,
  escapeTerminal,
  MAX_EVIDENCE_LENGTH,
  MAX_IDENTIFIER_LENGTH,
  MAX_TEXT_LENGTH,
  neutralizeMentions,
  revealInvisible,
  singleLine,
  truncate,
} from './escape.js';
export { renderHtml } from './html.js';
export { renderJson } from './json.js';
export { renderMarkdown } from './markdown.js';
export {
  renderSarif,
  SARIF_LEVEL,
  SARIF_SCHEMA,
  SECURITY_SEVERITY,
  TOOL_INFORMATION_URI,
  TOOL_NAME,
} from './sarif.js';
export { renderTable } from './table.js';
export { type Report, ReportSchema } from './types.js';

/** Report formats, in the order the CLI lists them (`table` is the default on a terminal). */
export const REPORT_FORMATS = ['table', 'json', 'markdown', 'html', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * Renders a report in one format. Pure: the output depends only on the report and the options, so
 * the same run renders byte for byte the same.
 *
 * @example renderReport(report, 'markdown', { checks: registry.map((check) => check.meta) })
 */
export function renderReport(report: Report, format: ReportFormat, options: RenderOptions): string {
  switch (format) {
    case 'table':
      return renderTable(report, options);
    case 'json':
      return renderJson(report);
    case 'markdown':
      return renderMarkdown(report, options);
    case 'html':
      return renderHtml(report, options);
    case 'sarif':
      return renderSarif(report, options);
  }
}

/** True when `text` names a report format. */
export function isReportFormat(text: string): text is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(text);
}
