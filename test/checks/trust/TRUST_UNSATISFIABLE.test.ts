import { describe, expect, it } from 'vitest';
import { emptyBaseline } from '../../../shared/baseline/index.js';
import { check as IRSA_NO_AUDIENCE_CONDITION } from '../../../shared/checks/trust/IRSA_NO_AUDIENCE_CONDITION.js';
import { check as IRSA_NO_SUBJECT_CONDITION } from '../../../shared/checks/trust/IRSA_NO_SUBJECT_CONDITION.js';
import { check as IRSA_SUBJECT_WILDCARD } from '../../../shared/checks/trust/IRSA_SUBJECT_WILDCARD.js';
import { check as PI_TRUST_UNSCOPED } from '../../../shared/checks/trust/PI_TRUST_UNSCOPED.js';
import { check } from '../../../shared/checks/trust/TRUST_UNSATISFIABLE.js';
import type { UnknownOutcome } from '../../../shared/checks/types.js';
import { InputError } from '../../../shared/errors.js';
import { normalizeSnapshot, parseSnapshot } from '../../../shared/snapshot/index.js';
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

const hygieneChecks = [
  IRSA_NO_SUBJECT_CONDITION,
  IRSA_SUBJECT_WILDCARD,
  IRSA_NO_AUDIENCE_CONDITION,
  check,
  PI_TRUST_UNSCOPED,
];

describe('a trust policy IAM rejects (NotPrincipal)', () => {
  const notPrincipal = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        NotPrincipal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
      },
    ],
  };

  it('makes a snapshot invalid, with the role and field named', () => {
    const builder = withRoles({ 'not-principal': notPrincipal });
    const attempt = () => parseSnapshot(builder.build(), 'snapshot.json');
    expect(attempt).toThrow(InputError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as InputError).problems.join('\n');
      expect(problems).toContain('AssumeRolePolicyDocument');
      expect(problems).toContain('Statement[0].NotPrincipal');
    }
  });

  it('is an undecided trust question, never a finding or a crash, when an inventory holds it unvalidated', () => {
    // A live collection is normalized without the snapshot validator.
    const inventory = normalizeSnapshot(
      withRoles({ 'not-principal': notPrincipal }).build() as unknown as Parameters<
        typeof normalizeSnapshot
      >[0],
    );
    const unknowns: UnknownOutcome[] = [];
    const context = { inventory, baseline: emptyBaseline(), now: new Date(inventory.capturedAt) };
    const drafts = [...hygieneChecks].flatMap((hygiene) =>
      hygiene.evaluate({ ...context, recordUnknown: (outcome) => unknowns.push(outcome) }),
    );
    expect(drafts).toEqual([]);
    expect(unknowns).toEqual([
      {
        kind: 'trust',
        checkId: 'TRUST_UNSATISFIABLE',
        resourceId: `arn:aws:iam::${ACCOUNT}:role/not-principal`,
        reason: expect.stringContaining('Statement[0].NotPrincipal'),
      },
    ]);
  });
});
