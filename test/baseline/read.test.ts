import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { parseBaseline, parseBaselineFully } from '../../shared/baseline/parse.js';
import { readDocument } from '../../shared/baseline/read.js';

/** Every baseline fixture of the repository (YAML and JSON files under test/fixtures). */
function fixtureBaselines(directory = 'test/fixtures'): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return fixtureBaselines(path);
    return /baseline.*\.(ya?ml|json)$|baselines\/.*\.(ya?ml|json)$/.test(path) ? [path] : [];
  });
}

/** The result of a parse, or its error's message and problems, so two readings can be compared. */
function outcome(parse: () => unknown): unknown {
  try {
    return { value: parse() };
  } catch (error) {
    return { error: (error as Error).message, problems: (error as { problems?: string[] }).problems };
  }
}

/**
 * fast-check's run settings for a property of `numRuns` cases. A failure reports its seed, path and
 * shrunk counterexample; `FC_SEED=<seed> FC_PATH=<path>` replays that case, `FC_NUM_RUNS` hunts
 * with more cases than a suite run takes (`FC_NUM_RUNS=50000 npx vitest run test/baseline/read.test.ts`),
 * without a time limit (see {@link PROPERTY_TIMEOUT}).
 */
function runSettings(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  return {
    numRuns: Number(process.env.FC_NUM_RUNS ?? numRuns),
    ...(seed ? { seed: Number(seed) } : {}),
    ...(path ? { path } : {}),
  };
}

/**
 * Milliseconds a property may take: seconds alone, many times that on a machine shared with other
 * work; a hunt with `FC_NUM_RUNS` takes as long as it takes (0: no limit).
 */
const PROPERTY_TIMEOUT = process.env.FC_NUM_RUNS ? 0 : 120_000;

/** What the position-aware parser builds, as the baseline reader configures it. */
function locatingValue(text: string): unknown {
  return parseDocument(text, { merge: true, logLevel: 'silent' }).toJS({ maxAliasCount: -1 });
}

// ---------------------------------------------------------------------------------------------
// Generated baselines: a declaration model, written out in every syntax.

type Style = 'plain' | 'single' | 'double' | 'folded';

/** A scalar and how to write it. */
interface Written {
  text: string;
  style: Style;
}

interface Cluster {
  name: Written;
  account: Written;
  region: Written;
  members: Written[];
}

interface Binding {
  cluster: Written;
  namespace: Written;
  serviceAccount: Written;
  roleArn: Written;
  extra?: [string, Written];
}

interface Model {
  settings: boolean;
  clusters: Cluster[];
  podIdentity: Binding[];
  irsa: Binding[];
  accounts: Written[];
  exceptions: Array<{ check: Written; resource: Written; reason: Written; expires?: Written }>;
}

/** Realistic values first, then the ones YAML 1.1 and 1.2 (and the two libraries) read differently. */
const TRICKY = [
  'true',
  'yes',
  'no',
  'on',
  'off',
  'null',
  'Null',
  'NULL',
  '~',
  '',
  '0x1F',
  '0o17',
  '017',
  '1_000',
  '1e3',
  '.inf',
  '.nan',
  '2027-03-31',
  '2027-03-31T12:00:00Z',
  '12:30',
  '<<',
  'a: b',
  'a #b',
  'a#b',
  '- x',
  '[x]',
  '{x}',
  '*x',
  '&x',
  '!x',
  '%x',
  '@x',
  '? x',
  "it's",
  'say "hi"',
  ' padded ',
  'tab\there',
  'line\nbreak',
  'ü日本😀',
  '\u0085nel',
  '\u2028ls',
  '\uFEFFbom',
  'prod.eu',
  '007',
  '2027-02-29',
  '31/03/2027',
];

function pick(values: readonly string[], tricky = 0.15): fc.Arbitrary<string> {
  if (tricky >= 1) return fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 6 }));
  return fc.oneof(
    { weight: Math.round((1 - tricky) * 100), arbitrary: fc.constantFrom(...values) },
    {
      weight: Math.round(tricky * 100),
      arbitrary: fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 6 })),
    },
  );
}

function written(values: fc.Arbitrary<string>, styles: Style[] = ['plain', 'plain', 'single', 'double']) {
  return fc.record({ text: values, style: fc.constantFrom(...styles) });
}

const ACCOUNTS = ['111122223333', '012345678901', '444455556666'];
const CLUSTER_NAMES = ['prod', 'staging', 'tools', '2024-prod', 'eks_1', '123', 'true', 'null'];

const cluster: fc.Arbitrary<Cluster> = fc.record({
  name: written(pick(CLUSTER_NAMES, 0.1)),
  // Unquoted account ids are the classic mistake: YAML reads a number.
  account: written(pick(ACCOUNTS, 0.03), ['double', 'double', 'double', 'single', 'plain']),
  region: written(pick(['eu-west-1', 'ap-northeast-1', 'us-gov-west-1'], 0.03)),
  members: fc.uniqueArray(written(pick(['prod-blue', 'prod-green', 'tools'], 0.03)), {
    minLength: 1,
    maxLength: 3,
    selector: (member) => member.text,
  }),
});

/**
 * Bindings of the clusters given: mostly to a declared cluster with a role in its account, some to
 * an undeclared one, with an optional extra field (a real one, or a typo).
 */
function bindings(
  clusters: Cluster[],
  maxLength: number,
  namespaces: string[],
  names: string[],
  extras: boolean,
) {
  const item = fc.record({
    // One in twenty names a cluster nobody declared.
    clusterIndex: fc.oneof(
      { weight: 19, arbitrary: fc.nat(clusters.length - 1) },
      { weight: 1, arbitrary: fc.constant(clusters.length) },
    ),
    namespace: written(pick(namespaces, 0.03)),
    serviceAccount: written(pick(names, 0.03)),
    role: fc.constantFrom('app', 'ledger-writer', 'path/to/a-role'),
    roleStyle: fc.constantFrom<Style>('plain', 'double', 'folded'),
    // Most bindings have no extra field; Pod Identity ones may set one (or misspell one).
    extra: extras
      ? fc.oneof(
          { weight: 12, arbitrary: fc.constant(undefined) },
          {
            weight: 2,
            arbitrary: fc.tuple(
              fc.constant('disableSessionTags'),
              written(pick(['true', 'false', 'True', 'yes'], 0.1)),
            ),
          },
          {
            weight: 2,
            arbitrary: fc.tuple(
              fc.constant('targetRoleArn'),
              written(fc.constant('arn:aws:iam::444455556666:role/target'), ['plain', 'double']),
            ),
          },
          { weight: 1, arbitrary: fc.tuple(fc.constant('serviceAcount'), written(fc.constant('typo'))) },
        )
      : fc.constant(undefined),
  });
  return fc
    .uniqueArray(item, {
      maxLength,
      selector: (binding) =>
        `${binding.clusterIndex}/${binding.namespace.text}/${binding.serviceAccount.text}`,
    })
    .map((items) =>
      items.map((binding): Binding => {
        const target = clusters[binding.clusterIndex];
        return {
          cluster: target?.name ?? { text: 'prd', style: 'plain' },
          namespace: binding.namespace,
          serviceAccount: binding.serviceAccount,
          roleArn: {
            text: `arn:aws:iam::${target?.account.text ?? ACCOUNTS[0]}:role/${binding.role}`,
            style: binding.roleStyle,
          },
          extra: binding.extra,
        };
      }),
    );
}

const model: fc.Arbitrary<Model> = fc
  .record({
    settings: fc.boolean(),
    clusters: fc.uniqueArray(cluster, { minLength: 1, maxLength: 3, selector: (item) => item.name.text }),
    accounts: fc.uniqueArray(written(pick(ACCOUNTS, 0.03), ['double', 'single', 'plain']), {
      maxLength: 2,
      selector: (account) => account.text,
    }),
    exceptions: fc.array(
      fc.record(
        {
          check: written(pick(['IRSA_SUBJECT_WILDCARD', 'ROLE_UNUSED'], 0.03)),
          resource: written(fc.constantFrom('arn:aws:iam::111122223333:role/crossplane-*', '*'), [
            'single',
            'double',
          ]),
          reason: written(
            fc.constantFrom('accepted risk', 'provider service account names change per revision'),
            ['plain', 'folded', 'double'],
          ),
          // Unquoted, a YAML 1.2 date is text; a YAML 1.1 parser would make a Date of it.
          expires: written(pick(['2027-03-31', '2028-01-15'], 0.03)),
        },
        { requiredKeys: ['check', 'resource', 'reason'] },
      ),
      { maxLength: 2 },
    ),
  })
  .chain((base) =>
    fc
      .record({
        podIdentity: bindings(
          base.clusters,
          5,
          ['default', 'payments', 'kube-system'],
          ['api', 's3-reader', 'ledger.v2'],
          true,
        ),
        irsa: bindings(base.clusters, 3, ['kube-system', 'batch'], ['ebs-csi-controller-sa', 'etl'], false),
      })
      .map((sections) => ({ ...base, ...sections })),
  );

/** A scalar as YAML text; `indent` is where continuation lines of a folded scalar start. */
function scalar({ text, style }: Written, indent: string): string {
  switch (style) {
    case 'plain':
      return text;
    case 'single':
      return `'${text.replaceAll("'", "''")}'`;
    case 'double':
      return JSON.stringify(text);
    case 'folded': {
      // A long value broken over lines, as dumpers with a line width write it: a plain scalar
      // folded at a space, or a double-quoted one continued with an escaped line break.
      const space = text.indexOf(' ');
      if (space > 0) return `${text.slice(0, space)}\n${indent}${text.slice(space + 1)}`;
      const middle = Math.floor(text.length / 2);
      return `${JSON.stringify(text.slice(0, middle)).slice(0, -1)}\\\n${indent}${JSON.stringify(text.slice(middle)).slice(1)}`;
    }
  }
}

/** How a model is written: the layout choices a person or a generator makes. */
interface Layout {
  flowItems: boolean;
  indentless: boolean;
  quotedKeys: boolean;
  anchors: boolean;
  comments: boolean;
  documentStart: '' | '---\n' | '%YAML 1.2\n---\n';
}

function bindingLines(items: Binding[], layout: Layout, anchorName: string): string[] {
  const dash = layout.indentless ? '- ' : '  - ';
  const inner = layout.indentless ? '  ' : '    ';
  const key = (name: string) => (layout.quotedKeys ? `"${name}"` : name);
  return items.flatMap((item, index) => {
    const entries: Array<[string, Written]> = [
      ['cluster', item.cluster],
      ['namespace', item.namespace],
      ['serviceAccount', item.serviceAccount],
      ['roleArn', item.roleArn],
      ...(item.extra ? [item.extra] : []),
    ];
    if (layout.anchors && index > 0) {
      // Later items merge the first one's cluster (and namespace, when theirs is the same).
      const own = entries.slice(item.namespace.text === items[0].namespace.text ? 2 : 1);
      return [
        `${dash}<<: *${anchorName}`,
        ...own.map(([name, value]) => `${inner}${key(name)}: ${scalar(value, `${inner}  `)}`),
      ];
    }
    const anchor = layout.anchors ? `&${anchorName} ` : '';
    if (layout.flowItems) {
      return [
        `${dash}${anchor}{${entries.map(([name, value]) => `${key(name)}: ${scalar(value, `${inner}  `)}`).join(', ')}}`,
      ];
    }
    const lines = entries.map(([name, value]) => `${inner}${key(name)}: ${scalar(value, `${inner}  `)}`);
    return layout.anchors
      ? [`${dash}${anchor.trim()}`, ...lines]
      : [`${dash}${lines[0].trimStart()}`, ...lines.slice(1)];
  });
}

/** The model as YAML in the layout given. */
function writeYaml(doc: Model, layout: Layout): string {
  const key = (name: string) => (layout.quotedKeys ? `'${name}'` : name);
  const comment = (line: string) => (layout.comments ? `${line} # note` : line);
  const lines = [comment(`${key('version')}: 1`)];
  if (doc.settings) lines.push(`${key('settings')}:`, `  ${key('unusedAfterDays')}: 30`);
  if (doc.clusters.length > 0) {
    lines.push(comment(`${key('clusters')}:`));
    doc.clusters.forEach((cluster, index) => {
      lines.push(`  ${scalar(cluster.name, '    ')}:`);
      lines.push(`    ${key('account')}: ${scalar(cluster.account, '      ')}`);
      lines.push(`    ${key('region')}: ${scalar(cluster.region, '      ')}`);
      const members = `[${cluster.members.map((member) => scalar(member, '      ')).join(', ')}]`;
      if (layout.anchors && index > 0 && cluster.members.length === doc.clusters[0].members.length)
        lines.push(`    ${key('members')}: *members`);
      else if (layout.anchors && index === 0) lines.push(`    ${key('members')}: &members ${members}`);
      else if (layout.flowItems) lines.push(`    ${key('members')}: ${members}`);
      else {
        lines.push(`    ${key('members')}:`);
        for (const member of cluster.members) lines.push(`      - ${scalar(member, '        ')}`);
      }
    });
  }
  if (doc.podIdentity.length > 0) {
    lines.push(`${key('podIdentity')}:`, ...bindingLines(doc.podIdentity, layout, 'pi'));
  }
  if (doc.irsa.length > 0) {
    if (layout.comments) lines.push('# IRSA');
    lines.push(`${key('irsa')}:`, ...bindingLines(doc.irsa, layout, 'irsa'));
  }
  if (doc.accounts.length > 0) {
    lines.push(`${key('accounts')}: [${doc.accounts.map((account) => scalar(account, '  ')).join(', ')}]`);
  }
  if (doc.exceptions.length > 0) {
    lines.push(`${key('exceptions')}:`);
    for (const exception of doc.exceptions) {
      lines.push(`  - ${key('check')}: ${scalar(exception.check, '      ')}`);
      lines.push(`    ${key('resource')}: ${scalar(exception.resource, '      ')}`);
      lines.push(`    ${key('reason')}: ${scalar(exception.reason, '      ')}`);
      if (exception.expires) lines.push(`    ${key('expires')}: ${scalar(exception.expires, '      ')}`);
    }
  }
  return `${layout.documentStart}${lines.join('\n')}\n`;
}

/** The model as the plain value it declares (scalars as text), for the JSON and dumper syntaxes. */
function declaredValue(doc: Model): Record<string, unknown> {
  const text = (value: Written) => value.text;
  const binding = (item: Binding) => ({
    cluster: text(item.cluster),
    namespace: text(item.namespace),
    serviceAccount: text(item.serviceAccount),
    roleArn: text(item.roleArn),
    ...(item.extra
      ? {
          [item.extra[0]]:
            item.extra[0] === 'disableSessionTags' ? item.extra[1].text === 'true' : text(item.extra[1]),
        }
      : {}),
  });
  return {
    version: 1,
    ...(doc.settings ? { settings: { unusedAfterDays: 30 } } : {}),
    clusters: Object.fromEntries(
      doc.clusters.map((cluster) => [
        cluster.name.text,
        { account: text(cluster.account), region: text(cluster.region), members: cluster.members.map(text) },
      ]),
    ),
    podIdentity: doc.podIdentity.map(binding),
    irsa: doc.irsa.map(binding),
    accounts: doc.accounts.map(text),
    exceptions: doc.exceptions.map((exception) => ({
      check: text(exception.check),
      resource: text(exception.resource),
      reason: text(exception.reason),
      ...(exception.expires ? { expires: text(exception.expires) } : {}),
    })),
  };
}

const layout: fc.Arbitrary<Layout> = fc.record({
  flowItems: fc.boolean(),
  indentless: fc.boolean(),
  quotedKeys: fc.boolean(),
  anchors: fc.boolean(),
  comments: fc.boolean(),
  documentStart: fc.constantFrom('' as const, '---\n' as const, '%YAML 1.2\n---\n' as const),
});

/** Every syntax a baseline arrives in: hand-written YAML, three dumpers' YAML, JSON. */
const syntax = fc.oneof(
  fc.tuple(model, layout).map(([doc, how]) => writeYaml(doc, how)),
  model.map((doc) => JSON.stringify(declaredValue(doc), null, 2)),
  model.map((doc) => JSON.stringify(declaredValue(doc))),
  model.map((doc) => stringify(declaredValue(doc))),
  // flowLevel 2: every binding a flow map on its own line, as generators and scripts write them.
  model.map((doc) => dump(declaredValue(doc), { flowLevel: 2, lineWidth: 60 })),
  model.map((doc) => dump(declaredValue(doc), { lineWidth: 40, quoteStyle: 'double' })),
);

/** Line ends and encodings the text may come with. */
const encoded = fc.tuple(syntax, fc.constantFrom('lf', 'crlf', 'bom', 'bom+crlf')).map(([text, encoding]) => {
  const lineEnds = encoding.includes('crlf') ? text.replaceAll('\n', '\r\n') : text;
  return encoding.startsWith('bom') ? `\uFEFF${lineEnds}` : lineEnds;
});

describe('the fast path and the position-aware parser agree', () => {
  it.each(fixtureBaselines())('on the fixture %s', (path) => {
    const text = readFileSync(path, 'utf8');
    expect(outcome(() => parseBaseline(text, path))).toEqual(outcome(() => parseBaselineFully(text, path)));
  });

  it(
    'on generated baselines in every syntax: the same value, and the same baseline or the same problems',
    () => {
      let readFast = 0;
      let valid = 0;
      fc.assert(
        fc.property(encoded, (text) => {
          const fast = readDocument(text, 'b.yaml');
          if (fast) {
            readFast += 1;
            expect(fast.value).toEqual(locatingValue(text));
            expect(parseDocument(text, { merge: true }).errors).toEqual([]);
          }
          const full = outcome(() => parseBaselineFully(text, 'b.yaml'));
          expect(outcome(() => parseBaseline(text, 'b.yaml'))).toEqual(full);
          if ('value' in (full as object)) valid += 1;
        }),
        runSettings(600),
      );
      // Most generated texts are read fast, and enough of them are valid for the locations to be compared.
      expect(readFast).toBeGreaterThan(400);
      expect(valid).toBeGreaterThan(100);
    },
    PROPERTY_TIMEOUT,
  );
});

/** Syntax that parsers are lenient or strict about in different ways. */
const TOKENS = [
  ' ',
  '  ',
  '\t',
  '\n',
  '\n ',
  '\r\n',
  ':',
  ': ',
  '- ',
  '? ',
  ',',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '#',
  ' #',
  '|',
  '>-',
  '&a ',
  '*a',
  '<<: ',
  '!!str ',
  '!!map ',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '\\',
  '\uFEFF',
  '\u0085',
];

describe('the fast path and the position-aware parser agree on broken text', () => {
  it(
    'on generated baselines with syntax inserted, deleted or repeated anywhere',
    () => {
      const edited = fc
        .tuple(
          encoded,
          fc.nat(),
          fc.nat(),
          fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 3 }),
        )
        .chain(([text, at, length, tokens]) => {
          const start = at % (text.length + 1);
          return fc.constantFrom(
            text.slice(0, start) + tokens.join('') + text.slice(start),
            text.slice(0, start) + text.slice(start + (length % 8) + 1),
            text.slice(0, start) + text.slice(start, start + (length % 40)).repeat(2) + text.slice(start),
          );
        });
      fc.assert(
        fc.property(edited, (text) => {
          const fast = readDocument(text, 'b.yaml');
          if (fast) expect(fast.value).toEqual(locatingValue(text));
          expect(outcome(() => parseBaseline(text, 'b.yaml'))).toEqual(
            outcome(() => parseBaselineFully(text, 'b.yaml')),
          );
        }),
        runSettings(600),
      );
    },
    PROPERTY_TIMEOUT,
  );
});

describe('the fast path and the position-aware parser agree on the texts the properties found', () => {
  // Shrunk counterexamples of the broken-text property, kept so they stay fixed.
  it.each([
    [
      // A blank line of a tab inside a multi-line plain scalar: js-yaml read `accounts` as the text
      // "---\n- ..."; yaml, as YAML 1.2 says, ends the scalar before the tab and reports the list.
      'a tab line inside a plain scalar (seed -1845417915)',
      '\uFEFFversion: 1\nsettings:\n  unusedAfterDays: 30\nclusters:\n  2024-prod:\n    account: "444455556666"\n    region: us-gov-west-1\n    members:\n      - prod-green\n  tools:\n    account: "111122223333"\n    region: eu-west-1\n    members:\n      - prod-blue\n      - prod-green\npodIdentity:\n  - cluster: tools\n    namespace: payments\n    serviceAccount: s3-reader\n    roleArn: arn:aws:iam::111122223333:role/path/to/a-role\n    serviceAcount: typo\n  - cluster: prd\n    namespace: default\n    serviceAccount: api\n    roleArn: arn:aws:iam::111122223333:role/path/to/a-role\n  - cluster: 2024-prod\n    namespace: default\n    serviceAccount: ledger.v2\n    roleArn: arn:aws:iam::444455556666:role/ledger-writer\n  - cluster: tools\n    namespace: default\n    serviceAccount: s3-reader\n    roleArn: arn:aws:iam::111122223333:role/ledger-writer\nirsa:\n  - cluster: tools\n    namespace: kube-system\n    serviceAccount: ebs-csi-controller-sa\n    roleArn: arn:aws:iam::111122223333:role/path/to/a-role\n  - cluster: 2024-prod\n    namespace: kube-system\n    serviceAccount: etl\n    roleArn: arn:aws:iam::444455556666:role/ledger-writer\naccounts:\n ---\n\t\n  - "444455556666"\nexceptions: []\n',
    ],
    [
      // `...` after a tab: text for js-yaml (and the spec), a document end marker for yaml, which
      // then reports the unfinished flow map.
      'a document end marker after a tab (seed -275757165)',
      `\uFEFF{\n\r\n\t...\n${JSON.stringify({ version: 1, clusters: {} }, null, 2).slice(2)}`,
    ],
    [
      // Text after an indentless list's flow item: a key of the root map for js-yaml, an error for yaml.
      'text after a flow item of an indentless list (seed 424242)',
      "version: 1\nclusters:\n  eks_1:\n    account: \"012345678901\"\n    region: eu-west-1\n    members: [\"prod-blue\"]\n  'true':\n    account: \"012345678901\"\n    region: ap-northeast-1\n    m embers: [prod-blue, 'tools']\npodIdentity:\n- {cluster: eks_1, namespace: default, serviceAccount: }(, roleArn: arn:aws:iam::012345678901:role/app}\naccounts: ['444455556666']\nexceptions:\n  - check: ROLE_UNUSED\n    resource: '*'\n    reason: accepted\n      risk\n    expires: '2027-03-31'\n  - check: 'ROLE_UNUSED'\n    resource: '*'\n    reason: accepted risk\n    expires: '2028-01-15'\n",
    ],
    [
      // `...` first, after a byte-order mark and before CRLF line ends: an empty first document
      // for yaml (the baseline is then empty, and a second document follows), skipped by js-yaml.
      'a document end marker after a byte-order mark (seed 99)',
      "\uFEFF...\n---\nversion: 1\r\nclusters:\r\n  staging: {account: '444455556666', region: us-gov-west-1, members: [tools, prod-green, prod-blue]}\r\n  'true': {account: '012345678901', region: ap-northeast-1, members: [prod-blue]}\r\npodIdentity:\r\n  - {cluster: 'true', namespace: payments, serviceAccount: api, roleArn: arn:aws:iam::012345678901:role/path/to/a-role}\r\n  - {cluster: staging, namespace: payments, serviceAccount: ledger.v2, roleArn: arn:aws:iam::444455556666:role/app, disableSessionTags: true}\r\nirsa: []\r\naccounts: []\r\nexceptions: []\r\n",
    ],
    [
      // A tag on the first key of a list item's map: js-yaml starts the map at the tag, yaml at
      // the key, so the binding's column differed.
      'a tag on the first key of a binding (seed 8080)',
      'version: 1\r\nsettings:\r\n  unusedAfterDays: 30\r\nclusters:\r\n  "123":\r\n    account: "012345678901"\r\n    region: eu-west-1\r\n    members:\r\n      - tools\r\n      - prod-green\r\npodIdentity:\r\n  - cluster: "123"\r\n    namespace: payments\r\n    serviceAccount: api\r\n    roleArn: arn:aws:iam::012345678901:role/app\r\nirsa:\r\n  - cluster: "123"\r\n    namespace: kube-system\r\n    serviceAccount: ebs-csi-controller-sa\r\n    roleArn: arn:aws:iam::012345678901:role/ledger-writer\r\n  - !!str cluster: "123"\r\n    namespace: batch\r\n    serviceAccount: ebs-csi-controller-sa\r\n    roleArn: arn:aws:iam::012345678901:role/ledger-writer\r\naccounts:\r\n  - "111122223333"\r\nexceptions:\r\n  - check: ROLE_UNUSED\r\n    resource: arn:aws:iam::111122223333:role/crossplane-*\r\n    reason: accepted risk\r\n    expires: 2028-01-15\r\n',
    ],
  ])('%s', (_, text) => {
    const fast = readDocument(text, 'b.yaml');
    if (fast) expect(fast.value).toEqual(locatingValue(text));
    expect(outcome(() => parseBaseline(text, 'b.yaml'))).toEqual(
      outcome(() => parseBaselineFully(text, 'b.yaml')),
    );
  });

  // Texts js-yaml alone would read as valid baselines: both paths must report yaml's syntax error.
  it.each([
    [
      // `irsa: []` read as a key of the root map.
      'a key written after an indentless list item on its line',
      [
        'version: 1',
        'clusters:',
        '  prod: {account: "111122223333", region: eu-west-1, members: [prod-blue]}',
        'podIdentity:',
        '- {cluster: prod, namespace: payments, serviceAccount: api, roleArn: "arn:aws:iam::111122223333:role/api"} irsa: []',
      ],
      /^b\.yaml:5:\d+ \(yaml\): syntax error/,
    ],
    [
      // The reason read as "accepted\nrisk".
      'a tab line in a multi-line value',
      [
        'version: 1',
        'exceptions:',
        '  - check: ROLE_UNUSED',
        "    resource: 'arn:aws:iam::111122223333:role/crossplane-*'",
        '    reason: accepted',
        '\t',
        '      risk',
      ],
      /^b\.yaml:6:1 \(yaml\): syntax error/,
    ],
  ])('reports %s where yaml does, not as the fast value', (_, lines, firstProblem) => {
    const text = `${lines.join('\n')}\n`;

    const fast = outcome(() => parseBaseline(text, 'b.yaml'));

    expect(fast).toEqual(outcome(() => parseBaselineFully(text, 'b.yaml')));
    expect(fast).toMatchObject({ error: expect.stringContaining('invalid baseline') });
    expect((fast as { problems: string[] }).problems[0]).toMatch(firstProblem);
  });
});

describe('readDocument', () => {
  const valid = `version: 1
clusters:
  prod:
    account: "111122223333"
    region: eu-west-1
    members: [prod-blue]
podIdentity:
  - cluster: prod
    namespace: payments
    serviceAccount: api
    roleArn: arn:aws:iam::111122223333:role/api
`;

  it.each([
    ['block YAML', valid],
    [
      'flow items',
      valid.replace(
        / {2}- cluster: prod\n {4}namespace: payments\n {4}serviceAccount: api\n {4}roleArn: (\S+)\n/,
        '  - {cluster: prod, namespace: payments, serviceAccount: api, roleArn: "$1"}\n',
      ),
    ],
    ['Windows line ends and a byte-order mark', `\uFEFF${valid.replaceAll('\n', '\r\n')}`],
    ['JSON', JSON.stringify(locatingValue(valid), null, 2)],
    ['JSON with a byte-order mark', `\uFEFF${JSON.stringify(locatingValue(valid))}`],
    [
      'an anchor and a merge key',
      `${valid}  - <<: {cluster: prod, namespace: payments}\n    serviceAccount: worker\n    roleArn: arn:aws:iam::111122223333:role/worker\n`,
    ],
    ['a multi-line plain scalar', valid.replace('region: eu-west-1', 'region:\n      eu-west-1')],
  ])('reads %s on the fast path, to the value yaml builds', (_, text) => {
    const fast = readDocument(text, 'b.yaml');
    expect(fast).toBeDefined();
    expect(fast?.value).toEqual(locatingValue(text));
    expect(parseBaseline(text, 'b.yaml')).toEqual(parseBaselineFully(text, 'b.yaml'));
  });

  it.each([
    ['a YAML 1.1 directive (dates, yes/no, octal read otherwise)', `%YAML 1.1\n---\n${valid}`],
    [
      'a tag other than !!str, !!map and !!seq',
      valid.replace('region: eu-west-1', 'region: !!binary ZXUtd2VzdC0x'),
    ],
    ['a cluster name YAML reads as a number', valid.replace('  prod:', '  2024:')],
    ['a key YAML reads as null', valid.replace('  prod:', '  ~:')],
    ['a key YAML reads as null, in capitals', valid.replace('  prod:', '  NULL:')],
    ['a lone carriage return', valid.replace('version: 1\n', 'version: 1\r')],
    ['two documents', `${valid}---\nversion: 1\n`],
    ['a JSON object with a duplicate key', '{"version": 1, "version": 1}'],
    ['a duplicate key', `${valid}version: 1\n`],
    ['a merge key with a tag (a plain key for one parser, a merge for the other)', `!!str <<: ---\n${valid}`],
    [
      'a document marker after a tab in a flow list (text for js-yaml, a marker for yaml)',
      '{"version": 1, "accounts": [\n\t---\n]}',
    ],
    [
      'a line of a tab in a multi-line scalar (an empty line for js-yaml, an error for yaml)',
      valid.replace('region: eu-west-1', 'region: eu-west\n\t\n      -1'),
    ],
  ])('leaves %s to the position-aware parser', (_, text) => {
    expect(readDocument(text, 'b.yaml')).toBeUndefined();
  });

  it('places bindings and clusters at the lines and columns the position-aware parser gives', () => {
    // Prepare: a quoted cluster name, an indentless list, a flow item and an alias item.
    const text = [
      'version: 1',
      'clusters:',
      '  "prod":',
      '    account: "111122223333"',
      '    region: eu-west-1',
      '    members: [prod-blue]',
      'podIdentity:',
      '- &first',
      '  cluster: prod',
      '  namespace: a',
      '  serviceAccount: api',
      '  roleArn: arn:aws:iam::111122223333:role/api',
      '- {cluster: prod, namespace: b, serviceAccount: api, roleArn: "arn:aws:iam::111122223333:role/api"}',
      'irsa:',
      '  - *first',
      '',
    ].join('\n');

    // Act
    const fast = parseBaseline(text, 'b.yaml');

    // Assess
    expect(readDocument(text, 'b.yaml')).toBeDefined();
    expect(fast).toEqual(parseBaselineFully(text, 'b.yaml'));
    expect(fast.clusters[0].location).toEqual({ file: 'b.yaml', line: 3, column: 3 });
    expect(fast.podIdentity.map((binding) => binding.location)).toEqual([
      { file: 'b.yaml', line: 9, column: 3 },
      { file: 'b.yaml', line: 13, column: 3 },
    ]);
    expect(fast.irsa[0].location).toEqual({ file: 'b.yaml', line: 15, column: 5 });
  });
});
