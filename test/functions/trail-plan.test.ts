import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TrailListing, trailStep } from '../../functions/collect-trail-usage/trail.js';
import { clientFactory } from '../../functions/lib/aws.js';
import { writeRunPlan } from '../../functions/lib/run-plan.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { ALL_SERVICE_CLIENTS } from '../../shared/aws/clients.js';
import { InputError } from '../../shared/errors.js';
import { useSandboxCredentials } from '../support/sandbox.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const REGION = 'eu-west-1';
const BUCKET = 'eks-identity-audit-demo-111122223333';
const RUN_ID = '20261207T020000Z-0a1b2c3d';
const STARTED_AT = '2026-12-07T02:00:00.000Z';

let sandbox: SandboxHandle;
let restoreEnv: () => void;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  restoreEnv = useSandboxCredentials(sandbox);
});
afterAll(async () => {
  await sandbox.close();
  restoreEnv();
});

function config() {
  return {
    bucket: BUCKET,
    orgTrailBucket: 'org-trail-logs',
    orgTrailPrefix: '/central/',
    organizationId: 'o-a1b2c3d4e5',
    windowDays: 2,
    memberRoleName: 'EksIdentityAuditReadOnly',
    externalId: 'eks-identity-audit-demo',
    endpointUrl: sandbox.url,
    region: REGION,
  };
}

const factory = () => clientFactory(config(), ALL_SERVICE_CLIENTS);

describe('collect-trail-usage plan step, as the state machine calls it (with the run id)', () => {
  it("lists the day folders of every account-region of the run's plan in S3", async () => {
    // Prepare: the plan plan-scopes writes; the state after the Map carries only its run id.
    await writeRunPlan(factory().s3(), { bucket: BUCKET, runId: RUN_ID }, [
      { accountId: '222233334444', regions: ['us-east-1', REGION] },
      { accountId: '333344445555', regions: [] },
    ]);

    // Act
    const result = (await trailStep(
      { plan: { startedAt: STARTED_AT, runId: RUN_ID } },
      config(),
      factory(),
    )) as { listings: TrailListing[] };

    // Assess: no ledger yet, so the whole window's folders (today and the two days before) per region.
    const folders = result.listings.map((listing) => `${listing.region} ${listing.day}`);
    expect(folders).toEqual([
      'eu-west-1 2026-12-05',
      'eu-west-1 2026-12-06',
      'eu-west-1 2026-12-07',
      'us-east-1 2026-12-05',
      'us-east-1 2026-12-06',
      'us-east-1 2026-12-07',
    ]);
    expect(result.listings[0]).toEqual({
      accountId: '222233334444',
      region: REGION,
      day: '2026-12-05',
      prefix: 'central/AWSLogs/o-a1b2c3d4e5/222233334444/CloudTrail/eu-west-1/2026/12/05/',
      listedAt: STARTED_AT,
    });
  });

  it('fails with a located input error when the run has no plan (near miss)', async () => {
    await expect(
      trailStep({ plan: { startedAt: STARTED_AT, runId: 'no-such-run' } }, config(), factory()),
    ).rejects.toThrow(InputError);
  });
});
