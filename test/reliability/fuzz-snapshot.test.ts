import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import { emptyBaseline, parseBaseline } from '../../shared/baseline/index.js';
import { checks } from '../../shared/checks/index.js';
import { InputError } from '../../shared/errors.js';
import { REPORT_FORMATS, renderReport } from '../../shared/report/index.js';
import { normalizeSnapshot, parseSnapshot, parseSnapshotText } from '../../shared/snapshot/index.js';
import {
  collectionError,
  irsaTrust,
  irsaWebIdentityEvent,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
  snapshot,
  workerNodePolicy,
} from '../support/snapshot-builder.js';
import { pathsOf, replaceAt } from './fuzz-support.js';

const SOURCE = 'snapshot.json';
const ACCOUNT = '111122223333';
const REGION = 'ap-northeast-1';
const CATALOGUE = checks.map((check) => check.meta);
const RUN = { numRuns: 300, interruptAfterTimeLimit: 20_000 } as const;

/** A small snapshot that still exercises every kind of object the checks read. */
function smallSnapshot(): unknown {
  return snapshot({ capturedAt: '2026-11-29T02:00:00Z' })
    .account(ACCOUNT, (account) =>
      account
        .role('s3-reader', {
          trust: podIdentityTrust({
            conditions: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'default' } },
          }),
          lastUsed: '2026-11-20T00:00:00Z',
          tags: { team: 'data' },
        })
        .role('ebs-csi', {
          trust: irsaTrust({
            accountId: ACCOUNT,
            region: REGION,
            oidcId: 'PRODBLUE',
            subject: 'system:serviceaccount:kube-system:ebs-csi-*',
            subjectOperator: 'StringLike',
          }),
          encoding: 'json',
        })
        .role('node', { trust: podIdentityTrust(), inlinePolicies: { node: workerNodePolicy() } })
        .oidcProvider({ region: REGION, oidcId: 'PRODBLUE' })
        .region(REGION, (region) =>
          region
            .cluster('prod-blue', { oidcId: 'PRODBLUE' }, (cluster) =>
              cluster
                .association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3-reader' })
                .addon('eks-pod-identity-agent')
                .nodegroup('general', { nodeRoleName: 'node' })
                .fargateProfile('batch', [{ namespace: 'batch' }]),
            )
            .cluster('prod-green', { oidcId: 'PRODGREEN' }, (cluster) =>
              cluster.error(collectionError('eks', 'ListAddons')),
            )
            .event(
              irsaWebIdentityEvent({
                accountId: ACCOUNT,
                region: REGION,
                oidcId: 'PRODBLUE',
                namespace: 'kube-system',
                serviceAccount: 'ebs-csi-controller-sa',
                roleArn: account.roleArn('ebs-csi'),
                eventTime: '2026-11-20T10:00:00Z',
              }),
              podIdentityAssumeRoleEvent({
                accountId: ACCOUNT,
                region: REGION,
                clusterName: 'prod-blue',
                namespace: 'default',
                serviceAccount: 's3-reader',
                roleArn: account.roleArn('s3-reader'),
                eventTime: '2026-11-21T10:00:00Z',
              }),
            ),
        ),
    )
    .build();
}

const BASELINE = parseBaseline(
  `version: 1
clusters:
  prod:
    account: "${ACCOUNT}"
    region: ${REGION}
    members: [prod-blue, prod-green]
podIdentity:
  - cluster: prod
    namespace: default
    serviceAccount: s3-reader
    roleArn: arn:aws:iam::${ACCOUNT}:role/s3-reader
irsa:
  - cluster: prod
    namespace: kube-system
    serviceAccount: ebs-csi-controller-sa
    roleArn: arn:aws:iam::${ACCOUNT}:role/ebs-csi
`,
  'baseline.yaml',
);

/**
 * Reads the value as a snapshot and, when it is valid, audits it against two baselines and renders
 * every format. A located InputError (each problem names the file and a JSON path or line:column)
 * is a fine outcome; any other error is a crash and fails the property with its own stack.
 */
function expectReportOrLocatedError(read: () => ReturnType<typeof parseSnapshot>): void {
  let parsed: ReturnType<typeof parseSnapshot>;
  try {
    parsed = read();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.message.startsWith(SOURCE)).toBe(true);
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems)
      expect(problem).toMatch(/^snapshot\.json(:\d+:\d+: | [\w$[].*?: |: )\S/);
    return;
  }
  const inventory = normalizeSnapshot(parsed);
  for (const baseline of [BASELINE, emptyBaseline()]) {
    const { report } = runAudit({ inventory, baseline });
    for (const format of REPORT_FORMATS) renderReport(report, format, { checks: CATALOGUE });
  }
}

const SMALL = smallSnapshot();
const SMALL_TEXT = JSON.stringify(SMALL, null, 2);
const SMALL_PATHS = pathsOf(SMALL);

/** Wrong types, boundary numbers, hostile strings, empty and nested containers, removal. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      null,
      1e308,
      -1,
      0,
      Number.MAX_SAFE_INTEGER + 2,
      '',
      ' ',
      '%',
      '%7B',
      '{',
      '[]',
      '{"Version":"2012-10-17","Statement":[]}',
      '{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}',
      'not json',
      '2026-02-30T00:00:00Z',
      '0000-01-01T00:00:00Z',
      'arn:aws:iam::111122223333:role/',
      'arn:aws:eks:ap-northeast-1:111122223333:cluster/',
      'system:serviceaccount:*:*',
      'x'.repeat(100_000),
      '\u202E\u0000\u001b[31m\uD800',
      [],
      {},
      [[[]]],
      [null],
    ),
  },
  // Valid-looking objects of the wrong kind at the wrong place.
  { weight: 1, arbitrary: fc.constantFrom(...SMALL_PATHS).map((path) => valueAt(SMALL, path)) },
);

function valueAt(root: unknown, path: Array<string | number>): unknown {
  let current = root;
  for (const segment of path) current = (current as Record<string | number, unknown>)[segment];
  return structuredClone(current);
}

describe('snapshot fuzzing: every input gives a report or an error naming the file and JSON path', () => {
  it('audits the unmutated snapshot (so the mutations start from a working one)', () => {
    const { report } = runAudit({
      inventory: normalizeSnapshot(parseSnapshot(SMALL, SOURCE)),
      baseline: BASELINE,
    });
    expect(report.findings.length).toBeGreaterThan(0);
  });

  it('rejects a trust policy that is JSON but not an IAM trust policy, naming the role and the field', () => {
    // Prepare: found by the fuzzer, this used to stop the audit in IRSA_BINDING_MISSING.
    const path = ['accounts', 0, 'iam', 'roles', 1, 'AssumeRolePolicyDocument'];
    const broken = [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: {}, Action: 'sts:AssumeRole' }] },
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] },
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: { Unknown: {} } },
        ],
      },
    ];
    for (const document of broken) {
      // Act
      let thrown: unknown;
      try {
        parseSnapshot(replaceAt(SMALL, path, JSON.stringify(document)), SOURCE);
      } catch (error) {
        thrown = error;
      }
      // Assess
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as InputError).problems).toEqual([
        expect.stringMatching(
          /^snapshot\.json accounts\[0\]\.iam\.roles\[1\]\.AssumeRolePolicyDocument: not a valid (IAM|trust) policy: Statement\[0\]/,
        ),
      ]);
    }
  });

  it('locates invalid text nested deeper than the syntax scanner can follow', () => {
    for (const text of ['['.repeat(200_000), '{"accounts":'.repeat(100_000)]) {
      // Act
      let thrown: unknown;
      try {
        parseSnapshotText(text, SOURCE);
      } catch (error) {
        thrown = error;
      }
      // Assess: this used to escape as a RangeError (stack overflow).
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as InputError).problems).toEqual([
        expect.stringMatching(/^snapshot\.json:1:\d+: arrays and objects nested too deeply$/),
      ]);
    }
  });

  it('survives a random value at any path, one or several at a time', () => {
    const edits = fc.array(fc.tuple(fc.constantFrom(...SMALL_PATHS), oddValue), {
      minLength: 1,
      maxLength: 3,
    });
    fc.assert(
      fc.property(edits, (changes) => {
        let mutated = SMALL;
        for (const [path, value] of changes) {
          try {
            mutated = replaceAt(mutated, path, value);
          } catch {
            // An earlier edit removed or replaced the parent of this path: skip this edit.
          }
        }
        expectReportOrLocatedError(() => parseSnapshot(mutated, SOURCE));
      }),
      RUN,
    );
  });

  it('survives truncated and spliced snapshot text, with errors giving line and column', () => {
    const text = fc.oneof(
      fc.nat(SMALL_TEXT.length).map((at) => SMALL_TEXT.slice(0, at)),
      fc
        .tuple(fc.nat(SMALL_TEXT.length), fc.integer({ min: 1, max: 300 }))
        .map(([at, count]) => SMALL_TEXT.slice(0, at) + SMALL_TEXT.slice(at + count)),
      fc
        .tuple(
          fc.nat(SMALL_TEXT.length),
          fc.oneof(
            fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', '\uFEFF', 'NaN', '1e999'),
            fc.string(),
          ),
        )
        .map(([at, inserted]) => SMALL_TEXT.slice(0, at) + inserted + SMALL_TEXT.slice(at)),
    );
    fc.assert(
      fc.property(text, (mutated) => expectReportOrLocatedError(() => parseSnapshotText(mutated, SOURCE))),
      RUN,
    );
  });

  it('survives random JSON values and random text as a whole snapshot', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((value) => JSON.stringify(value) ?? ''),
          fc.string({ unit: 'binary' }),
        ),
        (text) => expectReportOrLocatedError(() => parseSnapshotText(text, SOURCE)),
      ),
      RUN,
    );
  });

  it('survives mutated CloudTrail event records and policy documents (JSON inside strings)', () => {
    // Prepare: every JSON document carried as a string, decoded, with the paths inside it.
    const embedded = SMALL_PATHS.flatMap((path) => {
      const original = valueAt(SMALL, path);
      const last = path[path.length - 1];
      if (typeof original !== 'string') return [];
      if (last !== 'CloudTrailEvent' && last !== 'AssumeRolePolicyDocument' && last !== 'PolicyDocument')
        return [];
      const urlEncoded = !original.startsWith('{');
      const document: unknown = JSON.parse(urlEncoded ? decodeURIComponent(original) : original);
      return [{ path, urlEncoded, document, innerPaths: pathsOf(document) }];
    });
    expect(embedded.length).toBeGreaterThan(3);
    const edit = fc
      .constantFrom(...embedded)
      .chain((entry) =>
        fc.tuple(
          fc.constant(entry),
          fc.constantFrom(...entry.innerPaths),
          oddValue,
          fc.option(fc.nat(JSON.stringify(entry.document).length)),
        ),
      );
    fc.assert(
      fc.property(edit, ([entry, innerPath, value, cut]) => {
        let inner = JSON.stringify(replaceAt(entry.document, innerPath, value)) ?? '';
        if (cut !== null) inner = inner.slice(0, cut);
        const stored = entry.urlEncoded ? encodeURIComponent(inner) : inner;
        expectReportOrLocatedError(() => parseSnapshot(replaceAt(SMALL, entry.path, stored), SOURCE));
      }),
      RUN,
    );
  });

  it('survives random values in the full demo-organization fixture', () => {
    const fixture = JSON.parse(readFileSync(new URL('../fixtures/snapshot.json', import.meta.url), 'utf8'));
    const paths = pathsOf(fixture);
    fc.assert(
      fc.property(fc.constantFrom(...paths), oddValue, (path, value) =>
        expectReportOrLocatedError(() => parseSnapshot(replaceAt(fixture, path, value), SOURCE)),
      ),
      { numRuns: 40, interruptAfterTimeLimit: 20_000 },
    );
  });
});
