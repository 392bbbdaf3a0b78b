import { createHash } from 'node:crypto';
import type { Finding } from '../model/finding.js';
import { SEVERITIES } from '../model/severity.js';
import {
  catalogueById,
  collectionBanner,
  DEFAULT_TITLE,
  groupByAccountAndCluster,
  groupLabel,
  type RenderOptions,
  scopeCounts,
} from './common.js';
import {
  cleanText,
  escapeHtml,
  MAX_EVIDENCE_LENGTH,
  MAX_IDENTIFIER_LENGTH,
  revealInvisible,
  truncate,
} from './escape.js';
import type { Report } from './types.js';

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --warn: #fff8c5; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --bg: #0d1117; --warn: #3b2e00; } }
* { box-sizing: border-box; }
[hidden] { display: none; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: 1.5rem; max-width: 1200px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .4rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; margin: .25rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: color-mix(in srgb, var(--line) 35%, transparent); }
td.number, th.number { text-align: right; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0 1rem; }
.count { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; min-width: 8rem; }
.count strong { display: block; font-size: 1.4rem; }
.badge { display: inline-block; border-radius: 4px; padding: 0 .4rem; font-size: 12px; font-weight: 600; color: #fff; }
.sev-CRITICAL { background: #8b0000; } .sev-HIGH { background: #cf222e; } .sev-MEDIUM { background: #bf8700; }
.sev-LOW { background: #0969da; } .sev-INFORMATIONAL { background: #6e7781; }
.count.sev-CRITICAL, .count.sev-HIGH, .count.sev-MEDIUM, .count.sev-LOW, .count.sev-INFORMATIONAL { color: #fff; }
.message, .remediation { white-space: pre-wrap; overflow-wrap: anywhere; }
.remediation { margin-top: .35rem; color: var(--muted); }
.title { color: var(--muted); }
tr.suppressed td { opacity: .6; }
tr.incomplete td { background: var(--warn); }
.banner { background: var(--warn); border: 1px solid #bf8700; border-radius: 6px; padding: .6rem .9rem; margin: .75rem 0 1rem; }
.banner ul { margin: .35rem 0 0; }
#filter { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: 1rem 0; }
#filter label { margin-right: 1rem; white-space: nowrap; }
`;

// Shows the filter (hidden without JavaScript, where it could not work) and hides the finding rows,
// and the groups left empty, whose severity is unticked.
const SCRIPT = `
(() => {
  const filter = document.getElementById('filter');
  if (!filter) return;
  filter.hidden = false;
  const apply = () => {
    const shown = new Set(Array.from(filter.querySelectorAll('input[name="severity"]:checked'), (box) => box.value));
    const showSuppressed = filter.querySelector('input[name="suppressed"]').checked;
    for (const row of document.querySelectorAll('tr[data-severity]')) {
      row.hidden = !shown.has(row.dataset.severity) || (row.dataset.suppressed === 'true' && !showSuppressed);
    }
    for (const group of document.querySelectorAll('[data-group]')) {
      group.hidden = !group.querySelector('tr[data-severity]:not([hidden])');
    }
  };
  filter.addEventListener('change', apply);
  apply();
})();
`;

/** `'sha256-…'` CSP source for an inline element's exact text. */
function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * One self-contained HTML page: counts by severity and by check, the scope table with incomplete
 * scopes highlighted, findings grouped by account and cluster with remediation and evidence, and a
 * severity filter. Inline CSS and script only, allowed by a Content-Security-Policy that names their
 * SHA-256 hashes and allows nothing else; every value from the report is escaped, attributes too.
 * Without JavaScript every finding is shown.
 */
export function renderHtml(report: Report, options: RenderOptions): string {
  const title = options.title ?? DEFAULT_TITLE;
  const csp = [
    "default-src 'none'",
    `style-src ${cspHash(STYLE)}`,
    `script-src ${cspHash(SCRIPT)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const parts: string[] = [];
  parts.push(
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${id(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${id(title)}</h1>`,
  );
  const banner = collectionBanner(report);
  if (banner.headline) {
    const unread = banner.unread.map((line) => `<li>${text(line)}</li>`).join('');
    parts.push(
      `<div class="banner" role="alert" id="collection"><strong>${text(banner.headline)}</strong>` +
        `${unread ? `<ul>${unread}</ul>` : ''}</div>`,
    );
  }
  parts.push(metaLine(report));
  parts.push(summarySection(report, options));
  parts.push(scopeSection(report));
  parts.push(findingsSection(report, options));
  parts.push(`<script>${SCRIPT}</script>`, '</body>', '</html>');
  return `${parts.join('\n')}\n`;
}

function metaLine(report: Report): string {
  const baseline = report.baseline;
  const version = [
    baseline.etag ? `ETag ${id(baseline.etag)}` : '',
    baseline.versionId ? `version ${id(baseline.versionId)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    `<p class="meta">Run <code>${id(report.runId)}</code> · ${id(report.startedAt)} → ` +
    `${id(report.finishedAt)}<br>Baseline <code>${id(baseline.source)}</code> ` +
    `(sha256 <code>${id(baseline.sha256)}</code>${version ? `; ${version}` : ''})</p>`
  );
}

function summarySection(report: Report, options: RenderOptions): string {
  const summary = report.summary;
  const counts = SEVERITIES.map(
    (severity) =>
      `<div class="count sev-${escapeHtml(severity)}"><strong>${summary.bySeverity[severity] ?? 0}</strong>${escapeHtml(severity)}</div>`,
  );
  counts.push(`<div class="count"><strong>${summary.total}</strong>Total</div>`);
  counts.push(`<div class="count"><strong>${summary.suppressed ?? 0}</strong>Suppressed</div>`);
  if (summary.usageUnknown !== undefined)
    counts.push(`<div class="count"><strong>${summary.usageUnknown}</strong>Usage unknown</div>`);
  if (summary.absenceUnknown)
    counts.push(`<div class="count"><strong>${summary.absenceUnknown}</strong>Absence undecided</div>`);

  const catalogue = catalogueById(options.checks);
  const titles = new Map(report.findings.map((finding) => [finding.checkId, finding.title]));
  const checkRows = Object.entries(summary.byCheck).map(([checkId, count]) => {
    const title = catalogue.get(checkId)?.title ?? titles.get(checkId) ?? '';
    return `<tr><td><code>${id(checkId)}</code></td><td>${text(title)}</td><td class="number">${count}</td></tr>`;
  });
  return [
    '<h2>Summary</h2>',
    '<p class="meta">Counts by severity exclude suppressed findings; counts by check include them.</p>',
    `<div class="counts">${counts.join('')}</div>`,
    '<table id="by-check">',
    '<thead><tr><th>Check</th><th>Title</th><th class="number">Findings</th></tr></thead>',
    `<tbody>${checkRows.join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

function scopeSection(report: Report): string {
  const counts = scopeCounts(report);
  const rows = report.scopes.map((scope) => {
    const errors = scope.errors
      .map(
        (error) =>
          `<li><code>${id(error.service)} ${id(error.operation)}</code>` +
          `${error.resource ? ` on <code>${id(error.resource)}</code>` : ''}: ` +
          `<strong>${id(error.code)}</strong> ${text(error.message)}</li>`,
      )
      .join('');
    return (
      `<tr class="${scope.status === 'incomplete' ? 'incomplete' : 'complete'}">` +
      `<td>${id(scope.accountId)}</td><td>${id(scope.region ?? '')}</td>` +
      `<td>${id(scope.cluster ?? '')}</td><td>${id(scope.level ?? '')}</td>` +
      `<td>${id(scope.status)}</td><td>${errors ? `<ul>${errors}</ul>` : ''}</td></tr>`
    );
  });
  return [
    '<h2>Scopes</h2>',
    `<p class="meta">${counts.complete} complete, ${counts.incomplete} incomplete. Inside an incomplete ` +
      'scope no missing or unused finding is reported.</p>',
    '<table id="scopes">',
    '<thead><tr><th>Account</th><th>Region</th><th>Cluster</th><th>Level</th><th>Status</th><th>Errors</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

function findingsSection(report: Report, options: RenderOptions): string {
  const catalogue = catalogueById(options.checks);
  const parts = ['<h2>Findings</h2>'];
  if (report.findings.length === 0) {
    parts.push('<p>No findings.</p>');
    return parts.join('\n');
  }
  const boxes = SEVERITIES.map(
    (severity) =>
      `<label><input type="checkbox" name="severity" value="${escapeHtml(severity)}" checked> ${escapeHtml(severity)}</label>`,
  );
  boxes.push('<label><input type="checkbox" name="suppressed" checked> suppressed</label>');
  parts.push(`<form id="filter" hidden><strong>Show:</strong> ${boxes.join(' ')}</form>`);

  for (const account of groupByAccountAndCluster(report.findings)) {
    // Baseline-level findings (an expired exception) belong to no account.
    const heading = account.accountId ? `Account ${id(account.accountId)}` : 'Baseline';
    parts.push(`<section data-group="account"><h3>${heading}</h3>`);
    for (const group of account.groups) {
      parts.push(
        `<section data-group="cluster"><h4>${id(groupLabel(group))}</h4>`,
        '<table class="findings">',
        '<thead><tr><th>Severity</th><th>Check</th><th>Resource</th><th>Finding and remediation</th></tr></thead>',
        '<tbody>',
        ...group.findings.map((finding) => findingRow(finding, catalogue.get(finding.checkId)?.docsUrl)),
        '</tbody>',
        '</table>',
        '</section>',
      );
    }
    parts.push('</section>');
  }
  return parts.join('\n');
}

function findingRow(finding: Finding, docsUrl: string | undefined): string {
  const severity = escapeHtml(finding.severity);
  const suppressed = finding.suppressed === true;
  const details: string[] = [
    `<div class="message">${text(finding.message)}</div>`,
    `<div class="remediation"><strong>Remediation:</strong> ${text(finding.remediation)}</div>`,
  ];
  if (suppressed)
    details.push(
      `<div class="remediation"><strong>Suppressed:</strong> ${text(finding.suppressionReason ?? 'baseline exception')}</div>`,
    );
  if (finding.baselineLocation) {
    const where = finding.baselineLocation;
    details.push(
      `<div class="remediation">Declared at <code>${id(`${where.file}:${where.line}:${where.column}`)}</code></div>`,
    );
  }
  if (Object.keys(finding.evidence).length > 0)
    details.push(
      `<details><summary>Evidence</summary><pre>${evidenceText(finding.evidence)}</pre></details>`,
    );
  const docs = safeHttpUrl(docsUrl);
  const link = docs ? ` <a href="${escapeHtml(docs)}" rel="noreferrer noopener">docs</a>` : '';
  return (
    `<tr class="${suppressed ? 'suppressed' : 'open'}" id="${id(finding.id)}" ` +
    `data-severity="${severity}" data-suppressed="${suppressed}">` +
    `<td><span class="badge sev-${severity}">${severity}</span></td>` +
    `<td><code>${id(finding.checkId)}</code><br><span class="title">${text(finding.title)}</span>${link}</td>` +
    `<td><code>${id(finding.resource.id)}</code><br><span class="title">${id(finding.resource.type)}</span></td>` +
    `<td>${details.join('')}</td></tr>`
  );
}

/** Only http(s) links are rendered, so a catalogue entry cannot smuggle in a `javascript:` URL. */
function safeHttpUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** Text from the report for element content or an attribute: one line, invisible characters shown, bounded. */
function text(value: string, max?: number): string {
  return escapeHtml(cleanText(value, max));
}

/** An identifier from the report, cut at {@link MAX_IDENTIFIER_LENGTH}. */
function id(value: string): string {
  return text(value, MAX_IDENTIFIER_LENGTH);
}

/** Evidence as pretty JSON (which escapes control characters), invisible characters shown, bounded. */
function evidenceText(evidence: Record<string, unknown>): string {
  return escapeHtml(truncate(revealInvisible(JSON.stringify(evidence, null, 2)), MAX_EVIDENCE_LENGTH));
}
