import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../shared/snapshot/index.js';
import { buildFixtureSnapshot, FIXTURE_PATH, OIDC } from '../fixtures/make-snapshot.js';

describe('the fixture snapshot', () => {
  it('is exactly what make-snapshot generates', () => {
    // Prepare
    const committed = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8'));
    // Assess
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildFixtureSnapshot())));
  });

  it('normalizes cleanly with the content the checks and the demo rely on', async () => {
    // Act
    const inventory = await loadInventory(FIXTURE_PATH);
    // Assess
    expect(inventory.accounts.map((account) => account.accountId)).toEqual([
      '111122223333',
      '444455556666',
      '777788889999',
    ]);
    expect(inventory.clusters.map((cluster) => [cluster.name, cluster.autoMode])).toEqual([
      ['prod-blue', false],
      ['prod-green', false],
      ['staging', true],
    ]);
    const blue = inventory.clusters[0];
    const green = inventory.clusters[1];
    expect(blue.issuerHostPath).not.toBe(green.issuerHostPath);
    expect(blue.addons.map((addon) => addon.name)).toContain('eks-pod-identity-agent');
    expect(green.addons.map((addon) => addon.name)).not.toContain('eks-pod-identity-agent');
    const ebs = blue.addons.find((addon) => addon.name === 'aws-ebs-csi-driver');
    expect(ebs?.podIdentityAssociationArns).toHaveLength(1);
    expect(
      blue.associations.find((a) => a.associationArn === ebs?.podIdentityAssociationArns[0])?.ownerArn,
    ).toBe(ebs?.raw.addonArn);
    expect(blue.fargateProfiles[0].selectors).toEqual([{ namespace: 'batch', labels: {} }]);
    expect(blue.nodegroups.map((nodegroup) => nodegroup.nodeRoleArn)).toEqual([
      'arn:aws:iam::111122223333:role/eks-node-standard',
      'arn:aws:iam::111122223333:role/eks-node-custom',
    ]);
    const exporter = inventory.associations.find((a) => a.serviceAccount === 'data-exporter');
    expect(exporter?.targetRoleArn).toBe('arn:aws:iam::444455556666:role/analytics-data-reader');
    expect(inventory.roles.get('arn:aws:iam::444455556666:role/analytics-data-reader')?.accountId).toBe(
      '444455556666',
    );
    const dangling = inventory.oidcProviders.find((provider) => provider.url.endsWith(OIDC['prod-old']));
    expect(dangling?.isEksIssuer).toBe(true);
    expect(inventory.clusters.some((cluster) => cluster.issuerHostPath === dangling?.url)).toBe(false);
    expect(
      inventory.oidcProviders.find((p) => p.url === 'token.actions.githubusercontent.com')?.isEksIssuer,
    ).toBe(false);
    expect(
      inventory.managedPolicies.get('arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy')?.defaultDocument,
    ).toMatchObject({
      Statement: [{ Action: expect.arrayContaining(['eks-auth:AssumeRoleForPodIdentity']) }],
    });
    const kinds = new Set(
      inventory.cloudTrail.flatMap((window) =>
        window.events.map((event) => {
          const detail = event.detail ?? {};
          const identity = detail.userIdentity as { type?: string; invokedBy?: string };
          if (event.eventName === 'AssumeRoleForPodIdentity')
            return detail.errorCode ? 'eks-auth-denied' : 'eks-auth';
          if (event.eventName === 'AssumeRoleWithWebIdentity') return 'irsa';
          return identity.invokedBy === 'pods.eks.amazonaws.com' ? 'pod-identity' : 'target-role';
        }),
      ),
    );
    expect([...kinds].sort()).toEqual(['eks-auth', 'eks-auth-denied', 'irsa', 'pod-identity', 'target-role']);
    expect(inventory.completeness.iamComplete('777788889999')).toBe(false);
    expect(inventory.completeness.clusterComplete('111122223333', 'ap-northeast-1', 'prod-blue')).toBe(true);
    expect(inventory.completeness.cloudTrailComplete('444455556666', 'ap-northeast-1')).toBe(true);
  });
});
