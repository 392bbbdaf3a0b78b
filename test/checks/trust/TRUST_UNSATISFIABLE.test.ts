import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/TRUST_UNSATISFIABLE.js';
import { ACCOUNT, evaluate, HOST_PATH } from './harness.js';
import { clusterIrsaTrust, withRoles } from './hygiene-fixture.js';

describe('TRUST_UNSATISFIABLE', () => {
  it('fires when the service-account subject sits under the :aud key', () => {
    const builder = withRoles({
      'typo-role': {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}` },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { [`${HOST_PATH}:aud`]: 'system:serviceaccount:app:web' } },
          },
        ],
      },
    });

    const drafts = evaluate(check, builder);

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      resource: { id: `arn:aws:iam::${ACCOUNT}:role/typo-role` },
      evidence: { statementIndex: 0 },
    });
  });

  it('does not fire for the documented IRSA trust', () => {
    const builder = withRoles({ web: clusterIrsaTrust({ subject: 'system:serviceaccount:app:web' }) });

    expect(evaluate(check, builder)).toEqual([]);
  });
});
