import { styleText } from 'node:util';
import type { Finding } from '../model/finding.js';
import { SEVERITIES, type Severity } from '../model/severity.js';
import {
  collectionBanner,
  collectionLine,
  errorLine,
  localizerFor,
  type RenderOptions,
  scopeLabel,
  usageEvidenceLine,
  usageStillUnknown,
} from './common.js';
import { cleanText, MAX_IDENTIFIER_LENGTH } from './escape.js';
import type { Localizer } from './localize.js';
import { isCommand, segmentsOf } from './segments.js';
import type { Report } from './types.js';
import { proseTokens, type WrapToken, wrapText, wrapTokens } from './wrap.js';

/** Lines are wrapped to this width so the report reads in a normal terminal and in CI logs. */
const WIDTH = 120;
const INDENT = '    ';
const SEVERITY_WIDTH = Math.max(...SEVERITIES.map((severity) => severity.length));

type Style = Parameters<typeof styleText>[0];
type Paint = (style: Style, text: string) => string;

const SEVERITY_STYLE: Record<Severity, Style> = {
  CRITICAL: ['bold', 'red'],
  HIGH: 'red',
  MEDIUM: 'yellow',
  LOW: 'cyan',
  INFORMATIONAL: 'gray',
};

/**
 * Terminal report: a header with the run and scope completeness, findings grouped by severity (most
 * severe first, each with its message and, unless `remediation` is false, its fix with the exact
 * command on one line), suppressed findings last and dimmed, and a footer with the counts and
 * whether the collection was COMPLETE or INCOMPLETE. Colour (ANSI, via `styleText`) only when
 * `options.color` is true.
 */
export function renderTable(report: Report, options: RenderOptions): string {
  const paint: Paint = (style, text) =>
    options.color ? styleText(style, text, { validateStream: false }) : text;
  const text = localizerFor(options);
  const { t } = text;
  const lines: string[] = [];

  lines.push(paint('bold', id(options.title ?? t.defaultTitle)));
  // An incomplete collection is said before anything else, so a report of a blind run never reads clean.
  const banner = collectionBanner(report, text);
  if (banner.headline) {
    const [first, ...rest] = wrap(cleanText(banner.headline), '', '  ');
    lines.push(paint(['bold', 'yellow'], first), ...rest.map((line) => paint('yellow', line)));
    for (const line of banner.unread) lines.push(...wrap(cleanText(line), '  ', '    '));
  }
  lines.push(`${t.run} ${id(report.runId)}  ${id(report.startedAt)} .. ${id(report.finishedAt)}`);
  lines.push(
    `${t.baseline} ${id(report.baseline.source)} (sha256 ${id(report.baseline.sha256.slice(0, 12))})`,
  );
  const counts = { complete: 0, incomplete: 0 };
  for (const scope of report.scopes) counts[scope.status === 'incomplete' ? 'incomplete' : 'complete'] += 1;
  const scopeLine = t.scopeCounts(counts.complete, counts.incomplete);
  lines.push(counts.incomplete === 0 ? scopeLine : paint('yellow', scopeLine));
  for (const scope of report.scopes) {
    if (scope.status !== 'incomplete') continue;
    lines.push(
      ...wrap(`${paint('yellow', t.incompleteScope)} ${cleanText(scopeLabel(scope, t))}`, '  ', '    '),
    );
    for (const error of scope.errors) lines.push(...wrap(cleanText(errorLine(error)), '    - ', '      '));
  }

  const showFix = options.remediation !== false;
  const open = report.findings.filter((finding) => !finding.suppressed);
  const suppressed = report.findings.filter((finding) => finding.suppressed);
  if (open.length === 0) lines.push('', t.noFindings);
  for (const severity of SEVERITIES) {
    const group = open.filter((finding) => finding.severity === severity);
    if (group.length === 0) continue;
    lines.push('', paint(SEVERITY_STYLE[severity], `${severity} (${group.length})`));
    for (const finding of group) {
      lines.push(...findingLines(finding, text, paint));
      if (showFix) lines.push(...fixLines(finding, text, paint));
    }
  }
  if (suppressed.length > 0) {
    lines.push('', paint('dim', `${t.suppressedHeading} (${suppressed.length})`));
    for (const finding of suppressed) {
      const reason = finding.suppressionReason
        ? t.suppressedReason(finding.suppressionReason)
        : t.suppressedReason(t.suppressedDefaultReason);
      // Plain text dimmed as a whole, so a severity colour does not cancel the dimming midway.
      const plain = [
        ...findingLines(finding, text, (_style, value) => value),
        ...wrap(cleanText(reason), INDENT, INDENT),
      ];
      lines.push(...plain.map((line) => paint('dim', line)));
    }
  }

  const bySeverity = SEVERITIES.map((severity) => `${severity} ${report.summary.bySeverity[severity] ?? 0}`);
  lines.push('', t.findingsFooter(report.summary.total, bySeverity.join(', '), suppressed.length));
  const collection = collectionLine(report, t);
  lines.push(
    ...wrap(collection, '', '  ').map((line) =>
      report.collection?.status === 'incomplete' || counts.incomplete > 0
        ? paint(['bold', 'yellow'], line)
        : line,
    ),
  );
  const usage = usageEvidenceLine(report, t);
  if (usage) {
    const pending = usageStillUnknown(report);
    lines.push(...wrap(cleanText(usage), '', '  ').map((line) => (pending ? paint('yellow', line) : line)));
  }
  if (report.summary.usageUnknown) lines.push(t.usageUnknown(report.summary.usageUnknown));
  if (report.summary.absenceUnknown) lines.push(t.absenceUndecided(report.summary.absenceUnknown));
  return `${lines.join('\n')}\n`;
}

function findingLines(finding: Finding, text: Localizer, paint: Paint): string[] {
  const severity = paint(SEVERITY_STYLE[finding.severity], finding.severity.padEnd(SEVERITY_WIDTH));
  const head = `  ${severity}  ${id(finding.checkId)}  ${id(finding.resource.id)}`;
  return [head, ...wrap(cleanText(text.message(finding)), INDENT, INDENT)];
}

/**
 * The finding's fix on the lines under it: prose wraps, but each command (a code span) stays whole
 * on one line, without its backticks, so it can be copied as it is.
 */
function fixLines(finding: Finding, text: Localizer, paint: Paint): string[] {
  const remediation = cleanText(text.remediation(finding));
  if (remediation === '') return [];
  const tokens: WrapToken[] = [{ text: paint('dim', text.t.fix), space: false }];
  let space = true;
  let afterCommand = false;
  for (const segment of segmentsOf(remediation)) {
    if (segment.kind === 'text') {
      // A full stop right after a command would be copied with it: the sentence ends without it.
      const prose = afterCommand ? segment.text.replace(/^(?:。|\.(?=\s|$))/, '') : segment.text;
      proseTokens(prose, space || prose !== segment.text, tokens);
      space = /\s$/.test(prose);
      afterCommand = false;
      continue;
    }
    tokens.push({ text: paint('bold', segment.text), space });
    space = false;
    afterCommand = isCommand(segment.text);
  }
  return wrapTokens(tokens, WIDTH, INDENT, `${INDENT}  `);
}

/** An identifier from the report as one terminal-safe line, cut at {@link MAX_IDENTIFIER_LENGTH}. */
function id(value: string): string {
  return cleanText(value, MAX_IDENTIFIER_LENGTH);
}

function wrap(value: string, firstIndent: string, nextIndent: string): string[] {
  return wrapText(value, WIDTH, firstIndent, nextIndent);
}
