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

/**
 * Trust policies as the AWS documentation and platform teams write them: the documented Pod Identity
 * trust, confused-deputy conditions, cluster and namespace pins, ABAC on session tags, Deny
 * statements, a wildcard principal, and a policy variable.
 */
const SERVICE = { Service: 'pods.eks.amazonaws.com' };
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
const NAMESPACE_VARIABLE = '${aws:RequestTag/kubernetes-namespace}';
const BOTH = ['sts:AssumeRole', 'sts:TagSession'];
const clusterArn = (name: string) => `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`;
const TRUSTS: Record<string, unknown> = {
  documented: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: SERVICE, Action: BOTH }] },
  'source account and cluster ARN': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: SERVICE,
        Action: BOTH,
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnEquals: { 'aws:SourceArn': clusterArn('prod-blue') },
        },
      },
    ],
  },
  'cluster ARN wildcard': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: SERVICE,
        Action: BOTH,
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-*` } },
      },
    ],
  },
  'namespace pin': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: SERVICE,
        Action: BOTH,
        Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': ['team-a', 'team-c'] } },
      },
    ],
  },
  'service account wildcard': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: SERVICE,
        Action: BOTH,
        Condition: { StringLike: { 'aws:RequestTag/kubernetes-service-account': 'app*' } },
      },
    ],
  },
  'deny one cluster': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: SERVICE, Action: BOTH },
      {
        Effect: 'Deny',
        Principal: SERVICE,
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:RequestTag/eks-cluster-name': 'prod-green' } },
      },
    ],
  },
  'deny one namespace': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: SERVICE, Action: BOTH },
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'team-b' } },
      },
    ],
  },
  'tag keys': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: SERVICE,
        Action: BOTH,
        Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'kubernetes-namespace' } },
      },
    ],
  },
  'policy variable': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: SERVICE,
        Action: BOTH,
        Condition: { StringEquals: { 'aws:RequestTag/kubernetes-service-account': NAMESPACE_VARIABLE } },
      },
    ],
  },
  'pod name pin': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: SERVICE,
        Action: BOTH,
        Condition: { StringLike: { 'aws:RequestTag/kubernetes-pod-name': 'batch-*' } },
      },
    ],
  },
  'AssumeRole only': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: SERVICE, Action: 'sts:AssumeRole' }],
  },
};

/** Every trust above on two roles each, used by three namespaces on two clusters, with and without session tags. */
function organization(only?: { cluster: string; namespace: string; role: string; tags: boolean }) {
  const roles = Object.keys(TRUSTS).flatMap((_, index) => [`t${index}-first`, `t${index}-second`]);
  return snapshot().account(ACCOUNT, (a) => {
    Object.values(TRUSTS).forEach((trust, index) => {
      a.role(`t${index}-first`, { trust: trust as never }).role(`t${index}-second`, {
        trust: trust as never,
      });
    });
    return a.region(REGION, (r) => {
      for (const cluster of ['prod-blue', 'prod-green']) {
        r.cluster(cluster, { oidcId: OIDC_ID }, (c) => {
          for (const namespace of ['team-a', 'team-b', 'team-c'])
            for (const role of roles)
              for (const tags of [true, false]) {
                if (
                  only &&
                  !(
                    only.cluster === cluster &&
                    only.namespace === namespace &&
                    only.role === role &&
                    only.tags === tags
                  )
                )
                  continue;
                c.association({
                  namespace,
                  serviceAccount: namespace === 'team-c' ? 'worker' : 'app',
                  roleName: role,
                  ...(tags ? {} : { disableSessionTags: true }),
                });
              }
          return c.addon('eks-pod-identity-agent');
        });
      }
      return r;
    });
  });
}

describe('Pod Identity trust verdicts shared across a cluster, against each association judged alone', () => {
  it('gives every association of documented trust shapes the verdict it gets on its own', () => {
    // Act: all associations judged in one inventory (sharing allowed verdicts), then each alone.
    const context = contextOf(organization());
    const shared = context.inventory.associations.map((association) => {
      const cluster = association.clusterArn.split('/').at(-1) ?? '';
      const role = association.roleArn.split('/').at(-1) ?? '';
      const key = { cluster, namespace: association.namespace, role, tags: !association.disableSessionTags };
      return { key, kind: podIdentityTrustVerdict(context, association).kind };
    });
    const alone = shared.map(({ key }) => {
      const single = contextOf(organization(key));
      expect(single.inventory.associations).toHaveLength(1);
      return { key, kind: podIdentityTrustVerdict(single, single.inventory.associations[0]).kind };
    });

    // Assess: the same verdicts, and the corpus reaches every kind the checks act on.
    expect(shared).toEqual(alone);
    expect(new Set(shared.map(({ kind }) => kind))).toEqual(
      new Set(['allowed', 'excluded', 'missing', 'unknown']),
    );
  });
});
