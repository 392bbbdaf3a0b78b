import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/IRSA_NO_AUDIENCE_CONDITION.js';
import { ACCOUNT, evaluate } from './harness.js';
import { clusterIrsaTrust, withRoles } from './hygiene-fixture.js';

const subject = 'system:serviceaccount:monitoring:prometheus';

describe('IRSA_NO_AUDIENCE_CONDITION', () => {
  it('fires when the trust has no :aud condition', () => {
    const builder = withRoles({ prometheus: clusterIrsaTrust({ subject, audience: null }) });

    const drafts = evaluate(check, builder);

    expect(drafts.map((draft) => draft.resource.id)).toEqual([`arn:aws:iam::${ACCOUNT}:role/prometheus`]);
  });

  it('does not fire when :aud requires sts.amazonaws.com', () => {
    const builder = withRoles({ prometheus: clusterIrsaTrust({ subject }) });

    expect(evaluate(check, builder)).toEqual([]);
  });
});
