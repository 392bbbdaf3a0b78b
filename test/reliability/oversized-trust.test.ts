import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import { parseBaseline } from '../../shared/baseline/index.js';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { runCli } from '../support/cli.js';
import {
  irsaTrust,
  mergePolicies,
  oidcIdFor,
  type PolicyDocument,
  snapshot,
} from '../support/snapshot-builder.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const scratch = mkdtempSync(join(tmpdir(), 'oversized-trust-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** IRSA statements of one service account, one per cluster (what a blue/green history accumulates). */
function trustForClusters(clusters: string[], subject: string): PolicyDocument {
  return mergePolicies(
    ...clusters.map((cluster) =>
      irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: oidcIdFor(cluster), subject }),
    ),
  );
}

/** The account: `clusters` with their OIDC providers and one role with `trust`. */
function audit(clusters: string[], trust: PolicyDocument, declarations: string) {
  const json = snapshot()
    .account(ACCOUNT, (account) => {
      account.role('app', { trust });
      for (const cluster of clusters) account.oidcProvider({ region: REGION, oidcId: oidcIdFor(cluster) });
      account.region(REGION, (region) => {
        for (const cluster of clusters) region.cluster(cluster);
      });
    })
    .build();
  const baseline = parseBaseline(
    `version: 1\nclusters:\n  prod:\n    account: "${ACCOUNT}"\n    region: ${REGION}\n    members: [${clusters.join(', ')}]\n${declarations}`,
    'baseline.yaml',
  );
  return runAudit({ inventory: normalizeSnapshot(parseSnapshot(json, 'snapshot.json')), baseline });
}

const CLUSTERS = Array.from({ length: 24 }, (_, index) => `prod-${index}`);
const SUBJECT = 'system:serviceaccount:payments:api';
const DECLARED = `irsa:\n  - cluster: prod\n    namespace: payments\n    serviceAccount: api\n    roleArn: arn:aws:iam::${ACCOUNT}:role/app\n`;

describe('trust policies at and beyond IAM size limits', () => {
  it('judges a trust policy over four times the default 2,048 characters like a small one', () => {
    // Prepare: one statement per member cluster, 24 of them.
    const trust = trustForClusters(CLUSTERS, SUBJECT);

    // Act
    const result = audit(CLUSTERS, trust, DECLARED);

    // Assess
    expect(JSON.stringify(trust).length).toBeGreaterThan(4 * 2048);
    expect(result.findings.filter((finding) => finding.checkId === 'IRSA_BINDING_MISSING')).toEqual([]);
  });

  it('reports the one member cluster such a large trust policy leaves out (near-miss)', () => {
    // Prepare: the statement for prod-9 is gone.
    const trust = trustForClusters(
      CLUSTERS.filter((cluster) => cluster !== 'prod-9'),
      SUBJECT,
    );

    // Act
    const result = audit(CLUSTERS, trust, DECLARED);

    // Assess
    const missing = result.findings.filter((finding) => finding.checkId === 'IRSA_BINDING_MISSING');
    expect(missing.map((finding) => finding.cluster)).toEqual(['prod-9']);
  });

  it('audits a trust policy of 5,000 statements and reports the one undeclared service account', () => {
    // Prepare: 5,000 service accounts on one cluster, all but the last declared.
    const count = 5000;
    const statements = Array.from({ length: count }, (_, index) =>
      irsaTrust({
        accountId: ACCOUNT,
        region: REGION,
        oidcId: oidcIdFor('prod-0'),
        subject: `system:serviceaccount:payments:api-${index}`,
      }),
    );
    const declarations = `irsa:\n${Array.from(
      { length: count - 1 },
      (_, index) =>
        `  - cluster: prod\n    namespace: payments\n    serviceAccount: api-${index}\n    roleArn: arn:aws:iam::${ACCOUNT}:role/app\n`,
    ).join('')}`;

    // Act
    const result = audit(['prod-0'], mergePolicies(...statements), declarations);

    // Assess
    const undeclared = result.findings.filter((finding) => finding.checkId === 'IRSA_BINDING_UNDECLARED');
    expect(undeclared).toHaveLength(1);
    expect(undeclared[0].message).toContain(`api-${count - 1}`);
    expect(result.findings.filter((finding) => finding.checkId === 'IRSA_BINDING_MISSING')).toEqual([]);
  }, 20_000);

  it('explains a trust policy of 5,000 statements from the CLI', async () => {
    // Prepare
    const path = join(scratch, 'trust.json');
    writeFileSync(
      path,
      JSON.stringify(
        mergePolicies(
          ...Array.from({ length: 5000 }, (_, index) =>
            irsaTrust({
              accountId: ACCOUNT,
              region: REGION,
              oidcId: 'ABC',
              subject: `system:serviceaccount:ns:sa-${index}`,
            }),
          ),
        ),
      ),
    );

    // Act
    const run = await runCli('trust', 'explain', '--file', path, '--format', 'json');

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).grants).toHaveLength(5000);
  }, 20_000);
});
