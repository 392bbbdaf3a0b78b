import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
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
import type { UsageListing } from '../../shared/usage/identities.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ACCOUNTS = '111122223333,222233334444,333344445555';
const BASELINE = fileURLToPath(new URL('../../sandbox/scenarios/demo.baseline.yaml', import.meta.url));
const SAVED_ENV = { ...process.env };

let sandbox: SandboxHandle;
let stdout: MockInstance;
let stderr: MockInstance;
const written = (spy: MockInstance) => spy.mock.calls.map((call) => String(call[0])).join('');

const run = (...args: string[]) => main(['node', 'eks-identity-audit', ...args]);
const live = () => [
  '--endpoint-url',
  sandbox.url,
  '--region',
  'eu-west-1',
  '--regions',
  'eu-west-1,us-east-1',
  '--accounts',
  ACCOUNTS,
  '--role-name',
  'EksIdentityAuditReadOnly',
  '--external-id',
  'eks-identity-audit-demo',
];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo' });
  process.env.AWS_ACCESS_KEY_ID = sandbox.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sandbox.credentials.secretAccessKey;
  if (sandbox.credentials.sessionToken) process.env.AWS_SESSION_TOKEN = sandbox.credentials.sessionToken;
  delete process.env.AWS_PROFILE;
  const s3 = new S3Client({
    region: 'eu-west-1',
    endpoint: sandbox.url,
    forcePathStyle: true,
    credentials: sandbox.credentials,
  });
  await s3.send(
    new CreateBucketCommand({
      Bucket: 'audit-state',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    }),
  );
});

afterAll(async () => {
  process.env = SAVED_ENV;
  await sandbox.close();
});

beforeEach(() => {
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('usage', () => {
  it('lists every workload identity with last seen, evidence source and status, the same from a ledger as from a scan', async () => {
    expect(await run('usage', ...live(), '--baseline', BASELINE, '--format', 'json')).toBe(0);
    const scanned = JSON.parse(written(stdout)) as UsageListing;
    stdout.mockClear();

    const ledger = ['--usage-ledger', 's3://audit-state/ledgers'];
    expect(await run('usage', ...live(), ...ledger, '--baseline', BASELINE, '--format', 'json')).toBe(0);
    const fromLedger = JSON.parse(written(stdout)) as UsageListing;
    expect(written(stderr)).toContain(
      'ledger s3://audit-state/ledgers/usage/222233334444/eu-west-1/ledger.json: backfilled (first-run)',
    );
    // Windows end at each run's own "now"; the identities and their evidence agree.
    expect(fromLedger.identities).toEqual(scanned.identities);
    const statuses = new Set(fromLedger.identities.map((identity) => identity.status));
    expect(statuses).toEqual(new Set(['used', 'unused', 'unknown']));
    const used = fromLedger.identities.find((identity) => identity.status === 'used');
    expect(used?.lastSeen).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(used?.source).toMatch(/^cloudtrail:/);

    stdout.mockClear();
    stderr.mockClear();
    expect(await run('usage', ...live(), ...ledger, '--baseline', BASELINE, '--format', 'table')).toBe(0);
    expect(written(stderr)).toContain('222233334444/eu-west-1/ledger.json: read from the high-water mark');
    expect(written(stdout)).toMatch(
      /^Workload identity usage, 90 days to .*: \d+ used, \d+ unused, \d+ unknown\n\nSTATUS +VIA/,
    );
  });

  it('refuses --usage-ledger with --snapshot, and a location that is not s3://', async () => {
    expect(await run('usage', '--snapshot', 'snapshot.json', '--usage-ledger', 's3://audit-state/l')).toBe(1);
    expect(written(stderr)).toContain('cannot be combined with --snapshot');
    stderr.mockClear();
    expect(await run('usage', ...live(), '--usage-ledger', 'audit-state/l')).toBe(1);
    expect(written(stderr)).toContain('not an S3 URI');
  });
});
