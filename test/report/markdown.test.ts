import { describe, expect, it } from 'vitest';
import { buildReport, renderMarkdown } from '../../shared/report/index.js';
import { CATALOGUE } from './catalogue.js';
import { HOSTILE, loadFixtureReport } from './fixture.js';

const report = loadFixtureReport();
const markdown = renderMarkdown(report, { checks: CATALOGUE });
const lines = markdown.split('\n');

/** The text outside code spans: where Markdown syntax would take effect. */
function outsideCodeSpans(text: string): string {
  return text.replace(/`[^`\n]*`/g, '');
}

function lineOf(checkId: string): string {
  return lines.find((line) => line.includes(`\`${checkId}\``)) ?? '';
}

describe('Markdown report', () => {
  it('has a title, a summary table by severity with total and suppressed', () => {
    expect(lines[0]).toBe('# EKS workload identity audit');
    expect(markdown).toContain(
      '| CRITICAL | 2 |\n| HIGH | 8 |\n| MEDIUM | 4 |\n| LOW | 5 |\n| INFORMATIONAL | 2 |',
    );
    expect(markdown).toContain('| **Total** | **21** |');
    expect(markdown).toContain('| Suppressed | 1 |');
  });

  it('groups findings by account, then cluster', () => {
    const headings = lines.filter((line) => /^#{2,3} /.test(line));
    expect(headings.slice(0, 6)).toEqual([
      '## Account 111122223333',
      '### Account-wide',
      '### Region ap-northeast-1',
      '### Cluster prod-blue (ap-northeast-1)',
      '### Cluster prod-green (ap-northeast-1)',
      '## Account 444455556666',
    ]);
  });

  it('leaves no raw HTML, emphasis or table pipe from AWS data outside code spans', () => {
    const prose = outsideCodeSpans(markdown);
    expect(prose).not.toContain(HOSTILE.scriptTag);
    expect(prose).not.toMatch(/(^|[^\\])<[a-z!@/]/im);
    expect(lineOf('IRSA_NO_AUDIENCE_CONDITION')).toContain('(path /\\*bold\\*/)');
    expect(lineOf('UNDECLARED_USAGE')).toContain('aws-sdk-go \\|');
  });

  it('keeps a message with a newline on its own list item', () => {
    const item = lineOf('UNDECLARED_USAGE');
    expect(item).toContain('which the baseline does not declare.');
    expect(lines[lines.indexOf(item) + 1]).toMatch(/^ {2}- Resource: /);
  });

  it('neutralizes mentions and Slack links, even inside code spans', () => {
    for (const hostile of [
      HOSTILE.here,
      HOSTILE.channel,
      HOSTILE.slackUser,
      HOSTILE.slackLink,
      HOSTILE.bareUrl,
    ])
      expect(markdown).not.toContain(hostile);
    expect(lineOf('PI_ASSOCIATION_UNDECLARED')).toContain('@\u200Bhere');
  });

  it('does not put an ARN with a backtick in a code span, but escapes it as text', () => {
    expect(markdown).toContain('  - Resource: arn:aws:iam::444455556666:role/team\\`a\\`/legacy-batch');
  });

  it('shows a single-command remediation as code and prose remediation as text', () => {
    expect(markdown).toContain(
      '  - Remediation: `aws eks create-addon --region ap-northeast-1 --cluster-name prod-green --addon-name eks-pod-identity-agent`',
    );
    expect(markdown).toContain('  - Remediation: Create the role or correct the role ARN in the baseline.');
  });

  it('lists suppressed findings last, with their reason, and not among the open findings', () => {
    const suppressedAt = lines.indexOf('## Suppressed (1)');
    expect(suppressedAt).toBeGreaterThan(0);
    expect(lines.findIndex((line) => line.includes('`IRSA_SUBJECT_WILDCARD`'))).toBeGreaterThan(suppressedAt);
    expect(markdown).toContain('  - Suppressed: provider service account names change per revision');
  });

  it('lists incomplete scopes with their errors', () => {
    expect(markdown).toContain('- account 777788889999\n  - sts AssumeRole: AccessDenied: User: ');
  });

  it('says so when there are no findings', () => {
    const empty = renderMarkdown(buildReport({ ...report, findings: [] }), { checks: CATALOGUE });
    expect(empty).toContain('No findings.');
    expect(empty).not.toContain('## Account');
  });

  it('heads findings that belong to no account (an expired exception) as Baseline, not a blank account', () => {
    const [first] = report.findings;
    const baselineOnly = buildReport({
      ...report,
      findings: [{ ...first, accountId: '', region: undefined, cluster: undefined, suppressed: false }],
    });
    const text = renderMarkdown(baselineOnly, { checks: CATALOGUE });
    expect(text).toContain('## Baseline\n');
    expect(text).not.toMatch(/^## Account\s*$/m);
  });

  it('shows the code spans of a prose remediation as code, not as escaped backticks', () => {
    expect(markdown).toContain(
      "  - Remediation: Remove the old issuer's statement with `aws iam update-assume-role-policy`.",
    );
    expect(markdown).not.toContain('\\`aws');
  });

  it('speaks Japanese with language ja, keeping check ids, resources and commands', () => {
    const japanese = renderMarkdown(report, { checks: CATALOGUE, language: 'ja' });
    expect(japanese).toContain('# EKS ワークロードアイデンティティ監査');
    expect(japanese).toContain('| 重要度 | 検出結果 |');
    expect(japanese).toContain('## アカウント 111122223333');
    expect(japanese).toContain('`PI_AGENT_MISSING`');
    expect(japanese).toContain(
      '`aws eks create-addon --cluster-name prod-green --addon-name eks-pod-identity-agent --region ap-northeast-1`',
    );
  });
});
