import { describe, expect, it } from 'vitest';
import { podIdentityTrustVerdict } from '../../../shared/checks/support/pod-identity-trust.js';
import { check as excludes } from '../../../shared/checks/trust/PI_TRUST_EXCLUDES_ASSOCIATION.js';
import { podIdentityTrust, snapshot } from '../../support/snapshot-builder.js';
import { ACCOUNT, contextOf, evaluate, OIDC_ID, REGION } from './harness.js';

/** One role used by associations in two namespaces of one cluster (the first one allowed). */
function twoNamespaces(conditions: Record<string, Record<string, unknown>>, cluster = 'prod-blue') {
  return snapshot().account(ACCOUNT, (a) =>
    a
      .role('shared', { trust: podIdentityTrust({ conditions }) })
      .region(REGION, (r) =>
        r.cluster(cluster, { oidcId: OIDC_ID }, (c) =>
          c
            .association({ namespace: 'team-a', serviceAccount: 'app', roleName: 'shared' })
            .association({ namespace: 'team-b', serviceAccount: 'app', roleName: 'shared' })
            .addon('eks-pod-identity-agent'),
        ),
      ),
  );
}

describe('Pod Identity trust verdicts shared across a cluster', () => {
  it('still judges each association when the trust pins the namespace', () => {
    // Prepare: team-a is allowed first; team-b must not inherit that verdict.
    const builder = twoNamespaces({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'team-a' } });

    // Act
    const drafts = evaluate(excludes, builder);

    // Assess
    expect(drafts).toHaveLength(1);
    expect(drafts[0].message).toContain('team-b');
  });

  it('still judges each association when a cluster-wide key is compared with a policy variable', () => {
    // The cluster is named after the allowed namespace: only team-a's session matches.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
    const sameAsNamespace = '${aws:RequestTag/kubernetes-namespace}';
    const builder = twoNamespaces(
      { StringEquals: { 'aws:RequestTag/eks-cluster-name': sameAsNamespace } },
      'team-a',
    );
    const drafts = evaluate(excludes, builder);
    expect(drafts).toHaveLength(1);
    expect(drafts[0].message).toContain('team-b');
  });

  it('does not share an allowed verdict with an association that sends no session tags', () => {
    // Prepare: one role, one cluster; team-a sends session tags and is allowed first, team-b
    // disables them, so its request carries no eks-cluster-name tag for the trust to match.
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .role('shared', {
          trust: podIdentityTrust({
            conditions: { StringEquals: { 'aws:RequestTag/eks-cluster-name': 'prod-blue' } },
          }),
        })
        .region(REGION, (r) =>
          r.cluster('prod-blue', { oidcId: OIDC_ID }, (c) =>
            c
              .association({ namespace: 'team-a', serviceAccount: 'app', roleName: 'shared' })
              .association({
                namespace: 'team-b',
                serviceAccount: 'app',
                roleName: 'shared',
                disableSessionTags: true,
              })
              .addon('eks-pod-identity-agent'),
          ),
        ),
    );

    // Act
    const context = contextOf(builder);
    const verdicts = context.inventory.associations.map((association) => [
      association.namespace,
      podIdentityTrustVerdict(context, association).kind,
    ]);

    // Assess
    expect(verdicts.sort()).toEqual([
      ['team-a', 'allowed'],
      ['team-b', 'excluded'],
    ]);
  });

  it('allows both associations when the trust only pins the cluster (near-miss)', () => {
    const builder = twoNamespaces({ StringEquals: { 'aws:RequestTag/eks-cluster-name': 'prod-blue' } });
    expect(evaluate(excludes, builder)).toEqual([]);
  });

  it('gives each role of one trust template its own verdict, allowed or not', () => {
    // Two roles with the same trust text in one account, one association each, on two clusters:
    // the trust pins prod-blue, so the association on prod-green is excluded whatever prod-blue got.
    const trust = podIdentityTrust({
      conditions: { StringEquals: { 'aws:RequestTag/eks-cluster-name': 'prod-blue' } },
    });
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .role('first', { trust })
        .role('second', { trust })
        .role('third', { trust })
        .region(REGION, (r) =>
          r
            .cluster('prod-blue', { oidcId: OIDC_ID }, (c) =>
              c
                .association({ namespace: 'team-a', serviceAccount: 'app', roleName: 'first' })
                .association({ namespace: 'team-b', serviceAccount: 'app', roleName: 'second' }),
            )
            .cluster('prod-green', { oidcId: OIDC_ID }, (c) =>
              c.association({ namespace: 'team-c', serviceAccount: 'app', roleName: 'third' }),
            ),
        ),
    );
    const context = contextOf(builder);

    const verdicts = context.inventory.associations.map((association) => {
      const verdict = podIdentityTrustVerdict(context, association);
      return [association.namespace, verdict.kind, verdict.kind === 'skipped' ? '' : verdict.role.name];
    });

    expect(verdicts.sort()).toEqual([
      ['team-a', 'allowed', 'first'],
      ['team-b', 'allowed', 'second'],
      ['team-c', 'excluded', 'third'],
    ]);
  });
});
