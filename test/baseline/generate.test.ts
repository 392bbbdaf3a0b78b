import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { runAudit } from '../../shared/audit.js';
import { generateBaseline } from '../../shared/baseline/generate.js';
import { parseBaseline } from '../../shared/baseline/parse.js';
import type { Baseline } from '../../shared/baseline/types.js';
import type { Inventory } from '../../shared/model/inventory.js';
import { loadInventory, normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { canAssume } from '../../shared/trust/index.js';
import { collectionError, irsaTrust, oidcIdFor, snapshot } from '../support/snapshot-builder.js';

const snapshotPath = join(import.meta.dirname, '..', 'fixtures', 'snapshot.json');

/** Every association of the inventory as `ACCOUNT/REGION/CLUSTER NS/SA -> ROLE [-> TARGET] [no tags]`. */
function associationsOf(inventory: Inventory): string[] {
  return inventory.associations
    .map(
      (association) =>
        `${association.accountId}/${association.region}/${association.clusterName} ${association.namespace}/${association.serviceAccount} -> ${association.roleArn}` +
        `${association.targetRoleArn ? ` -> ${association.targetRoleArn}` : ''}${association.disableSessionTags ? ' no tags' : ''}`,
    )
    .sort();
}

/** The same view of what a baseline declares, through its logical clusters' members. */
function declaredAssociationsOf(baseline: Baseline): string[] {
  return baseline.podIdentity
    .flatMap((binding) => {
      const logical = baseline.clusters.find((cluster) => cluster.name === binding.cluster);
      return (logical?.members ?? []).map(
        (member) =>
          `${logical?.account}/${logical?.region}/${member} ${binding.namespace}/${binding.serviceAccount} -> ${binding.roleArn}` +
          `${binding.targetRoleArn ? ` -> ${binding.targetRoleArn}` : ''}${binding.disableSessionTags ? ' no tags' : ''}`,
      );
    })
    .sort();
}

function inventoryOf(build: ReturnType<typeof snapshot>): Inventory {
  return normalizeSnapshot(parseSnapshot(build.build(), 'test-snapshot.json'));
}

describe('generateBaseline on the demo organization snapshot', () => {
  it('writes a valid baseline declaring exactly the Pod Identity associations the snapshot holds', async () => {
    // Prepare
    const inventory = await loadInventory(snapshotPath);

    // Act
    const baseline = parseBaseline(generateBaseline(inventory), 'generated.yaml');

    // Assess
    expect(declaredAssociationsOf(baseline)).toEqual(associationsOf(inventory));
    expect(baseline.podIdentity.length).toBeGreaterThan(0);
  });

  it('declares one logical cluster per physical cluster, named after it', async () => {
    // Prepare
    const inventory = await loadInventory(snapshotPath);

    // Act
    const baseline = parseBaseline(generateBaseline(inventory), 'generated.yaml');

    // Assess
    expect(
      baseline.clusters.map(({ name, account, region, members }) => ({ name, account, region, members })),
    ).toEqual(
      inventory.clusters
        .map((cluster) => ({
          name: cluster.name,
          account: cluster.accountId,
          region: cluster.region,
          members: [cluster.name],
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(baseline.settings.unusedAfterDays).toBe(90);
  });

  it('declares only IRSA bindings that the role trust really grants for that cluster', async () => {
    // Prepare
    const inventory = await loadInventory(snapshotPath);

    // Act
    const baseline = parseBaseline(generateBaseline(inventory), 'generated.yaml');

    // Assess
    const declared = baseline.irsa.map(
      (binding) => `${binding.cluster} ${binding.namespace}/${binding.serviceAccount} ${binding.roleArn}`,
    );
    expect(declared).toContain(
      'prod-blue kube-system/cluster-autoscaler arn:aws:iam::111122223333:role/cluster-autoscaler',
    );
    expect(declared).toContain(
      'prod-blue kube-system/external-dns arn:aws:iam::111122223333:role/external-dns',
    );
    // The autoscaler's trust names only prod-blue's issuer (not yet prod-green's).
    expect(declared).not.toContain(
      'prod-green kube-system/cluster-autoscaler arn:aws:iam::111122223333:role/cluster-autoscaler',
    );
    for (const binding of baseline.irsa) {
      const cluster = inventory.clusters.find((candidate) => candidate.name === binding.cluster);
      const role = inventory.roles.get(binding.roleArn);
      const decision = canAssume(role?.trustPolicy, {
        kind: 'irsa',
        providerArn: cluster?.oidcProviderArn ?? '',
        subject: `system:serviceaccount:${binding.namespace}:${binding.serviceAccount}`,
      });
      expect(decision.allowed, `${binding.roleArn}: ${decision.reason}`).toBe(true);
    }
  });

  it('lists wildcard trust as comments, since a pattern is not one binding', async () => {
    // Prepare
    const inventory = await loadInventory(snapshotPath);

    // Act
    const text = generateBaseline(inventory);

    // Assess
    expect(text).toMatch(
      /^# {3}arn:aws:iam::111122223333:role\/crossplane-provider-aws: prod-blue subject system:serviceaccount:crossplane-system:provider-aws-\* \(pattern\)$/m,
    );
  });

  it('declares the service account CloudTrail saw using a wildcard grant, with a comment naming the pattern', async () => {
    // Prepare
    const inventory = await loadInventory(snapshotPath);

    // Act
    const text = generateBaseline(inventory);

    // Assess
    expect(parseBaseline(text, 'generated.yaml').irsa).toContainEqual(
      expect.objectContaining({
        cluster: 'prod-blue',
        namespace: 'crossplane-system',
        serviceAccount: 'provider-aws-a1b2c3d4e5f6',
        roleArn: 'arn:aws:iam::111122223333:role/crossplane-provider-aws',
      }),
    );
    expect(text).toContain(
      '  # Seen in CloudTrail; the trust admits it through the subject pattern system:serviceaccount:crossplane-system:provider-aws-*.\n  - cluster: prod-blue\n    namespace: crossplane-system\n',
    );
  });

  it('leaves no drift when the same snapshot is audited against it, except a pattern grant nobody used', async () => {
    // Prepare
    const inventory = await loadInventory(snapshotPath);
    const baseline = parseBaseline(generateBaseline(inventory), 'generated.yaml');
    const drift = new Set([
      'PI_ASSOCIATION_MISSING',
      'PI_ASSOCIATION_UNDECLARED',
      'PI_ASSOCIATION_CHANGED',
      'IRSA_BINDING_MISSING',
      'IRSA_BINDING_UNDECLARED',
      'ROLE_NOT_FOUND',
      'CLUSTER_MISSING',
      'CLUSTER_UNDECLARED',
      'UNDECLARED_USAGE',
    ]);

    // Act
    const { findings } = runAudit({ inventory, baseline });

    // Assess
    const driftFindings = findings.filter((finding) => drift.has(finding.checkId));
    expect(
      driftFindings.map((finding) => [finding.checkId, finding.cluster, finding.evidence.subject]),
    ).toEqual([
      ['IRSA_BINDING_UNDECLARED', 'prod-green', 'system:serviceaccount:crossplane-system:provider-aws-*'],
    ]);
  });

  it('adds the accounts without clusters to accounts', async () => {
    // Prepare
    const inventory = await loadInventory(snapshotPath);

    // Act
    const baseline = parseBaseline(generateBaseline(inventory), 'generated.yaml');

    // Assess
    const clusterAccounts = new Set(inventory.clusters.map((cluster) => cluster.accountId));
    expect(baseline.accounts).toEqual(
      inventory.accounts
        .map((account) => account.accountId)
        .filter((accountId) => !clusterAccounts.has(accountId))
        .sort(),
    );
    expect(baseline.accounts).toContain('444455556666');
  });

  it('explains itself in comments, including how to merge a blue/green pair', async () => {
    // Prepare
    const inventory = await loadInventory(snapshotPath);

    // Act
    const text = generateBaseline(inventory);

    // Assess
    const document = parseDocument(text);
    expect(document.commentBefore).toContain('generated by `eks-identity-audit baseline init`');
    expect(text).toContain('# merge the pair into one logical cluster with two members');
    expect(text).toMatch(/^ {2}unusedAfterDays: 90 # days without use/m);
    expect(text).toMatch(/^ {2}# Managed by the EKS add-on arn:aws:eks:/m);
  });

  it('is deterministic: the same inventory gives the same text', async () => {
    // Act
    const first = generateBaseline(await loadInventory(snapshotPath));
    const second = generateBaseline(await loadInventory(snapshotPath));

    // Assess
    expect(second).toBe(first);
  });

  it('declares only the requested accounts', async () => {
    // Prepare
    const inventory = await loadInventory(snapshotPath);

    // Act
    const baseline = parseBaseline(
      generateBaseline(inventory, { accounts: ['444455556666'] }),
      'generated.yaml',
    );

    // Assess
    expect(baseline.clusters).toEqual([]);
    expect(baseline.podIdentity).toEqual([]);
    expect(baseline.accounts).toEqual(['444455556666']);
  });
});

describe('generateBaseline edge cases', () => {
  it('gives clusters with the same name in two regions distinct logical names', () => {
    // Prepare
    const inventory = inventoryOf(
      snapshot().account('111122223333', (account) =>
        account
          .region('us-east-1', (region) => region.cluster('prod'))
          .region('eu-west-1', (region) => region.cluster('prod')),
      ),
    );

    // Act
    const baseline = parseBaseline(generateBaseline(inventory), 'generated.yaml');

    // Assess
    expect(baseline.clusters.map((cluster) => [cluster.name, cluster.region, cluster.members])).toEqual([
      ['prod-eu-west-1', 'eu-west-1', ['prod']],
      ['prod-us-east-1', 'us-east-1', ['prod']],
    ]);
  });

  it('keeps disableSessionTags and declares one SA granted to two roles as two IRSA bindings', () => {
    // Prepare
    const accountId = '111122223333';
    const region = 'us-east-1';
    const subject = 'system:serviceaccount:batch:etl';
    const inventory = inventoryOf(
      snapshot().account(accountId, (account) =>
        account
          .oidcProvider({ region, oidcId: oidcIdFor('tools') })
          .role('etl-read', { trust: irsaTrust({ accountId, region, oidcId: oidcIdFor('tools'), subject }) })
          .role('etl-write', { trust: irsaTrust({ accountId, region, oidcId: oidcIdFor('tools'), subject }) })
          .role('argo')
          .region(region, (r) =>
            r.cluster('tools', {}, (cluster) =>
              cluster.association({
                namespace: 'argo',
                serviceAccount: 'argo-server',
                roleName: 'argo',
                disableSessionTags: true,
              }),
            ),
          ),
      ),
    );

    // Act
    const baseline = parseBaseline(generateBaseline(inventory), 'generated.yaml');

    // Assess
    expect(baseline.podIdentity).toMatchObject([
      { cluster: 'tools', namespace: 'argo', disableSessionTags: true },
    ]);
    expect(baseline.irsa.map((binding) => binding.roleArn)).toEqual([
      'arn:aws:iam::111122223333:role/etl-read',
      'arn:aws:iam::111122223333:role/etl-write',
    ]);
  });

  it('notes trust with no subject condition instead of declaring it', () => {
    // Prepare
    const accountId = '111122223333';
    const region = 'us-east-1';
    const inventory = inventoryOf(
      snapshot().account(accountId, (account) =>
        account
          .role('any-sa', {
            trust: irsaTrust({ accountId, region, oidcId: oidcIdFor('tools'), subject: null }),
          })
          .region(region, (r) => r.cluster('tools')),
      ),
    );

    // Act
    const text = generateBaseline(inventory);

    // Assess
    expect(parseBaseline(text, 'generated.yaml').irsa).toEqual([]);
    expect(text).toContain(
      '#   arn:aws:iam::111122223333:role/any-sa: any service account of tools (no :sub condition)',
    );
  });

  it('declares an exact subject only from a statement that allows sts:AssumeRoleWithWebIdentity', () => {
    // Prepare
    const accountId = '111122223333';
    const region = 'us-east-1';
    const trustFor = (action: string) => {
      const trust = irsaTrust({
        accountId,
        region,
        oidcId: oidcIdFor('tools'),
        subject: 'system:serviceaccount:batch:etl',
      });
      return { ...trust, Statement: trust.Statement.map((statement) => ({ ...statement, Action: action })) };
    };
    const inventory = inventoryOf(
      snapshot().account(accountId, (account) =>
        account
          .role('etl-web-identity', { trust: trustFor('sts:AssumeRoleWith*') })
          .role('etl-assume-role', { trust: trustFor('sts:AssumeRole') })
          .region(region, (r) => r.cluster('tools')),
      ),
    );

    // Act
    const baseline = parseBaseline(generateBaseline(inventory), 'generated.yaml');

    // Assess
    expect(baseline.irsa.map((binding) => binding.roleArn)).toEqual([
      'arn:aws:iam::111122223333:role/etl-web-identity',
    ]);
  });

  it('marks a cluster that was not fully collected', () => {
    // Prepare
    const inventory = inventoryOf(
      snapshot().account('111122223333', (account) =>
        account.region('us-east-1', (region) =>
          region
            .cluster('tools', {}, (cluster) =>
              cluster.error(
                collectionError('eks', 'ListPodIdentityAssociations', 'AccessDeniedException', 'denied'),
              ),
            )
            .cluster('web'),
        ),
      ),
    );

    // Act
    const text = generateBaseline(inventory);

    // Assess
    expect(text).toMatch(/# This cluster was not fully collected[^\n]*\n {2}tools:/);
    expect(text).not.toMatch(/# This cluster was not fully collected[^\n]*\n {2}web:/);
  });
});
