import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/PI_TRUST_UNSCOPED.js';
import { podIdentityTrust } from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate } from './harness.js';
import { withRoles } from './hygiene-fixture.js';

describe('PI_TRUST_UNSCOPED', () => {
  it('fires for the unconditioned pods.eks.amazonaws.com trust', () => {
    const builder = withRoles({ 's3-full': podIdentityTrust() });

    const drafts = evaluate(check, builder);

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      accountId: ACCOUNT,
      resource: { type: 'AwsIamRole', id: `arn:aws:iam::${ACCOUNT}:role/s3-full` },
      evidence: { statementIndex: 0 },
    });
    expect(drafts[0].region).toBeUndefined();
  });

  it('does not fire when the trust pins the namespace and service account', () => {
    const builder = withRoles({
      's3-full': podIdentityTrust({
        conditions: {
          StringEquals: {
            'aws:RequestTag/kubernetes-namespace': 'default',
            'aws:RequestTag/kubernetes-service-account': 's3-full',
          },
        },
      }),
    });

    expect(evaluate(check, builder)).toEqual([]);
  });
});
