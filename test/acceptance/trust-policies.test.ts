import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * Trust policies as public documentation, tools and incident write-ups show them, judged through
 * the CLI: `trust explain` must give exactly the hygiene check ids a reviewer expects, and
 * `trust can-assume` must answer as IAM would for concrete requests.
 */

const ACCOUNT = '111122223333';
const REGION = 'us-west-2';
const ISSUER = `oidc.eks.${REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;
const GREEN_ISSUER = `oidc.eks.${REGION}.amazonaws.com/id/C0FFEE0D539D4633E53DE1B71EXAMPLE`;
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;
const GREEN_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GREEN_ISSUER}`;
const CN_ISSUER = 'oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const CN_PROVIDER = `arn:aws-cn:iam::${ACCOUNT}:oidc-provider/${CN_ISSUER}`;
const CLUSTER_ARN = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/my-cluster`;
const sa = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;
const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

/** A web-identity statement the way the EKS user guide writes it. */
const irsa = (
  condition: Record<string, unknown>,
  provider = PROVIDER,
  action: unknown = 'sts:AssumeRoleWithWebIdentity',
) => ({
  Effect: 'Allow',
  Principal: { Federated: provider },
  Action: action,
  Condition: condition,
});
const podIdentity = (
  condition?: Record<string, unknown>,
  action: unknown = ['sts:AssumeRole', 'sts:TagSession'],
) => ({
  Sid: 'AllowEksAuthToAssumeRoleForPodIdentity',
  Effect: 'Allow',
  Principal: { Service: 'pods.eks.amazonaws.com' },
  Action: action,
  ...(condition ? { Condition: condition } : {}),
});

/** A concrete request and IAM's answer. */
type Ask =
  | { irsa: string; provider?: string; audience?: string; allowed: boolean | 'unknown' }
  | {
      podIdentity: { namespace: string; serviceAccount: string; cluster?: string };
      sessionTags?: boolean;
      sourceAccount?: string;
      sourceArn?: string;
      allowed: boolean | 'unknown';
    }
  | {
      awsPrincipal: string;
      externalId?: string;
      tags?: Record<string, string>;
      allowed: boolean | 'unknown';
    };

interface Case {
  name: string;
  source: string;
  policy: unknown;
  findings: string[];
  asks: Ask[];
}

const cases: Case[] = [
  {
    name: 'eks-user-guide-irsa',
    source: 'EKS user guide, "Assign IAM roles to Kubernetes service accounts"',
    policy: doc(
      irsa({
        StringEquals: {
          [`${ISSUER}:sub`]: sa('default', 'my-service-account'),
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      }),
    ),
    findings: [],
    asks: [
      { irsa: sa('default', 'my-service-account'), allowed: true },
      { irsa: sa('default', 'other'), allowed: false },
      { irsa: sa('default', 'my-service-account'), audience: 'vault', allowed: false },
      { irsa: sa('default', 'my-service-account'), provider: GREEN_PROVIDER, allowed: false },
    ],
  },
  {
    name: 'eksctl-create-iamserviceaccount',
    source: 'eksctl create iamserviceaccount (generated CloudFormation)',
    policy: doc(
      irsa(
        {
          StringEquals: {
            [`${ISSUER}:aud`]: 'sts.amazonaws.com',
            [`${ISSUER}:sub`]: sa('kube-system', 'aws-load-balancer-controller'),
          },
        },
        PROVIDER,
        ['sts:AssumeRoleWithWebIdentity'],
      ),
    ),
    findings: [],
    asks: [{ irsa: sa('kube-system', 'aws-load-balancer-controller'), allowed: true }],
  },
  {
    name: 'terraform-iam-role-for-service-accounts',
    source:
      'terraform-aws-modules/iam iam-role-for-service-accounts-eks (sub as a list, condition test StringEquals)',
    policy: doc({
      Sid: '',
      ...irsa({
        StringEquals: {
          [`${ISSUER}:sub`]: [sa('kube-system', 'ebs-csi-controller-sa')],
          [`${ISSUER}:aud`]: ['sts.amazonaws.com'],
        },
      }),
    }),
    findings: [],
    asks: [
      { irsa: sa('kube-system', 'ebs-csi-controller-sa'), allowed: true },
      { irsa: sa('kube-system', 'ebs-csi-node-sa'), allowed: false },
    ],
  },
  {
    name: 'terraform-namespace-wildcard',
    source: 'terraform-aws-modules/iam with assume_role_condition_test = "StringLike" and "karpenter:*"',
    policy: doc(
      irsa({
        StringLike: { [`${ISSUER}:sub`]: sa('karpenter', '*'), [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
    ),
    findings: ['IRSA_SUBJECT_WILDCARD'],
    asks: [
      { irsa: sa('karpenter', 'karpenter'), allowed: true },
      { irsa: sa('kube-system', 'karpenter'), allowed: false },
    ],
  },
  {
    name: 'cdk-eks-service-account',
    source: 'aws-cdk-lib aws-eks ServiceAccount (OpenIdConnectPrincipal with CfnJson conditions)',
    policy: doc(
      irsa({
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com', [`${ISSUER}:sub`]: sa('apps', 'orders') },
      }),
    ),
    findings: [],
    asks: [{ irsa: sa('apps', 'orders'), allowed: true }],
  },
  {
    name: 'karpenter-controller-pod-identity',
    source: 'Karpenter getting started (controller role trusting pods.eks.amazonaws.com, no condition)',
    policy: doc(podIdentity()),
    findings: ['PI_TRUST_UNSCOPED'],
    asks: [{ podIdentity: { namespace: 'kube-system', serviceAccount: 'karpenter' }, allowed: true }],
  },
  {
    name: 'eks-user-guide-pod-identity-confused-deputy',
    source: 'EKS user guide, Pod Identity role with aws:SourceAccount and aws:SourceArn',
    policy: doc(
      podIdentity({
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnEquals: { 'aws:SourceArn': CLUSTER_ARN },
      }),
    ),
    findings: [],
    asks: [
      {
        podIdentity: { namespace: 'app', serviceAccount: 'api' },
        sourceAccount: ACCOUNT,
        sourceArn: CLUSTER_ARN,
        allowed: true,
      },
      {
        podIdentity: { namespace: 'app', serviceAccount: 'api' },
        sourceAccount: '444455556666',
        sourceArn: CLUSTER_ARN,
        allowed: false,
      },
      {
        podIdentity: { namespace: 'app', serviceAccount: 'api' },
        sourceAccount: ACCOUNT,
        sourceArn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/other`,
        allowed: false,
      },
    ],
  },
  {
    name: 'eks-user-guide-pod-identity-abac',
    source: 'EKS user guide, "Grant pods access to AWS resources based on tags"',
    policy: doc(
      podIdentity({
        StringEquals: {
          'aws:RequestTag/kubernetes-namespace': 'payments',
          'aws:RequestTag/kubernetes-service-account': 'ledger',
          'aws:RequestTag/eks-cluster-name': 'my-cluster',
        },
      }),
    ),
    findings: [],
    asks: [
      { podIdentity: { namespace: 'payments', serviceAccount: 'ledger' }, allowed: true },
      { podIdentity: { namespace: 'payments', serviceAccount: 'refunds' }, allowed: false },
      {
        podIdentity: { namespace: 'payments', serviceAccount: 'ledger', cluster: 'my-cluster-green' },
        allowed: false,
      },
      {
        podIdentity: { namespace: 'payments', serviceAccount: 'ledger' },
        sessionTags: false,
        allowed: false,
      },
    ],
  },
  {
    name: 'eks-user-guide-target-role',
    source: 'EKS user guide, "Access AWS resources in another account" target role trust',
    policy: doc({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/eks-pod-identity-primary-role` },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
    }),
    findings: [],
    asks: [
      { awsPrincipal: `arn:aws:iam::${ACCOUNT}:role/eks-pod-identity-primary-role`, allowed: true },
      { awsPrincipal: `arn:aws:iam::${ACCOUNT}:role/someone-else`, allowed: false },
    ],
  },
  {
    name: 'target-role-external-id',
    source: 'EKS user guide, target role pinned with sts:ExternalId (session tags disabled)',
    policy: doc({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'sts:ExternalId': `${REGION}/${ACCOUNT}/my-cluster/analytics/reader` },
        ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/reader` },
      },
    }),
    findings: [],
    asks: [
      {
        awsPrincipal: `arn:aws:iam::${ACCOUNT}:role/reader`,
        externalId: `${REGION}/${ACCOUNT}/my-cluster/analytics/reader`,
        allowed: true,
      },
      { awsPrincipal: `arn:aws:iam::${ACCOUNT}:role/reader`, externalId: 'wrong', allowed: false },
      {
        awsPrincipal: `arn:aws:iam::${ACCOUNT}:role/writer`,
        externalId: `${REGION}/${ACCOUNT}/my-cluster/analytics/reader`,
        allowed: false,
      },
    ],
  },
  {
    name: 'external-dns-tutorial',
    source: 'kubernetes-sigs/external-dns AWS tutorial (IRSA trust)',
    policy: doc(
      irsa({
        StringEquals: {
          [`${ISSUER}:sub`]: sa('default', 'external-dns'),
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      }),
    ),
    findings: [],
    asks: [{ irsa: sa('default', 'external-dns'), allowed: true }],
  },
  {
    name: 'cert-manager-route53',
    source: 'cert-manager Route53 docs (sub condition only, no audience)',
    policy: doc(irsa({ StringEquals: { [`${ISSUER}:sub`]: sa('cert-manager', 'cert-manager') } })),
    findings: ['IRSA_NO_AUDIENCE_CONDITION'],
    asks: [
      { irsa: sa('cert-manager', 'cert-manager'), allowed: true },
      { irsa: sa('cert-manager', 'cert-manager'), audience: 'vault', allowed: true },
    ],
  },
  {
    name: 'crossplane-provider-aws',
    source: 'Crossplane provider-aws IRSA guide (revisioned provider service accounts)',
    policy: doc(
      irsa({
        StringLike: {
          [`${ISSUER}:sub`]: sa('crossplane-system', 'provider-aws-*'),
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      }),
    ),
    findings: ['IRSA_SUBJECT_WILDCARD'],
    asks: [
      { irsa: sa('crossplane-system', 'provider-aws-3f1c2b7a9d0e'), allowed: true },
      { irsa: sa('crossplane-system', 'provider-gcp-1'), allowed: false },
    ],
  },
  {
    name: 'ack-controller',
    source: 'AWS Controllers for Kubernetes IRSA setup (sub only)',
    policy: doc(irsa({ StringEquals: { [`${ISSUER}:sub`]: sa('ack-system', 'ack-s3-controller') } })),
    findings: ['IRSA_NO_AUDIENCE_CONDITION'],
    asks: [{ irsa: sa('ack-system', 'ack-s3-controller'), allowed: true }],
  },
  {
    name: 'aws-load-balancer-controller',
    source: 'aws-load-balancer-controller docs, load-balancer-role-trust-policy.json',
    policy: doc(
      irsa({
        StringEquals: {
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
          [`${ISSUER}:sub`]: sa('kube-system', 'aws-load-balancer-controller'),
        },
      }),
    ),
    findings: [],
    asks: [{ irsa: sa('kube-system', 'aws-load-balancer-controller'), allowed: true }],
  },
  {
    name: 'misconfig-subject-under-aud',
    source: 'reported misconfiguration: the subject written under the :aud key',
    policy: doc(irsa({ StringEquals: { [`${ISSUER}:aud`]: sa('default', 'app') } })),
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [{ irsa: sa('default', 'app'), allowed: false }],
  },
  {
    name: 'misconfig-audience-only',
    source: 'reported misconfiguration: audience checked, subject not',
    policy: doc(irsa({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } })),
    findings: ['IRSA_NO_SUBJECT_CONDITION'],
    asks: [
      { irsa: sa('kube-system', 'anything'), allowed: true },
      { irsa: sa('default', 'default'), allowed: true },
    ],
  },
  {
    name: 'misconfig-every-service-account',
    source: 'reported misconfiguration: StringLike "system:serviceaccount:*"',
    policy: doc(
      irsa({
        StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:*', [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
    ),
    // Matches every subject the cluster issues: no subject condition in effect.
    findings: ['IRSA_NO_SUBJECT_CONDITION'],
    asks: [{ irsa: sa('any-namespace', 'any-name'), allowed: true }],
  },
  {
    name: 'misconfig-stringequals-with-star',
    source: 'reported misconfiguration: a wildcard under StringEquals is a literal star',
    policy: doc(
      irsa({
        StringEquals: { [`${ISSUER}:sub`]: sa('kube-system', '*'), [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
    ),
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [{ irsa: sa('kube-system', 'coredns'), allowed: false }],
  },
  {
    name: 'misconfig-federated-list-and-both-issuers',
    source: "reported misconfiguration: two providers in one statement, both issuers' keys AND-ed",
    policy: doc(
      irsa(
        {
          StringEquals: {
            [`${ISSUER}:sub`]: sa('app', 'web'),
            [`${ISSUER}:aud`]: 'sts.amazonaws.com',
            [`${GREEN_ISSUER}:sub`]: sa('app', 'web'),
            [`${GREEN_ISSUER}:aud`]: 'sts.amazonaws.com',
          },
        },
        [PROVIDER, GREEN_PROVIDER] as unknown as string,
      ),
    ),
    // One per provider of the statement: neither issuer's token carries the other's keys.
    findings: ['TRUST_UNSATISFIABLE', 'TRUST_UNSATISFIABLE'],
    asks: [
      { irsa: sa('app', 'web'), allowed: false },
      { irsa: sa('app', 'web'), provider: GREEN_PROVIDER, allowed: false },
    ],
  },
  {
    name: 'blue-green-two-statements',
    source: 'EKS blue/green guidance: one statement per cluster issuer',
    policy: doc(
      irsa({ StringEquals: { [`${ISSUER}:sub`]: sa('app', 'web'), [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }),
      irsa(
        {
          StringEquals: {
            [`${GREEN_ISSUER}:sub`]: sa('app', 'web'),
            [`${GREEN_ISSUER}:aud`]: 'sts.amazonaws.com',
          },
        },
        GREEN_PROVIDER,
      ),
    ),
    findings: [],
    asks: [
      { irsa: sa('app', 'web'), allowed: true },
      { irsa: sa('app', 'web'), provider: GREEN_PROVIDER, allowed: true },
      { irsa: sa('app', 'api'), provider: GREEN_PROVIDER, allowed: false },
    ],
  },
  {
    name: 'for-any-value-on-sub',
    source: 'seen in the wild: ForAnyValue:StringLike on the single-valued sub claim',
    policy: doc(
      irsa({
        'ForAnyValue:StringLike': { [`${ISSUER}:sub`]: sa('argo', 'workflow-controller') },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
    ),
    findings: [],
    asks: [
      { irsa: sa('argo', 'workflow-controller'), allowed: true },
      { irsa: sa('argo', 'server'), allowed: false },
    ],
  },
  {
    name: 'not-action',
    source: 'seen in the wild: NotAction instead of Action in a web-identity statement',
    policy: doc({
      Effect: 'Allow',
      Principal: { Federated: PROVIDER },
      NotAction: ['sts:AssumeRole', 'sts:AssumeRoleWithSAML'],
      Condition: {
        StringEquals: {
          [`${ISSUER}:sub`]: sa('kube-system', 'cluster-autoscaler'),
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      },
    }),
    findings: [],
    asks: [
      { irsa: sa('kube-system', 'cluster-autoscaler'), allowed: true },
      { irsa: sa('kube-system', 'other'), allowed: false },
    ],
  },
  {
    name: 'explicit-deny-carves-out-kube-system',
    source: 'seen in the wild: an audience-only allow with a Deny for kube-system',
    policy: doc(irsa({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }), {
      Effect: 'Deny',
      Principal: { Federated: PROVIDER },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringLike: { [`${ISSUER}:sub`]: sa('kube-system', '*') } },
    }),
    // The Deny takes kube-system back: not every service account, but unnamed ones across namespaces.
    findings: ['IRSA_SUBJECT_WILDCARD'],
    asks: [
      { irsa: sa('default', 'app'), allowed: true },
      { irsa: sa('kube-system', 'aws-node'), allowed: false },
    ],
  },
  {
    name: 'condition-keys-in-other-case',
    source: 'IAM condition key names are case-insensitive (hand-edited policy)',
    policy: doc(
      irsa({
        StringEquals: {
          [`${ISSUER.toUpperCase()}:SUB`]: sa('app', 'web'),
          [`${ISSUER}:Aud`]: 'sts.amazonaws.com',
        },
      }),
    ),
    findings: [],
    asks: [
      { irsa: sa('app', 'web'), allowed: true },
      { irsa: sa('app', 'WEB'), allowed: false },
    ],
  },
  {
    name: 'china-partition',
    source: 'EKS in the aws-cn partition (issuer host ends in .amazonaws.com.cn)',
    policy: doc(
      irsa(
        {
          StringEquals: { [`${CN_ISSUER}:sub`]: sa('app', 'web'), [`${CN_ISSUER}:aud`]: 'sts.amazonaws.com' },
        },
        CN_PROVIDER,
      ),
    ),
    findings: [],
    asks: [{ irsa: sa('app', 'web'), provider: CN_PROVIDER, allowed: true }],
  },
  {
    name: 'pod-identity-without-tag-session',
    source: 'Pod Identity role for an association that disables session tags',
    policy: doc(podIdentity({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }, 'sts:AssumeRole')),
    // Associations use roles of their own account, so aws:SourceAccount alone scopes nothing: every
    // association of the account that disables session tags can use the role.
    findings: ['PI_TRUST_UNSCOPED'],
    asks: [
      { podIdentity: { namespace: 'web', serviceAccount: 'cdn' }, sourceAccount: ACCOUNT, allowed: false },
      {
        podIdentity: { namespace: 'web', serviceAccount: 'cdn' },
        sourceAccount: ACCOUNT,
        sessionTags: false,
        allowed: true,
      },
    ],
  },
  {
    name: 'pod-identity-and-ec2-service-list',
    source: 'seen in the wild: one statement trusting pods.eks and ec2 services, no condition',
    policy: doc({
      Effect: 'Allow',
      Principal: { Service: ['ec2.amazonaws.com', 'pods.eks.amazonaws.com'] },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
    }),
    findings: ['PI_TRUST_UNSCOPED'],
    asks: [{ podIdentity: { namespace: 'any', serviceAccount: 'any' }, allowed: true }],
  },
  {
    name: 'github-actions-oidc',
    source: 'GitHub Actions OIDC role (not an EKS issuer: no IRSA hygiene applies)',
    policy: doc({
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:example-org/*' },
      },
    }),
    findings: [],
    asks: [],
  },
];

function askArgs(file: string, ask: Ask): string[] {
  const args = ['trust', 'can-assume', '--file', file];
  if ('irsa' in ask) {
    args.push('--irsa', '--provider', ask.provider ?? PROVIDER, '--subject', ask.irsa);
    if (ask.audience) args.push('--audience', ask.audience);
  } else if ('podIdentity' in ask) {
    args.push('--pod-identity');
    if (ask.sessionTags === false) args.push('--no-session-tags');
    else {
      const cluster = ask.podIdentity.cluster ?? 'my-cluster';
      args.push(
        '--tag',
        `kubernetes-namespace=${ask.podIdentity.namespace}`,
        '--tag',
        `kubernetes-service-account=${ask.podIdentity.serviceAccount}`,
        '--tag',
        `eks-cluster-name=${cluster}`,
        '--tag',
        `eks-cluster-arn=arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${cluster}`,
      );
    }
    if (ask.sourceAccount) args.push('--source-account', ask.sourceAccount);
    if (ask.sourceArn) args.push('--source-arn', ask.sourceArn);
  } else {
    args.push('--aws-principal', ask.awsPrincipal);
    if (ask.externalId) args.push('--external-id', ask.externalId);
    for (const [key, value] of Object.entries(ask.tags ?? {})) args.push('--tag', `${key}=${value}`);
  }
  return args;
}

let dir: string;
const fileOf = (name: string) => join(dir, `${name}.json`);

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  dir = await mkdtemp(join(tmpdir(), 'acceptance-trust-'));
  for (const policy of cases) await writeFile(fileOf(policy.name), JSON.stringify(policy.policy, null, 2));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('acceptance: trust policies from public sources', () => {
  it('covers at least 25 policies', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    expect(new Set(cases.map((policy) => policy.name)).size).toBe(cases.length);
  });

  it.each(cases)('trust explain $name ($source)', async (policy) => {
    const { code, stdout } = await runCli(
      'trust',
      'explain',
      '--file',
      fileOf(policy.name),
      '--format',
      'json',
    );
    expect(code).toBe(0);
    const explained = JSON.parse(stdout) as { grants: unknown[]; findings: Array<{ checkId: string }> };
    expect(explained.findings.map((finding) => finding.checkId).sort()).toEqual([...policy.findings].sort());
    expect(explained.grants.length).toBeGreaterThan(0);
  });

  it.each(cases.filter((policy) => policy.asks.length > 0))('trust can-assume $name', async (policy) => {
    for (const ask of policy.asks) {
      const args = askArgs(fileOf(policy.name), ask);
      const { code, stdout, stderr } = await runCli(...args);
      expect(code, stderr).toBe(0);
      const answer = JSON.parse(stdout) as { allowed: boolean | 'unknown'; reason: string };
      expect(answer.allowed, `${args.slice(4).join(' ')} → ${answer.reason}`).toBe(ask.allowed);
      expect(answer.reason.length).toBeGreaterThan(0);
    }
  });
});
