import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../shared/errors.js';
import { analyzeTrust, canAssume, identityPolicyAllows, matchIamPattern } from '../../shared/trust/index.js';
import type { AssumeRequest } from '../../shared/trust/types.js';
import { pathsOf, replaceAt } from './fuzz-support.js';

const HOST = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${HOST}`;
const RUN = { numRuns: 1500, interruptAfterTimeLimit: 20_000 } as const;

const REQUESTS: AssumeRequest[] = [
  {
    kind: 'irsa',
    providerArn: PROVIDER,
    subject: 'system:serviceaccount:kube-system:aws-load-balancer-controller',
  },
  {
    kind: 'pod-identity',
    sessionTags: { 'kubernetes-namespace': 'default', 'kubernetes-service-account': 'app' },
    sourceAccount: '111122223333',
  },
  { kind: 'aws', principalArn: 'arn:aws:iam::444455556666:role/caller', externalId: 'x' },
];

/**
 * What the field of a policy error looks like: the document, a top-level element, or a statement
 * path such as `Statement[2].Condition.StringLike.<key>`.
 */
const LOCATED =
  /^(policy document: |policy \d+: |Version: |Statement(\[\d+\])?[.:[ ]|[^\n]*: unknown policy element)/;

/**
 * Runs the analyzer and the evaluator on a document: results are fine, an InputError must name the
 * field; anything else (TypeError, RangeError) is a crash and fails the property with its stack.
 */
function expectResultOrLocatedError(document: unknown): void {
  const attempts: Array<() => unknown> = [
    () => analyzeTrust(document),
    ...REQUESTS.map((request) => () => canAssume(document, request)),
    () => identityPolicyAllows([document], 'eks-auth:AssumeRoleForPodIdentity'),
  ];
  for (const attempt of attempts) {
    try {
      attempt();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      expect(error.message).toMatch(LOCATED);
    }
  }
}

const FIXTURE_DIR = new URL('../fixtures/trust/', import.meta.url);
const FIXTURES: unknown[] = readdirSync(FIXTURE_DIR)
  .filter((name) => name.endsWith('.json'))
  .map((name) => JSON.parse(readFileSync(new URL(name, FIXTURE_DIR), 'utf8')));

const OPERATORS = [
  'StringEquals',
  'StringLike',
  'StringNotEquals',
  'StringNotLike',
  'StringEqualsIgnoreCase',
  'ForAnyValue:StringLike',
  'ForAllValues:StringEquals',
  'StringEqualsIfExists',
  'ArnLike',
  'ArnEquals',
  'ArnNotLike',
  'Bool',
  'Null',
  'NumericLessThan',
  'DateGreaterThan',
  'IpAddress',
  'ForAnyValue:Null',
  'StringLikeIfExistsIfExists',
  'Bogus',
];
const KEYS = [
  `${HOST}:sub`,
  `${HOST}:aud`,
  `${HOST}:amr`,
  'aws:RequestTag/kubernetes-namespace',
  'aws:RequestTag/eks-cluster-arn',
  'aws:TagKeys',
  'aws:SourceAccount',
  'aws:SourceArn',
  'aws:PrincipalArn',
  'aws:PrincipalOrgID',
  'sts:ExternalId',
  'aws:SecureTransport',
  '',
];
const scalar = fc.oneof(
  fc.constantFrom(
    'system:serviceaccount:*',
    'system:serviceaccount:kube-system:aws-load-balancer-controller',
    'sts.amazonaws.com',
    'default',
    '111122223333',
    'arn:aws:eks:*:111122223333:cluster/*',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
    '${aws:PrincipalTag/team}',
    '*',
    '?',
    'true',
    '',
  ),
  fc.string(),
  fc.integer(),
  fc.boolean(),
);
const json = fc.jsonValue({ maxDepth: 2 });
const valueList = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), json);
const condition = fc.dictionary(
  fc.oneof(fc.constantFrom(...OPERATORS), fc.string()),
  fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), valueList, { maxKeys: 3 }), json),
  { maxKeys: 3 },
);
const principal = fc.oneof(
  fc.constantFrom(
    '*',
    { Federated: PROVIDER },
    { Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
    { Service: 'pods.eks.amazonaws.com' },
    { Service: ['pods.eks.amazonaws.com', 'ec2.amazonaws.com'] },
    { AWS: 'arn:aws:iam::444455556666:root' },
    { AWS: ['444455556666', '*'] },
    { CanonicalUser: 'abc' },
    {},
  ),
  json,
);
const action = fc.oneof(
  fc.constantFrom(
    'sts:AssumeRoleWithWebIdentity',
    ['sts:AssumeRole', 'sts:TagSession'],
    'sts:*',
    '*',
    'sts:Assume?ole',
    [],
  ),
  valueList,
);
const statement = fc.record(
  {
    Sid: fc.oneof(fc.string(), json),
    Effect: fc.oneof(fc.constantFrom('Allow', 'Deny', 'allow'), json),
    Principal: principal,
    NotPrincipal: principal,
    Action: action,
    NotAction: action,
    Resource: valueList,
    Condition: fc.oneof(condition, json),
  },
  { requiredKeys: [] },
);
const policy = fc.record(
  {
    Version: fc.oneof(fc.constantFrom('2012-10-17', '2008-10-17'), json),
    Id: fc.string(),
    Statement: fc.oneof(fc.array(statement, { maxLength: 4 }), statement, json),
  },
  { requiredKeys: [] },
);

describe('trust analyzer fuzzing: every policy gives an analysis or an error naming the field', () => {
  it('survives random policies built from IAM elements, operators, keys and wrong types', () => {
    fc.assert(fc.property(policy, expectResultOrLocatedError), RUN);
  });

  it('survives random values at any path of real trust policies (the test fixtures)', () => {
    const edit = fc
      .constantFrom(...FIXTURES)
      .chain((fixture) => fc.tuple(fc.constant(fixture), fc.constantFrom(...pathsOf(fixture)), json));
    fc.assert(
      fc.property(edit, ([fixture, path, value]) =>
        expectResultOrLocatedError(replaceAt(fixture, path, value)),
      ),
      RUN,
    );
  });

  it('survives policies as text: JSON, URL-encoded JSON, truncated, and random strings', () => {
    const text = fc.oneof(
      policy.map((document) => JSON.stringify(document)),
      policy.map((document) => encodeURIComponent(JSON.stringify(document))),
      fc
        .tuple(fc.constantFrom(...FIXTURES), fc.nat(2000))
        .map(([fixture, at]) => JSON.stringify(fixture).slice(0, at)),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('%', '%E0%A4%A', '[]', 'null', '"x"', '{', '['.repeat(100_000)),
    );
    fc.assert(fc.property(text, expectResultOrLocatedError), RUN);
  });
});

/** An IRSA trust statement for one service account. */
function irsaStatement(namespace: string, serviceAccount: string) {
  return {
    Effect: 'Allow',
    Principal: { Federated: PROVIDER },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${HOST}:aud`]: 'sts.amazonaws.com',
        [`${HOST}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
      },
    },
  };
}

describe('oversized trust policies: the analyzer stays polynomial and correct', () => {
  it('handles a trust policy of about 8,000 characters (20 clusters, past the default 2,048 quota)', () => {
    // Prepare
    const statements = Array.from({ length: 20 }, (_, index) => irsaStatement(`team-${index}`, 'app'));
    const document = { Version: '2012-10-17', Statement: statements };
    expect(JSON.stringify(document).length).toBeGreaterThan(7_000);
    // Act
    const analysis = analyzeTrust(document);
    const decision = canAssume(document, {
      kind: 'irsa',
      providerArn: PROVIDER,
      subject: 'system:serviceaccount:team-19:app',
    });
    // Assess
    expect(analysis.grants).toHaveLength(20);
    expect(decision.allowed).toBe(true);
    expect(decision.allowingStatements).toEqual([19]);
  });

  it('handles 5,000 statements (far past any IAM quota) and finds the one that allows', () => {
    // Prepare
    const statements = Array.from({ length: 5_000 }, (_, index) => irsaStatement(`ns-${index}`, 'app'));
    statements.push({ ...irsaStatement('ns-4999', 'app'), Effect: 'Deny' });
    const document = { Version: '2012-10-17', Statement: statements };
    // Act
    const analysis = analyzeTrust(document);
    const allowed = canAssume(document, {
      kind: 'irsa',
      providerArn: PROVIDER,
      subject: 'system:serviceaccount:ns-2500:app',
    });
    const denied = canAssume(document, {
      kind: 'irsa',
      providerArn: PROVIDER,
      subject: 'system:serviceaccount:ns-4999:app',
    });
    // Assess
    expect(analysis.grants).toHaveLength(5_000);
    expect(allowed.allowed).toBe(true);
    expect(allowed.allowingStatements).toEqual([2500]);
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toContain('Statement[5000]');
  });

  it('handles one statement with 5,000 condition keys and 5,000 values on one key', () => {
    // Prepare
    const tagConditions: Record<string, string> = {};
    for (let index = 0; index < 5_000; index++) tagConditions[`aws:RequestTag/k${index}`] = `v${index}`;
    const subjects = Array.from({ length: 5_000 }, (_, index) => `system:serviceaccount:ns-${index}:app`);
    const patterns = Array.from({ length: 5_000 }, (_, index) => `system:serviceaccount:ns-${index}*:*`);
    const podIdentity = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: { StringEquals: tagConditions },
        },
      ],
    };
    const irsa = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PROVIDER },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { [`${HOST}:sub`]: subjects },
            StringLike: { [`${HOST}:sub`]: patterns },
          },
        },
      ],
    };
    // Act
    const tagged = canAssume(podIdentity, { kind: 'pod-identity', sessionTags: { k0: 'v0' } });
    const grant = analyzeTrust(irsa).grants[0];
    const last = canAssume(irsa, {
      kind: 'irsa',
      providerArn: PROVIDER,
      subject: 'system:serviceaccount:ns-4999:app',
    });
    // Assess
    expect(tagged.allowed).toBe(false);
    expect(grant.kind === 'irsa' && grant.subjects?.length).toBe(5_000);
    expect(last.allowed).toBe(true);
  });

  it('matches adversarial wildcard patterns (a*a*a*…b and friends) in polynomial time, correctly', () => {
    // A backtracking matcher needs about 2^n steps for these; each finishes in one pass here.
    const cases: Array<[string, string, boolean]> = [
      [`${'a*'.repeat(4_000)}b`, 'a'.repeat(8_000), false],
      [`${'*a'.repeat(4_000)}*`, 'a'.repeat(8_000), true],
      [`*${'a'.repeat(4_000)}b`, 'a'.repeat(8_000), false],
      [`${'*a'.repeat(2_000)}b`, `${'a'.repeat(8_000)}b`, true],
      [`${'?'.repeat(1_000)}*${'?*'.repeat(1_000)}b`, 'a'.repeat(8_000), false],
      [
        `system:serviceaccount:${'*:'.repeat(3_000)}*`,
        `system:serviceaccount:${'ns:'.repeat(3_000)}sa`,
        true,
      ],
      [`${'*'.repeat(8_000)}`, 'x'.repeat(8_000), true],
    ];
    for (const [pattern, value, expected] of cases) expect(matchIamPattern(pattern, value)).toBe(expected);
  });

  it('decides an IRSA request against an 8,000-character adversarial subject pattern', () => {
    // Prepare
    const document = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PROVIDER },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringLike: { [`${HOST}:sub`]: `system:serviceaccount:${'a*'.repeat(4_000)}b` } },
        },
      ],
    };
    // Act
    const decision = canAssume(document, {
      kind: 'irsa',
      providerArn: PROVIDER,
      subject: `system:serviceaccount:${'a'.repeat(4_000)}:${'a'.repeat(4_000)}`,
    });
    // Assess
    expect(decision.allowed).toBe(false);
    expect(analyzeTrust(document).findings.map((finding) => finding.fact)).toContain('unnamed-subjects');
  });
});
