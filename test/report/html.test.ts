import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CheckMeta } from '../../shared/checks/types.js';
import { buildReport, escapeHtml, renderHtml } from '../../shared/report/index.js';
import { CATALOGUE } from './catalogue.js';
import { HOSTILE, loadFixtureReport } from './fixture.js';

const report = loadFixtureReport();
const html = renderHtml(report, { checks: CATALOGUE, title: 'Nightly <b>audit</b>' });

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

describe('HTML report', () => {
  it('contains no raw markup from AWS data, only its escaped form', () => {
    expect(html).not.toContain(HOSTILE.scriptTag);
    expect(html).toContain(escapeHtml(HOSTILE.scriptTag));
    expect(html).not.toContain(HOSTILE.imgOnerror);
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml(HOSTILE.imgOnerror));
    expect(html).not.toContain(HOSTILE.channel);
    expect(html).not.toContain(HOSTILE.slackUser);
  });

  it('has exactly one script element and no event handler attributes anywhere', () => {
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+=/i);
  });

  it('escapes the caller-provided title too', () => {
    expect(html).toContain('<title>Nightly &lt;b&gt;audit&lt;/b&gt;</title>');
  });

  it('loads nothing from outside the file', () => {
    expect(html).not.toMatch(/<[a-z][^>]*\s(src|srcset)=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it('allows exactly its own inline script and style through a hash-based Content-Security-Policy', () => {
    // Prepare
    const script = html.match(/<script>([\s\S]*?)<\/script>/)?.[1] ?? '';
    const style = html.match(/<style>([\s\S]*?)<\/style>/)?.[1] ?? '';
    const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/)?.[1] ?? '';
    const policy = csp.replaceAll('&#39;', "'");
    // Assess
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain(`script-src 'sha256-${sha256(script)}'`);
    expect(policy).toContain(`style-src 'sha256-${sha256(style)}'`);
    expect(policy).not.toContain('unsafe-inline');
  });

  it('shows every finding without JavaScript: the filter form starts hidden and no row does', () => {
    expect(html).toContain('<form id="filter" hidden>');
    const rows = html.match(/<tr [^>]*data-severity="[A-Z]+"[^>]*>/g) ?? [];
    expect(rows).toHaveLength(report.findings.length);
    expect(rows.filter((row) => row.includes('hidden'))).toHaveLength(0);
  });

  it('offers a filter checkbox per severity', () => {
    for (const severity of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'])
      expect(html).toContain(`name="severity" value="${severity}" checked`);
  });

  it('highlights incomplete scopes with their errors', () => {
    const incomplete = html.match(/<tr class="incomplete">.*<\/tr>/g) ?? [];
    expect(incomplete).toHaveLength(2);
    expect(incomplete.join('\n')).toContain('ThrottlingException');
    expect(incomplete.join('\n')).toContain('AccessDenied');
  });

  it('groups findings by account and then cluster', () => {
    const headings = [...html.matchAll(/<h[34]>([^<]*)<\/h[34]>/g)].map((match) => match[1]);
    expect(headings.slice(0, 5)).toEqual([
      'Account 111122223333',
      'Account-wide',
      'Region ap-northeast-1',
      'Cluster prod-blue (ap-northeast-1)',
      'Cluster prod-green (ap-northeast-1)',
    ]);
  });

  it('shows counts by check and a remediation for every finding', () => {
    expect(html).toContain(
      '<td><code>COLLECTION_INCOMPLETE</code></td><td>Scope could not be fully collected</td><td class="number">2</td>',
    );
    expect(html.match(/<strong>Remediation:<\/strong>/g)).toHaveLength(report.findings.length);
  });

  it('escapes attribute values and refuses non-http documentation links', () => {
    // Prepare
    const hostile = buildReport({
      ...report,
      findings: [{ ...report.findings[0], id: 'x" onmouseover="alert(1)', checkId: 'CUSTOM_CHECK' }],
    });
    const checks: CheckMeta[] = [{ ...CATALOGUE[0], id: 'CUSTOM_CHECK', docsUrl: 'javascript:alert(1)' }];
    // Act
    const page = renderHtml(hostile, { checks });
    // Assess
    expect(page).toContain('id="x&quot; onmouseover=&quot;alert(1)"');
    expect(page).not.toContain('javascript:');
  });

  it('says so when there are no findings', () => {
    const page = renderHtml(buildReport({ ...report, findings: [] }), { checks: CATALOGUE });
    expect(page).toContain('<p>No findings.</p>');
    expect(page).not.toContain('<form id="filter"');
  });
});
