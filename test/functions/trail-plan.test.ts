import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type TrailListing,
  type TrailListingsRef,
  trailStep,
} from '../../functions/collect-trail-usage/trail.js';
import { clientFactory } from '../../functions/lib/aws.js';
import { writeRunPlan } from '../../functions/lib/run-plan.js';
import { orgTrailStates } from '../../infra/org-trail-states.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { ALL_SERVICE_CLIENTS } from '../../shared/aws/clients.js';
import { getObjectText } from '../../shared/aws/s3.js';
import { InputError } from '../../shared/errors.js';
import { applySelector } from '../infra/support.js';
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

/** The state after `PlanTrailDays`: what the state machine carries, with the step's result at `$.trail`. */
function stateAfterPlan(runId: string, trail: TrailListingsRef) {
  return { runId, startedAt: STARTED_AT, trail };
}

/** The folders the outer Map's `ItemReader` reads, resolved from the state as Step Functions does. */
async function folderMapItems(state: Record<string, unknown>): Promise<TrailListing[]> {
  const readDays = orgTrailStates({ functionArn: 'arn:fn', trailBucket: 'org-trail-logs', next: 'Done' })
    .ReadTrailDays as { ItemReader: { Resource: string; Parameters: Record<string, unknown> } };
  expect(readDays.ItemReader.Resource).toBe('arn:aws:states:::s3:getObject');
  const where = applySelector(readDays.ItemReader.Parameters, state, {}) as { Bucket: string; Key: string };
  const { text } = await getObjectText(factory().s3(), { bucket: where.Bucket, key: where.Key });
  return JSON.parse(text) as TrailListing[];
}

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
    )) as TrailListingsRef;

    // Assess: only a reference comes back; the folders are in S3 under the run's prefix, where the
    // folder Map's ItemReader finds them. No ledger yet, so the whole window's folders (today and
    // the two days before) per region.
    expect(result).toEqual({ bucket: BUCKET, key: `runs/${RUN_ID}/trail-listings.json`, count: 6 });
    const listings = await folderMapItems(stateAfterPlan(RUN_ID, result));
    const folders = listings.map((listing) => `${listing.region} ${listing.day}`);
    expect(folders).toEqual([
      'eu-west-1 2026-12-05',
      'eu-west-1 2026-12-06',
      'eu-west-1 2026-12-07',
      'us-east-1 2026-12-05',
      'us-east-1 2026-12-06',
      'us-east-1 2026-12-07',
    ]);
    expect(listings[0]).toEqual({
      accountId: '222233334444',
      region: REGION,
      day: '2026-12-05',
      prefix: 'central/AWSLogs/o-a1b2c3d4e5/222233334444/CloudTrail/eu-west-1/2026/12/05/',
      listedAt: STARTED_AT,
    });
  });

  it('keeps the state payload small on a first night of 200 account-regions, whose folders would not fit in it', async () => {
    // Prepare: 50 accounts in 4 regions, no ledger anywhere, a 90-day window: 91 folders each.
    const runId = '20261207T020000Z-0f0f0f0f';
    const regions = ['eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-2'];
    const accounts = Array.from({ length: 50 }, (_, index) => ({
      accountId: String(500000000000 + index),
      regions,
    }));
    await writeRunPlan(factory().s3(), { bucket: BUCKET, runId }, accounts);

    // Act
    const result = (await trailStep(
      { plan: { startedAt: STARTED_AT, runId } },
      { ...config(), windowDays: 90 },
      factory(),
    )) as TrailListingsRef;

    // Assess: the reference stays a few hundred bytes while the list itself is far above 256 KiB.
    expect(result.count).toBe(200 * 91);
    const state = stateAfterPlan(runId, result);
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(2 * 1024);
    const listings = await folderMapItems(state);
    expect(listings).toHaveLength(200 * 91);
    expect(Buffer.byteLength(JSON.stringify(listings))).toBeGreaterThan(256 * 1024);
    expect(new Set(listings.map((listing) => listing.prefix)).size).toBe(200 * 91);
  });

  it('fails with a located input error when the run has no plan (near miss)', async () => {
    await expect(
      trailStep({ plan: { startedAt: STARTED_AT, runId: 'no-such-run' } }, config(), factory()),
    ).rejects.toThrow(InputError);
  });
});
