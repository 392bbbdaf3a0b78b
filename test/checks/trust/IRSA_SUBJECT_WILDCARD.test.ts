import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/IRSA_SUBJECT_WILDCARD.js';
import { ACCOUNT, evaluate } from './harness.js';
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
