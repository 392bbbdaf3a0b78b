import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import type { Report } from '../../shared/report/types.js';
import { runCli } from '../support/cli.js';
import { demoLiveFlags, useSandboxCredentials } from '../support/sandbox.js';

const BASELINE = 's3://eks-identity-audit-demo-111122223333/baseline.yaml';
const LEDGER = 's3://eks-identity-audit-demo-111122223333/state';

let sandbox: SandboxHandle;
let restoreEnv: () => void;

const audit = async (...extra: string[]) => {
  const { code, stdout, stderr } = await runCli(
    'audit',
    '--baseline',
    BASELINE,
    ...demoLiveFlags(sandbox),
    '--format',
    'json',
    ...extra,
  );
  const report = JSON.parse(stdout) as Report;
  return {
    code,
    findings: report.findings.map((finding) => finding.id).sort(),
    incompleteScopes: report.scopes.filter((scope) => scope.status === 'incomplete'),
    stderr,
  };
};

const lookupEventCalls = () => {
  let total = 0;
  const counts = sandbox.calls() as unknown as Record<string, Record<string, Record<string, number>>>;
  for (const [account, services] of Object.entries(counts)) {
    if (account === 'total' || account === 'throttled') continue;
    total += services.cloudtrail?.LookupEvents ?? 0;
  }
  return total;
};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo' });
  restoreEnv = useSandboxCredentials(sandbox, { AWS_REGION: sandbox.credentials.region });
});

afterAll(async () => {
  await sandbox.close();
  restoreEnv();
});

describe('audit --usage-ledger', () => {
  it('finds what a full CloudTrail scan finds, and the second night reads only the overlap', async () => {
    // Prepare: the reference run scans the whole 90-day window.
    const scan = await audit();
    sandbox.resetCalls();

    // Act: night 1 backfills the ledgers, night 2 reads from their high-water marks.
    const night1 = await audit('--usage-ledger', LEDGER);
    const night1Calls = lookupEventCalls();
    sandbox.resetCalls();
    const night2 = await audit('--usage-ledger', LEDGER);
    const night2Calls = lookupEventCalls();

    // Assess
    expect(night1.findings).toEqual(scan.findings);
    expect(night2.findings).toEqual(scan.findings);
    expect(night1.stderr).toContain('backfilled (first-run)');
    expect(night2.stderr).toContain('read from the high-water mark');
    expect(night2Calls).toBeLessThan(night1Calls);
    // The ledgers cover the window, so no CloudTrail scope is reported incomplete (and the
    // publisher does not hold usage findings back).
    expect(night1.incompleteScopes).toEqual([]);
    expect(night2.incompleteScopes).toEqual([]);
  });

  it('refuses a ledger with --snapshot, before any work', async () => {
    const { code, stderr } = await runCli(
      'audit',
      '--baseline',
      BASELINE,
      '--snapshot',
      'snapshot.json',
      '--usage-ledger',
      LEDGER,
    );
    expect(code).toBe(1);
    expect(stderr).toContain('--usage-ledger updates ledgers from live CloudTrail');
  });
});
