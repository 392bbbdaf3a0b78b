import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseShell } from 'shell-quote';
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

/**
 * One case per class of trust semantics the hygiene layer once judged with rules of its own, written
 * from the AWS documentation page named in `source`: the findings `trust explain` gives, what it leaves
 * undecided, and IAM's answer for concrete requests. Every witness `trust explain` prints is replayed
 * with its own `trust can-assume` command and must be allowed.
 */
interface ClassCase extends Case {
  /** The class of the issue this case covers (1-11). */
  semantics: number;
  /** `CHECK:SEVERITY` pairs, when the severity matters. */
  severities?: string[];
  /** Check ids `trust explain` must list as undecided (never as findings). */
  undecided?: string[];
}

const POD_IDENTITY_ROLE = 'EKS User Guide, "Create IAM role with trust policy required by EKS Pod Identity"';
const SESSION_TAGS =
  'EKS User Guide, "Grant Pods access to AWS resources based on tags" (session tags, disableSessionTags)';
const CONDITION_OPERATORS = 'IAM User Guide, "IAM JSON policy elements: Condition operators"';
const IRSA_TRUST = 'EKS User Guide, "Assign IAM roles to Kubernetes service accounts"';
const CLUSTER_ARN_OF = (name: string) => `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`;
const denyIrsa = (condition: Record<string, unknown>) => ({
  Effect: 'Deny',
  Principal: { Federated: PROVIDER },
  Action: 'sts:AssumeRoleWithWebIdentity',
  Condition: condition,
});
const denyPodIdentity = (condition: Record<string, unknown>) => ({
  Effect: 'Deny',
  Principal: { Service: 'pods.eks.amazonaws.com' },
  Action: ['sts:AssumeRole', 'sts:TagSession'],
  Condition: condition,
});
const ledger = { namespace: 'payments', serviceAccount: 'ledger' };

const classCases: ClassCase[] = [
  // 1. Each action on its own: sts:AssumeRole and sts:TagSession may come from different statements.
  {
    semantics: 1,
    name: 'tag-session-in-its-own-statement',
    source: `${POD_IDENTITY_ROLE}; IAM User Guide, "Passing session tags in AWS STS" (sts:TagSession is authorized on its own)`,
    policy: doc(
      podIdentity({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'payments' } }, 'sts:AssumeRole'),
      podIdentity(undefined, 'sts:TagSession'),
    ),
    findings: [],
    asks: [
      { podIdentity: ledger, allowed: true },
      { podIdentity: { namespace: 'orders', serviceAccount: 'api' }, allowed: false },
    ],
  },
  {
    semantics: 1,
    name: 'tag-session-without-any-assume-role',
    source: `${POD_IDENTITY_ROLE} (EKS Pod Identity uses AssumeRole, and TagSession to add the session tags)`,
    policy: doc(
      podIdentity({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'payments' } }, 'sts:TagSession'),
    ),
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [{ podIdentity: ledger, allowed: false }],
  },
  {
    semantics: 1,
    name: 'assume-role-unconditioned-tag-session-scoped',
    source: `${POD_IDENTITY_ROLE}; ${SESSION_TAGS}`,
    // Tagged sessions are scoped by the TagSession statement, but an association without session tags
    // needs only sts:AssumeRole, which nothing scopes.
    policy: doc(
      podIdentity(undefined, 'sts:AssumeRole'),
      podIdentity({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'payments' } }, 'sts:TagSession'),
    ),
    findings: ['PI_TRUST_UNSCOPED'],
    asks: [
      { podIdentity: ledger, allowed: true },
      { podIdentity: { namespace: 'orders', serviceAccount: 'api' }, allowed: false },
      { podIdentity: { namespace: 'orders', serviceAccount: 'api' }, sessionTags: false, allowed: true },
    ],
  },
  // 2. Session tags present and absent.
  {
    semantics: 2,
    name: 'null-true-admits-only-untagged-associations',
    source: `${CONDITION_OPERATORS}, "Condition operator to check existence of condition keys" (Null "true": the key is absent); ${SESSION_TAGS}`,
    policy: doc(podIdentity({ Null: { 'aws:RequestTag/kubernetes-namespace': 'true' } }, 'sts:AssumeRole')),
    findings: ['PI_TRUST_UNSCOPED'],
    asks: [
      { podIdentity: ledger, sessionTags: false, allowed: true },
      { podIdentity: ledger, allowed: false },
    ],
  },
  {
    semantics: 2,
    name: 'if-exists-scope-bypassed-without-tags',
    source: `${CONDITION_OPERATORS}, "...IfExists condition operators" (true when the key is absent); ${SESSION_TAGS}`,
    policy: doc(podIdentity({ StringEqualsIfExists: { 'aws:RequestTag/kubernetes-namespace': 'payments' } })),
    findings: ['PI_TRUST_UNSCOPED'],
    asks: [
      { podIdentity: ledger, allowed: true },
      { podIdentity: { namespace: 'orders', serviceAccount: 'api' }, allowed: false },
      { podIdentity: { namespace: 'orders', serviceAccount: 'api' }, sessionTags: false, allowed: true },
    ],
  },
  {
    semantics: 2,
    name: 'plain-scope-holds-without-tags',
    source: `${CONDITION_OPERATORS} (a missing key fails StringEquals); ${SESSION_TAGS}`,
    policy: doc(podIdentity({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'payments' } })),
    findings: [],
    asks: [
      { podIdentity: ledger, allowed: true },
      { podIdentity: ledger, sessionTags: false, allowed: false },
    ],
  },
  // 3. Explicit Deny statements.
  {
    semantics: 3,
    name: 'deny-pins-the-subject',
    source: `IAM User Guide, "Policy evaluation logic" (an explicit deny overrides any allow); ${IRSA_TRUST}`,
    policy: doc(
      irsa({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }),
      denyIrsa({ StringNotEquals: { [`${ISSUER}:sub`]: sa('payments', 'api') } }),
    ),
    findings: [],
    asks: [
      { irsa: sa('payments', 'api'), allowed: true },
      { irsa: sa('payments', 'other'), allowed: false },
    ],
  },
  {
    semantics: 3,
    name: 'deny-pins-the-namespace',
    source: `IAM User Guide, "Policy evaluation logic"; ${CONDITION_OPERATORS} (a negated operator matches a missing key, so the Deny also stops untagged sessions)`,
    policy: doc(
      podIdentity(),
      denyPodIdentity({ StringNotEquals: { 'aws:RequestTag/kubernetes-namespace': 'payments' } }),
    ),
    findings: [],
    asks: [
      { podIdentity: ledger, allowed: true },
      { podIdentity: { namespace: 'orders', serviceAccount: 'api' }, allowed: false },
      { podIdentity: ledger, sessionTags: false, allowed: false },
    ],
  },
  // 4. Case-insensitive operators.
  {
    semantics: 4,
    name: 'string-equals-ignore-case-subject',
    source: `${CONDITION_OPERATORS} (StringEqualsIgnoreCase: exact matching, ignoring case)`,
    policy: doc(
      irsa({
        StringEqualsIgnoreCase: { [`${ISSUER}:sub`]: 'system:serviceaccount:Payments:API' },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
    ),
    findings: [],
    asks: [
      { irsa: sa('payments', 'api'), allowed: true },
      { irsa: sa('payments', 'worker'), allowed: false },
    ],
  },
  {
    semantics: 4,
    name: 'deny-string-not-equals-ignore-case',
    source: `${CONDITION_OPERATORS} (StringNotEqualsIgnoreCase); IAM User Guide, "Policy evaluation logic"`,
    policy: doc(
      irsa({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }),
      denyIrsa({ StringNotEqualsIgnoreCase: { [`${ISSUER}:sub`]: 'SYSTEM:SERVICEACCOUNT:APP:WEB' } }),
    ),
    findings: [],
    asks: [
      { irsa: sa('app', 'web'), allowed: true },
      { irsa: sa('app', 'api'), allowed: false },
    ],
  },
  {
    semantics: 4,
    name: 'ignore-case-session-tags',
    source: `${CONDITION_OPERATORS}; ${SESSION_TAGS}`,
    policy: doc(
      podIdentity({
        StringEqualsIgnoreCase: {
          'aws:RequestTag/kubernetes-namespace': 'PAYMENTS',
          'aws:RequestTag/kubernetes-service-account': 'Ledger',
        },
      }),
    ),
    findings: [],
    asks: [
      { podIdentity: ledger, allowed: true },
      { podIdentity: { namespace: 'payments', serviceAccount: 'api' }, allowed: false },
    ],
  },
  // 5. The :aud claim.
  {
    semantics: 5,
    name: 'audience-string-like-star',
    source: `${IRSA_TRUST}; ${CONDITION_OPERATORS} (StringLike "*" matches any value)`,
    policy: doc(
      irsa({ StringEquals: { [`${ISSUER}:sub`]: sa('app', 'web') }, StringLike: { [`${ISSUER}:aud`]: '*' } }),
    ),
    findings: ['IRSA_NO_AUDIENCE_CONDITION'],
    asks: [
      { irsa: sa('app', 'web'), allowed: true },
      { irsa: sa('app', 'web'), audience: 'vault', allowed: true },
    ],
  },
  {
    semantics: 5,
    name: 'audience-list-with-a-stray-subject',
    source: `IAM User Guide, "IAM JSON policy elements: Condition" (multiple values of one key are evaluated with a logical OR); ${IRSA_TRUST}`,
    policy: doc(
      irsa({
        StringEquals: {
          [`${ISSUER}:sub`]: sa('app', 'web'),
          [`${ISSUER}:aud`]: ['sts.amazonaws.com', sa('app', 'web')],
        },
      }),
    ),
    findings: [],
    asks: [
      { irsa: sa('app', 'web'), allowed: true },
      { irsa: sa('app', 'web'), audience: 'vault', allowed: false },
    ],
  },
  {
    semantics: 5,
    name: 'audience-list-with-another-audience',
    source: `IAM User Guide, "IAM JSON policy elements: Condition" (values of one key are OR-ed); ${IRSA_TRUST}`,
    policy: doc(
      irsa({
        StringEquals: {
          [`${ISSUER}:sub`]: sa('app', 'web'),
          [`${ISSUER}:aud`]: ['sts.amazonaws.com', 'vault'],
        },
      }),
    ),
    findings: ['IRSA_NO_AUDIENCE_CONDITION'],
    asks: [{ irsa: sa('app', 'web'), audience: 'vault', allowed: true }],
  },
  // 6. Set operators on single-valued claims that are always present.
  {
    semantics: 6,
    name: 'for-all-values-on-sub-and-aud',
    source:
      'IAM User Guide, "Set operators for multivalued context keys" (with one request value, ForAllValues and ForAnyValue compare it like the plain operator)',
    policy: doc(
      irsa({
        'ForAllValues:StringEquals': {
          [`${ISSUER}:sub`]: sa('app', 'web'),
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      }),
    ),
    findings: [],
    asks: [
      { irsa: sa('app', 'web'), allowed: true },
      { irsa: sa('app', 'api'), allowed: false },
    ],
  },
  {
    semantics: 6,
    name: 'for-any-value-string-like-on-sub',
    source: 'IAM User Guide, "Set operators for multivalued context keys"',
    policy: doc(
      irsa({
        'ForAnyValue:StringLike': {
          [`${ISSUER}:sub`]: sa('app', '*'),
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      }),
    ),
    findings: ['IRSA_SUBJECT_WILDCARD'],
    severities: ['IRSA_SUBJECT_WILDCARD:MEDIUM'],
    asks: [
      { irsa: sa('app', 'anything'), allowed: true },
      { irsa: sa('other', 'web'), allowed: false },
    ],
  },
  // 7. "Scopes nothing" decided by meaning, not spelling.
  {
    semantics: 7,
    name: 'source-arn-every-cluster',
    source: `${CONDITION_OPERATORS}, "Amazon Resource Name (ARN) condition operators" (each part matched with wildcards); ${POD_IDENTITY_ROLE}`,
    policy: doc(podIdentity({ ArnLike: { 'aws:SourceArn': 'arn:aws:eks:*:*:cluster/*' } })),
    findings: ['PI_TRUST_UNSCOPED'],
    asks: [
      { podIdentity: ledger, sourceAccount: ACCOUNT, sourceArn: CLUSTER_ARN_OF('my-cluster'), allowed: true },
      { podIdentity: ledger, sourceAccount: ACCOUNT, sourceArn: CLUSTER_ARN_OF('other'), allowed: true },
    ],
  },
  {
    semantics: 7,
    name: 'source-arn-string-like-prefix',
    source: `${CONDITION_OPERATORS} (StringLike: * matches any run of characters, ':' included)`,
    policy: doc(podIdentity({ StringLike: { 'aws:SourceArn': 'arn:aws:eks:*' } })),
    findings: ['PI_TRUST_UNSCOPED'],
    asks: [{ podIdentity: ledger, sourceAccount: ACCOUNT, sourceArn: CLUSTER_ARN_OF('any'), allowed: true }],
  },
  {
    semantics: 7,
    name: 'namespace-string-like-star',
    source: `${CONDITION_OPERATORS}; ${SESSION_TAGS}`,
    policy: doc(podIdentity({ StringLike: { 'aws:RequestTag/kubernetes-namespace': '*' } })),
    findings: ['PI_TRUST_UNSCOPED'],
    asks: [{ podIdentity: { namespace: 'anything', serviceAccount: 'any' }, allowed: true }],
  },
  {
    semantics: 7,
    name: 'namespace-string-equals-literal-star',
    source: `${CONDITION_OPERATORS} (StringEquals does not expand wildcards)`,
    policy: doc(podIdentity({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': '*' } })),
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [{ podIdentity: ledger, allowed: false }],
  },
  {
    semantics: 7,
    name: 'source-arn-one-account-clusters',
    source: `${CONDITION_OPERATORS}, ARN operators; ${POD_IDENTITY_ROLE}`,
    policy: doc(
      podIdentity({ ArnLike: { 'aws:SourceArn': `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-*` } }),
    ),
    findings: [],
    asks: [
      { podIdentity: ledger, sourceAccount: ACCOUNT, sourceArn: CLUSTER_ARN_OF('prod-blue'), allowed: true },
      { podIdentity: ledger, sourceAccount: ACCOUNT, sourceArn: CLUSTER_ARN_OF('dev'), allowed: false },
    ],
  },
  // 8. Values that can never occur.
  {
    semantics: 8,
    name: 'upper-case-namespace-pattern',
    source: `${CONDITION_OPERATORS} (StringLike is case-sensitive); Kubernetes namespace names are lowercase DNS labels`,
    policy: doc(podIdentity({ StringLike: { 'aws:RequestTag/kubernetes-namespace': 'Payments-*' } })),
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [{ podIdentity: { namespace: 'payments-eu', serviceAccount: 'ledger' }, allowed: false }],
  },
  {
    semantics: 8,
    name: 'cluster-arn-under-cluster-name-tag',
    source: `${SESSION_TAGS} (eks-cluster-name holds the name, eks-cluster-arn the ARN); EKS API Reference, CreateCluster (name: letters, digits, - and _)`,
    policy: doc(
      podIdentity({ StringEquals: { 'aws:RequestTag/eks-cluster-name': CLUSTER_ARN_OF('my-cluster') } }),
    ),
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [{ podIdentity: ledger, allowed: false }],
  },
  {
    semantics: 8,
    name: 'upper-case-namespace-in-subject-pattern',
    source: `${IRSA_TRUST}; ${CONDITION_OPERATORS} (StringLike is case-sensitive)`,
    policy: doc(
      irsa({
        StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:Payments:*' },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
    ),
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [{ irsa: sa('payments', 'api'), allowed: false }],
  },
  // 9. Several operator blocks on one key intersect, whatever their order.
  {
    semantics: 9,
    name: 'like-then-not-equals-on-sub',
    source:
      'IAM User Guide, "IAM JSON policy elements: Condition" (multiple condition operators are evaluated with a logical AND)',
    policy: doc(
      irsa({
        StringLike: { [`${ISSUER}:sub`]: sa('payments', '*') },
        StringNotEquals: { [`${ISSUER}:sub`]: sa('payments', 'admin') },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
    ),
    findings: ['IRSA_SUBJECT_WILDCARD'],
    severities: ['IRSA_SUBJECT_WILDCARD:MEDIUM'],
    asks: [
      { irsa: sa('payments', 'api'), allowed: true },
      { irsa: sa('payments', 'admin'), allowed: false },
    ],
  },
  {
    semantics: 9,
    name: 'not-equals-then-like-on-sub',
    source: 'IAM User Guide, "IAM JSON policy elements: Condition" (logical AND across operators)',
    policy: doc(
      irsa({
        StringNotEquals: { [`${ISSUER}:sub`]: sa('payments', 'admin') },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
        StringLike: { [`${ISSUER}:sub`]: sa('payments', '*') },
      }),
    ),
    findings: ['IRSA_SUBJECT_WILDCARD'],
    severities: ['IRSA_SUBJECT_WILDCARD:MEDIUM'],
    asks: [{ irsa: sa('payments', 'admin'), allowed: false }],
  },
  {
    semantics: 9,
    name: 'blocks-on-sub-exclude-each-other',
    source: 'IAM User Guide, "IAM JSON policy elements: Condition" (logical AND across operators)',
    policy: doc(
      irsa({
        StringLike: { [`${ISSUER}:sub`]: sa('orders', '*') },
        StringEquals: { [`${ISSUER}:sub`]: sa('payments', 'api'), [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
    ),
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [
      { irsa: sa('payments', 'api'), allowed: false },
      { irsa: sa('orders', 'api'), allowed: false },
    ],
  },
  // 10. Policy variables.
  {
    semantics: 10,
    name: 'variable-of-a-key-web-identities-lack',
    source:
      'IAM User Guide, "IAM policy elements: Variables and tags" (a variable whose key is not in the request has no value and matches nothing)',
    policy: doc(
      irsa({
        StringLike: { [`${ISSUER}:sub`]: `system:serviceaccount:\${aws:PrincipalTag/team}:*` },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
    ),
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [{ irsa: sa('payments', 'api'), allowed: false }],
  },
  {
    semantics: 10,
    name: 'variable-default-value',
    source: 'IAM User Guide, "IAM policy elements: Variables and tags", "Specifying default values"',
    policy: doc(
      irsa({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }),
      denyIrsa({
        StringNotLike: { [`${ISSUER}:sub`]: `system:serviceaccount:\${aws:PrincipalTag/team, 'payments'}:*` },
      }),
    ),
    findings: ['IRSA_SUBJECT_WILDCARD'],
    severities: ['IRSA_SUBJECT_WILDCARD:MEDIUM'],
    asks: [
      { irsa: sa('payments', 'api'), allowed: true },
      { irsa: sa('orders', 'api'), allowed: false },
    ],
  },
  {
    semantics: 10,
    name: 'variable-literal-under-version-2008',
    source: `IAM User Guide, "IAM JSON policy elements: Version" (under 2008-10-17 \${aws:username} is a literal string)`,
    policy: {
      Version: '2008-10-17',
      Statement: [
        podIdentity({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': `\${aws:PrincipalTag/ns}` } }),
      ],
    },
    findings: ['TRUST_UNSATISFIABLE'],
    asks: [{ podIdentity: ledger, allowed: false }],
  },
  {
    semantics: 10,
    name: 'variable-of-another-session-tag',
    source: 'IAM User Guide, "IAM policy elements: Variables and tags" (the value comes from the request)',
    // The allowed service accounts depend on each request's namespace: no static claim, an exact answer per request.
    policy: doc(
      podIdentity({
        StringEquals: {
          'aws:RequestTag/kubernetes-service-account': `\${aws:RequestTag/kubernetes-namespace}`,
        },
      }),
    ),
    findings: [],
    undecided: ['PI_TRUST_UNSCOPED'],
    asks: [
      { podIdentity: { namespace: 'ledger', serviceAccount: 'ledger' }, allowed: true },
      { podIdentity: { namespace: 'payments', serviceAccount: 'ledger' }, allowed: false },
    ],
  },
  // Undecidable statically: unknown with the reason, never a finding.
  {
    semantics: 0,
    name: 'date-condition-on-current-time',
    source: `${CONDITION_OPERATORS}, "Date condition operators" (aws:CurrentTime varies by request)`,
    policy: doc(
      irsa({
        StringEquals: { [`${ISSUER}:sub`]: sa('app', 'web') },
        DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
      }),
    ),
    findings: [],
    undecided: ['IRSA_NO_AUDIENCE_CONDITION'],
    asks: [{ irsa: sa('app', 'web'), allowed: 'unknown' }],
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
  for (const policy of [...cases, ...classCases])
    await writeFile(fileOf(policy.name), JSON.stringify(policy.policy, null, 2));
  await writeFile(fileOf('not-principal'), JSON.stringify(NOT_PRINCIPAL, null, 2));
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

/** An Allow with NotPrincipal: IAM rejects it in a role trust policy (class 11). */
const NOT_PRINCIPAL = doc({
  Effect: 'Allow',
  NotPrincipal: { Federated: GREEN_PROVIDER },
  Action: 'sts:AssumeRoleWithWebIdentity',
});

interface ExplainedFinding {
  checkId: string;
  severity: string;
  canAssume?: string;
  unsatisfiable?: string;
  reasons?: Array<{ why: string }>;
}

/** Runs a `trust can-assume` command line as `trust explain` printed it. */
async function replay(command: string): Promise<{ allowed: unknown; reason: string }> {
  const words = parseShell(command).map(String);
  expect(words.slice(0, 3)).toEqual(['eks-identity-audit', 'trust', 'can-assume']);
  const { code, stdout, stderr } = await runCli(...words.slice(1));
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as { allowed: unknown; reason: string };
}

describe('acceptance: each class of trust semantics, from the AWS documentation', () => {
  it('covers every class', () => {
    expect(new Set(classCases.map((c) => c.semantics))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(new Set([...cases, ...classCases].map((c) => c.name)).size).toBe(cases.length + classCases.length);
  });

  it.each(classCases)('class $semantics: trust explain $name ($source)', async (policy) => {
    const { code, stdout, stderr } = await runCli(
      'trust',
      'explain',
      '--file',
      fileOf(policy.name),
      '--format',
      'json',
    );
    expect(code, stderr).toBe(0);
    const explained = JSON.parse(stdout) as {
      findings: ExplainedFinding[];
      undecided: Array<{ checkId: string; reason: string }>;
    };
    expect(explained.findings.map((finding) => finding.checkId).sort()).toEqual([...policy.findings].sort());
    if (policy.severities)
      expect(explained.findings.map((finding) => `${finding.checkId}:${finding.severity}`)).toEqual(
        policy.severities,
      );
    for (const checkId of policy.undecided ?? [])
      expect(explained.undecided.map((open) => open.checkId)).toContain(checkId);
    for (const open of explained.undecided) expect(open.reason.length).toBeGreaterThan(0);
    for (const finding of explained.findings) {
      if (finding.checkId === 'TRUST_UNSATISFIABLE') {
        expect(finding.unsatisfiable?.length).toBeGreaterThan(0);
        expect(finding.reasons?.every((reason) => reason.why.length > 0)).toBe(true);
        continue;
      }
      // Every admission comes with its witness, and trust can-assume allows it.
      expect(finding.canAssume).toBeDefined();
      const decision = await replay(finding.canAssume as string);
      expect(decision.allowed, `${finding.canAssume} → ${decision.reason}`).toBe(true);
    }
  });

  it.each(classCases)('class $semantics: trust can-assume $name', async (policy) => {
    for (const ask of policy.asks) {
      const args = askArgs(fileOf(policy.name), ask);
      const { code, stdout, stderr } = await runCli(...args);
      expect(code, stderr).toBe(0);
      const answer = JSON.parse(stdout) as { allowed: boolean | 'unknown'; reason: string };
      expect(answer.allowed, `${args.slice(4).join(' ')} → ${answer.reason}`).toBe(ask.allowed);
    }
  });

  it('class 11: rejects NotPrincipal in a trust policy with a located error, from both commands', async () => {
    // IAM User Guide, "AWS JSON policy elements: NotPrincipal": "You cannot use the NotPrincipal element
    // in an IAM identity-based policy nor in an IAM role trust policy."
    const explained = await runCli('trust', 'explain', '--file', fileOf('not-principal'));
    expect(explained.code).toBe(1);
    expect(explained.stderr).toContain('Statement[0].NotPrincipal');
    const decided = await runCli(
      ...askArgs(fileOf('not-principal'), { irsa: sa('app', 'web'), allowed: false }),
    );
    expect(decided.code).toBe(1);
    expect(decided.stderr).toContain('Statement[0].NotPrincipal');
  });
});
