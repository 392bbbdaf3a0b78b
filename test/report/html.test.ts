import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CheckMeta } from '../../shared/checks/types.js';
import { FIX_FIRST_LIMIT, fixFirstOrder } from '../../shared/report/html.js';
import { buildReport, escapeHtml, renderHtml } from '../../shared/report/index.js';
import type { TrendPoint } from '../../shared/report/trend.js';
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
    const findings = html.slice(html.indexOf('<h2>Findings</h2>'));
    const headings = [...findings.matchAll(/<h[34]>([^<]*)<\/h[34]>/g)].map((match) => match[1]);
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
      '<tr><td><span class="badge sev-HIGH">HIGH</span></td><td><code>COLLECTION_INCOMPLETE</code></td><td>Scope could not be fully collected</td><td class="number">2</td></tr>',
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

  it('opens with "fix first": the open findings by severity, then by affected workloads, before the summary', () => {
    const fixFirst = html.indexOf('<h2 id="fix-first-heading">Fix first</h2>');
    expect(fixFirst).toBeGreaterThan(0);
    expect(fixFirst).toBeLessThan(html.indexOf('<h2>Summary</h2>'));
    const items = [...html.matchAll(/<li data-fix-severity="([A-Z]+)">/g)].map((match) => match[1]);
    const open = report.findings.filter((finding) => !finding.suppressed);
    expect(items).toHaveLength(Math.min(open.length, FIX_FIRST_LIMIT));
    const ranks = items.map((severity) =>
      ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].indexOf(severity ?? ''),
    );
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  });

  it('puts the finding that affects more workloads first within a severity', () => {
    const base = report.findings.find((finding) => finding.checkId === 'PI_AGENT_MISSING');
    if (!base) throw new Error('fixture lacks PI_AGENT_MISSING');
    const small = { ...base, id: 'small', evidence: { associationCount: 1 } };
    const large = {
      ...base,
      id: 'large',
      resource: { ...base.resource, id: `${base.resource.id}-2` },
      evidence: { associationCount: 9 },
    };
    expect(fixFirstOrder([small, large]).map((finding) => finding.id)).toEqual(['large', 'small']);
    const page = renderHtml(buildReport({ ...report, findings: [small, large] }), { checks: CATALOGUE });
    expect(page).toContain('affects 9 workloads');
    expect(page.indexOf('href="#large"')).toBeLessThan(page.indexOf('href="#small"'));
  });

  it('shows each fix-first command as a code block to copy, and code spans as code, escaped', () => {
    const base = report.findings[0];
    if (!base) throw new Error('empty fixture');
    const hostile = {
      ...base,
      suppressed: false,
      remediation:
        'Run `aws iam get-role --role-name </code><script>x</script>` then check `aws:SourceAccount`.',
    };
    const page = renderHtml(buildReport({ ...report, findings: [hostile] }), { checks: CATALOGUE });
    expect(page).toContain(
      '<pre class="command"><code>aws iam get-role --role-name &lt;/code&gt;&lt;script&gt;x&lt;/script&gt;</code></pre>',
    );
    expect(page).toContain('check <code>aws:SourceAccount</code>.');
    expect(page).not.toContain('`aws:SourceAccount`');
    expect(page.match(/<script/g)).toHaveLength(1);
  });

  it('collapses complete scopes to one line and shows only the incomplete ones in the table', () => {
    expect(html).toContain('2 incomplete scopes, 11 complete.');
    expect(html.match(/<tr class="complete">/g)).toBeNull();
    const complete = buildReport({
      ...report,
      scopes: report.scopes.map((scope) => ({ ...scope, status: 'complete' as const, errors: [] })),
    });
    const page = renderHtml(complete, { checks: CATALOGUE });
    expect(page).toContain('<p id="scopes-complete">All 13 scopes complete.</p>');
    expect(page).not.toContain('<table id="scopes">');
    expect(page).toContain('Collection: COMPLETE');
  });

  it('draws the trend as inline SVG without loosening the CSP', () => {
    const trend: TrendPoint[] = [0, 1, 2].map((night) => ({
      runId: night === 2 ? '<script>run</script>' : `run-${night}`,
      finishedAt: `2026-11-2${7 + night}T02:03:00.000Z`,
      open: { CRITICAL: 2 - night, HIGH: 8, MEDIUM: 4, LOW: 5, INFORMATIONAL: 2 },
      new: { CRITICAL: 0, HIGH: night, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0 },
      resolved: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0 },
      newTotal: night,
      resolvedTotal: 1,
      ...(night === 1 ? { incompleteScopes: 2 } : {}),
    }));
    const page = renderHtml(report, { checks: CATALOGUE, trend });
    const policy = page.match(/http-equiv="Content-Security-Policy" content="([^"]*)"/)?.[1];
    expect(policy).toBe(html.match(/http-equiv="Content-Security-Policy" content="([^"]*)"/)?.[1]);
    expect(page).toContain('<svg id="trend-open"');
    expect(page).toContain('<svg id="trend-changes"');
    expect(page).not.toMatch(/\sstyle=/);
    expect(page).not.toContain('<script>run');
    expect(page).toContain('&lt;script&gt;run&lt;/script&gt;');
    expect(page).toContain('<title>2026-11-27 02:03 run-0: CRITICAL 2</title>');
    expect(page).toContain('incomplete collection (2)');
    expect(html).not.toContain('<svg');
  });

  it('speaks Japanese with language ja, leaving ids, resources and commands as they are', () => {
    const page = renderHtml(report, { checks: CATALOGUE, language: 'ja' });
    expect(page).toContain('<html lang="ja">');
    expect(page).toContain('まず対処するもの');
    expect(page).toContain('<code>PI_AGENT_MISSING</code>');
    expect(page).toContain('aws eks create-addon --cluster-name prod-green');
  });
});
