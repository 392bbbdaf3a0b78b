/**
 * Differential test: `canAssume` against @cloud-copilot/iam-simulate, an independent IAM evaluator
 * (AGPL; used here only, never by shipped code). iam-simulate ignores OIDC condition keys, so the
 * copy of each policy it sees has `<issuer>:sub`/`:aud` renamed to principal-tag keys that no
 * generated request otherwise carries, and the IRSA request passes the subject and audience under
 * those keys. Shapes compared: Principal `*`, `{AWS:*}`, account ids/roots, role ARNs, the Pod
 * Identity service, OIDC providers; Allow and Deny; Action lists with wildcards and odd case; the
 * String*, Arn*, Null, IfExists and ForAnyValue/ForAllValues operators on the keys each request kind
 * carries or lacks. Not compared: IRSA requests against account principals (iam-simulate treats an
 * OIDC provider as an identity of its account), NotPrincipal, role-session callers, policy variables, and
 * `ForAnyValue:...IfExists` (IAM documents IfExists as true for a missing key; iam-simulate says false).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canAssume } from '../../shared/trust/index.js';
import type { AssumeRequest } from '../../shared/trust/types.js';
import { ACCOUNT, GREEN_PROVIDER, HOST, PROVIDER } from './support.js';

const OTHER_ACCOUNT = '444455556666';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/prod-ledger-association`;
const OTHER_ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/ci-deploy`;
const TARGET_ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/target`;
const OTHER_HOST = 'oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const CLUSTER_ARN = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-blue`;

/** Condition keys renamed for iam-simulate, which does not evaluate OIDC claim keys. */
const RENAMED: Record<string, string> = {
  [`${HOST}:sub`]: 'aws:PrincipalTag/irsa-sub',
  [`${HOST}:aud`]: 'aws:PrincipalTag/irsa-aud',
  [`${OTHER_HOST}:sub`]: 'aws:PrincipalTag/other-sub',
};

const principal = fc.constantFrom<unknown>(
  '*',
  { AWS: '*' },
  { Service: 'pods.eks.amazonaws.com' },
  { Service: ['ec2.amazonaws.com', 'pods.eks.amazonaws.com'] },
  { Federated: PROVIDER },
  { Federated: GREEN_PROVIDER },
  { AWS: ACCOUNT },
  { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  { AWS: [ROLE, OTHER_ROLE] },
  { AWS: OTHER_ROLE },
  { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
);

const action = fc.constantFrom(
  'sts:AssumeRole',
  'sts:TagSession',
  'sts:AssumeRoleWithWebIdentity',
  'sts:*',
  'sts:Assume*',
  'STS:assumerole',
  '*',
  'sts:AssumeRoleWith?ebIdentity',
);

/** Key → plausible values (exact and wildcard) that generated requests sometimes carry. */
const KEY_VALUES: Record<string, string[]> = {
  [`${HOST}:sub`]: [
    'system:serviceaccount:app:web',
    'system:serviceaccount:app:*',
    'system:serviceaccount:*',
    'system:serviceaccount:kube-system:?ws-node',
  ],
  [`${HOST}:aud`]: ['sts.amazonaws.com', 'vault', 'sts.*'],
  [`${OTHER_HOST}:sub`]: ['system:serviceaccount:app:web'],
  'aws:RequestTag/kubernetes-namespace': ['payments', 'pay*', 'default'],
  'aws:RequestTag/eks-cluster-name': ['prod-blue', 'prod-*'],
  'aws:SourceAccount': [ACCOUNT, OTHER_ACCOUNT],
  'AWS:sourcearn': [CLUSTER_ARN, `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/*`],
  'aws:PrincipalArn': [ROLE, OTHER_ROLE, `arn:aws:iam::${ACCOUNT}:role/*`],
  'aws:PrincipalAccount': [ACCOUNT],
  'sts:ExternalId': [`us-east-1/${ACCOUNT}/prod-blue/payments/ledger-writer`, 'other'],
};
const ARN_KEYS = new Set(['AWS:sourcearn', 'aws:PrincipalArn']);

const condition = fc
  .constantFrom(...Object.keys(KEY_VALUES))
  .chain((key) => {
    const operators = ARN_KEYS.has(key)
      ? ['ArnLike', 'ArnEquals', 'ArnNotLike', 'ArnLikeIfExists', 'StringLike', 'Null']
      : [
          'StringEquals',
          'StringNotEquals',
          'StringLike',
          'StringNotLike',
          'StringEqualsIgnoreCase',
          'StringEqualsIfExists',
          'StringNotLikeIfExists',
          'ForAnyValue:StringLike',
          'ForAllValues:StringEquals',
          'Null',
        ];
    return fc.record({
      key: fc.constant(key),
      operator: fc.constantFrom(...operators),
      values: fc.subarray(KEY_VALUES[key], { minLength: 1 }),
      nullValue: fc.constantFrom('true', 'false'),
    });
  })
  .map(({ key, operator, values, nullValue }) => ({
    key,
    operator,
    values: operator === 'Null' ? [nullValue] : values,
  }));

const tagKeysCondition = fc.record({
  key: fc.constant('aws:TagKeys'),
  operator: fc.constantFrom('ForAllValues:StringLike', 'ForAnyValue:StringEquals'),
  values: fc.subarray(['kubernetes-*', 'eks-cluster-name', 'team', 'eks-*'], { minLength: 1 }),
});

const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
  Principal: principal,
  Action: fc.oneof(action, fc.uniqueArray(action, { minLength: 1, maxLength: 3 })),
  conditions: fc.array(
    fc.oneof({ arbitrary: condition, weight: 5 }, { arbitrary: tagKeysCondition, weight: 1 }),
    {
      maxLength: 3,
    },
  ),
});

type GeneratedStatement = {
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  conditions: Array<{ key: string; operator: string; values: string[] }>;
};

function toPolicy(statements: GeneratedStatement[], rename: boolean): object {
  return {
    Version: '2012-10-17',
    Statement: statements.map(({ conditions, ...rest }, index) => {
      const block: Record<string, Record<string, string[]>> = {};
      for (const c of conditions) {
        const key = rename ? (RENAMED[c.key] ?? c.key) : c.key;
        block[c.operator] ??= {};
        // Repeating a key inside one operator block is not valid JSON policy; keep the first.
        block[c.operator][key] ??= c.values;
      }
      return { Sid: `S${index}`, ...rest, ...(conditions.length > 0 ? { Condition: block } : {}) };
    }),
  };
}

const TAG_SETS: Array<Record<string, string> | null> = [
  null,
  {
    'eks-cluster-name': 'prod-blue',
    'eks-cluster-arn': CLUSTER_ARN,
    'kubernetes-namespace': 'payments',
    'kubernetes-service-account': 'ledger-writer',
  },
  { 'eks-cluster-name': 'staging', 'kubernetes-namespace': 'default', team: 'a' },
];

const request = fc.oneof(
  fc.record({
    kind: fc.constant('irsa' as const),
    providerArn: fc.constantFrom(PROVIDER, GREEN_PROVIDER),
    subject: fc.constantFrom(
      'system:serviceaccount:app:web',
      'system:serviceaccount:kube-system:aws-node',
      'system:serviceaccount:app:*',
    ),
    audience: fc.constantFrom('sts.amazonaws.com', 'vault'),
  }),
  fc.record({
    kind: fc.constant('pod-identity' as const),
    tags: fc.constantFrom(...TAG_SETS),
    sourceAccount: fc.constantFrom(ACCOUNT, OTHER_ACCOUNT),
    sourceArn: fc.constantFrom(CLUSTER_ARN, `arn:aws:eks:us-east-1:${OTHER_ACCOUNT}:cluster/x`),
  }),
  fc.record({
    kind: fc.constant('aws' as const),
    principalArn: fc.constantFrom(ROLE, OTHER_ROLE),
    externalId: fc.constantFrom(undefined, `us-east-1/${ACCOUNT}/prod-blue/payments/ledger-writer`),
    tags: fc.constantFrom(...TAG_SETS),
  }),
);

type GeneratedRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function toAssumeRequest(generated: GeneratedRequest): AssumeRequest {
  if (generated.kind === 'irsa') return generated;
  if (generated.kind === 'pod-identity') {
    const { tags, sourceAccount, sourceArn } = generated;
    return { kind: 'pod-identity', sourceAccount, sourceArn, ...(tags ? { sessionTags: tags } : {}) };
  }
  const { principalArn, externalId, tags } = generated;
  return {
    kind: 'aws',
    principalArn,
    ...(externalId !== undefined ? { externalId } : {}),
    ...(tags ? { sessionTags: tags } : {}),
  };
}

function namesAccount(principal: unknown): boolean {
  const aws =
    typeof principal === 'object' && principal !== null
      ? (principal as { AWS?: string | string[] }).AWS
      : undefined;
  return [aws ?? []].flat().some((entry) => /^\d{12}$/.test(entry) || entry.endsWith(':root'));
}

const ALLOW_ALL_IDENTITY = [
  {
    name: 'caller',
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  },
];

/** What iam-simulate says, over every action the request needs. */
async function simulate(policy: object, generated: GeneratedRequest): Promise<boolean> {
  let callerPrincipal: string;
  let actions: string[];
  const context: Record<string, string | string[]> = {};
  const addTags = (tags: Record<string, string> | null) => {
    if (!tags) return;
    for (const [k, v] of Object.entries(tags)) context[`aws:RequestTag/${k}`] = v;
    context['aws:TagKeys'] = Object.keys(tags);
  };
  if (generated.kind === 'irsa') {
    callerPrincipal = generated.providerArn;
    actions = ['sts:AssumeRoleWithWebIdentity'];
    const host = generated.providerArn.slice(
      generated.providerArn.indexOf('oidc-provider/') + 'oidc-provider/'.length,
    );
    // The renamed keys stand for this host's claims only.
    if (host === HOST) {
      context['aws:PrincipalTag/irsa-sub'] = generated.subject;
      context['aws:PrincipalTag/irsa-aud'] = generated.audience;
    }
  } else if (generated.kind === 'pod-identity') {
    callerPrincipal = 'pods.eks.amazonaws.com';
    actions = generated.tags ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'];
    addTags(generated.tags);
    context['aws:SourceAccount'] = generated.sourceAccount;
    context['aws:SourceArn'] = generated.sourceArn;
  } else {
    callerPrincipal = generated.principalArn;
    actions = generated.tags ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'];
    addTags(generated.tags);
    context['aws:PrincipalArn'] = generated.principalArn;
    context['aws:PrincipalAccount'] = generated.principalArn.split(':')[4];
    if (generated.externalId !== undefined) context['sts:ExternalId'] = generated.externalId;
  }
  for (const simulatedAction of actions) {
    const result = await runSimulation(
      {
        request: {
          principal: callerPrincipal,
          action: simulatedAction,
          // Web identities and services act in the role's own account; IAM callers come cross-account.
          resource:
            generated.kind === 'aws'
              ? { resource: TARGET_ROLE, accountId: OTHER_ACCOUNT }
              : { resource: `arn:aws:iam::${ACCOUNT}:role/target`, accountId: ACCOUNT },
          contextVariables: context,
        },
        identityPolicies: generated.kind === 'aws' ? ALLOW_ALL_IDENTITY : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: policy,
      },
      {},
    );
    if (result.resultType === 'error')
      throw new Error(`iam-simulate rejected the input: ${JSON.stringify(result.errors)}`);
    if (result.overallResult !== 'Allowed') return false;
  }
  return true;
}

describe('canAssume agrees with iam-simulate', () => {
  it('on thousands of generated trust policies and requests', async () => {
    let decided = 0;
    let undecided = 0;
    let allowed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(statement, { minLength: 1, maxLength: 3 }),
        request,
        async (statements, generated) => {
          // iam-simulate places an OIDC provider in its account, so `{AWS: account}` matches it there;
          // in IAM an account principal names IAM identities only. Such pairs are not compared.
          if (generated.kind === 'irsa' && statements.some((s) => namesAccount(s.Principal))) return;
          const ours = canAssume(toPolicy(statements, false), toAssumeRequest(generated));
          if (ours.allowed === 'unknown') {
            undecided++;
            return;
          }
          decided++;
          if (ours.allowed) allowed++;
          const theirs = await simulate(toPolicy(statements, true), generated);
          expect(ours.allowed, ours.reason).toBe(theirs);
        },
      ),
      { numRuns: 3000 },
    );
    // Most generated cases must be decided, or the comparison says little.
    if (process.env.TRUST_PROPERTY_STATS) console.log({ decided, undecided, allowed });
    expect(decided).toBeGreaterThan(undecided * 4);
    // Both outcomes must be well represented, or agreement would be cheap.
    expect(allowed).toBeGreaterThan(decided / 20);
    expect(decided - allowed).toBeGreaterThan(decided / 20);
  });
});
