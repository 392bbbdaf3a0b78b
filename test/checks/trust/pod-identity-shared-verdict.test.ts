import { describe, expect, it } from 'vitest';
import { check as excludes } from '../../../shared/checks/trust/PI_TRUST_EXCLUDES_ASSOCIATION.js';
import { podIdentityTrust, snapshot } from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, OIDC_ID, REGION } from './harness.js';

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

  it('allows both associations when the trust only pins the cluster (near-miss)', () => {
    const builder = twoNamespaces({ StringEquals: { 'aws:RequestTag/eks-cluster-name': 'prod-blue' } });
    expect(evaluate(excludes, builder)).toEqual([]);
  });
});
