import { describe, expect, it } from 'vitest';
import { runAudit, toFinding } from '../../shared/audit.js';
import { loadBaselineFile } from '../../shared/baseline/index.js';
import { checks } from '../../shared/checks/index.js';
import type { Check } from '../../shared/checks/types.js';
import { ReportSchema } from '../../shared/report/types.js';
import { loadInventory } from '../../shared/snapshot/index.js';
import { collectionError, snapshot } from '../support/snapshot-builder.js';
import {
  baselineOf,
  DATA,
  estate,
  inventoryOf,
  irsa,
  irsaTrustFor,
  LONG_AGO,
  NOW,
  pi,
  REGION,
  roleArn,
  WORKLOADS,
} from './world.js';

const fixture = async () => ({
  inventory: await loadInventory('test/fixtures/snapshot.json'),
  baseline: await loadBaselineFile('test/fixtures/baseline.yaml'),
});

const pairs = (findings: Array<{ checkId: string; resource: { id: string } }>) =>
  findings.map((finding) => `${finding.checkId} ${finding.resource.id}`).sort();

describe('runAudit on the demo organization fixture', () => {
  it('finds exactly the documented problems', async () => {
    const { findings } = runAudit(await fixture());
    const nodegroup = findings.find((finding) => finding.checkId === 'PI_NODE_ROLE_MISSING_PERMISSION')!;
    const arn = (suffix: string) => `arn:aws:eks:${REGION}:${WORKLOADS}:${suffix}`;
    const role = (name: string) => roleArn(name);
    expect(pairs(findings)).toEqual(
      [
        'COLLECTION_INCOMPLETE account/777788889999',
        `IRSA_BINDING_MISSING ${arn('cluster/prod-green/serviceaccount/kube-system/cluster-autoscaler')}`,
        `IRSA_MIGRATION_CANDIDATE ${arn('cluster/prod-blue/serviceaccount/kube-system/cluster-autoscaler')}`,
        `IRSA_MIGRATION_CANDIDATE ${arn('cluster/prod-blue/serviceaccount/kube-system/external-dns')}`,
        `IRSA_SUBJECT_WILDCARD ${role('crossplane-provider-aws')}`,
        `IRSA_SUBJECT_WILDCARD ${role('crossplane-provider-aws')}`,
        `PI_AGENT_MISSING ${arn('cluster/prod-green')}`,
        `PI_ASSOCIATION_MISSING ${arn('cluster/staging/serviceaccount/default/worker')}`,
        `PI_ASSOCIATION_UNDECLARED ${arn('podidentityassociation/prod-blue/a-afe391c3ee8e2116a')}`,
        `PI_ASSOCIATION_UNUSED ${arn('podidentityassociation/prod-blue/a-97e915aeccbd32a37')}`,
        `PI_ASSOCIATION_UNUSED ${arn('podidentityassociation/prod-blue/a-afe391c3ee8e2116a')}`,
        `PI_ASSOCIATION_UNUSED ${arn('podidentityassociation/prod-blue/a-f0f0d95c18031b5b1')}`,
        `PI_ASSUME_DENIED ${arn('cluster/prod-blue')}`,
        `PI_NODE_ROLE_MISSING_PERMISSION ${nodegroup.resource.id}`,
        `PI_ON_FARGATE ${arn('podidentityassociation/prod-blue/a-97e915aeccbd32a37')}`,
        `PI_ON_FARGATE ${arn('podidentityassociation/prod-green/a-71a56b917fd19c60e')}`,
        `PI_TRUST_EXCLUDES_ASSOCIATION ${arn('podidentityassociation/prod-blue/a-f0f0d95c18031b5b1')}`,
        `PI_TRUST_EXCLUDES_ASSOCIATION ${arn('podidentityassociation/prod-green/a-bd7a8f2e1392cbc38')}`,
        // aws:SourceAccount alone scopes nothing: associations only use roles of their own account.
        `PI_TRUST_UNSCOPED ${role('data-exporter')}`,
        `PI_TRUST_UNSCOPED ${role('legacy-agent')}`,
        `ROLE_UNUSED ${role('legacy-agent')}`,
        `ROLE_UNUSED ${role('legacy-logs')}`,
        `ROLE_UNUSED ${role('orders-api')}`,
        `ROLE_UNUSED ${role('report-runner')}`,
      ].sort(),
    );
    expect(nodegroup.resource.id).toContain(':nodegroup/prod-blue/ng-custom/');
  });

  it("holds back prod-old's stale trust and dangling provider: the unreadable account could run that cluster", async () => {
    const { findings, unknowns, report } = runAudit(await fixture());
    const oldIssuer = `oidc.eks.${REGION}.amazonaws.com/id/3C5E7A9B1D2F4A6C8E0B2D4F6A8C1E3B`;
    expect(findings.map((finding) => finding.checkId)).not.toContain('OIDC_PROVIDER_DANGLING');
    const withheld = unknowns.filter((unknown) => unknown.kind === 'absence');
    expect(withheld.map((unknown) => [unknown.checkId, unknown.resourceId])).toEqual(
      expect.arrayContaining([
        ['IRSA_STALE_PROVIDER', `${roleArn('legacy-logs')} ${oldIssuer}`],
        ['OIDC_PROVIDER_DANGLING', `arn:aws:iam::${WORKLOADS}:oidc-provider/${oldIssuer}`],
      ]),
    );
    for (const unknown of withheld.filter((u) => u.resourceId.includes(oldIssuer))) {
      expect(unknown.reason).toContain('account 777788889999 could not be read');
      expect(unknown.incompleteScopes).toEqual([
        { level: 'region', accountId: '777788889999', region: REGION },
      ]);
    }
    expect(report.summary.absenceUnknown).toBe(new Set(withheld.map((unknown) => unknown.findingId)).size);
  });

  it('keeps suppressed findings in the report with their reason, outside the totals', async () => {
    const { report } = runAudit(await fixture());
    const suppressed = report.findings.filter((finding) => finding.suppressed);
    expect(suppressed.map((finding) => finding.checkId)).toEqual([
      'IRSA_SUBJECT_WILDCARD',
      'IRSA_SUBJECT_WILDCARD',
    ]);
    expect(suppressed[0].suppressionReason).toBe('provider service account names change per revision');
    expect(report.summary.suppressed).toBe(2);
    expect(report.summary.total).toBe(report.findings.length - 2);
  });

  it('produces a valid report v1 whose usage-unknown count matches the undecided resources', async () => {
    const result = runAudit(await fixture());
    expect(ReportSchema.parse(result.report)).toEqual(result.report);
    expect(result.report.summary.usageUnknown).toBe(result.usageUnknown);
    expect(result.usageUnknown).toBe(
      new Set(result.unknowns.filter((u) => u.kind === 'usage').map((u) => u.resourceId)).size,
    );
    expect(result.usageUnknown).toBeGreaterThan(0);
  });

  it('is deterministic: same inputs, same ids, same report', async () => {
    const first = runAudit(await fixture());
    const second = runAudit(await fixture());
    expect(second.findings.map((finding) => finding.id)).toEqual(first.findings.map((finding) => finding.id));
    expect(JSON.stringify(second.report)).toBe(JSON.stringify(first.report));
    expect(new Set(first.findings.map((finding) => finding.id)).size).toBe(first.findings.length);
  });

  it('orders findings most severe first', async () => {
    const { findings } = runAudit(await fixture());
    const ranks = findings.map((finding) =>
      ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'].indexOf(finding.severity),
    );
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });
});

describe('no false drift inside an incomplete scope', () => {
  const baseline = baselineOf({
    members: ['prod-blue', 'prod-green'],
    accounts: [DATA],
    podIdentity: [
      pi('default', 'app', 'app'),
      pi('default', 'exporter', 'exporter', { targetRoleArn: roleArn('reader', DATA) }),
    ],
    irsa: [irsa('kube-system', 'external-dns', 'dns')],
  });
  // Trust and runtime checks judge what was collected; drift and usage checks must stay silent about the gap.
  const driftAndUsage = new Set(
    checks
      .filter((check) => ['drift', 'usage', 'meta'].includes(check.meta.category))
      .map((check) => check.meta.id),
  );
  const checkIds = (inventory: ReturnType<typeof inventoryOf>) =>
    runAudit({ inventory, baseline })
      .findings.map((finding) => finding.checkId)
      .filter((id) => driftAndUsage.has(id))
      .sort();

  it('reports only COLLECTION_INCOMPLETE when the region listing failed', () => {
    const inventory = inventoryOf(
      snapshot({ capturedAt: NOW })
        .account(WORKLOADS, (account) =>
          account
            .role('app', { createDate: LONG_AGO })
            .role('exporter', { createDate: LONG_AGO })
            .role('dns', {
              createDate: LONG_AGO,
              trust: irsaTrustFor(
                ['prod-blue', 'prod-green'],
                'system:serviceaccount:kube-system:external-dns',
              ),
            })
            .region(REGION, (region) => region.error(collectionError('eks', 'ListClusters'))),
        )
        .account(DATA, (account) => account.role('reader', { createDate: LONG_AGO })),
    );
    expect(checkIds(inventory)).toEqual(['COLLECTION_INCOMPLETE']);
  });

  it('reports no missing role or unused role when IAM collection failed, and no unused binding when CloudTrail failed', () => {
    const inventory = inventoryOf(
      snapshot({ capturedAt: NOW })
        .account(WORKLOADS, (account) =>
          account
            .role('app', { createDate: LONG_AGO })
            .iamError(collectionError('iam', 'GetAccountAuthorizationDetails', 'AccessDenied'))
            .region(REGION, (region) =>
              region
                .cluster('prod-blue', { createdAt: LONG_AGO }, (cluster) =>
                  cluster.association({
                    namespace: 'default',
                    serviceAccount: 'app',
                    roleName: 'app',
                    createdAt: LONG_AGO,
                  }),
                )
                .cluster('prod-green', { createdAt: LONG_AGO }, (cluster) =>
                  cluster.association({
                    namespace: 'default',
                    serviceAccount: 'app',
                    roleName: 'app',
                    createdAt: LONG_AGO,
                  }),
                )
                .cloudTrailError(collectionError('cloudtrail', 'LookupEvents', 'AccessDenied')),
            ),
        )
        .failedAccount(DATA),
    );
    // Only the association absent from two complete clusters is drift; IAM and CloudTrail gaps hide the rest.
    expect(checkIds(inventory)).toEqual([
      'COLLECTION_INCOMPLETE',
      'COLLECTION_INCOMPLETE',
      'COLLECTION_INCOMPLETE',
      'PI_ASSOCIATION_MISSING',
      'PI_ASSOCIATION_MISSING',
    ]);
  });
});

describe('the engine', () => {
  const inventory = inventoryOf(estate({ region: (region) => region.cluster('prod-blue') }));
  const baseline = baselineOf();
  const probe = (evaluate: Check['evaluate']): Check => ({
    meta: {
      id: 'TEST_PROBE',
      title: 'Probe',
      severity: 'LOW',
      category: 'meta',
      description: 'A probe check for engine tests.',
      remediation: 'Nothing to do.',
      docsUrl: 'https://docs.aws.amazon.com/eks/',
    },
    evaluate,
  });
  const draft = {
    severity: 'LOW' as const,
    message: 'Probe fired.',
    accountId: WORKLOADS,
    resource: { type: 'Scope' as const, id: 'probe' },
    evidence: {},
  };

  it('rethrows a failing check with its id', () => {
    const broken = probe(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'arn')");
    });
    expect(() => runAudit({ inventory, baseline, checks: [broken] })).toThrow(
      /check TEST_PROBE failed: Cannot read/,
    );
  });

  it('keeps one finding per id and takes title and remediation from the metadata unless the draft overrides it', () => {
    const twice = probe(() => [
      draft,
      { ...draft, message: 'Second copy.' },
      { ...draft, identity: ['other'], remediation: 'Run this.' },
    ]);
    const { findings } = runAudit({ inventory, baseline, checks: [twice] });
    expect(findings.map((finding) => [finding.message, finding.title, finding.remediation])).toEqual([
      ['Probe fired.', 'Probe', 'Nothing to do.'],
      ['Probe fired.', 'Probe', 'Run this.'],
    ]);
    expect(toFinding(twice, draft).id).toMatch(/^TEST_PROBE-[0-9a-f]{16}$/);
  });

  it('never throws on odd but valid snapshot shapes', () => {
    const odd = inventoryOf(
      snapshot({ capturedAt: NOW })
        .account(WORKLOADS, (account) =>
          account
            .role('no-statements', { trust: { Version: '2012-10-17', Statement: [] } })
            .role('star', {
              trust: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:*' }],
              },
            })
            .role('deny-not-action', {
              trust: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, NotAction: 'sts:AssumeRole' }],
              },
            })
            .oidcProvider({ url: 'token.actions.githubusercontent.com' })
            .region(REGION, (region) =>
              region
                .cluster('prod-blue', { oidcId: null }, (cluster) =>
                  cluster.association({ namespace: 'default', serviceAccount: 'x', roleName: 'missing' }),
                )
                .event({
                  EventId: 'e-1',
                  EventName: 'AssumeRole',
                  EventTime: '2026-11-01T00:00:00Z',
                  EventSource: 'sts.amazonaws.com',
                  CloudTrailEvent: '{not json',
                }),
            ),
        )
        .account(DATA, (account) =>
          account.withoutIam().region(REGION, (region) => region.withoutCloudTrail()),
        ),
    );
    const wide = baselineOf({
      members: ['prod-blue', 'prod-green'],
      accounts: [DATA],
      podIdentity: [
        pi('default', 'x', 'missing'),
        pi('default', 'y', 'exporter', { targetRoleArn: roleArn('r', DATA) }),
      ],
      irsa: [irsa('default', 'x', 'star'), irsa('default', 'z', 'deny-not-action')],
    });
    expect(() => runAudit({ inventory: odd, baseline: wide })).not.toThrow();
    expect(() =>
      runAudit({ inventory: inventoryOf(snapshot({ capturedAt: NOW })), baseline: wide }),
    ).not.toThrow();
  });

  it('audits 5,000 associations across 5 clusters', () => {
    const members = ['c0', 'c1', 'c2', 'c3', 'c4'];
    const big = inventoryOf(
      estate({
        account: (account) => {
          for (let index = 0; index < 1000; index++) account.role(`app-${index}`, { createDate: LONG_AGO });
        },
        region: (region) => {
          for (const member of members) {
            region.cluster(member, {}, (cluster) => {
              for (let index = 0; index < 1000; index++) {
                cluster.association({
                  namespace: `ns-${index % 50}`,
                  serviceAccount: `sa-${index}`,
                  roleName: `app-${index}`,
                });
              }
            });
          }
        },
      }),
    );
    const declared = baselineOf({
      members,
      podIdentity: Array.from({ length: 1000 }, (_, index) =>
        pi(`ns-${index % 50}`, `sa-${index}`, `app-${index}`),
      ),
    });
    const { findings } = runAudit({ inventory: big, baseline: declared });
    expect(big.associations).toHaveLength(5000);
    expect(
      findings.filter(
        (finding) =>
          finding.checkId.startsWith('PI_ASSOCIATION_') && finding.checkId !== 'PI_ASSOCIATION_UNUSED',
      ),
    ).toEqual([]);
  });
});
