import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import type { UsageListing } from '../../shared/usage-listing.js';
import { runCli } from '../support/cli.js';
import { useSandboxCredentials } from '../support/sandbox.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ACCOUNTS = '111122223333,222233334444,333344445555';
const BASELINE = fileURLToPath(new URL('../../sandbox/scenarios/demo.baseline.yaml', import.meta.url));

let sandbox: SandboxHandle;
let restoreEnv: () => void;

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
  restoreEnv = useSandboxCredentials(sandbox);
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
  restoreEnv();
  await sandbox.close();
});

describe('usage', () => {
  it('lists every workload identity with last seen, evidence source and status, the same from a ledger as from a scan', async () => {
    const scan = await runCli('usage', ...live(), '--baseline', BASELINE, '--format', 'json');
    expect(scan.code).toBe(0);
    const scanned = JSON.parse(scan.stdout) as UsageListing;

    const ledger = ['--usage-ledger', 's3://audit-state/ledgers'];
    const first = await runCli('usage', ...live(), ...ledger, '--baseline', BASELINE, '--format', 'json');
    expect(first.code).toBe(0);
    const fromLedger = JSON.parse(first.stdout) as UsageListing;
    expect(first.stderr).toContain(
      'ledger s3://audit-state/ledgers/usage/222233334444/eu-west-1/ledger.json: backfilled (first-run)',
    );
    // Windows end at each run's own "now"; the identities and their evidence agree.
    expect(fromLedger.identities).toEqual(scanned.identities);
    const statuses = new Set(fromLedger.identities.map((identity) => identity.status));
    expect(statuses).toEqual(new Set(['used', 'unused', 'unknown']));
    const used = fromLedger.identities.find((identity) => identity.status === 'used');
    expect(used?.lastSeen).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(used?.source).toMatch(/^cloudtrail:/);

    const second = await runCli('usage', ...live(), ...ledger, '--baseline', BASELINE, '--format', 'table');
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('222233334444/eu-west-1/ledger.json: read from the high-water mark');
    expect(second.stdout).toMatch(
      /^Workload identity usage, 90 days to .*: \d+ used, \d+ unused, \d+ unknown\n\nSTATUS +VIA/,
    );
  });

  it('refuses --usage-ledger with --snapshot, and a location that is not s3://', async () => {
    const withSnapshot = await runCli(
      'usage',
      '--snapshot',
      'snapshot.json',
      '--usage-ledger',
      's3://audit-state/l',
    );
    expect(withSnapshot.code).toBe(1);
    expect(withSnapshot.stderr).toContain('cannot be combined with --snapshot');
    const notS3 = await runCli('usage', ...live(), '--usage-ledger', 'audit-state/l');
    expect(notS3.code).toBe(1);
    expect(notS3.stderr).toContain('not an S3 URI');
  });
});
