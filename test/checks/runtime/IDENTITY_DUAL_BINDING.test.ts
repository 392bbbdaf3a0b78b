import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/runtime/IDENTITY_DUAL_BINDING.js';
import { irsaTrust, mergePolicies, podIdentityTrust, snapshot } from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, OIDC_ID, REGION } from '../trust/harness.js';

function irsa(subject: string | null, subjectOperator: 'StringEquals' | 'StringLike' = 'StringEquals') {
  return irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: OIDC_ID, subject, subjectOperator });
}

function bound(irsaRoleTrust: ReturnType<typeof irsa>, associationRole = 's3-pod-identity') {
  return snapshot().account(ACCOUNT, (a) =>
    a
      .role('s3-pod-identity', { trust: podIdentityTrust() })
      .role('s3-irsa', { trust: irsaRoleTrust })
      .oidcProvider({ region: REGION, oidcId: OIDC_ID })
      .region(REGION, (r) =>
        r.cluster('prod-blue', { oidcId: OIDC_ID }, (c) =>
          c
            .association({ namespace: 'default', serviceAccount: 's3-reader', roleName: associationRole })
            .addon('eks-pod-identity-agent'),
        ),
      ),
  );
}

describe('IDENTITY_DUAL_BINDING', () => {
  it('fires when another role grants the same service account through IRSA', () => {
    const drafts = evaluate(check, bound(irsa('system:serviceaccount:default:s3-reader')));

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      severity: 'MEDIUM',
      cluster: 'prod-blue',
      resource: {
        type: 'WorkloadIdentity',
        id: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-blue/serviceaccount/default/s3-reader`,
      },
      evidence: {
        podIdentityRoleArn: `arn:aws:iam::${ACCOUNT}:role/s3-pod-identity`,
        irsaGrants: [{ roleArn: `arn:aws:iam::${ACCOUNT}:role/s3-irsa`, statementIndexes: [0] }],
      },
    });
    expect(drafts[0].message).toContain('most AWS SDKs use the IRSA role first');
  });

  it('fires when an IRSA subject pattern matches the service account', () => {
    expect(evaluate(check, bound(irsa('system:serviceaccount:default:s3-*', 'StringLike')))).toHaveLength(1);
  });

  it('is LOW when both mechanisms give the same role', () => {
    const builder = snapshot().account(ACCOUNT, (a) =>
      a
        .role('s3', {
          trust: mergePolicies(podIdentityTrust(), irsa('system:serviceaccount:default:s3-reader')),
        })
        .oidcProvider({ region: REGION, oidcId: OIDC_ID })
        .region(REGION, (r) =>
          r.cluster('prod-blue', { oidcId: OIDC_ID }, (c) =>
            c.association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3' }),
          ),
        ),
    );

    const drafts = evaluate(check, builder);

    expect(drafts.map((draft) => draft.severity)).toEqual(['LOW']);
  });

  it('does not fire when the IRSA grant is for another service account', () => {
    expect(evaluate(check, bound(irsa('system:serviceaccount:default:s3-writer')))).toEqual([]);
  });

  it('leaves trust without any subject condition to IRSA_NO_SUBJECT_CONDITION', () => {
    expect(evaluate(check, bound(irsa(null)))).toEqual([]);
  });

  it('fires when the pattern wildcard spans the namespace', () => {
    expect(evaluate(check, bound(irsa('system:serviceaccount:*:s3-reader', 'StringLike')))).toHaveLength(1);
  });

  it('does not fire for a pattern limited to another namespace', () => {
    expect(evaluate(check, bound(irsa('system:serviceaccount:batch:*', 'StringLike')))).toEqual([]);
  });

  it('does not attribute a subject-less statement to an unrelated pattern of the same role', () => {
    const trust = mergePolicies(irsa('system:serviceaccount:batch:*', 'StringLike'), irsa(null));

    expect(evaluate(check, bound(trust))).toEqual([]);
  });
});
