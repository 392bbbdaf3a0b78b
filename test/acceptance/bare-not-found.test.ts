import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultRule, type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import type { Finding } from '../../shared/model/finding.js';
import { type Report, ReportSchema } from '../../shared/report/types.js';
import { runCli } from '../support/cli.js';
import { demoLiveFlags, useSandboxCredentials } from '../support/sandbox.js';

/**
 * Only a service's own not-found code means "deleted". An endpoint (a proxy, an emulator) that
 * answers a Describe or Get with a 404 carrying no AWS error code leaves the scope incomplete: no
 * resource vanishes, so no false PI_ASSOCIATION_MISSING or IRSA_UNKNOWN_PROVIDER.
 */

const BASELINE = join(import.meta.dirname, '..', '..', 'sandbox', 'scenarios', 'demo.baseline.yaml');
const WORKLOADS = '222233334444';

let sandbox: SandboxHandle;
let restoreEnv: () => void;
let clean: Report;

async function audit(faults: FaultRule[]): Promise<Report> {
  sandbox.setFaults(faults);
  const run = await runCli(
    'audit',
    '--baseline',
    BASELINE,
    ...demoLiveFlags(sandbox),
    '--format',
    'json',
    '--allow-incomplete',
  );
  expect(run.code, run.stderr).toBe(2);
  return ReportSchema.parse(JSON.parse(run.stdout));
}

const byCheck = (report: Report, checkId: string): Finding[] =>
  report.findings.filter((finding) => finding.checkId === checkId);

beforeAll(async () => {
  sandbox = await startSandbox({ scenario: 'demo', limits: false });
  restoreEnv = useSandboxCredentials(sandbox, { AWS_REGION: 'eu-west-1' });
  clean = await audit([]);
}, 60_000);

afterEach(() => {
  sandbox.setFaults([]);
});

afterAll(async () => {
  restoreEnv();
  await sandbox.close();
});

describe('a 404 without an AWS error code', () => {
  it('on DescribePodIdentityAssociation leaves the clusters incomplete and claims no association missing', async () => {
    const report = await audit([
      { service: 'eks', operation: 'DescribePodIdentityAssociation', error: { status: 404, bare: true } },
    ]);

    expect(byCheck(report, 'PI_ASSOCIATION_MISSING')).toEqual([]);
    const gaps = byCheck(report, 'COLLECTION_INCOMPLETE').filter((finding) => finding.cluster !== undefined);
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) {
      expect(gap.message).toContain('eks:DescribePodIdentityAssociation HTTP404');
      expect(gap.message).toContain('unexpected answer');
      expect(gap.remediation).toMatch(/not taken as proof that anything was deleted/);
    }
  });

  it('on GetOpenIDConnectProvider leaves IAM incomplete and names no trusted provider unknown', async () => {
    // The clean run does report one: the fault must not make it, or others, appear or vanish.
    const before = byCheck(clean, 'IRSA_UNKNOWN_PROVIDER').map((finding) => finding.id);

    const report = await audit([
      { service: 'iam', operation: 'GetOpenIDConnectProvider', error: { status: 404, bare: true } },
    ]);

    const unknown = byCheck(report, 'IRSA_UNKNOWN_PROVIDER').map((finding) => finding.id);
    expect(unknown.filter((id) => !before.includes(id))).toEqual([]);
    const iamGap = byCheck(report, 'COLLECTION_INCOMPLETE').find(
      (finding) => finding.accountId === WORKLOADS && finding.resource.id.endsWith('/iam'),
    );
    expect(iamGap?.message).toContain('iam:GetOpenIDConnectProvider HTTP404');
  });

  it("near miss: EKS's own ResourceNotFoundException does mean deleted: the scope stays complete and the binding is missing", async () => {
    const report = await audit([
      {
        service: 'eks',
        operation: 'DescribePodIdentityAssociation',
        error: { status: 404, code: 'ResourceNotFoundException', message: 'No association found' },
      },
    ]);

    expect(
      report.scopes.filter((scope) => scope.level === 'cluster' && scope.status === 'incomplete'),
    ).toEqual([]);
    expect(byCheck(report, 'PI_ASSOCIATION_MISSING').length).toBeGreaterThan(
      byCheck(clean, 'PI_ASSOCIATION_MISSING').length,
    );
  });
});
