import type { Finding } from '../model/finding.js';
import { SEVERITIES } from '../model/severity.js';
import {
  collectionBanner,
  DEFAULT_TITLE,
  errorLine,
  groupByAccountAndCluster,
  groupLabel,
  type RenderOptions,
  scopeCounts,
  scopeLabel,
} from './common.js';
import { cleanText, escapeMarkdown, MAX_IDENTIFIER_LENGTH, neutralizeMentions } from './escape.js';
import type { Report } from './types.js';

/**
 * Markdown report for chat and tickets: title, counts by severity, incomplete scopes, findings
 * grouped by account and cluster (check id, severity, message, resource, remediation), then the
 * suppressed findings. Every string that came from AWS or the baseline is escaped and its mentions
 * and links neutralized.
 */
export function renderMarkdown(report: Report, options: RenderOptions): string {
  const out: string[] = [];
  out.push(`# ${text(options.title ?? DEFAULT_TITLE)}`, '');
  const banner = collectionBanner(report);
  if (banner.headline) {
    out.push(`> **${text(banner.headline)}**`);
    if (banner.unread.length > 0) out.push('>', ...banner.unread.map((line) => `> - ${text(line)}`));
    out.push('');
  }
  out.push(
    `Run ${code(report.runId)} · ${text(report.startedAt)} → ${text(report.finishedAt)} · baseline ` +
      `${code(report.baseline.source)} (sha256 ${code(report.baseline.sha256.slice(0, 12))})`,
    '',
  );

  out.push('| Severity | Findings |', '| --- | ---: |');
  for (const severity of SEVERITIES)
    out.push(`| ${severity} | ${report.summary.bySeverity[severity] ?? 0} |`);
  out.push(`| **Total** | **${report.summary.total}** |`);
  out.push(`| Suppressed | ${report.summary.suppressed ?? 0} |`, '');
  if (report.summary.usageUnknown)
    out.push(
      `Usage could not be decided for ${report.summary.usageUnknown} resources (evidence did not cover the window).`,
      '',
    );
  if (report.summary.absenceUnknown)
    out.push(
      `${report.summary.absenceUnknown} claims of absence (missing, not found, stale, dangling) could not be decided: a scope they rest on was not fully collected.`,
      '',
    );

  const counts = scopeCounts(report);
  out.push(`Scopes: ${counts.complete} complete, ${counts.incomplete} incomplete.`, '');
  if (counts.incomplete > 0) {
    out.push(`**Incomplete scopes**: missing and unused findings are not reported inside them.`, '');
    for (const scope of report.scopes) {
      if (scope.status !== 'incomplete') continue;
      out.push(`- ${text(scopeLabel(scope))}`);
      for (const error of scope.errors) out.push(`  - ${text(errorLine(error))}`);
    }
    out.push('');
  }

  const open = report.findings.filter((finding) => !finding.suppressed);
  const suppressed = report.findings.filter((finding) => finding.suppressed);
  if (open.length === 0) out.push('No findings.', '');
  for (const account of groupByAccountAndCluster(open)) {
    // Baseline-level findings (an expired exception) belong to no account.
    out.push(
      account.accountId ? `## Account ${text(account.accountId, MAX_IDENTIFIER_LENGTH)}` : '## Baseline',
      '',
    );
    for (const group of account.groups) {
      out.push(`### ${text(groupLabel(group))}`, '');
      for (const finding of group.findings) out.push(...findingItem(finding));
      out.push('');
    }
  }

  if (suppressed.length > 0) {
    out.push(`## Suppressed (${suppressed.length})`, '');
    for (const finding of suppressed) {
      const where = [finding.accountId, finding.region, finding.cluster].filter(Boolean).join(' / ');
      out.push(...findingItem(finding, where));
      out.push(`  - Suppressed: ${text(finding.suppressionReason ?? 'baseline exception')}`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function findingItem(finding: Finding, where?: string): string[] {
  const place = where ? ` (${text(where)})` : '';
  return [
    `- **${finding.severity}** ${code(finding.checkId)}${place}: ${text(finding.message)}`,
    `  - Resource: ${code(finding.resource.id)}`,
    `  - Remediation: ${remediation(finding.remediation)}`,
  ];
}

/** A remediation that is one `aws` command reads best as code; prose is escaped text. */
function remediation(value: string): string {
  return /^aws [a-z0-9-]+ [a-z0-9-]+/.test(value) ? code(value) : text(value);
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
