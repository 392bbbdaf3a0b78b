import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { irsaAllowed, irsaCertainlyAllowed } from '../../../shared/checks/support/irsa-allowed.js';
import { canAssume } from '../../../shared/trust/index.js';

const HOST = 'oidc.eks.eu-west-1.amazonaws.com/id/ABC';
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${HOST}`;

function statement(subject: string, effect: 'Allow' | 'Deny' = 'Allow', host = HOST) {
  return {
    Effect: effect,
    Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${host}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${host}:sub`]: subject, [`${host}:aud`]: 'sts.amazonaws.com' } },
  };
}

function policy(statements: unknown[]) {
  return { Version: '2012-10-17', Statement: statements };
}

const many = Array.from({ length: 50 }, (_, index) => statement(`system:serviceaccount:apps:sa-${index}`));
const request = (subject: string) => ({ kind: 'irsa', providerArn: PROVIDER, subject }) as const;

describe('irsaCertainlyAllowed', () => {
  it('grants a subject pinned by one of many statements, as canAssume does', () => {
    const document = policy(many);
    expect(irsaCertainlyAllowed(document, request('system:serviceaccount:apps:sa-17'))).toBe(true);
    expect(canAssume(document, request('system:serviceaccount:apps:sa-17')).allowed).toBe(true);
  });

  it('does not grant a subject a Deny takes back (near-miss)', () => {
    const subject = 'system:serviceaccount:apps:sa-17';
    const document = policy([
      ...many,
      {
        ...statement('system:serviceaccount:apps:*', 'Deny'),
        Condition: { StringLike: { [`${HOST}:sub`]: subject } },
      },
    ]);
    expect(irsaCertainlyAllowed(document, request(subject))).toBe(false);
    expect(canAssume(document, request(subject)).allowed).toBe(false);
  });

  it('leaves a subject no statement pins to the full evaluation', () => {
    expect(irsaCertainlyAllowed(policy(many), request('system:serviceaccount:apps:other'))).toBe(false);
  });

  it('leaves a subject pinned only under another issuer to the full evaluation', () => {
    const document = policy([
      ...many,
      statement('system:serviceaccount:apps:x', 'Allow', 'oidc.eks.eu-west-1.amazonaws.com/id/OTHER'),
    ]);
    expect(irsaCertainlyAllowed(document, request('system:serviceaccount:apps:x'))).toBe(false);
  });

  it('never says allowed where canAssume on the whole policy does not', () => {
    const subjects = fc.constantFrom(
      'system:serviceaccount:apps:a',
      'system:serviceaccount:apps:b',
      'system:serviceaccount:apps:*',
    );
    const generated = fc.record({
      subject: subjects,
      effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Deny'),
      operator: fc.constantFrom('StringEquals', 'StringLike', 'StringNotEquals', 'StringEqualsIfExists'),
      host: fc.constantFrom(HOST, HOST.toUpperCase(), 'oidc.eks.eu-west-1.amazonaws.com/id/OTHER'),
    });
    fc.assert(
      fc.property(fc.array(generated, { minLength: 9, maxLength: 20 }), subjects, (items, asked) => {
        const document = policy(
          items.map(({ subject, effect, operator, host }) => ({
            ...statement(subject, effect, host),
            Condition: { [operator]: { [`${host}:sub`]: subject } },
          })),
        );
        if (irsaCertainlyAllowed(document, request(asked))) {
          expect(canAssume(document, request(asked)).allowed).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('irsaAllowed', () => {
  const subject = 'system:serviceaccount:apps:sa-3';
  // Statement 0 requires the default audience, statement 1 admits only another one.
  const document = policy([
    statement(subject),
    {
      ...statement('system:serviceaccount:apps:sa-4'),
      Condition: {
        StringEquals: { [`${HOST}:sub`]: 'system:serviceaccount:apps:sa-4', [`${HOST}:aud`]: 'other' },
      },
    },
  ]);

  it('answers an explicit sts.amazonaws.com audience as the evaluator reads a missing one', () => {
    for (const asked of [subject, 'system:serviceaccount:apps:sa-4']) {
      const implicit = irsaAllowed(document, request(asked));
      const explicit = irsaAllowed(document, { ...request(asked), audience: 'sts.amazonaws.com' });
      expect(explicit).toBe(implicit);
      expect(explicit).toBe(
        canAssume(document, { ...request(asked), audience: 'sts.amazonaws.com' }).allowed,
      );
    }
  });

  it('decides another audience on its own, not from the default audience answer', () => {
    expect(irsaAllowed(document, request('system:serviceaccount:apps:sa-4'))).toBe(false);
    expect(irsaAllowed(document, { ...request('system:serviceaccount:apps:sa-4'), audience: 'other' })).toBe(
      true,
    );
    expect(irsaAllowed(document, { ...request(subject), audience: 'other' })).toBe(false);
  });
});
