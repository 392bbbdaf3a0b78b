import { describe, expect, it } from 'vitest';
import { buildReport, renderTable } from '../../shared/report/index.js';
import { CATALOGUE } from './catalogue.js';
import { loadFixtureReport } from './fixture.js';

const report = loadFixtureReport();
const ANSI = /\u001b\[/;

describe('table report', () => {
  it('has no colour codes unless asked', () => {
    expect(renderTable(report, { checks: CATALOGUE })).not.toMatch(ANSI);
    expect(renderTable(report, { checks: CATALOGUE, color: false })).not.toMatch(ANSI);
  });

  it('colours severities and dims suppressed findings when asked', () => {
    const coloured = renderTable(report, { checks: CATALOGUE, color: true });
    expect(coloured).toContain('\u001b[31mHIGH (8)\u001b[39m');
    const suppressedLine = coloured.split('\n').find((line) => line.includes('IRSA_SUBJECT_WILDCARD')) ?? '';
    expect(suppressedLine.startsWith('\u001b[2m')).toBe(true);
  });

  it('colours the same text it prints without colour', () => {
    const coloured = renderTable(report, { checks: CATALOGUE, color: true });
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(renderTable(report, { checks: CATALOGUE }));
  });

  it('groups findings by severity, most severe first, suppressed last', () => {
    const headers = renderTable(report, { checks: CATALOGUE })
      .split('\n')
      .filter((line) => /^[A-Z]+ \(\d+\)$/.test(line));
    expect(headers).toEqual([
      'CRITICAL (2)',
      'HIGH (8)',
      'MEDIUM (4)',
      'LOW (5)',
      'INFORMATIONAL (2)',
      'SUPPRESSED (1)',
    ]);
  });

  it('shows scope counts in the header and severity counts in the footer', () => {
    const table = renderTable(report, { checks: CATALOGUE });
    expect(table).toContain('Scopes: 11 complete, 2 incomplete');
    expect(table).toContain(
      'Findings: 21 (CRITICAL 2, HIGH 8, MEDIUM 4, LOW 5, INFORMATIONAL 2); suppressed: 1',
    );
  });

  it('wraps text to 120 columns, leaving only unbreakable identifiers longer', () => {
    for (const line of renderTable(report, { checks: CATALOGUE }).split('\n')) {
      if (line.length <= 120) continue;
      // A longer line is a finding head line ending in one long resource id.
      expect(line).toMatch(/^ {2}[A-Z]+ +[A-Z_]+ {2}\S+$/);
    }
  });

  it('cannot be forged or escaped by control characters in AWS data', () => {
    // Prepare
    const hostile = buildReport({
      ...report,
      findings: [
        {
          ...report.findings[0],
          message: 'ok\n  CRITICAL  FAKE_CHECK  forged line\u001b[2J\u001b]8;;http://x\u0007',
        },
      ],
    });
    // Act
    const table = renderTable(hostile, { checks: CATALOGUE });
    // Assess
    expect(table).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(table.split('\n').some((line) => line.startsWith('  CRITICAL  FAKE_CHECK'))).toBe(false);
  });

  it('says so when there are no findings', () => {
    const table = renderTable(buildReport({ ...report, findings: [] }), { checks: CATALOGUE });
    expect(table).toContain('No findings.');
    expect(table).toContain(
      'Findings: 0 (CRITICAL 0, HIGH 0, MEDIUM 0, LOW 0, INFORMATIONAL 0); suppressed: 0',
    );
  });

  it("prints each open finding's fix under it, with its command whole on one line", () => {
    const lines = renderTable(report, { checks: CATALOGUE }).split('\n');
    const head = lines.findIndex((line) => line.includes('PI_AGENT_MISSING'));
    const fix = lines.slice(head + 1).find((line) => line.trimStart().startsWith('fix:'));
    expect(fix).toBe(
      '    fix: aws eks create-addon --region ap-northeast-1 --cluster-name prod-green --addon-name eks-pod-identity-agent',
    );
    const open = report.findings.filter((finding) => !finding.suppressed).length;
    expect(lines.filter((line) => line.startsWith('    fix: '))).toHaveLength(open);
  });

  it('hides the fixes with remediation: false (--no-remediation)', () => {
    const table = renderTable(report, { checks: CATALOGUE, remediation: false });
    expect(table).not.toMatch(/^ {4}fix: /m);
    expect(table).toContain('PI_AGENT_MISSING');
  });

  it('says INCOMPLETE in the summary line of a run with incomplete scopes, and COMPLETE otherwise', () => {
    expect(renderTable(report, { checks: CATALOGUE })).toMatch(
      /^Collection: INCOMPLETE \(2 of 13 scopes incomplete/m,
    );
    const complete = {
      ...report,
      scopes: report.scopes.map((scope) => ({ ...scope, status: 'complete' as const, errors: [] })),
      collection: undefined,
    };
    expect(renderTable(complete, { checks: CATALOGUE })).toMatch(/^Collection: COMPLETE \(13 scopes/m);
  });

  it('speaks Japanese with --lang ja, keeping check ids, resources and commands as they are', () => {
    const table = renderTable(report, { checks: CATALOGUE, language: 'ja' });
    expect(table).toContain('検出結果: 21 件');
    expect(table).toContain('収集: INCOMPLETE');
    expect(table).toContain('PI_AGENT_MISSING  arn:aws:eks:ap-northeast-1:111122223333:cluster/prod-green');
    expect(table).toContain(
      'aws eks create-addon --cluster-name prod-green --addon-name eks-pod-identity-agent --region ap-northeast-1',
    );
    expect(table).not.toContain('No findings');
  });

  it('ends a fix that closes on a command without a full stop, so the command copies as it is', () => {
    const table = renderTable(report, { checks: CATALOGUE });
    expect(table).toContain(
      "    fix: Remove the old issuer's statement with aws iam update-assume-role-policy\n",
    );
    const japanese = renderTable(report, { checks: CATALOGUE, language: 'ja' });
    expect(japanese).toMatch(/--policy-document file:\/\/trust-policy\.json\n/);
    expect(japanese).not.toContain('trust-policy.json。');
  });
});
