import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/model/index.js';
import { buildReport, ReportSchema, summarize } from '../../shared/report/index.js';
import { loadFixtureReport } from './fixture.js';

const fixture = loadFixtureReport();

function finding(overrides: Partial<Finding>): Finding {
  return {
    id: 'PI_AGENT_MISSING-0000000000000000',
    checkId: 'PI_AGENT_MISSING',
    severity: 'HIGH',
    title: 'Pod Identity agent is missing',
    message: 'Cluster prod-green has associations but no eks-pod-identity-agent add-on.',
    accountId: '111122223333',
    region: 'ap-northeast-1',
    cluster: 'prod-green',
    resource: { type: 'AwsEksCluster', id: 'arn:aws:eks:ap-northeast-1:111122223333:cluster/prod-green' },
    evidence: {},
    remediation: 'Install the eks-pod-identity-agent add-on.',
    ...overrides,
  };
}

describe('summarize', () => {
  it('counts every severity, zero included, and the total', () => {
    // Prepare
    const findings = [finding({}), finding({ severity: 'CRITICAL', checkId: 'PI_TRUST_UNSCOPED' })];
    // Act
    const summary = summarize(findings);
    // Assess
    expect(summary.bySeverity).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0 });
    expect(summary.total).toBe(2);
    expect(summary.suppressed).toBe(0);
  });

  it('counts suppressed findings by check and as suppressed, but not by severity or in the total', () => {
    const summary = summarize([
      finding({}),
      finding({ id: 'x', suppressed: true, suppressionReason: 'migrating' }),
    ]);
    expect(summary.byCheck).toEqual({ PI_AGENT_MISSING: 2 });
    expect(summary.bySeverity.HIGH).toBe(1);
    expect(summary.total).toBe(1);
    expect(summary.suppressed).toBe(1);
  });

  it('lists checks in code-point order whatever the finding order', () => {
    const summary = summarize([finding({ checkId: 'ROLE_UNUSED' }), finding({ checkId: 'CLUSTER_MISSING' })]);
    expect(Object.keys(summary.byCheck)).toEqual(['CLUSTER_MISSING', 'ROLE_UNUSED']);
  });
});

describe('buildReport', () => {
  const input = {
    runId: fixture.runId,
    startedAt: fixture.startedAt,
    finishedAt: fixture.finishedAt,
    baseline: fixture.baseline,
    scopes: fixture.scopes,
    findings: fixture.findings,
    usageUnknown: 3,
  };

  it('orders findings the same way whatever order they arrive in', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(fixture.findings, { minLength: fixture.findings.length }),
        fc.shuffledSubarray(fixture.scopes, { minLength: fixture.scopes.length }),
        (findings, scopes) => {
          const report = buildReport({ ...input, findings, scopes });
          expect(report.findings.map((f) => f.id)).toEqual(fixture.findings.map((f) => f.id));
          expect(report.scopes).toEqual(fixture.scopes);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('sorts by severity, then account, region, cluster, check id and resource', () => {
    const a = finding({ id: 'a', severity: 'LOW', accountId: '111122223333' });
    const b = finding({ id: 'b', severity: 'HIGH', accountId: '444455556666' });
    const c = finding({ id: 'c', severity: 'HIGH', accountId: '111122223333', cluster: 'prod-green' });
    const d = finding({ id: 'd', severity: 'HIGH', accountId: '111122223333', cluster: 'prod-blue' });
    const e = finding({
      id: 'e',
      severity: 'HIGH',
      accountId: '111122223333',
      cluster: 'prod-blue',
      checkId: 'IRSA_STALE_PROVIDER',
    });
    const report = buildReport({ ...input, findings: [a, b, c, d, e] });
    expect(report.findings.map((f) => f.id)).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  it('produces a valid report v1 with the summary filled in and leaves its input untouched', () => {
    const findings = [...fixture.findings].reverse();
    const before = JSON.stringify(findings);
    const report = buildReport({ ...input, findings });
    expect(ReportSchema.safeParse(report).success).toBe(true);
    expect(report.summary).toEqual(fixture.summary);
    expect(report.summary.usageUnknown).toBe(3);
    expect(JSON.stringify(findings)).toBe(before);
  });

  it('omits usageUnknown when the engine did not report it', () => {
    const report = buildReport({ ...input, usageUnknown: undefined });
    expect(report.summary).not.toHaveProperty('usageUnknown');
  });
});
