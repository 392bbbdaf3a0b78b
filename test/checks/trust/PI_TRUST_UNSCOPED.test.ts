import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/PI_TRUST_UNSCOPED.js';
import { podIdentityTrust } from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, evaluateWithUnknowns } from './harness.js';
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

describe('PI_TRUST_UNSCOPED on scopes that scope nothing', () => {
  it('fires for a namespace scope written with IfExists, with a witness that has no session tags', () => {
    const builder = withRoles({
      'if-exists': podIdentityTrust({
        conditions: { StringEqualsIfExists: { 'aws:RequestTag/kubernetes-namespace': 'payments' } },
      }),
    });

    const [draft] = evaluate(check, builder);

    expect(draft.evidence).toMatchObject({
      witness: { kind: 'pod-identity', sourceAccount: expect.stringMatching(/^\d{12}$/) },
      canAssume: expect.stringContaining('--no-session-tags'),
    });
    expect((draft.evidence.witness as { sessionTags?: unknown }).sessionTags).toBeUndefined();
  });

  it('fires when only aws:SourceAccount is pinned, since associations only use roles of their own account', () => {
    const builder = withRoles({
      'source-account': podIdentityTrust({ conditions: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }),
    });

    const [draft] = evaluate(check, builder);

    expect(draft.evidence).toMatchObject({ witness: { sourceAccount: ACCOUNT } });
  });

  it('records the question as undecided, not as a finding, when a condition reads another session tag', () => {
    const builder = withRoles({
      'same-name': podIdentityTrust({
        conditions: {
          StringEquals: {
            'aws:RequestTag/kubernetes-service-account': `\${aws:RequestTag/kubernetes-namespace}`,
          },
        },
      }),
    });

    const { drafts, unknowns } = evaluateWithUnknowns(check, builder);

    expect(drafts).toEqual([]);
    expect(unknowns).toEqual([
      expect.objectContaining({
        kind: 'trust',
        checkId: 'PI_TRUST_UNSCOPED',
        resourceId: expect.stringContaining('same-name'),
      }),
    ]);
  });
});
