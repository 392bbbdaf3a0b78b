import { gunzipSync } from 'node:zlib';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { createClientFactory } from '../../shared/aws/clients.js';
import { updateLedgers } from '../../shared/collect/usage/incremental.js';
import {
  parseTrailKey,
  S3TrailObjectSource,
  updateFromOrgTrail,
} from '../../shared/collect/usage/org-trail.js';
import { MemoryLedgerStore } from '../../shared/collect/usage/store.js';
import { type Ledger, tallyCount } from '../../shared/usage/ledger.js';
import { wholeDayCounts } from '../support/ledger-days.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const WORKLOADS = '222233334444';
const ACCOUNTS = ['111122223333', WORKLOADS, '333344445555'];
const REGIONS = ['eu-west-1', 'us-east-1'];
const TRAIL = { bucket: 'org-trail-logs', prefix: 'trail', organizationId: 'o-demo0example' };

let sandbox: SandboxHandle;
const now = new Date();

function factory() {
  return createClientFactory({
    region: 'eu-west-1',
    endpointUrl: sandbox.url,
    credentials: sandbox.credentials,
    roleName: 'EksIdentityAuditReadOnly',
    externalId: 'eks-identity-audit-demo',
  });
}

beforeAll(async () => {
  sandbox = await startSandbox({ scenario: 'demo', now: () => new Date(now), organizationTrail: TRAIL });
});

afterAll(async () => {
  await sandbox.close();
});

describe('the sandbox organization trail', () => {
  it('delivers the generated history as CloudTrail log files: documented keys, gzip {"Records":[...]}', async () => {
    const listed = await factory()
      .s3()
      .send(
        new ListObjectsV2Command({
          Bucket: TRAIL.bucket,
          Prefix: `trail/AWSLogs/${TRAIL.organizationId}/${WORKLOADS}/`,
        }),
      );
    const keys = (listed.Contents ?? []).map((object) => object.Key as string);
    expect(keys.length).toBeGreaterThan(0);
    const parsed = parseTrailKey(keys[0]);
    expect(parsed).toMatchObject({ accountId: WORKLOADS });
    expect(keys[0]).toMatch(
      /^trail\/AWSLogs\/o-demo0example\/222233334444\/CloudTrail\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/222233334444_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Z0-9]{16}\.json\.gz$/,
    );
    const body = sandbox.s3Object(TRAIL.bucket, keys[0]) as Buffer;
    const content = JSON.parse(gunzipSync(body).toString('utf8')) as {
      Records: Array<Record<string, unknown>>;
    };
    expect(content.Records.length).toBeGreaterThan(0);
    expect(content.Records[0]).toMatchObject({
      eventVersion: expect.any(String),
      recipientAccountId: WORKLOADS,
    });
    // A record is delivered after it was written, into the folder of its delivery day.
    for (const record of content.Records)
      expect(String(record.eventTime) <= (parsed?.deliveredAt ?? '')).toBe(true);
  });

  // A 90-day backfill of every account-region by both sources: long on a loaded machine.
  it('gives the ledgers the same evidence through the log files as through LookupEvents, without a LookupEvents call', {
    timeout: 180_000,
  }, async () => {
    // Act
    const lookupStore = new MemoryLedgerStore();
    const lookups = await updateLedgers({
      factory: factory(),
      accounts: ACCOUNTS,
      regions: REGIONS,
      store: lookupStore,
      now,
    });
    sandbox.resetCalls();
    const trailStore = new MemoryLedgerStore();
    const trail = await updateFromOrgTrail({
      source: new S3TrailObjectSource(factory().s3(), TRAIL.bucket),
      location: TRAIL,
      store: trailStore,
      accounts: ACCOUNTS,
      regions: REGIONS,
      now,
    });

    // Assess
    const calls = sandbox.calls();
    expect(ACCOUNTS.map((account) => calls[account]?.cloudtrail?.LookupEvents ?? 0)).toEqual([0, 0, 0]);
    const workloads = lookups.find(
      (update) => update.accountId === WORKLOADS && update.region === 'eu-west-1',
    );
    const fromTrail = trail.find((update) => update.accountId === WORKLOADS && update.region === 'eu-west-1');
    expect(fromTrail?.filesRead).toBeGreaterThan(0);
    const lookupLedger = workloads?.ledger as Ledger;
    const trailLedger = fromTrail?.ledger as Ledger;
    expect(Object.keys(trailLedger.entries).sort()).toEqual(Object.keys(lookupLedger.entries).sort());
    const from = trailLedger.covered[0].from;
    const to = trailLedger.covered[trailLedger.covered.length - 1].to;
    const days = wholeDayCounts(trailLedger, from, to);
    expect(Object.values(days).some((entry) => Object.keys(entry).length > 0)).toBe(true);
    expect(days).toEqual(wholeDayCounts(lookupLedger, from, to));
    expect(
      Object.values(trailLedger.entries).reduce((sum, entry) => sum + tallyCount(entry.tally), 0),
    ).toBeGreaterThan(0);
  });
});
