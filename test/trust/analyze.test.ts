import { describe, expect, it } from 'vitest';
import { InputError } from '../../shared/errors.js';
import { analyzeTrust } from '../../shared/trust/index.js';
import type { IrsaGrant, PodIdentityGrant } from '../../shared/trust/types.js';
import { explainTrust } from '../../shared/trust-explain.js';
import { fixture, GREEN_PROVIDER, HOST, PROVIDER, policy } from './support.js';

const findingsOf = (name: string) =>
  explainTrust(fixture(name)).findings.map((f) => `${f.checkId}:${f.severity}`);

describe('analyzeTrust on the shapes tools and AWS docs generate', () => {
  it.each([
    'aws-docs-irsa.json',
    'eksctl-irsa.json',
    'terraform-irsa-eks.json',
    'cdk-service-account.json',
    'irsa-blue-green.json',
    'irsa-china-region.json',
    'terraform-pod-identity-scoped.json',
    'pod-identity-abac.json',
    'pod-identity-target-role-tags.json',
    'pod-identity-target-role-external-id.json',
    'github-actions-oidc.json',
  ])('reports no hygiene finding for %s', (name) => {
    expect(findingsOf(name)).toEqual([]);
  });

  it('extracts the IRSA grant of the CDK ServiceAccount trust (StringEquals sub and aud)', () => {
    const [grant] = analyzeTrust(fixture('cdk-service-account.json')).grants as IrsaGrant[];
    expect(grant).toMatchObject({
      kind: 'irsa',
      providerArn: PROVIDER,
      issuerHostPath: HOST,
      isEksIssuer: true,
      region: 'us-east-1',
      subjects: ['system:serviceaccount:payments:ledger-writer'],
      subjectMatch: 'equals',
      audienceChecked: true,
      actions: ['sts:AssumeRoleWithWebIdentity'],
    });
    expect(grant.unsatisfiable).toBeUndefined();
  });

  it('gives one grant per cluster issuer of a blue/green trust, each named by its Sid', () => {
    const grants = analyzeTrust(fixture('irsa-blue-green.json')).grants as IrsaGrant[];
    expect(grants.map((g) => [g.sid, g.providerArn])).toEqual([
      ['ProdBlue', PROVIDER],
      ['ProdGreen', GREEN_PROVIDER],
    ]);
  });

  it('recognizes the China partition issuer as an EKS issuer', () => {
    const [grant] = analyzeTrust(fixture('irsa-china-region.json')).grants as IrsaGrant[];
    expect(grant).toMatchObject({ isEksIssuer: true, region: 'cn-north-1' });
  });

  it('does not treat a non-EKS OIDC provider as an EKS issuer', () => {
    const [grant] = analyzeTrust(fixture('github-actions-oidc.json')).grants as IrsaGrant[];
    expect(grant).toMatchObject({ kind: 'irsa', isEksIssuer: false, subjectMatch: 'like' });
  });

  it('lists the Pod Identity constraints of an ABAC trust', () => {
    const [grant] = analyzeTrust(fixture('pod-identity-abac.json')).grants as PodIdentityGrant[];
    expect(grant).toMatchObject({
      kind: 'pod-identity',
      assumeRoleAllowed: true,
      tagSessionAllowed: true,
      unscoped: false,
      constraints: {
        namespaces: ['payments'],
        clusterNames: ['prod-blue', 'prod-green'],
        serviceAccounts: ['ledger-*'],
      },
    });
  });

  it('lists the source account and cluster ARN of the terraform Pod Identity trust', () => {
    const [grant] = analyzeTrust(fixture('terraform-pod-identity-scoped.json')).grants as PodIdentityGrant[];
    expect(grant.constraints).toEqual({
      sourceAccounts: ['111122223333'],
      sourceArns: ['arn:aws:eks:us-east-1:111122223333:cluster/prod-blue'],
    });
  });

  it('describes a cross-account target role grant to the association role', () => {
    const [grant] = analyzeTrust(fixture('pod-identity-target-role-external-id.json')).grants;
    expect(grant).toMatchObject({
      kind: 'aws',
      principals: ['111122223333'],
      tagSessionAllowed: true,
      principalArnPatterns: ['arn:aws:iam::111122223333:role/prod-ledger-association'],
      externalIds: ['us-east-1/111122223333/prod-blue/payments/ledger-writer'],
    });
  });
});

describe('analyzeTrust on known misconfigurations', () => {
  it.each([
    ['misconfig-aud-only.json', ['IRSA_NO_SUBJECT_CONDITION:HIGH']],
    [
      'misconfig-dual-unconditioned.json',
      ['IRSA_NO_SUBJECT_CONDITION:HIGH', 'IRSA_NO_AUDIENCE_CONDITION:LOW', 'PI_TRUST_UNSCOPED:MEDIUM'],
    ],
    // `system:serviceaccount:*` matches every subject a cluster issues: no subject condition in effect.
    ['misconfig-subject-star.json', ['IRSA_NO_SUBJECT_CONDITION:HIGH']],
    ['misconfig-prefix-wildcard.json', ['IRSA_SUBJECT_WILDCARD:HIGH']],
    ['terraform-irsa-namespace-wildcard.json', ['IRSA_SUBJECT_WILDCARD:MEDIUM']],
    ['misconfig-subject-under-aud.json', ['TRUST_UNSATISFIABLE:MEDIUM']],
    ['misconfig-stringequals-wildcard.json', ['TRUST_UNSATISFIABLE:MEDIUM']],
    ['misconfig-provider-host-typo.json', ['TRUST_UNSATISFIABLE:MEDIUM']],
    ['misconfig-pod-identity-web-identity-action.json', ['TRUST_UNSATISFIABLE:MEDIUM']],
    ['misconfig-pod-identity-irsa-keys.json', ['TRUST_UNSATISFIABLE:MEDIUM']],
    ['misconfig-pod-identity-tags-without-tagsession.json', ['TRUST_UNSATISFIABLE:MEDIUM']],
    ['aws-docs-pod-identity.json', ['PI_TRUST_UNSCOPED:MEDIUM']],
  ])('%s gets %j', (name, expected) => {
    expect(findingsOf(name)).toEqual(expected);
  });

  it('reads the documented scoped Pod Identity trust (EKS User Guide, pod-id-role) as written and once filled in', () => {
    // Pasted verbatim, the placeholders are no Kubernetes namespace: nothing can match.
    const verbatim = fixture('aws-docs-pod-identity-scoped.json');
    const [placeholder] = explainTrust(verbatim).findings;
    expect(placeholder).toMatchObject({ checkId: 'TRUST_UNSATISFIABLE', statementIndex: 0 });
    expect(placeholder.message).toContain('"<Namespace>"');
    const filled = JSON.parse(
      JSON.stringify(verbatim)
        .replace('<Namespace>', 'payments')
        .replace('<ServiceAccount>', 'ledger-writer'),
    );
    expect(explainTrust(filled).findings).toEqual([]);
    const [grant] = analyzeTrust(filled).grants as PodIdentityGrant[];
    expect(grant).toMatchObject({ kind: 'pod-identity', assumeRoleAllowed: true, tagSessionAllowed: true });
    expect(grant.unsatisfiable).toBeUndefined();
  });

  it('names the statement and the provider in IRSA messages', () => {
    const [finding] = explainTrust(fixture('misconfig-dual-unconditioned.json')).findings;
    expect(finding.message).toContain('Statement[0] (Sid "Irsa")');
    expect(finding.message).toContain(HOST);
    expect(finding.providerArn).toBe(PROVIDER);
  });

  it('explains a subject written under the :aud key', () => {
    const [finding] = explainTrust(fixture('misconfig-subject-under-aud.json')).findings;
    expect(finding.message).toMatch(/written under the .*:aud key/);
  });

  it('explains that StringEquals compares a * literally', () => {
    const [finding] = explainTrust(fixture('misconfig-stringequals-wildcard.json')).findings;
    expect(finding.message).toContain('StringLike was probably meant');
  });

  it('rates a wildcard that stays in one namespace MEDIUM and one that crosses namespaces HIGH', () => {
    const irsaWith = (pattern: string) =>
      policy({
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { [`${HOST}:sub`]: pattern, [`${HOST}:aud`]: 'sts.amazonaws.com' } },
      });
    const severity = (pattern: string) =>
      explainTrust(irsaWith(pattern)).findings.map((f) => `${f.checkId}:${f.severity}`);
    expect(severity('system:serviceaccount:ns:*')).toEqual(['IRSA_SUBJECT_WILDCARD:MEDIUM']);
    expect(severity('system:serviceaccount:ns:sa-?')).toEqual(['IRSA_SUBJECT_WILDCARD:MEDIUM']);
    expect(severity('system:serviceaccount:*:sa')).toEqual(['IRSA_SUBJECT_WILDCARD:HIGH']);
    expect(severity('system:serviceaccount:ns-*')).toEqual(['IRSA_SUBJECT_WILDCARD:HIGH']);
    // Matches every subject: the same as no subject condition.
    expect(severity('system:*')).toEqual(['IRSA_NO_SUBJECT_CONDITION:HIGH']);
    // A StringLike without wildcards is an exact subject: no finding.
    expect(severity('system:serviceaccount:ns:sa')).toEqual([]);
  });

  it('flags a subject with an uppercase namespace as unsatisfiable but accepts a valid one', () => {
    const irsaWith = (subject: string) =>
      policy({
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${HOST}:sub`]: subject, [`${HOST}:aud`]: 'sts.amazonaws.com' } },
      });
    expect(analyzeTrust(irsaWith('system:serviceaccount:App:web')).findings.map((f) => f.fact)).toEqual([
      'unsatisfiable',
    ]);
    expect(analyzeTrust(irsaWith('system:serviceaccount:app:web')).findings).toEqual([]);
  });

  it('reports an aud condition with another audience, but not one requiring sts.amazonaws.com', () => {
    const irsaWith = (audience: string) =>
      policy({
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${HOST}:sub`]: 'system:serviceaccount:a:b', [`${HOST}:aud`]: audience },
        },
      });
    expect(analyzeTrust(irsaWith('vault')).findings.map((f) => f.fact)).toEqual(['any-audience']);
    expect(analyzeTrust(irsaWith('sts.amazonaws.com')).findings).toEqual([]);
  });

  it('does not count a Pod Identity condition whose only value is * as scoping', () => {
    const withNamespace = (namespace: string) =>
      policy({
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringLike: { 'aws:RequestTag/kubernetes-namespace': namespace } },
      });
    expect(analyzeTrust(withNamespace('*')).findings.map((f) => f.fact)).toEqual(['any-association']);
    expect(analyzeTrust(withNamespace('team-*')).findings).toEqual([]);
  });

  it('ignores Deny statements when listing grants', () => {
    const analysis = analyzeTrust(
      policy(
        { Effect: 'Deny', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' },
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:role/ci' },
          Action: 'sts:AssumeRole',
        },
      ),
    );
    expect(analysis.grants.map((g) => g.kind)).toEqual(['aws']);
    expect(analysis.findings).toEqual([]);
  });

  it('rejects NotPrincipal, which IAM does not accept in a role trust policy, naming the field', () => {
    // IAM User Guide, "AWS JSON policy elements: NotPrincipal": "You cannot use the NotPrincipal
    // element in an IAM identity-based policy nor in an IAM role trust policy."
    const attempt = () =>
      analyzeTrust(
        policy({
          Effect: 'Allow',
          NotPrincipal: { AWS: 'arn:aws:iam::111122223333:role/x' },
          Action: 'sts:AssumeRole',
        }),
      );
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow(/^Statement\[0\]\.NotPrincipal: /);
  });

  it('accepts the URL-encoded document IAM returns', () => {
    const encoded = encodeURIComponent(JSON.stringify(fixture('misconfig-aud-only.json')));
    expect(analyzeTrust(encoded).findings.map((f) => f.fact)).toEqual(['any-subject']);
  });
});
