import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import { main } from '../../cli/main.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import type { Report } from '../../shared/report/types.js';

const BASELINE = 's3://eks-identity-audit-demo-111122223333/baseline.yaml';
const LEDGER = 's3://eks-identity-audit-demo-111122223333/state';
const SAVED_ENV = { ...process.env };

let sandbox: SandboxHandle;
let stdout: MockInstance;
let stderr: MockInstance;
const written = (spy: MockInstance) => spy.mock.calls.map((call) => String(call[0])).join('');

const audit = async (...extra: string[]) => {
  stdout.mockClear();
  stderr.mockClear();
  const code = await main([
    'node',
    'eks-identity-audit',
    'audit',
    '--baseline',
    BASELINE,
    '--endpoint-url',
    sandbox.url,
    '--role-name',
    'EksIdentityAuditReadOnly',
    '--external-id',
    'eks-identity-audit-demo',
    '--format',
    'json',
    ...extra,
  ]);
  const report = JSON.parse(written(stdout)) as Report;
  return {
    code,
    findings: report.findings.map((finding) => finding.id).sort(),
    incompleteScopes: report.scopes.filter((scope) => scope.status === 'incomplete'),
    stderr: written(stderr),
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
  process.env.AWS_ACCESS_KEY_ID = sandbox.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sandbox.credentials.secretAccessKey;
  if (sandbox.credentials.sessionToken) process.env.AWS_SESSION_TOKEN = sandbox.credentials.sessionToken;
  process.env.AWS_REGION = sandbox.credentials.region;
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  await sandbox.close();
  process.env = SAVED_ENV;
});

beforeEach(() => {
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
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
    stdout.mockClear();
    const code = await main([
      'node',
      'eks-identity-audit',
      'audit',
      '--baseline',
      BASELINE,
      '--snapshot',
      'snapshot.json',
      '--usage-ledger',
      LEDGER,
    ]);
    expect(code).toBe(1);
    expect(written(stderr)).toContain('--usage-ledger updates ledgers from live CloudTrail');
  });
});
