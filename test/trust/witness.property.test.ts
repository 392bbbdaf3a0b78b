/**
 * Properties of the symbolic analysis against the evaluator, on generated trust policies: whatever
 * `analyzeTrust` claims, `canAssume` confirms on concrete requests.
 *
 * - Every witness (and second witness) of a finding is allowed by `canAssume`.
 * - A `TRUST_UNSATISFIABLE` statement (and every grant marked unsatisfiable) is never among the
 *   statements allowing a generated request that EKS could send.
 * - `IRSA_NO_SUBJECT_CONDITION` holds for every generated subject with the finding's audience, and
 *   `PI_TRUST_UNSCOPED` for every generated association of the witness's account and tag mode.
 * - Where the analysis decided there is no `IRSA_NO_AUDIENCE_CONDITION` or `IRSA_SUBJECT_WILDCARD`
 *   (no finding, nothing undecided), no generated request with another audience, or with a subject
 *   the policy does not spell out, is allowed through that statement.
 *
 * Requests are drawn from what EKS can send (service-account subjects of lowercase DNS names,
 * audiences that are not subjects, the six session tags with a cluster ARN of the source account),
 * from values near the policy's own, so that both outcomes are frequent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeTrust, canAssume } from '../../shared/trust/index.js';
import type {
  AssumeRequest,
  IrsaAssumeRequest,
  PodIdentityAssumeRequest,
  TrustAnalysis,
} from '../../shared/trust/types.js';
import { ACCOUNT, GREEN_PROVIDER, HOST, PROVIDER } from './support.js';

const OTHER_ACCOUNT = '444455556666';
const NAMESPACES = ['payments', 'orders', 'kube-system', 'team-a', 'team-b'];
const NAMES = ['api', 'ledger', 'web', 'admin', 'api-1'];
const CLUSTERS = ['prod-blue', 'prod-green', 'dev'];
const AUDIENCES = ['sts.amazonaws.com', 'vault', 'STS.amazonaws.com', 'example.com'];

const subjectPatterns = [
  'system:serviceaccount:payments:api',
  'system:serviceaccount:payments:*',
  'system:serviceaccount:team-*',
  'system:serviceaccount:*:web',
  'system:serviceaccount:*',
  'system:serviceaccount:Payments:API',
  'system:serviceaccount:orders:ap?',
  '*',
  `system:serviceaccount:\${aws:PrincipalTag/team}:*`,
  `system:serviceaccount:\${aws:PrincipalTag/team, 'payments'}:*`,
  `system:serviceaccount:\${*}`,
];

/** Key → operators and values a generated condition may use. */
const KEYS: Record<string, { operators: string[]; values: string[] }> = {
  [`${HOST}:sub`]: {
    operators: [
      'StringEquals',
      'StringNotEquals',
      'StringLike',
      'StringNotLike',
      'StringEqualsIgnoreCase',
      'StringNotEqualsIgnoreCase',
      'StringEqualsIfExists',
      'StringLikeIfExists',
      'ForAnyValue:StringLike',
      'ForAllValues:StringEquals',
      'Null',
    ],
    values: subjectPatterns,
  },
  [`${HOST}:aud`]: {
    operators: [
      'StringEquals',
      'StringLike',
      'StringNotEquals',
      'StringEqualsIgnoreCase',
      'ForAllValues:StringEquals',
    ],
    values: ['sts.amazonaws.com', '*', 'vault', 'system:serviceaccount:payments:api', 'STS.AMAZONAWS.COM'],
  },
  'aws:RequestTag/kubernetes-namespace': {
    operators: [
      'StringEquals',
      'StringNotEquals',
      'StringLike',
      'StringEqualsIfExists',
      'StringNotEqualsIfExists',
      'StringEqualsIgnoreCase',
      'ForAnyValue:StringEquals',
      'Null',
    ],
    values: ['payments', 'team-*', '*', 'Payments', 'orders', `\${aws:PrincipalTag/ns}`],
  },
  'aws:RequestTag/kubernetes-service-account': {
    operators: ['StringEquals', 'StringLike', 'StringNotLike', 'StringLikeIfExists'],
    values: ['api', 'api*', 'ledger', '*', `\${aws:RequestTag/kubernetes-namespace}`],
  },
  'aws:RequestTag/eks-cluster-name': {
    operators: ['StringEquals', 'StringLike', 'StringEqualsIfExists', 'Null'],
    values: ['prod-blue', 'prod-*', `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-blue`],
  },
  'aws:RequestTag/kubernetes-pod-name': {
    operators: ['StringLike', 'StringNotLike'],
    values: ['api-*', '*'],
  },
  'aws:SourceAccount': { operators: ['StringEquals', 'StringNotEquals'], values: [ACCOUNT, OTHER_ACCOUNT] },
  'aws:SourceArn': {
    operators: ['ArnLike', 'ArnEquals', 'ArnNotLike', 'StringLike'],
    values: [
      `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-blue`,
      `arn:aws:eks:*:${ACCOUNT}:cluster/prod-*`,
      'arn:aws:eks:*:*:cluster/*',
      'arn:aws:eks:*',
    ],
  },
};

const condition = fc.constantFrom(...Object.keys(KEYS)).chain((key) =>
  fc.record({
    key: fc.constant(key),
    operator: fc.constantFrom(...KEYS[key].operators),
    values: fc.subarray(KEYS[key].values, { minLength: 1, maxLength: 2 }),
    nullValue: fc.constantFrom('true', 'false'),
  }),
);

const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'),
  Principal: fc.constantFrom<unknown>(
    { Federated: PROVIDER },
    { Federated: PROVIDER },
    { Service: 'pods.eks.amazonaws.com' },
    { Service: 'pods.eks.amazonaws.com' },
    { Federated: GREEN_PROVIDER },
    '*',
  ),
  Action: fc.constantFrom<unknown>(
    'sts:AssumeRoleWithWebIdentity',
    ['sts:AssumeRole', 'sts:TagSession'],
    'sts:AssumeRole',
    'sts:TagSession',
    'sts:*',
  ),
  conditions: fc.array(condition, { maxLength: 3 }),
});

type GeneratedStatement = {
  Effect: string;
  Principal: unknown;
  Action: unknown;
  conditions: Array<{ key: string; operator: string; values: string[]; nullValue: string }>;
};

function toPolicy(statements: GeneratedStatement[], version: string): object {
  return {
    Version: version,
    Statement: statements.map(({ conditions, ...rest }, index) => {
      const block: Record<string, Record<string, string[]>> = {};
      for (const c of conditions) {
        block[c.operator] ??= {};
        block[c.operator][c.key] ??= c.operator === 'Null' ? [c.nullValue] : c.values;
      }
      return { Sid: `S${index}`, ...rest, ...(conditions.length > 0 ? { Condition: block } : {}) };
    }),
  };
}

const policyArbitrary = fc.record({
  statements: fc.array(statement, { minLength: 1, maxLength: 4 }),
  version: fc.constantFrom('2012-10-17', '2012-10-17', '2008-10-17'),
});

/** Web-identity statements only, conditioned on the claims: the shapes the IRSA questions are about. */
const irsaCondition = fc.constantFrom(`${HOST}:sub`, `${HOST}:aud`).chain((key) =>
  fc.record({
    key: fc.constant(key),
    operator: fc.constantFrom(...KEYS[key].operators),
    values: fc.subarray(KEYS[key].values, { minLength: 1, maxLength: 2 }),
    nullValue: fc.constantFrom('true', 'false'),
  }),
);
const irsaPolicyArbitrary = fc.record({
  statements: fc.array(
    fc.record({
      Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
      Principal: fc.constant<unknown>({ Federated: PROVIDER }),
      Action: fc.constant<unknown>('sts:AssumeRoleWithWebIdentity'),
      conditions: fc.array(irsaCondition, { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  version: fc.constantFrom('2012-10-17', '2012-10-17', '2008-10-17'),
});

/** IRSA and Pod Identity requests EKS can send, near the generated values. */
function requests(): AssumeRequest[] {
  const result: AssumeRequest[] = [];
  for (const namespace of NAMESPACES)
    for (const name of NAMES)
      for (const audience of AUDIENCES)
        result.push({
          kind: 'irsa',
          providerArn: PROVIDER,
          subject: `system:serviceaccount:${namespace}:${name}`,
          audience,
        });
  for (const cluster of CLUSTERS)
    for (const account of [ACCOUNT, OTHER_ACCOUNT])
      for (const namespace of NAMESPACES.slice(0, 3))
        for (const name of NAMES.slice(0, 3)) {
          const arn = `arn:aws:eks:us-east-1:${account}:cluster/${cluster}`;
          const base = { kind: 'pod-identity' as const, sourceAccount: account, sourceArn: arn };
          result.push({
            ...base,
            sessionTags: podTags(arn, cluster, namespace, name),
          });
          if (namespace === 'payments' && name === 'api') result.push(base);
        }
  return result;
}

function podTags(arn: string, cluster: string, namespace: string, serviceAccount: string, pod = 'api-7d9f8') {
  return {
    'eks-cluster-arn': arn,
    'eks-cluster-name': cluster,
    'kubernetes-namespace': namespace,
    'kubernetes-service-account': serviceAccount,
    'kubernetes-pod-name': pod,
    'kubernetes-pod-uid': '0b6f3a52-1c7e-4d7a-9c55-0f6a2b1d9e11',
  };
}

const REQUESTS = requests();

/** Runs `check` on every generated policy. */
function forEveryPolicy(
  check: (policy: object, analysis: TrustAnalysis) => void,
  numRuns: number,
  arbitrary: typeof policyArbitrary = policyArbitrary,
) {
  let analyzed = 0;
  fc.assert(
    fc.property(arbitrary, ({ statements, version }) => {
      const policy = toPolicy(statements, version);
      const analysis = analyzeTrust(policy);
      analyzed++;
      check(policy, analysis);
    }),
    { numRuns },
  );
  return analyzed;
}

describe('the trust analysis never contradicts the evaluator', () => {
  it('confirms every witness with canAssume', () => {
    let witnesses = 0;
    forEveryPolicy((policy, analysis) => {
      for (const finding of analysis.findings) {
        for (const witness of [finding.witness, finding.otherWitness]) {
          if (!witness) continue;
          witnesses++;
          const decision = canAssume(policy, witness);
          expect(decision.allowed, `${finding.fact} ${JSON.stringify(witness)}: ${decision.reason}`).toBe(
            true,
          );
          expect(decision.allowingStatements).toContain(finding.statementIndex);
        }
        if (finding.fact !== 'unsatisfiable') expect(finding.witness).toBeDefined();
      }
    }, 600);
    expect(witnesses).toBeGreaterThan(100);
  });

  it('never lets an unsatisfiable statement take part in allowing a request', () => {
    let unsatisfiable = 0;
    forEveryPolicy((policy, analysis) => {
      const never = new Set(
        analysis.grants
          .filter((grant) => grant.kind !== 'service' && grant.kind !== 'aws' && grant.unsatisfiable)
          .map((grant) => grant.statementIndex),
      );
      for (const finding of analysis.findings)
        if (finding.fact === 'unsatisfiable') never.add(finding.statementIndex);
      if (never.size === 0) return;
      unsatisfiable++;
      for (const request of REQUESTS) {
        const decision = canAssume(policy, request);
        if (decision.allowed !== true) continue;
        for (const index of never)
          expect(
            decision.allowingStatements,
            `Statement[${index}] allowed ${JSON.stringify(request)}`,
          ).not.toContain(index);
      }
    }, 300);
    expect(unsatisfiable).toBeGreaterThan(20);
  });

  it('holds its universal claims on every generated subject and association', () => {
    let universal = 0;
    forEveryPolicy((policy, analysis) => {
      for (const finding of analysis.findings) {
        if (finding.fact === 'any-subject') {
          universal++;
          const { audience, providerArn } = finding.witness as IrsaAssumeRequest;
          for (const request of REQUESTS) {
            if (request.kind !== 'irsa') continue;
            const decision = canAssume(policy, { ...request, providerArn, audience });
            expect(decision.allowed, `${request.subject}: ${decision.reason}`).toBe(true);
          }
        }
        if (finding.fact === 'any-association') {
          universal++;
          const witness = finding.witness as PodIdentityAssumeRequest;
          const account = witness.sourceAccount as string;
          const pod = witness.sessionTags?.['kubernetes-pod-name'];
          for (const cluster of CLUSTERS)
            for (const namespace of NAMESPACES)
              for (const name of NAMES) {
                const arn = `arn:aws:eks:eu-west-1:${account}:cluster/${cluster}`;
                const request: PodIdentityAssumeRequest = {
                  kind: 'pod-identity',
                  sourceAccount: account,
                  sourceArn: arn,
                };
                if (witness.sessionTags) {
                  request.sessionTags = podTags(arn, cluster, namespace, name, pod);
                  request.sessionTags['kubernetes-pod-uid'] = witness.sessionTags['kubernetes-pod-uid'];
                }
                const decision = canAssume(policy, request);
                expect(decision.allowed, `${JSON.stringify(request)}: ${decision.reason}`).toBe(true);
              }
        }
      }
    }, 600);
    expect(universal).toBeGreaterThan(50);
  });

  it('admits no other audience and no unnamed subject where it decided there is none', () => {
    let decided = 0;
    forEveryPolicy(
      (policy, analysis) => {
        for (const grant of analysis.grants) {
          if (grant.kind !== 'irsa' || grant.providerArn !== PROVIDER || grant.unsatisfiable) continue;
          const about = (fact: string) =>
            analysis.findings.some((f) => f.fact === fact && f.statementIndex === grant.statementIndex) ||
            analysis.undecided.some((u) => u.fact === fact && u.statementIndex === grant.statementIndex);
          const noAudience = !about('any-audience');
          const noUnnamed = !about('unnamed-subjects') && !about('any-subject');
          if (!noAudience && !noUnnamed) continue;
          decided++;
          const named = namedSubjects(policy);
          for (const request of REQUESTS) {
            if (request.kind !== 'irsa') continue;
            const otherAudience = request.audience !== 'sts.amazonaws.com';
            const unnamed = !named.has(request.subject);
            if (!((noAudience && otherAudience) || (noUnnamed && unnamed))) continue;
            const decision = canAssume(policy, request);
            if (decision.allowed !== true) continue;
            expect(
              decision.allowingStatements,
              `Statement[${grant.statementIndex}] allowed ${JSON.stringify(request)} without a finding`,
            ).not.toContain(grant.statementIndex);
          }
        }
      },
      800,
      irsaPolicyArbitrary,
    );
    // Most generated statements leave some audience or subject open: a few dozen decided ones remain.
    expect(decided).toBeGreaterThan(40);
  });
});

/**
 * The subjects a generated policy spells out without wildcards, as the analysis resolves them: the
 * literal values, lower-cased too (IgnoreCase), and the `${...}` defaults and specials expanded.
 */
function namedSubjects(policy: object): Set<string> {
  const named = new Set<string>();
  const version = (policy as { Version: string }).Version;
  for (const statement of (
    policy as { Statement: Array<{ Condition?: Record<string, Record<string, string[]>> }> }
  ).Statement)
    for (const block of Object.values(statement.Condition ?? {}))
      for (const [key, values] of Object.entries(block)) {
        if (key !== `${HOST}:sub`) continue;
        for (const value of values) {
          const text =
            version === '2012-10-17'
              ? value
                  .replace(/\$\{aws:PrincipalTag\/team, 'payments'\}/g, 'payments')
                  .replace(/\$\{\*\}/g, '*')
              : value;
          named.add(text);
          named.add(text.toLowerCase());
        }
      }
  return named;
}
