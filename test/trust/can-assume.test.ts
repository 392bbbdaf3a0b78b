import { describe, expect, it } from 'vitest';
import { InputError } from '../../shared/errors.js';
import { canAssume } from '../../shared/trust/index.js';
import type { AssumeRequest } from '../../shared/trust/types.js';
import { ACCOUNT, fixture, GREEN_PROVIDER, HOST, PROVIDER, policy } from './support.js';

const irsa = (subject: string, providerArn = PROVIDER, audience?: string): AssumeRequest =>
  audience === undefined
    ? { kind: 'irsa', providerArn, subject }
    : { kind: 'irsa', providerArn, subject, audience };

const PAYMENTS_TAGS = {
  'eks-cluster-arn': `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-blue`,
  'eks-cluster-name': 'prod-blue',
  'kubernetes-namespace': 'payments',
  'kubernetes-service-account': 'ledger-writer',
  'kubernetes-pod-name': 'ledger-writer-7d9f8-abcde',
  'kubernetes-pod-uid': '0b6f3a52-1c7e-4d7a-9c55-0f6a2b1d9e11',
};
const podIdentity = (
  tags: Record<string, string> | null = PAYMENTS_TAGS,
  extra: object = {},
): AssumeRequest => ({
  kind: 'pod-identity',
  ...(tags ? { sessionTags: tags } : {}),
  ...extra,
});

const irsaTrust = (condition: object) =>
  policy({
    Effect: 'Allow',
    Principal: { Federated: PROVIDER },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: condition,
  });

describe('canAssume for IRSA', () => {
  it('allows the service account the AWS-documented trust names and denies another one', () => {
    const trust = fixture('aws-docs-irsa.json');
    expect(canAssume(trust, irsa('system:serviceaccount:default:my-service-account')).allowed).toBe(true);
    const denied = canAssume(trust, irsa('system:serviceaccount:default:other'));
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toContain('Statement[0]');
  });

  it('denies a token whose audience is not sts.amazonaws.com', () => {
    const trust = fixture('aws-docs-irsa.json');
    expect(
      canAssume(trust, irsa('system:serviceaccount:default:my-service-account', PROVIDER, 'vault')).allowed,
    ).toBe(false);
  });

  it('denies the same subject from another cluster issuer', () => {
    const trust = fixture('aws-docs-irsa.json');
    expect(
      canAssume(trust, irsa('system:serviceaccount:default:my-service-account', GREEN_PROVIDER)).allowed,
    ).toBe(false);
  });

  it('lets StringLike * cross the colon between namespace and name', () => {
    const trust = fixture('misconfig-subject-star.json');
    expect(canAssume(trust, irsa('system:serviceaccount:kube-system:anything')).allowed).toBe(true);
  });

  it('compares a * under StringEquals literally', () => {
    const trust = fixture('misconfig-stringequals-wildcard.json');
    expect(canAssume(trust, irsa('system:serviceaccount:app:web')).allowed).toBe(false);
    expect(canAssume(trust, irsa('system:serviceaccount:app:*')).allowed).toBe(true);
  });

  it('never matches a subject written under :aud', () => {
    expect(
      canAssume(fixture('misconfig-subject-under-aud.json'), irsa('system:serviceaccount:app:web')).allowed,
    ).toBe(false);
  });

  it('treats condition key names case-insensitively but values case-sensitively', () => {
    const trust = irsaTrust({
      StringEquals: {
        [`${HOST.toUpperCase().replace('OIDC.EKS', 'oidc.eks')}:SUB`]: 'system:serviceaccount:a:b',
      },
    });
    expect(canAssume(trust, irsa('system:serviceaccount:a:b')).allowed).toBe(true);
    expect(canAssume(trust, irsa('system:serviceaccount:A:b')).allowed).toBe(false);
  });

  it('matches StringEqualsIgnoreCase regardless of case', () => {
    const trust = irsaTrust({ StringEqualsIgnoreCase: { [`${HOST}:sub`]: 'SYSTEM:serviceaccount:A:B' } });
    expect(canAssume(trust, irsa('system:serviceaccount:a:b')).allowed).toBe(true);
  });

  it('ORs the values of one key and ANDs the keys of one block', () => {
    const trust = irsaTrust({
      StringEquals: {
        [`${HOST}:sub`]: ['system:serviceaccount:a:x', 'system:serviceaccount:a:y'],
        [`${HOST}:aud`]: 'sts.amazonaws.com',
      },
    });
    expect(canAssume(trust, irsa('system:serviceaccount:a:y')).allowed).toBe(true);
    expect(canAssume(trust, irsa('system:serviceaccount:a:y', PROVIDER, 'other')).allowed).toBe(false);
  });

  it('lets an explicit Deny win over an Allow', () => {
    const trust = policy(
      { Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity' },
      {
        Sid: 'NoDefault',
        Effect: 'Deny',
        Principal: { Federated: PROVIDER },
        Action: 'sts:*',
        Condition: { StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:default:*' } },
      },
    );
    const denied = canAssume(trust, irsa('system:serviceaccount:default:x'));
    expect(denied).toMatchObject({ allowed: false, allowingStatements: [] });
    expect(denied.reason).toContain('Sid "NoDefault"');
    expect(canAssume(trust, irsa('system:serviceaccount:app:x')).allowed).toBe(true);
  });

  it('answers unknown for a token claim it does not model, but not when the claim belongs to another provider', () => {
    const amr = irsaTrust({
      StringEquals: { [`${HOST}:sub`]: 'system:serviceaccount:a:b', [`${HOST}:amr`]: 'x' },
    });
    const decision = canAssume(amr, irsa('system:serviceaccount:a:b'));
    expect(decision.allowed).toBe('unknown');
    expect(decision.reason).toContain(':amr');
    const other = irsaTrust({
      StringEquals: { 'oidc.eks.us-west-2.amazonaws.com/id/OTHER:sub': 'system:serviceaccount:a:b' },
    });
    expect(canAssume(other, irsa('system:serviceaccount:a:b')).allowed).toBe(false);
  });

  it('answers unknown for an operator it does not evaluate and for a global key it does not model', () => {
    const ip = irsaTrust({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } });
    expect(canAssume(ip, irsa('system:serviceaccount:a:b')).allowed).toBe('unknown');
    const time = irsaTrust({ DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } });
    expect(canAssume(time, irsa('system:serviceaccount:a:b')).allowed).toBe('unknown');
  });

  it('makes a result unknown when a Deny might apply, but stays false when nothing allows', () => {
    const deny = {
      Effect: 'Deny',
      Principal: '*',
      Action: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    const allow = {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER },
      Action: 'sts:AssumeRoleWithWebIdentity',
    };
    expect(canAssume(policy(allow, deny), irsa('system:serviceaccount:a:b')).allowed).toBe('unknown');
    expect(canAssume(policy(deny), irsa('system:serviceaccount:a:b')).allowed).toBe(false);
  });

  it('does not let an IRSA request use a statement for sts:AssumeRole', () => {
    const trust = policy({ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRole' });
    expect(canAssume(trust, irsa('system:serviceaccount:a:b')).allowed).toBe(false);
  });

  it('matches actions case-insensitively and with wildcards', () => {
    const trust = policy({
      Effect: 'Allow',
      Principal: { Federated: PROVIDER },
      Action: 'STS:AssumeRoleWith*',
    });
    expect(canAssume(trust, irsa('system:serviceaccount:a:b')).allowed).toBe(true);
  });

  it('applies IAM missing-key rules', () => {
    const request = irsa('system:serviceaccount:a:b');
    // aws:PrincipalArn is absent from web-identity requests.
    expect(canAssume(irsaTrust({ StringEqualsIfExists: { 'aws:PrincipalArn': 'x' } }), request).allowed).toBe(
      true,
    );
    expect(canAssume(irsaTrust({ StringNotEquals: { 'aws:PrincipalArn': 'x' } }), request).allowed).toBe(
      true,
    );
    expect(canAssume(irsaTrust({ StringEquals: { 'aws:PrincipalArn': 'x' } }), request).allowed).toBe(false);
    expect(canAssume(irsaTrust({ Null: { 'aws:PrincipalArn': 'true' } }), request).allowed).toBe(true);
    expect(canAssume(irsaTrust({ Null: { 'aws:PrincipalArn': 'false' } }), request).allowed).toBe(false);
    expect(canAssume(irsaTrust({ Null: { [`${HOST}:sub`]: 'false' } }), request).allowed).toBe(true);
    expect(
      canAssume(irsaTrust({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'x' } }), request).allowed,
    ).toBe(true);
    expect(
      canAssume(irsaTrust({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'x' } }), request).allowed,
    ).toBe(false);
  });

  it('treats Principal "*" and {"AWS": "*"} as every principal', () => {
    for (const principal of ['*', { AWS: '*' }]) {
      const trust = policy({
        Effect: 'Allow',
        Principal: principal,
        Action: 'sts:AssumeRoleWithWebIdentity',
      });
      expect(canAssume(trust, irsa('system:serviceaccount:a:b')).allowed).toBe(true);
    }
  });

  it('refuses NotPrincipal, which IAM rejects in a role trust policy, instead of allowing every other web identity', () => {
    // IAM User Guide, "AWS JSON policy elements: NotPrincipal": not usable in a role trust policy.
    const trust = policy({
      Effect: 'Allow',
      NotPrincipal: { Federated: GREEN_PROVIDER },
      Action: 'sts:AssumeRoleWithWebIdentity',
    });
    expect(() => canAssume(trust, irsa('system:serviceaccount:a:b'))).toThrow(InputError);
    expect(() => canAssume(trust, irsa('system:serviceaccount:a:b'))).toThrow('Statement[0].NotPrincipal');
  });
});

describe('canAssume for Pod Identity', () => {
  it('needs sts:TagSession as well as sts:AssumeRole when session tags are on', () => {
    const trust = policy({
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: 'sts:AssumeRole',
    });
    const withTags = canAssume(trust, podIdentity());
    expect(withTags.allowed).toBe(false);
    expect(withTags.reason).toContain('sts:TagSession');
    expect(canAssume(trust, podIdentity(null)).allowed).toBe(true);
  });

  it('allows the documented unscoped trust for any association', () => {
    expect(canAssume(fixture('aws-docs-pod-identity.json'), podIdentity()).allowed).toBe(true);
  });

  it('checks the namespace and service account of the documented scoped trust, filled in', () => {
    const documented = JSON.stringify(fixture('aws-docs-pod-identity-scoped.json'));
    const trust = JSON.parse(
      documented.replace('<Namespace>', 'payments').replace('<ServiceAccount>', 'ledger-writer'),
    );
    expect(canAssume(trust, podIdentity()).allowed).toBe(true);
    expect(
      canAssume(trust, podIdentity({ ...PAYMENTS_TAGS, 'kubernetes-namespace': 'default' })).allowed,
    ).toBe(false);
    expect(
      canAssume(trust, podIdentity({ ...PAYMENTS_TAGS, 'kubernetes-service-account': 'default' })).allowed,
    ).toBe(false);
    expect(canAssume(trust, podIdentity(null)).allowed).toBe(false);
  });

  it('checks ABAC session tags, including StringLike on the service account', () => {
    const trust = fixture('pod-identity-abac.json');
    expect(canAssume(trust, podIdentity()).allowed).toBe(true);
    expect(
      canAssume(trust, podIdentity({ ...PAYMENTS_TAGS, 'kubernetes-namespace': 'default' })).allowed,
    ).toBe(false);
    expect(canAssume(trust, podIdentity({ ...PAYMENTS_TAGS, 'eks-cluster-name': 'staging' })).allowed).toBe(
      false,
    );
    // With session tags disabled, aws:RequestTag conditions cannot match.
    expect(canAssume(trust, podIdentity(null)).allowed).toBe(false);
  });

  it('checks aws:SourceAccount and aws:SourceArn when given, and says unknown when not', () => {
    const trust = fixture('terraform-pod-identity-scoped.json');
    const source = {
      sourceAccount: ACCOUNT,
      sourceArn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-blue`,
    };
    expect(canAssume(trust, podIdentity(PAYMENTS_TAGS, source)).allowed).toBe(true);
    expect(
      canAssume(trust, podIdentity(PAYMENTS_TAGS, { ...source, sourceAccount: '999988887777' })).allowed,
    ).toBe(false);
    expect(
      canAssume(
        trust,
        podIdentity(PAYMENTS_TAGS, {
          ...source,
          sourceArn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-green`,
        }),
      ).allowed,
    ).toBe(false);
    expect(canAssume(trust, podIdentity()).allowed).toBe('unknown');
  });

  it('evaluates ForAllValues and ForAnyValue on aws:TagKeys', () => {
    const withCondition = (condition: object) =>
      policy({
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: condition,
      });
    const all = withCondition({ 'ForAllValues:StringLike': { 'aws:TagKeys': ['eks-*', 'kubernetes-*'] } });
    expect(canAssume(all, podIdentity()).allowed).toBe(true);
    expect(canAssume(all, podIdentity({ ...PAYMENTS_TAGS, team: 'x' })).allowed).toBe(false);
    const any = withCondition({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'team' } });
    expect(canAssume(any, podIdentity()).allowed).toBe(false);
    expect(canAssume(any, podIdentity({ ...PAYMENTS_TAGS, team: 'x' })).allowed).toBe(true);
    // Without a set operator, IAM's treatment of a multivalued key is not decided here.
    expect(canAssume(withCondition({ StringEquals: { 'aws:TagKeys': 'team' } }), podIdentity()).allowed).toBe(
      'unknown',
    );
  });

  it('never matches a web-identity-only statement or IRSA keys', () => {
    expect(canAssume(fixture('misconfig-pod-identity-web-identity-action.json'), podIdentity()).allowed).toBe(
      false,
    );
    expect(canAssume(fixture('misconfig-pod-identity-irsa-keys.json'), podIdentity()).allowed).toBe(false);
  });
});

describe('canAssume for IAM principals (cross-account target roles)', () => {
  const associationRole = `arn:aws:iam::${ACCOUNT}:role/prod-ledger-association`;

  it('allows the association role with its session tags and rejects other roles of the account', () => {
    const trust = fixture('pod-identity-target-role-tags.json');
    const tags = { 'kubernetes-namespace': 'payments', 'kubernetes-service-account': 'ledger-writer' };
    expect(canAssume(trust, { kind: 'aws', principalArn: associationRole, sessionTags: tags }).allowed).toBe(
      true,
    );
    expect(
      canAssume(trust, { kind: 'aws', principalArn: `arn:aws:iam::${ACCOUNT}:role/other`, sessionTags: tags })
        .allowed,
    ).toBe(false);
    expect(canAssume(trust, { kind: 'aws', principalArn: associationRole }).allowed).toBe(false);
  });

  it('checks the external id REGION/ACCOUNT/CLUSTER/NAMESPACE/SA', () => {
    const trust = fixture('pod-identity-target-role-external-id.json');
    const externalId = `us-east-1/${ACCOUNT}/prod-blue/payments/ledger-writer`;
    expect(canAssume(trust, { kind: 'aws', principalArn: associationRole, externalId }).allowed).toBe(true);
    expect(canAssume(trust, { kind: 'aws', principalArn: associationRole, externalId: 'x' }).allowed).toBe(
      false,
    );
    expect(canAssume(trust, { kind: 'aws', principalArn: associationRole }).allowed).toBe(false);
  });

  it('treats an account id as that account root and matches role sessions to their role', () => {
    const byId = policy({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' });
    expect(canAssume(byId, { kind: 'aws', principalArn: associationRole }).allowed).toBe(true);
    expect(canAssume(byId, { kind: 'aws', principalArn: 'arn:aws:iam::444455556666:role/x' }).allowed).toBe(
      false,
    );
    const byRole = policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/team/app` },
      Action: 'sts:AssumeRole',
    });
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/app/eks-prod-blue-web-1234`;
    expect(canAssume(byRole, { kind: 'aws', principalArn: session }).allowed).toBe(true);
    expect(
      canAssume(byRole, { kind: 'aws', principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/web/s` }).allowed,
    ).toBe(false);
  });

  it('uses ArnLike segment by segment', () => {
    const trust = policy({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'sts:AssumeRole',
      Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/ci-*' } },
    });
    expect(
      canAssume(trust, { kind: 'aws', principalArn: 'arn:aws:iam::444455556666:role/ci-deploy' }).allowed,
    ).toBe(true);
    expect(
      canAssume(trust, { kind: 'aws', principalArn: 'arn:aws:iam::444455556666:user/ci-deploy' }).allowed,
    ).toBe(false);
  });

  it('says unknown for aws:PrincipalOrgID when the organization is not given', () => {
    const trust = policy({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
    expect(canAssume(trust, { kind: 'aws', principalArn: associationRole }).allowed).toBe('unknown');
    expect(
      canAssume(trust, { kind: 'aws', principalArn: associationRole, principalOrgId: 'o-a1b2c3d4e5' })
        .allowed,
    ).toBe(true);
  });
});

describe('canAssume on malformed input', () => {
  it.each([
    [
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: { StringEquals: 'x' } },
        ],
      },
      'Statement[0].Condition.StringEquals: expected an object',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
          { Effect: 'Permit', Principal: '*', Action: 'x' },
        ],
      },
      'Statement[1].Effect',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 'sts:AssumeRole',
            Condition: { StringEqual: { k: 'v' } },
          },
        ],
      },
      'Statement[0].Condition.StringEqual: unknown condition operator',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Aws: 'x' }, Action: 'sts:AssumeRole' }],
      },
      'Statement[0].Principal.Aws',
    ],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] },
      'Statement[0]: Principal is required in a trust policy',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { k: [{}] } },
          },
        ],
      },
      'Statement[0].Condition.StringEquals.k[0]',
    ],
    ['{"Version": "2012-10-17", "Statement": [', 'policy document'],
  ])('throws an InputError naming the field (%#)', (document, expected) => {
    const attempt = () => canAssume(document, irsa('system:serviceaccount:a:b'));
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow(expected);
  });

  it('rejects a provider that is not an OIDC provider ARN', () => {
    expect(() =>
      canAssume(fixture('aws-docs-irsa.json'), irsa('system:serviceaccount:a:b', 'not-an-arn')),
    ).toThrow(InputError);
  });
});
