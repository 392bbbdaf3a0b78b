import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/IRSA_SUBJECT_WILDCARD.js';
import { ACCOUNT, evaluate, HOST_PATH } from './harness.js';
import { clusterIrsaTrust, withRoles } from './hygiene-fixture.js';

describe('IRSA_SUBJECT_WILDCARD', () => {
  it('fires for a StringLike subject with *', () => {
    const builder = withRoles({
      crossplane: clusterIrsaTrust({
        subject: 'system:serviceaccount:crossplane-system:provider-aws-*',
        subjectOperator: 'StringLike',
      }),
    });

    const drafts = evaluate(check, builder);

    expect(drafts).toHaveLength(1);
    expect(drafts[0].resource.id).toBe(`arn:aws:iam::${ACCOUNT}:role/crossplane`);
    expect(drafts[0].evidence).toMatchObject({
      subjects: ['system:serviceaccount:crossplane-system:provider-aws-*'],
    });
  });

  it('does not fire for the exact subject under StringEquals', () => {
    const builder = withRoles({
      crossplane: clusterIrsaTrust({ subject: 'system:serviceaccount:crossplane-system:provider-aws-a1b2' }),
    });

    expect(evaluate(check, builder)).toEqual([]);
  });
});

describe('IRSA_SUBJECT_WILDCARD severity and evidence', () => {
  it('rates a pattern across namespaces HIGH and one inside a namespace MEDIUM, each with replayable witnesses', () => {
    const builder = withRoles({
      team: clusterIrsaTrust({ subject: 'system:serviceaccount:team-*', subjectOperator: 'StringLike' }),
      batch: clusterIrsaTrust({
        subject: 'system:serviceaccount:batch:job-*',
        subjectOperator: 'StringLike',
      }),
    });

    const drafts = evaluate(check, builder);

    const byRole = Object.fromEntries(drafts.map((draft) => [draft.resource.id.split('/').pop(), draft]));
    expect(byRole.team.severity).toBe('HIGH');
    expect(byRole.team.evidence).toMatchObject({
      crossesNamespaces: true,
      witness: { kind: 'irsa', subject: expect.stringMatching(/^system:serviceaccount:team-/) },
      otherWitness: { kind: 'irsa', subject: expect.stringMatching(/^system:serviceaccount:team-/) },
      canAssume: expect.stringMatching(
        /^eks-identity-audit trust can-assume --file trust-policy\.json --irsa /,
      ),
      saveTrustPolicy: `aws iam get-role --role-name team --query Role.AssumeRolePolicyDocument --output json > trust-policy.json`,
    });
    expect(byRole.batch.severity).toBe('MEDIUM');
    expect(byRole.batch.evidence).toMatchObject({
      crossesNamespaces: false,
      witness: { subject: expect.stringMatching(/^system:serviceaccount:batch:job-/) },
    });
  });

  it('is not reported when a Deny takes back every service account the pattern does not name', () => {
    const trust = clusterIrsaTrust({
      subject: 'system:serviceaccount:batch:*',
      subjectOperator: 'StringLike',
    });
    const [allow] = trust.Statement as Array<Record<string, unknown>>;
    const builder = withRoles({
      batch: {
        Version: '2012-10-17',
        Statement: [
          allow,
          {
            Effect: 'Deny',
            Principal: allow.Principal,
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringNotEquals: { [`${HOST_PATH}:sub`]: 'system:serviceaccount:batch:runner' },
            },
          },
        ],
      },
    });

    expect(evaluate(check, builder)).toEqual([]);
  });
});
