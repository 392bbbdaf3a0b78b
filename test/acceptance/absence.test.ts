import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import { loadBaselineFile } from '../../shared/baseline/index.js';
import { ReportSchema } from '../../shared/report/types.js';
import { loadInventory } from '../../shared/snapshot/index.js';
import type { UsageListing } from '../../shared/usage-listing.js';
import { runCli } from '../support/cli.js';

/**
 * Absence from complete evidence only, on the acceptance scenarios written for it (their exact
 * findings are checked with every other scenario in scenarios.test.ts): what the audit withholds,
 * and why, as `audit`, `usage` and the engine report it.
 */
const dir = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'acceptance', name);
const files = (name: string) => [
  '--snapshot',
  join(dir(name), 'snapshot.json'),
  '--baseline',
  join(dir(name), 'baseline.yaml'),
];

async function engineRun(name: string) {
  return runAudit({
    inventory: await loadInventory(join(dir(name), 'snapshot.json')),
    baseline: await loadBaselineFile(join(dir(name), 'baseline.yaml')),
  });
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

describe('cross-account IRSA with an account the audit cannot assume into', () => {
  const scenario = 'cross-account-irsa-unreadable';
  const PLATFORM = '381492009911';
  const DATA = '706259114320';

  it('exits 1 naming the blind account unless asked to judge what could be read', async () => {
    const { code, stderr } = await runCli(
      'audit',
      ...files(scenario),
      '--format',
      'json',
      '--fail-on',
      'none',
    );
    expect(code).toBe(1);
    expect(stderr).toContain(`${DATA}: AccessDenied on sts:AssumeRole`);
  });

  it('reports the blind account and neither a dangling provider nor a stale trust', async () => {
    const { code, stdout } = await runCli(
      'audit',
      ...files(scenario),
      '--format',
      'json',
      '--fail-on',
      'none',
      '--allow-incomplete',
    );
    expect(code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(stdout));
    expect(report.findings.map((finding) => finding.checkId)).toEqual(['COLLECTION_INCOMPLETE']);
    // The provider, the trust and the declared cluster are undecided, and the report says how many.
    expect(report.summary.absenceUnknown).toBe(3);
  });

  it("names the data account's listing as the reason for every claim it withholds", async () => {
    const { unknowns } = await engineRun(scenario);
    expect(unknowns.map((unknown) => unknown.checkId).sort()).toEqual([
      'CLUSTER_MISSING',
      'IRSA_STALE_PROVIDER',
      'OIDC_PROVIDER_DANGLING',
    ]);
    for (const unknown of unknowns) {
      expect(unknown.reason).toBe(`account ${DATA} could not be read`);
      expect(unknown.incompleteScopes).toEqual([{ level: 'region', accountId: DATA, region: 'us-east-2' }]);
    }
    const dangling = unknowns.find((unknown) => unknown.checkId === 'OIDC_PROVIDER_DANGLING');
    expect(dangling?.resourceId).toMatch(
      new RegExp(`^arn:aws:iam::${PLATFORM}:oidc-provider/oidc\\.eks\\.us-east-2\\.`),
    );
  });
});

describe('a role used through a region whose CloudTrail was not collected', () => {
  const scenario = 'irsa-role-used-elsewhere';

  it('lists the bindings and associations IAM shows later use for as unknown, with the reason', async () => {
    const { code, stdout } = await runCli('usage', ...files(scenario), '--format', 'json');
    expect(code).toBe(0);
    const listing = JSON.parse(stdout) as UsageListing;
    const status = (serviceAccount: string) =>
      listing.identities.find((identity) => identity.serviceAccount === serviceAccount);
    expect(status('uploader')).toMatchObject({ status: 'used', count: 2 });
    expect(status('transcoder')).toMatchObject({
      via: 'irsa',
      status: 'unknown',
      lastSeen: '2026-11-27T22:40:11Z',
    });
    expect(status('transcoder')?.reason).toContain(
      'IAM reports role media-pipeline last used 2026-11-27T22:40:11Z in eu-central-1, later than the latest use CloudTrail shows (2026-11-20T06:15:00Z)',
    );
    expect(status('thumbnailer-legacy')).toMatchObject({ status: 'unused' });
    expect(status('reindexer')).toMatchObject({ via: 'pod-identity', status: 'unknown' });
    expect(status('sync')).toMatchObject({ via: 'pod-identity', status: 'unknown' });
  });

  it('counts them as usage unknown in the audit report', async () => {
    const { stdout } = await runCli('audit', ...files(scenario), '--format', 'json', '--fail-on', 'none');
    const report = ReportSchema.parse(JSON.parse(stdout));
    expect(report.summary.usageUnknown).toBe(3);
    expect(
      report.findings.filter((finding) => finding.checkId.endsWith('_UNUSED')).map((f) => f.resource.id),
    ).toEqual([
      'arn:aws:eks:us-west-2:552019873344:cluster/media-prod/serviceaccount/ingest/thumbnailer-legacy',
    ]);
  });
});
