import { styleText } from 'node:util';
import type { Finding } from '../model/finding.js';
import { SEVERITIES, type Severity } from '../model/severity.js';
import {
  collectionBanner,
  DEFAULT_TITLE,
  errorLine,
  type RenderOptions,
  scopeCounts,
  scopeLabel,
} from './common.js';
import { cleanText, MAX_IDENTIFIER_LENGTH } from './escape.js';
import type { Report } from './types.js';

/** Lines are wrapped to this width so the report reads in a normal terminal and in CI logs. */
const WIDTH = 120;
const INDENT = '    ';
const SEVERITY_WIDTH = Math.max(...SEVERITIES.map((severity) => severity.length));

type Style = Parameters<typeof styleText>[0];

const SEVERITY_STYLE: Record<Severity, Style> = {
  CRITICAL: ['bold', 'red'],
  HIGH: 'red',
  MEDIUM: 'yellow',
  LOW: 'cyan',
  INFORMATIONAL: 'gray',
};

/**
 * Terminal report: a header with the run and scope completeness, findings grouped by severity (most
 * severe first, one finding per two lines), suppressed findings last and dimmed, and a footer with
 * the counts. Colour (ANSI, via `styleText`) only when `options.color` is true.
 */
export function renderTable(report: Report, options: RenderOptions): string {
  const paint = (style: Style, text: string): string =>
    options.color ? styleText(style, text, { validateStream: false }) : text;
  const lines: string[] = [];

  lines.push(paint('bold', id(options.title ?? DEFAULT_TITLE)));
  // An incomplete collection is said before anything else, so a report of a blind run never reads clean.
  const banner = collectionBanner(report);
  if (banner.headline) {
    const [first, ...rest] = wrap(cleanText(banner.headline), '', '  ');
    lines.push(paint(['bold', 'yellow'], first), ...rest.map((line) => paint('yellow', line)));
    for (const line of banner.unread) lines.push(...wrap(cleanText(line), '  ', '    '));
  }
  lines.push(`Run ${id(report.runId)}  ${id(report.startedAt)} .. ${id(report.finishedAt)}`);
  lines.push(`Baseline ${id(report.baseline.source)} (sha256 ${id(report.baseline.sha256.slice(0, 12))})`);
  const counts = scopeCounts(report);
  lines.push(
    `Scopes: ${counts.complete} complete, ${counts.incomplete === 0 ? '0 incomplete' : paint('yellow', `${counts.incomplete} incomplete`)}`,
  );
  for (const scope of report.scopes) {
    if (scope.status !== 'incomplete') continue;
    lines.push(...wrap(`${paint('yellow', 'incomplete:')} ${cleanText(scopeLabel(scope))}`, '  ', '    '));
    for (const error of scope.errors) lines.push(...wrap(cleanText(errorLine(error)), '    - ', '      '));
  }

  const open = report.findings.filter((finding) => !finding.suppressed);
  const suppressed = report.findings.filter((finding) => finding.suppressed);
  if (open.length === 0) lines.push('', 'No findings.');
  for (const severity of SEVERITIES) {
    const group = open.filter((finding) => finding.severity === severity);
    if (group.length === 0) continue;
    lines.push('', paint(SEVERITY_STYLE[severity], `${severity} (${group.length})`));
    for (const finding of group) lines.push(...findingLines(finding, paint));
  }
  if (suppressed.length > 0) {
    lines.push('', paint('dim', `SUPPRESSED (${suppressed.length})`));
    for (const finding of suppressed) {
      const reason = finding.suppressionReason ? `suppressed: ${finding.suppressionReason}` : 'suppressed';
      // Plain text dimmed as a whole, so a severity colour does not cancel the dimming midway.
      const plain = [
        ...findingLines(finding, (_style, value) => value),
        ...wrap(cleanText(reason), INDENT, INDENT),
      ];
      lines.push(...plain.map((line) => paint('dim', line)));
    }
  }

  const bySeverity = SEVERITIES.map((severity) => `${severity} ${report.summary.bySeverity[severity] ?? 0}`);
  lines.push(
    '',
    `Findings: ${report.summary.total} (${bySeverity.join(', ')}); suppressed: ${suppressed.length}`,
  );
  if (report.summary.usageUnknown)
    lines.push(`Usage unknown (evidence did not cover the window): ${report.summary.usageUnknown}`);
  if (report.summary.absenceUnknown)
    lines.push(
      `Absence undecided (a scope it rests on was not fully collected): ${report.summary.absenceUnknown}`,
    );
  return `${lines.join('\n')}\n`;
}

function findingLines(finding: Finding, paint: (style: Style, text: string) => string): string[] {
  const severity = paint(SEVERITY_STYLE[finding.severity], finding.severity.padEnd(SEVERITY_WIDTH));
  const head = `  ${severity}  ${id(finding.checkId)}  ${id(finding.resource.id)}`;
  return [head, ...wrap(cleanText(finding.message), INDENT, INDENT)];
}

/** An identifier from the report as one terminal-safe line, cut at {@link MAX_IDENTIFIER_LENGTH}. */
function id(value: string): string {
  return cleanText(value, MAX_IDENTIFIER_LENGTH);
}

/** Word-wraps one line to {@link WIDTH}; words longer than a line (ARNs) stay whole. */
function wrap(text: string, firstIndent: string, nextIndent: string): string[] {
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const word of text.split(' ')) {
    if (word === '') continue;
    if (!empty && visibleLength(line) + 1 + visibleLength(word) > WIDTH) {
      lines.push(line);
      line = nextIndent;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

function visibleLength(text: string): number {
  // ANSI colour codes take no columns.
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
