import { createHash } from 'node:crypto';
import { compareText } from '../model/compare.js';
import type { Finding } from '../model/finding.js';
import { SEVERITIES, type Severity, severityRank } from '../model/severity.js';
import { joinedChunks } from './chunks.js';
import {
  catalogueById,
  collectionBanner,
  collectionLine,
  groupByAccountAndCluster,
  groupLabel,
  listedFindings,
  localizerFor,
  type RenderOptions,
  scopeCounts,
  usageEvidenceLine,
  usageStillUnknown,
} from './common.js';
import {
  cleanText,
  escapeHtml,
  MAX_EVIDENCE_LENGTH,
  MAX_IDENTIFIER_LENGTH,
  revealInvisible,
  truncate,
} from './escape.js';
import type { Localizer } from './localize.js';
import { isCommand, segmentsOf } from './segments.js';
import { renderTrend } from './trend-svg.js';
import type { Report } from './types.js';
import { affectedWorkloads } from './workloads.js';

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --warn: #fff8c5; --code: #f3f4f6; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --bg: #0d1117; --warn: #3b2e00; --code: #161b22; } }
* { box-sizing: border-box; }
[hidden] { display: none; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans CJK JP", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: 1.5rem; max-width: 1200px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .4rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
code { background: var(--code); border-radius: 3px; padding: 0 .2rem; }
pre { white-space: pre-wrap; margin: .25rem 0; }
pre.command { background: var(--code); border: 1px solid var(--line); border-radius: 6px; padding: .4rem .6rem; }
pre.command code { background: none; padding: 0; }
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
.message, .remediation { overflow-wrap: anywhere; }
.remediation { margin-top: .35rem; }
.title { color: var(--muted); }
tr.suppressed td { opacity: .6; }
tr.incomplete td { background: var(--warn); }
.banner { background: var(--warn); border: 1px solid #bf8700; border-radius: 6px; padding: .6rem .9rem; margin: .75rem 0 1rem; }
.banner ul { margin: .35rem 0 0; }
.status { font-weight: 600; }
.status.incomplete { background: var(--warn); padding: 0 .3rem; }
#filter { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: 1rem 0; }
#filter label { margin-right: 1rem; white-space: nowrap; }
#fix-first { padding-left: 1.5rem; }
#fix-first > li { margin: 0 0 1rem; }
#fix-first .where { color: var(--muted); }
.scroll { overflow-x: auto; }
@media (max-width: 640px) { body { padding: .75rem; } table { display: block; overflow-x: auto; } th, td { padding: .25rem .35rem; } }
.trend svg { width: 100%; height: auto; max-width: 900px; display: block; }
.trend text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.trend .axis { stroke: var(--line); stroke-width: 1; }
.trend .legend { display: flex; flex-wrap: wrap; gap: .75rem; margin: .25rem 0; color: var(--muted); }
.trend .swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: middle; margin-right: .25rem; }
.trend rect.sev-CRITICAL { fill: #8b0000; } .trend rect.sev-HIGH { fill: #cf222e; } .trend rect.sev-MEDIUM { fill: #bf8700; }
.trend rect.sev-LOW { fill: #0969da; } .trend rect.sev-INFORMATIONAL { fill: #6e7781; }
.trend rect.resolved { fill-opacity: .45; }
.trend rect.total { fill: #8c959f; }
.trend text.incomplete { fill: #bf8700; font-weight: 700; }
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

/** Open findings listed under "fix first"; the rest are counted, and all are under Findings. */
export const FIX_FIRST_LIMIT = 20;

/** `'sha256-…'` CSP source for an inline element's exact text. */
function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * One self-contained HTML page that opens with what to fix: the open findings most severe first,
 * then by how many workloads each affects, each with its exact command; then the trend of the
 * stored runs (inline SVG, when `options.trend` is given), counts by severity and by check (with
 * its severity), the scopes (complete ones on one line, incomplete ones in a table with their
 * errors), and the findings grouped by account and cluster with a severity filter.
 *
 * Inline CSS and script only, allowed by a Content-Security-Policy that names their SHA-256 hashes
 * and allows nothing else; every value from the report is escaped, attributes too, and code spans
 * of remediation text are shown as code. Without JavaScript every finding is shown.
 */
export function renderHtml(report: Report, options: RenderOptions): string {
  return [...renderHtmlChunks(report, options)].join('');
}

/**
 * {@link renderHtml} in pieces whose concatenation is the same page, for reports too large to be
 * one string.
 *
 * @example for (const chunk of renderHtmlChunks(report, options)) stream.write(chunk);
 */
export function* renderHtmlChunks(report: Report, options: RenderOptions): Generator<string> {
  yield* joinedChunks(htmlLines(report, options), '\n');
  yield '\n';
}

/** The page's lines (elements and sections, joined by newlines). */
function* htmlLines(report: Report, options: RenderOptions): Generator<string> {
  const localized = localizerFor(options);
  const { t } = localized;
  const title = options.title ?? t.defaultTitle;
  const csp = [
    "default-src 'none'",
    `style-src ${cspHash(STYLE)}`,
    `script-src ${cspHash(SCRIPT)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  yield* [
    '<!doctype html>',
    `<html lang="${escapeHtml(localized.language)}">`,
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
  ];
  const banner = collectionBanner(report, localized);
  if (banner.headline) {
    const unread = banner.unread.map((line) => `<li>${text(line)}</li>`).join('');
    yield `<div class="banner" role="alert" id="collection"><strong>${text(banner.headline)}</strong>` +
      `${unread ? `<ul>${unread}</ul>` : ''}</div>`;
  }
  yield metaLine(report, localized);
  yield fixFirstSection(report, localized);
  if (options.trend && options.trend.length > 0) yield renderTrend(options.trend, localized.t);
  yield summarySection(report, options, localized);
  yield scopeSection(report, localized);
  yield* findingsSection(report, options, localized);
  yield* [`<script>${SCRIPT}</script>`, '</body>', '</html>'];
}

function metaLine(report: Report, localized: Localizer): string {
  const { t } = localized;
  const baseline = report.baseline;
  const version = [
    baseline.etag ? `ETag ${id(baseline.etag)}` : '',
    baseline.versionId ? `version ${id(baseline.versionId)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const incomplete = report.collection?.status === 'incomplete' || scopeCounts(report).incomplete > 0;
  return (
    `<p class="meta">${escapeHtml(t.run)} <code>${id(report.runId)}</code> · ${id(report.startedAt)} → ` +
    `${id(report.finishedAt)}<br>${escapeHtml(t.baseline)} <code>${id(baseline.source)}</code> ` +
    `(sha256 <code>${id(baseline.sha256)}</code>${version ? `; ${version}` : ''})<br>` +
    `<span class="status${incomplete ? ' incomplete' : ''}" id="collection-status">` +
    `${text(collectionLine(report, t))}</span>${usageEvidenceSpan(report, localized)}</p>`
  );
}

/** The usage evidence line under the collection status (stands out while usage is not known everywhere). */
function usageEvidenceSpan(report: Report, localized: Localizer): string {
  const line = usageEvidenceLine(report, localized.t);
  if (!line) return '';
  const pending = usageStillUnknown(report);
  return `<br><span class="status${pending ? ' incomplete' : ''}" id="usage-evidence">${text(line)}</span>`;
}

/**
 * The open findings in the order to fix them: most severe first, then those that affect the most
 * workloads, then by check and resource so the order is stable.
 */
export function fixFirstOrder(findings: readonly Finding[]): Finding[] {
  const affected = new Map(findings.map((finding) => [finding, affectedWorkloads(finding) ?? 0]));
  return findings
    .filter((finding) => !finding.suppressed)
    .sort(
      (a, b) =>
        severityRank(b.severity) - severityRank(a.severity) ||
        (affected.get(b) ?? 0) - (affected.get(a) ?? 0) ||
        compareText(a.checkId, b.checkId) ||
        compareText(a.resource.id, b.resource.id),
    );
}

function fixFirstSection(report: Report, localized: Localizer): string {
  const { t } = localized;
  const h = t.html;
  const ordered = fixFirstOrder(report.findings);
  const parts = [`<h2 id="fix-first-heading">${escapeHtml(h.fixFirst)}</h2>`];
  if (ordered.length === 0) {
    parts.push(`<p>${escapeHtml(h.fixFirstNone)}</p>`);
    return parts.join('\n');
  }
  parts.push(`<p class="meta">${escapeHtml(h.fixFirstIntro)}</p>`, '<ol id="fix-first">');
  for (const finding of ordered.slice(0, FIX_FIRST_LIMIT)) {
    const severity = escapeHtml(finding.severity);
    const workloads = affectedWorkloads(finding);
    const where = groupLabel(
      {
        ...(finding.region ? { region: finding.region } : {}),
        ...(finding.cluster ? { cluster: finding.cluster } : {}),
        findings: [],
      },
      t,
    );
    const place = [
      finding.accountId ? t.scopeAccount(finding.accountId) : '',
      finding.cluster || finding.region ? where : '',
    ].filter(Boolean);
    parts.push(
      `<li data-fix-severity="${severity}"><span class="badge sev-${severity}">${severity}</span> ` +
        `<a href="#${id(finding.id)}"><strong>${text(localized.title(finding))}</strong></a> ` +
        `<code>${id(finding.checkId)}</code>` +
        `${workloads === undefined ? '' : ` · ${escapeHtml(h.affects(workloads))}`}` +
        `<div class="where">${place.map((part) => text(part)).join(' · ')} · <code>${id(finding.resource.id)}</code></div>` +
        `<div class="remediation">${richText(localized.remediation(finding), true)}</div></li>`,
    );
  }
  parts.push('</ol>');
  if (ordered.length > FIX_FIRST_LIMIT)
    parts.push(`<p class="meta">${escapeHtml(h.fixFirstMore(ordered.length - FIX_FIRST_LIMIT))}</p>`);
  return parts.join('\n');
}

function summarySection(report: Report, options: RenderOptions, localized: Localizer): string {
  const h = localized.t.html;
  const summary = report.summary;
  const counts = SEVERITIES.map(
    (severity) =>
      `<div class="count sev-${escapeHtml(severity)}"><strong>${summary.bySeverity[severity] ?? 0}</strong>${escapeHtml(severity)}</div>`,
  );
  counts.push(`<div class="count"><strong>${summary.total}</strong>${escapeHtml(h.total)}</div>`);
  counts.push(
    `<div class="count"><strong>${summary.suppressed ?? 0}</strong>${escapeHtml(h.suppressed)}</div>`,
  );
  if (summary.usageUnknown !== undefined)
    counts.push(
      `<div class="count"><strong>${summary.usageUnknown}</strong>${escapeHtml(h.usageUnknown)}</div>`,
    );
  if (summary.absenceUnknown)
    counts.push(
      `<div class="count"><strong>${summary.absenceUnknown}</strong>${escapeHtml(h.absenceUndecided)}</div>`,
    );

  const catalogue = catalogueById(options.checks);
  const byCheck = new Map<string, { title: string; severity: Severity }>();
  for (const finding of report.findings) {
    const known = byCheck.get(finding.checkId);
    if (!known || severityRank(finding.severity) > severityRank(known.severity))
      byCheck.set(finding.checkId, { title: localized.title(finding), severity: finding.severity });
  }
  const rows = Object.entries(summary.byCheck).map(([checkId, count]) => {
    const seen = byCheck.get(checkId);
    const severity: Severity = seen?.severity ?? catalogue.get(checkId)?.severity ?? 'INFORMATIONAL';
    const title = localized.check(checkId)?.title ?? seen?.title ?? '';
    return { checkId, count, severity, title };
  });
  rows.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      b.count - a.count ||
      compareText(a.checkId, b.checkId),
  );
  const checkRows = rows.map(
    (row) =>
      `<tr><td><span class="badge sev-${escapeHtml(row.severity)}">${escapeHtml(row.severity)}</span></td>` +
      `<td><code>${id(row.checkId)}</code></td><td>${text(row.title)}</td><td class="number">${row.count}</td></tr>`,
  );
  return [
    `<h2>${escapeHtml(h.summary)}</h2>`,
    `<p class="meta">${escapeHtml(h.summaryNote)}</p>`,
    `<div class="counts">${counts.join('')}</div>`,
    `<h3>${escapeHtml(h.checks)}</h3>`,
    '<table id="by-check">',
    `<thead><tr><th>${escapeHtml(h.severity)}</th><th>${escapeHtml(h.check)}</th><th>${escapeHtml(h.title)}</th>` +
      `<th class="number">${escapeHtml(h.findings)}</th></tr></thead>`,
    `<tbody>${checkRows.join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

function scopeSection(report: Report, localized: Localizer): string {
  const h = localized.t.html;
  const counts = scopeCounts(report);
  const parts = [`<h2>${escapeHtml(h.scopes)}</h2>`];
  if (counts.incomplete === 0) {
    parts.push(`<p id="scopes-complete">${escapeHtml(h.scopesComplete(counts.complete))}</p>`);
    return parts.join('\n');
  }
  const rows = report.scopes
    .filter((scope) => scope.status === 'incomplete')
    .map((scope) => {
      const errors = scope.errors
        .map(
          (error) =>
            `<li><code>${id(error.service)} ${id(error.operation)}</code>` +
            `${error.resource ? ` <code>${id(error.resource)}</code>` : ''}: ` +
            `<strong>${id(error.code)}</strong> ${text(error.message)}</li>`,
        )
        .join('');
      return (
        `<tr class="incomplete">` +
        `<td>${id(scope.accountId)}</td><td>${id(scope.region ?? '')}</td>` +
        `<td>${id(scope.cluster ?? '')}</td><td>${id(scope.level ?? '')}</td>` +
        `<td>${id(scope.status)}</td><td>${errors ? `<ul>${errors}</ul>` : ''}</td></tr>`
      );
    });
  parts.push(
    `<p class="banner"><strong>${escapeHtml(h.scopesIncomplete(counts.incomplete, counts.complete))}</strong> ` +
      `${escapeHtml(h.scopesNote)}</p>`,
    '<table id="scopes">',
    `<thead><tr><th>${escapeHtml(h.account)}</th><th>${escapeHtml(h.region)}</th><th>${escapeHtml(h.cluster)}</th>` +
      `<th>${escapeHtml(h.level)}</th><th>${escapeHtml(h.status)}</th><th>${escapeHtml(h.errors)}</th></tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
  );
  return parts.join('\n');
}

/** The findings by account and cluster, a line at a time (a row per finding). */
function* findingsSection(report: Report, options: RenderOptions, localized: Localizer): Generator<string> {
  const { t } = localized;
  const h = t.html;
  const catalogue = catalogueById(options.checks);
  yield `<h2>${escapeHtml(h.findings)}</h2>`;
  if (report.findings.length === 0) {
    yield `<p>${escapeHtml(t.noFindings)}</p>`;
    return;
  }
  const boxes = SEVERITIES.map(
    (severity) =>
      `<label><input type="checkbox" name="severity" value="${escapeHtml(severity)}" checked> ${escapeHtml(severity)}</label>`,
  );
  boxes.push(
    `<label><input type="checkbox" name="suppressed" checked> ${escapeHtml(h.suppressedBox)}</label>`,
  );
  yield `<form id="filter" hidden><strong>${escapeHtml(h.show)}</strong> ${boxes.join(' ')}</form>`;
  const listed = listedFindings(report, options, localized);
  if (listed.note) yield `<p class="banner" id="findings-listed">${text(listed.note)}</p>`;

  for (const account of groupByAccountAndCluster(listed.findings)) {
    // Baseline-level findings (an expired exception) belong to no account.
    const heading = account.accountId
      ? id(t.accountHeading(account.accountId))
      : escapeHtml(t.baselineHeading);
    yield `<section data-group="account"><h3>${heading}</h3>`;
    for (const group of account.groups) {
      yield* [
        `<section data-group="cluster"><h4>${id(groupLabel(group, t))}</h4>`,
        '<table class="findings">',
        `<thead><tr><th>${escapeHtml(h.severity)}</th><th>${escapeHtml(h.check)}</th><th>${escapeHtml(h.resource)}</th>` +
          `<th>${escapeHtml(h.findingAndRemediation)}</th></tr></thead>`,
        '<tbody>',
      ];
      for (const finding of group.findings)
        yield findingRow(finding, catalogue.get(finding.checkId)?.docsUrl, localized);
      yield* ['</tbody>', '</table>', '</section>'];
    }
    yield '</section>';
  }
}

function findingRow(finding: Finding, docsUrl: string | undefined, localized: Localizer): string {
  const { t } = localized;
  const severity = escapeHtml(finding.severity);
  const suppressed = finding.suppressed === true;
  const details: string[] = [
    `<div class="message">${text(localized.message(finding))}</div>`,
    `<div class="remediation"><strong>${escapeHtml(t.remediation)}</strong> ${richText(localized.remediation(finding))}</div>`,
  ];
  if (suppressed)
    details.push(
      `<div class="remediation"><strong>${escapeHtml(t.html.suppressed)}:</strong> ${text(finding.suppressionReason ?? t.suppressedDefaultReason)}</div>`,
    );
  if (finding.baselineLocation) {
    const where = finding.baselineLocation;
    details.push(
      `<div class="remediation">${escapeHtml(t.declaredAt)} <code>${id(`${where.file}:${where.line}:${where.column}`)}</code></div>`,
    );
  }
  if (Object.keys(finding.evidence).length > 0)
    details.push(
      `<details><summary>${escapeHtml(t.evidence)}</summary><pre>${evidenceText(finding.evidence)}</pre></details>`,
    );
  const docs = safeHttpUrl(docsUrl);
  const link = docs
    ? ` <a href="${escapeHtml(docs)}" rel="noreferrer noopener">${escapeHtml(t.docs)}</a>`
    : '';
  return (
    `<tr class="${suppressed ? 'suppressed' : 'open'}" id="${id(finding.id)}" ` +
    `data-severity="${severity}" data-suppressed="${suppressed}">` +
    `<td><span class="badge sev-${severity}">${severity}</span></td>` +
    `<td><code>${id(finding.checkId)}</code><br><span class="title">${text(localized.title(finding))}</span>${link}</td>` +
    `<td><code>${id(finding.resource.id)}</code><br><span class="title">${id(finding.resource.type)}</span></td>` +
    `<td>${details.join('')}</td></tr>`
  );
}

/**
 * Remediation text as HTML: prose escaped, code spans as `<code>`, JSON documents as `<pre>`, and,
 * with `commandBlocks`, each command in a block of its own so it can be copied whole. Each line of
 * the text (a translation appends the original's extra commands on lines of their own) is cleaned
 * like any other text from the report.
 */
function richText(value: string, commandBlocks = false): string {
  return value
    .split('\n')
    .map((line) => {
      let afterBlock = false;
      return segmentsOf(cleanText(line))
        .map((segment) => {
          const followsBlock = afterBlock;
          afterBlock = false;
          // A sentence's full stop after a command block would sit alone on a line of its own.
          if (segment.kind === 'text' && followsBlock && /^\s*[.。]\s*$/.test(segment.text)) return '';
          if (segment.kind === 'text') return escapeHtml(segment.text);
          if (segment.kind === 'json') return `<pre><code>${escapeHtml(segment.text)}</code></pre>`;
          if (commandBlocks && isCommand(segment.text)) {
            afterBlock = true;
            return `<pre class="command"><code>${escapeHtml(segment.text)}</code></pre>`;
          }
          return `<code>${escapeHtml(segment.text)}</code>`;
        })
        .join('');
    })
    .join('<br>');
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
