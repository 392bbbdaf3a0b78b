import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { MAX_FAST_DEPTH, readSimpleYaml } from '../../shared/baseline/fast-yaml.js';
import { parseBaseline, parseBaselineFully } from '../../shared/baseline/parse.js';

/** Every baseline fixture of the repository (YAML files under test/fixtures). */
function fixtureBaselines(directory = 'test/fixtures'): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return fixtureBaselines(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** The result of a parse, or its error's message and problems, so two parsers can be compared. */
function outcome(parse: () => unknown): unknown {
  try {
    return { value: parse() };
  } catch (error) {
    return { error: (error as Error).message, problems: (error as { problems?: string[] }).problems };
  }
}

describe('readSimpleYaml', () => {
  it('reads block maps, lists, indentless lists, flow lists, quotes and comments as yaml does', () => {
    // Prepare
    const text = [
      '# the platform baseline',
      'version: 1',
      'settings:',
      '  unusedAfterDays: 30   # a month',
      'clusters:',
      '  prod:',
      '    account: "111122223333"',
      "    region: 'ap-northeast-1'",
      '    members: [prod-blue, "prod-green"]',
      '  staging:',
      '    account: "444455556666"',
      '    region: eu-west-1',
      '    members:',
      '    - staging-a',
      'podIdentity:',
      '  - cluster: prod',
      '    namespace: default',
      '    serviceAccount: s3-reader',
      '    roleArn: arn:aws:iam::111122223333:role/s3-reader',
      '    disableSessionTags: true',
      'accounts: []',
      'exceptions:',
      '  - check: IRSA_SUBJECT_WILDCARD',
      "    resource: 'arn:aws:iam::111122223333:role/crossplane-*'",
      '    reason: it\'s "fine" #1 reason',
      '    expires: 2027-03-31',
      '',
    ].join('\n');

    // Act
    const fast = readSimpleYaml(text, 'baseline.yaml');

    // Assess
    expect(fast?.value).toEqual(parseDocument(text).toJS());
  });

  it.each([
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a block scalar', 'reason: |\n  two\n  lines\n'],
    ['a multi-line plain scalar', 'reason: one\n  two\n'],
    ['a tab', 'version:\t1\n'],
    ['a flow map', 'settings: {unusedAfterDays: 30}\n'],
    ['a duplicate key', 'version: 1\nversion: 2\n'],
    ['a float', 'version: 1.0\n'],
    ['a hex number', 'version: 0x1\n'],
    ['a tag', 'version: !!str 1\n'],
    ['a numeric key', 'clusters:\n  123: {}\n'],
    ['Windows line ends', 'version: 1\r\n'],
    ['a top-level list', '- a\n'],
    [
      'nesting deeper than the limit',
      `${Array.from({ length: MAX_FAST_DEPTH + 2 }, (_, depth) => `${'  '.repeat(depth)}k${depth}:`).join('\n')} 1\n`,
    ],
  ])('leaves %s to the full parser', (_, text) => {
    expect(readSimpleYaml(text, 'b.yaml')).toBeUndefined();
  });

  it('reads a plain scalar that only looks special as the text it is', () => {
    // Prepare: "2027-03-31" and "0123abc" are strings in the YAML 1.2 core schema, "007" an integer.
    const text = 'a: 2027-03-31\nb: 0123abc\nc: 007\nd: ~\ne: TRUE\nf: -12\ng: a#b\n';

    // Act
    const fast = readSimpleYaml(text, 'b.yaml');

    // Assess
    expect(fast?.value).toEqual(parseDocument(text).toJS());
    expect(fast?.value).toEqual({ a: '2027-03-31', b: '0123abc', c: 7, d: null, e: true, f: -12, g: 'a#b' });
  });
});

describe('parseBaseline with the fast reader', () => {
  it.each(fixtureBaselines())('gives exactly what the full parser gives for %s', (path) => {
    // Prepare
    const text = readFileSync(path, 'utf8');

    // Act
    const fast = outcome(() => parseBaseline(text, path));
    const full = outcome(() => parseBaselineFully(text, path));

    // Assess
    expect(fast).toEqual(full);
  });

  it('reads the design example on the fast path', () => {
    const text = readFileSync('test/fixtures/baselines/design-example.yaml', 'utf8');
    expect(readSimpleYaml(text, 'design-example.yaml')).toBeDefined();
  });

  it('locates each binding, cluster and exception at the line the full parser gives', () => {
    // Prepare: indentless lists, comments and blank lines move the offsets around.
    const text = [
      'version: 1',
      '',
      'clusters:',
      '  # blue/green',
      '  prod:',
      '    account: "111122223333"',
      '    region: ap-northeast-1',
      '    members:',
      '    - prod-blue',
      '    - prod-green',
      'podIdentity:',
      '- cluster: prod',
      '  namespace: default',
      '  serviceAccount: a',
      '  roleArn: arn:aws:iam::111122223333:role/a',
      '-   cluster: prod',
      '    namespace: default',
      '    serviceAccount: b',
      '    roleArn: arn:aws:iam::111122223333:role/b',
      'irsa:',
      '  -',
      '    cluster: prod',
      '    namespace: kube-system',
      '    serviceAccount: ebs-csi-controller-sa',
      '    roleArn: arn:aws:iam::111122223333:role/ebs-csi',
      'exceptions:',
      '  - check: IRSA_SUBJECT_WILDCARD',
      '    resource: "arn:aws:iam::111122223333:role/crossplane-*"',
      '    reason: provider service account names change per revision',
      '',
    ].join('\n');

    // Act
    const fast = parseBaseline(text, 'baseline.yaml');

    // Assess
    expect(readSimpleYaml(text, 'baseline.yaml')).toBeDefined();
    expect(fast).toEqual(parseBaselineFully(text, 'baseline.yaml'));
    expect(fast.podIdentity.map((binding) => binding.location?.line)).toEqual([12, 16]);
    expect(fast.podIdentity[1].location?.column).toBe(5);
    expect(fast.irsa[0].location?.line).toBe(22);
  });

  it('reports a problem exactly as the full parser does, with its line', () => {
    // Prepare
    const text =
      'version: 1\nclusters:\n  prod:\n    account: 111122223333\n    region: eu-west-1\n    members: [a]\n';

    // Act
    const fast = outcome(() => parseBaseline(text, 'b.yaml'));

    // Assess
    expect(fast).toEqual(outcome(() => parseBaselineFully(text, 'b.yaml')));
    expect(JSON.stringify(fast)).toContain('b.yaml:4:14');
  });

  it('agrees with the full parser on generated baselines with tricky scalars and layouts', () => {
    const scalar = fc.oneof(
      fc.constantFrom(
        'prod',
        'true',
        'null',
        '~',
        '123',
        '-7',
        '1.5',
        '0x1F',
        '2027-03-31',
        'a: b',
        'a #b',
        'a#b',
        '#x',
        '- x',
        '[x]',
        "it's",
        'say "hi"',
        'arn:aws:iam::111122223333:role/a',
        '',
        ' padded ',
        '*',
        '&a',
        '!x',
        '%',
        '@',
        '?',
        ':',
        '-',
        'ü',
      ),
      fc.string({ maxLength: 8 }),
    );
    const written = fc
      .tuple(scalar, fc.constantFrom('plain', 'single', 'double'))
      .map(([value, style]) =>
        style === 'plain'
          ? value
          : style === 'single'
            ? `'${value.replaceAll("'", "''")}'`
            : JSON.stringify(value),
      );
    const binding = fc.record({
      cluster: written,
      namespace: written,
      serviceAccount: written,
      roleArn: written,
    });
    const document = fc.record({
      members: fc.array(written, { maxLength: 3 }),
      flow: fc.boolean(),
      indentless: fc.boolean(),
      bindings: fc.array(binding, { maxLength: 4 }),
      comment: fc.boolean(),
    });
    fc.assert(
      fc.property(document, ({ members, flow, indentless, bindings, comment }) => {
        const lines = [
          'version: 1',
          'clusters:',
          '  prod:',
          '    account: "111122223333"',
          '    region: eu-west-1',
        ];
        if (flow) lines.push(`    members: [${members.join(', ')}]`);
        else {
          lines.push('    members:');
          for (const member of members) lines.push(`${indentless ? '    ' : '      '}- ${member}`);
        }
        if (comment) lines.push('# bindings');
        lines.push('podIdentity:');
        for (const item of bindings) {
          const indent = indentless ? '' : '  ';
          lines.push(`${indent}- cluster: ${item.cluster}`);
          lines.push(`${indent}  namespace: ${item.namespace}${comment ? ' # ns' : ''}`);
          lines.push(`${indent}  serviceAccount: ${item.serviceAccount}`);
          lines.push(`${indent}  roleArn: ${item.roleArn}`);
        }
        const text = `${lines.join('\n')}\n`;
        const fast = readSimpleYaml(text, 'b.yaml');
        if (fast) {
          const document = parseDocument(text, { logLevel: 'silent' });
          expect(document.errors).toEqual([]);
          expect(fast.value).toEqual(document.toJS());
        }
        expect(outcome(() => parseBaseline(text, 'b.yaml'))).toEqual(
          outcome(() => parseBaselineFully(text, 'b.yaml')),
        );
      }),
      { numRuns: 400 },
    );
  });
});
