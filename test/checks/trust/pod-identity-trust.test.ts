import { describe, expect, it } from 'vitest';
import { podIdentityTrustVerdict } from '../../../shared/checks/support/pod-identity-trust.js';
import { check as excludes } from '../../../shared/checks/trust/PI_TRUST_EXCLUDES_ASSOCIATION.js';
import { check as missing } from '../../../shared/checks/trust/PI_TRUST_MISSING.js';
import {
  type AssociationOptions,
  irsaTrust,
  type PolicyDocument,
  podIdentityTrust,
  snapshot,
} from '../../support/snapshot-builder.js';
import {
  ACCOUNT,
  contextOf,
  evaluate,
  evaluateWithUnknowns,
  OIDC_ID,
  OTHER_ACCOUNT,
  REGION,
} from './harness.js';

const association: AssociationOptions = {
  namespace: 'default',
  serviceAccount: 's3-reader',
  roleName: 's3-reader',
};

function cluster(trust: PolicyDocument, options: Partial<AssociationOptions> = {}) {
  return snapshot().account(ACCOUNT, (a) =>
    a
      .role('s3-reader', { trust })
      .region(REGION, (r) =>
        r.cluster('prod-blue', { oidcId: OIDC_ID }, (c) =>
          c.association({ ...association, ...options }).addon('eks-pod-identity-agent'),
        ),
      ),
  );
}

function scoped(conditions: Record<string, Record<string, unknown>>, tagSession = true) {
  return podIdentityTrust({ conditions, tagSession });
}

/** Which of the two checks fire; they must never both fire for one association. */
function outcome(builder: ReturnType<typeof cluster>): string[] {
  const fired = [
    ...evaluate(missing, builder).map(() => 'PI_TRUST_MISSING'),
    ...evaluate(excludes, builder).map(() => 'PI_TRUST_EXCLUDES_ASSOCIATION'),
  ];
  expect(fired.length).toBeLessThanOrEqual(1);
  return fired;
}

describe('PI_TRUST_MISSING', () => {
  it('fires when the association role only trusts an IRSA provider', () => {
    const builder = cluster(
      irsaTrust({
        accountId: ACCOUNT,
        region: REGION,
        oidcId: OIDC_ID,
        subject: 'system:serviceaccount:default:s3-reader',
      }),
    );

    const drafts = evaluate(missing, builder);

    expect(outcome(builder)).toEqual(['PI_TRUST_MISSING']);
    expect(drafts[0]).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      cluster: 'prod-blue',
      resource: { type: 'AwsEksPodIdentityAssociation' },
      evidence: { missingActions: ['sts:AssumeRole', 'sts:TagSession'] },
    });
    expect(drafts[0].resource.id).toMatch(
      /^arn:aws:eks:ap-northeast-1:111122223333:podidentityassociation\/prod-blue\/a-/,
    );
    expect(drafts[0].message).toMatch(
      /^Pod Identity association a-\w+ \(default\/s3-reader on cluster prod-blue\).*\.$/,
    );
  });

  it('fires when sts:TagSession is missing and the association keeps session tags', () => {
    const builder = cluster(podIdentityTrust({ tagSession: false }));

    expect(outcome(builder)).toEqual(['PI_TRUST_MISSING']);
    expect(evaluate(missing, builder)[0].evidence).toMatchObject({ missingActions: ['sts:TagSession'] });
  });

  it('does not fire without sts:TagSession when the association disables session tags', () => {
    const builder = cluster(podIdentityTrust({ tagSession: false }), { disableSessionTags: true });

    expect(outcome(builder)).toEqual([]);
  });

  it('does not fire for the documented Pod Identity trust', () => {
    expect(outcome(cluster(podIdentityTrust()))).toEqual([]);
  });

  it('leaves an association whose role is not in the inventory to ROLE_NOT_FOUND', () => {
    const builder = cluster(podIdentityTrust(), {
      roleName: undefined,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/deleted`,
    });

    expect(outcome(builder)).toEqual([]);
  });
});

describe('PI_TRUST_EXCLUDES_ASSOCIATION', () => {
  it("fires when the trust pins another namespace than the association's", () => {
    const builder = cluster(scoped({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'payments' } }));

    const drafts = evaluate(excludes, builder);

    expect(outcome(builder)).toEqual(['PI_TRUST_EXCLUDES_ASSOCIATION']);
    expect(drafts[0]).toMatchObject({
      cluster: 'prod-blue',
      resource: { type: 'AwsEksPodIdentityAssociation' },
      evidence: {
        sourceAccount: ACCOUNT,
        sourceArn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-blue`,
        sessionTags: { 'kubernetes-namespace': 'default', 'kubernetes-service-account': 's3-reader' },
      },
    });
    expect(drafts[0].message).toMatch(/AccessDenied until the conditions match\.$/);
  });

  it('does not fire when the trust pins exactly this namespace, service account and cluster', () => {
    const builder = cluster(
      scoped({
        StringEquals: {
          'aws:SourceAccount': ACCOUNT,
          'aws:RequestTag/kubernetes-namespace': 'default',
          'aws:RequestTag/kubernetes-service-account': 's3-reader',
        },
        ArnEquals: { 'aws:RequestTag/eks-cluster-arn': `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-*` },
      }),
    );

    expect(outcome(builder)).toEqual([]);
  });

  it('fires when aws:SourceAccount names another account', () => {
    const builder = cluster(scoped({ StringEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } }));

    expect(outcome(builder)).toEqual(['PI_TRUST_EXCLUDES_ASSOCIATION']);
  });

  it('fires when the association disables session tags but the trust conditions on them', () => {
    const builder = cluster(scoped({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'default' } }), {
      disableSessionTags: true,
    });

    expect(outcome(builder)).toEqual(['PI_TRUST_EXCLUDES_ASSOCIATION']);
    expect(evaluate(excludes, builder)[0].evidence).toMatchObject({
      sessionTags: null,
      disableSessionTags: true,
    });
  });

  it('reports nothing when only a per-pod tag (pod name) could reject the session: the answer is unknown', () => {
    const builder = cluster(scoped({ StringEquals: { 'aws:RequestTag/kubernetes-pod-name': 'web-0' } }));
    const context = contextOf(builder);

    expect(outcome(builder)).toEqual([]);
    expect(podIdentityTrustVerdict(context, context.inventory.associations[0]).kind).toBe('unknown');
    expect(evaluateWithUnknowns(excludes, builder).unknowns).toEqual([
      expect.objectContaining({
        kind: 'trust',
        checkId: 'PI_TRUST_EXCLUDES_ASSOCIATION',
        resourceId: context.inventory.associations[0].associationArn,
      }),
    ]);
  });

  it('accepts a wildcard condition on the pod name', () => {
    const builder = cluster(scoped({ StringLike: { 'aws:RequestTag/kubernetes-pod-name': 'web-*' } }));
    const context = contextOf(builder);

    expect(outcome(builder)).toEqual([]);
    expect(podIdentityTrustVerdict(context, context.inventory.associations[0]).kind).not.toBe('excluded');
  });

  it('fires when the namespace is wrong even though a pod-name condition is also present', () => {
    const builder = cluster(
      scoped({
        StringEquals: {
          'aws:RequestTag/kubernetes-pod-name': 'web-0',
          'aws:RequestTag/kubernetes-namespace': 'payments',
        },
      }),
    );

    expect(outcome(builder)).toEqual(['PI_TRUST_EXCLUDES_ASSOCIATION']);
    expect(evaluate(excludes, builder)[0].evidence).toMatchObject({ perPodConditions: true });
  });
});
