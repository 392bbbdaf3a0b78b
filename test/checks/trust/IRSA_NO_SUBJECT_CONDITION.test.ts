import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/IRSA_NO_SUBJECT_CONDITION.js';
import { irsaTrust, mergePolicies } from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, HOST_PATH, OLD_OIDC_ID, REGION } from './harness.js';
import { clusterIrsaTrust, withRoles } from './hygiene-fixture.js';

describe('IRSA_NO_SUBJECT_CONDITION', () => {
  it('fires for a role that trusts the cluster provider with no :sub condition', () => {
    // Prepare
    const builder = withRoles({ 'any-sa': clusterIrsaTrust({ subject: null }) });

    // Act
    const drafts = evaluate(check, builder);

    // Assess
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      cluster: 'prod-blue',
      resource: { type: 'AwsIamRole', id: `arn:aws:iam::${ACCOUNT}:role/any-sa` },
      evidence: { statementIndex: 0, providerArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}` },
    });
    expect(drafts[0].message).toMatch(/^Role any-sa \(arn:aws:iam::111122223333:role\/any-sa\): .*\.$/);
  });

  it('does not fire when the subject is pinned with StringEquals', () => {
    const builder = withRoles({
      pinned: clusterIrsaTrust({ subject: 'system:serviceaccount:kube-system:ebs-csi-controller-sa' }),
    });

    expect(evaluate(check, builder)).toEqual([]);
  });

  it('reports each statement and provider once, for blue and green issuers alike', () => {
    const builder = withRoles({
      'any-sa': mergePolicies(
        clusterIrsaTrust({ subject: null }),
        irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: OLD_OIDC_ID, subject: null }),
      ),
    });

    const drafts = evaluate(check, builder);

    expect(drafts.map((draft) => [draft.evidence.statementIndex, draft.cluster])).toEqual([
      [0, 'prod-blue'],
      [1, undefined],
    ]);
    expect(new Set(drafts.map((draft) => draft.identity?.join('/'))).size).toBe(2);
  });
});
