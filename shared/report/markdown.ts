import type { Finding } from '../model/finding.js';
import { SEVERITIES } from '../model/severity.js';
import { joinedChunks, trimmedEndChunks } from './chunks.js';
import {
  collectionBanner,
  collectionLine,
  errorLine,
  groupByAccountAndCluster,
  groupLabel,
  listedFindings,
  localizerFor,
  type RenderOptions,
  scopeCounts,
  scopeLabel,
  usageEvidenceLine,
} from './common.js';
import { cleanText, escapeMarkdown, MAX_IDENTIFIER_LENGTH, neutralizeMentions } from './escape.js';
import type { Localizer } from './localize.js';
import { segmentsOf } from './segments.js';
import type { Report } from './types.js';

/**
 * Markdown report for chat and tickets: title, counts by severity, incomplete scopes, findings
 * grouped by account and cluster (check id, severity, message, resource, remediation), then the
 * suppressed findings. Every string that came from AWS or the baseline is escaped and its mentions
 * and links neutralized.
 */
export function renderMarkdown(report: Report, options: RenderOptions): string {
  return [...renderMarkdownChunks(report, options)].join('');
}

/**
 * {@link renderMarkdown} in pieces whose concatenation is the same text, for reports too large to
 * be one string.
 *
 * @example for (const chunk of renderMarkdownChunks(report, options)) stream.write(chunk);
 */
export function* renderMarkdownChunks(report: Report, options: RenderOptions): Generator<string> {
  yield* trimmedEndChunks(joinedChunks(markdownLines(report, options), '\n'));
  yield '\n';
}

/** The report's lines, as the reader sees them. */
function* markdownLines(report: Report, options: RenderOptions): Generator<string> {
  const localized = localizerFor(options);
  const { t } = localized;
  const m = t.markdown;
  // Lines are gathered a section at a time and handed on, so no more than one group is held.
  let out: string[] = [];
  const flush = function* () {
    yield* out;
    out = [];
  };
  out.push(`# ${text(options.title ?? t.defaultTitle)}`, '');
  const banner = collectionBanner(report, localized);
  if (banner.headline) {
    out.push(`> **${text(banner.headline)}**`);
    if (banner.unread.length > 0) out.push('>', ...banner.unread.map((line) => `> - ${text(line)}`));
    out.push('');
  }
  out.push(
    `${t.run} ${code(report.runId)} · ${text(report.startedAt)} → ${text(report.finishedAt)} · ${t.baseline} ` +
      `${code(report.baseline.source)} (sha256 ${code(report.baseline.sha256.slice(0, 12))})`,
    '',
  );

  out.push(`| ${m.severity} | ${m.findings} |`, '| --- | ---: |');
  for (const severity of SEVERITIES)
    out.push(`| ${severity} | ${report.summary.bySeverity[severity] ?? 0} |`);
  out.push(`| **${m.total}** | **${report.summary.total}** |`);
  out.push(`| ${m.suppressed} | ${report.summary.suppressed ?? 0} |`, '');
  if (report.summary.usageUnknown) out.push(text(t.usageUnknown(report.summary.usageUnknown)), '');
  if (report.summary.absenceUnknown) out.push(text(t.absenceUndecided(report.summary.absenceUnknown)), '');

  const counts = scopeCounts(report);
  out.push(`${text(t.scopeCounts(counts.complete, counts.incomplete))}`, '');
  out.push(`**${text(collectionLine(report, t))}**`, '');
  const usage = usageEvidenceLine(report, t);
  if (usage) out.push(text(usage), '');
  if (counts.incomplete > 0) {
    out.push(m.incompleteScopes, '');
    for (const scope of report.scopes) {
      if (scope.status !== 'incomplete') continue;
      out.push(`- ${text(scopeLabel(scope, t))}`);
      for (const error of scope.errors) out.push(`  - ${text(errorLine(error))}`);
    }
    out.push('');
  }

  const listed = listedFindings(report, options, localized);
  if (listed.note) out.push(`**${text(listed.note)}**`, '');
  const open = listed.findings.filter((finding) => !finding.suppressed);
  const suppressed = listed.findings.filter((finding) => finding.suppressed);
  if (open.length === 0) out.push(t.noFindings, '');
  for (const account of groupByAccountAndCluster(open)) {
    // Baseline-level findings (an expired exception) belong to no account.
    out.push(
      account.accountId
        ? `## ${text(t.accountHeading(cleanText(account.accountId, MAX_IDENTIFIER_LENGTH)))}`
        : `## ${t.baselineHeading}`,
      '',
    );
    for (const group of account.groups) {
      out.push(`### ${text(groupLabel(group, t))}`, '');
      for (const finding of group.findings) out.push(...findingItem(finding, localized));
      out.push('');
      yield* flush();
    }
  }

  if (suppressed.length > 0) {
    const allSuppressed = listed.note
      ? report.findings.filter((finding) => finding.suppressed).length
      : suppressed.length;
    out.push(`## ${m.suppressed} (${allSuppressed})`, '');
    for (const finding of suppressed) {
      const where = [finding.accountId, finding.region, finding.cluster].filter(Boolean).join(' / ');
      out.push(...findingItem(finding, localized, where));
      out.push(`  - ${m.suppressedLine}: ${text(finding.suppressionReason ?? t.suppressedDefaultReason)}`);
      yield* flush();
    }
    out.push('');
  }
  yield* flush();
}

function findingItem(finding: Finding, localized: Localizer, where?: string): string[] {
  const m = localized.t.markdown;
  const place = where ? ` (${text(where)})` : '';
  return [
    `- **${finding.severity}** ${code(finding.checkId)}${place}: ${text(localized.message(finding))}`,
    `  - ${m.resource}: ${code(finding.resource.id)}`,
    `  - ${m.remediation}: ${remediation(localized.remediation(finding))}`,
  ];
}

/**
 * Remediation with its literals as code: a remediation that is one `aws` command is one code span;
 * otherwise prose is escaped text and each code span or JSON document of it a code span. Each line
 * (a translation appends the original's extra commands) is cleaned like any other text.
 */
function remediation(value: string): string {
  if (/^aws [a-z0-9-]+ [a-z0-9-]+/.test(value) && !value.includes('`')) return code(value);
  return value
    .split('\n')
    .map((line) =>
      segmentsOf(cleanText(line))
        .map((segment) => (segment.kind === 'text' ? text(segment.text) : code(segment.text)))
        .join(''),
    )
    .join(' ');
}

/**
 * Inline text from data: one line, invisible characters shown, cut at `max` characters,
 * Markdown-escaped, mentions and links neutralized.
 */
function text(value: string, max?: number): string {
  return escapeMarkdown(neutralizeMentions(cleanText(value, max)));
}

/**
 * A code span for identifiers (ARNs, ids). Text with a backtick is escaped as plain text instead,
 * because chat renderers do not agree on longer backtick fences.
 */
function code(value: string): string {
  const line = cleanText(value, MAX_IDENTIFIER_LENGTH);
  if (line.includes('`') || line.trim() === '') return text(line);
  return `\`${neutralizeMentions(line)}\``;
}
