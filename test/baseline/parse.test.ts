import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadBaselineFile, parseBaseline, parseBaselineFully } from '../../shared/baseline/parse.js';
import { InputError } from '../../shared/errors.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'baselines');

/** The problems a broken baseline is rejected with (fails the test when it is accepted). */
function problemsOf(text: string, file = 'baseline.yaml'): string[] {
  try {
    parseBaseline(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems;
  }
  throw new Error('expected the baseline to be rejected');
}

const prodCluster = `clusters:
  prod:
    account: "111122223333"
    region: ap-northeast-1
    members: [prod-blue]
`;

describe('parseBaseline: valid baselines', () => {
  it('accepts the documented example verbatim and normalizes every section', async () => {
    // Prepare
    const text = await readFile(join(fixtures, 'design-example.yaml'), 'utf8');

    // Act
    const baseline = parseBaseline(text, 'baseline.yaml');

    // Assess
    expect(baseline.version).toBe(1);
    expect(baseline.settings).toEqual({ unusedAfterDays: 90 });
    expect(baseline.clusters).toEqual([
      {
        name: 'prod',
        account: '111122223333',
        region: 'ap-northeast-1',
        members: ['prod-blue'],
        location: { file: 'baseline.yaml', line: 5, column: 3 },
      },
    ]);
    expect(baseline.podIdentity).toEqual([
      {
        cluster: 'prod',
        namespace: 'default',
        serviceAccount: 's3-full',
        roleArn: 'arn:aws:iam::111122223333:role/s3-full',
        location: { file: 'baseline.yaml', line: 10, column: 5 },
      },
    ]);
    expect(baseline.irsa).toEqual([
      {
        cluster: 'prod',
        namespace: 'kube-system',
        serviceAccount: 'ebs-csi-controller-sa',
        roleArn: 'arn:aws:iam::111122223333:role/ebs-csi',
        location: { file: 'baseline.yaml', line: 16, column: 5 },
      },
    ]);
    expect(baseline.accounts).toEqual(['444455556666']);
    expect(baseline.exceptions).toEqual([
      {
        check: 'IRSA_SUBJECT_WILDCARD',
        resource: 'arn:aws:iam::111122223333:role/crossplane-*',
        reason: 'provider service account names change per revision',
        expires: '2027-03-31',
        location: { file: 'baseline.yaml', line: 22, column: 5 },
      },
    ]);
    expect(baseline.source).toEqual({
      name: 'baseline.yaml',
      sha256: createHash('sha256').update(text).digest('hex'),
    });
  });

  it('reads the JSON form of the same baseline to the same declarations', async () => {
    // Prepare
    const yamlText = await readFile(join(fixtures, 'design-example.yaml'), 'utf8');
    const jsonText = await readFile(join(fixtures, 'design-example.json'), 'utf8');

    // Act
    const fromYaml = parseBaseline(yamlText, 'baseline.yaml');
    const fromJson = parseBaseline(jsonText, 'baseline.json');

    // Assess
    const withoutPlaces = (baseline: typeof fromYaml) =>
      JSON.parse(JSON.stringify({ ...baseline, source: undefined }), (key, value) =>
        key === 'location' ? undefined : value,
      );
    expect(withoutPlaces(fromJson)).toEqual(withoutPlaces(fromYaml));
    expect(fromJson.podIdentity[0].location).toEqual({ file: 'baseline.json', line: 12, column: 5 });
  });

  it('accepts a minimal baseline and fills the defaults', async () => {
    // Prepare
    const text = await readFile(join(fixtures, 'minimal.yaml'), 'utf8');

    // Act
    const baseline = parseBaseline(text, 'minimal.yaml');

    // Assess
    expect(baseline.settings.unusedAfterDays).toBe(90);
    expect(baseline.clusters.map((cluster) => cluster.account)).toEqual(['012345678901']);
    expect(baseline).toMatchObject({ podIdentity: [], irsa: [], accounts: [], exceptions: [] });
  });

  it('accepts a cutover baseline with two members, a target role, paths in role ARNs and disabled session tags', async () => {
    // Prepare
    const text = await readFile(join(fixtures, 'cutover.yaml'), 'utf8');

    // Act
    const baseline = parseBaseline(text, 'cutover.yaml');

    // Assess
    expect(baseline.settings.unusedAfterDays).toBe(30);
    expect(baseline.clusters.map((cluster) => [cluster.name, cluster.members])).toEqual([
      ['prod', ['prod-blue', 'prod-green']],
      ['tools', ['tools']],
    ]);
    expect(baseline.podIdentity[1].targetRoleArn).toBe('arn:aws:iam::444455556666:role/ledger-writer');
    expect(baseline.podIdentity[3].disableSessionTags).toBe(true);
    expect(baseline.podIdentity[0]).not.toHaveProperty('disableSessionTags');
    // The same service account of two clusters is two bindings, not a duplicate.
    expect(baseline.irsa).toHaveLength(2);
  });

  it('accepts one service account declared for two IRSA roles (a token can assume either)', () => {
    // Prepare
    const text = `version: 1
${prodCluster}irsa:
  - { cluster: prod, namespace: batch, serviceAccount: etl, roleArn: "arn:aws:iam::111122223333:role/etl-read" }
  - { cluster: prod, namespace: batch, serviceAccount: etl, roleArn: "arn:aws:iam::111122223333:role/etl-write" }
`;

    // Act
    const baseline = parseBaseline(text, 'baseline.yaml');

    // Assess
    expect(baseline.irsa.map((binding) => binding.roleArn)).toEqual([
      'arn:aws:iam::111122223333:role/etl-read',
      'arn:aws:iam::111122223333:role/etl-write',
    ]);
  });

  it('reads bindings that merge one anchored map, hundreds of times, in block and flow style', () => {
    // Prepare: 500 uses of one anchor, beyond the 100 the YAML library allows on its own.
    const items = Array.from({ length: 500 }, (_, index) =>
      index % 2 === 0
        ? `  - <<: *defaults\n    serviceAccount: app-${index}\n    roleArn: arn:aws:iam::111122223333:role/app-${index}`
        : `  - {<<: *defaults, serviceAccount: app-${index}, roleArn: "arn:aws:iam::111122223333:role/app-${index}"}`,
    );
    const text = `version: 1\n${prodCluster}podIdentity:\n  - &defaults\n    cluster: prod\n    namespace: apps\n    serviceAccount: first\n    roleArn: arn:aws:iam::111122223333:role/first\n${items.join('\n')}\n`;

    // Act
    const baseline = parseBaseline(text, 'baseline.yaml');

    // Assess
    expect(baseline.podIdentity).toHaveLength(501);
    expect(baseline.podIdentity[500]).toMatchObject({
      cluster: 'prod',
      namespace: 'apps',
      serviceAccount: 'app-499',
      location: { line: 1012, column: 5 },
    });
    expect(baseline).toEqual(parseBaselineFully(text, 'baseline.yaml'));
  });

  it('reads an unquoted expiry date as a date under YAML 1.1, where it becomes a timestamp', () => {
    // Prepare
    const text = `%YAML 1.1
---
version: 1
exceptions:
  - check: IRSA_SUBJECT_WILDCARD
    resource: "*"
    reason: accepted risk
    expires: 2027-03-31
`;

    // Act
    const baseline = parseBaseline(text, 'baseline.yaml');

    // Assess
    expect(baseline.exceptions[0].expires).toBe('2027-03-31');
  });
});

/** One broken baseline: the exact `file:line:col field:` prefix of the problem and part of its message. */
interface BrokenCase {
  name: string;
  text: string;
  prefix: string;
  message: string;
}

const broken: BrokenCase[] = [
  {
    name: 'an empty file',
    text: '',
    prefix: 'baseline.yaml:1:1 (document):',
    message: 'the file is empty',
  },
  {
    name: 'a file with only comments',
    text: '# TODO: declare the clusters\n',
    prefix: 'baseline.yaml:1:1 (document):',
    message: 'the file is empty',
  },
  {
    name: 'a list instead of a map at the top',
    text: '- version: 1\n',
    prefix: 'baseline.yaml:1:1 (document):',
    message: 'got a list',
  },
  {
    name: 'a missing version',
    text: prodCluster,
    prefix: 'baseline.yaml:1:1 version:',
    message: 'a baseline starts with "version: 1"',
  },
  {
    name: 'an unsupported version',
    text: `version: 2\n${prodCluster}`,
    prefix: 'baseline.yaml:1:10 version:',
    message: 'unsupported baseline version 2',
  },
  {
    name: 'a quoted version',
    text: `version: "1"\n${prodCluster}`,
    prefix: 'baseline.yaml:1:10 version:',
    message: 'expected the number 1, got the text "1"',
  },
  {
    name: 'an unquoted account id',
    text: 'version: 1\nclusters:\n  prod:\n    account: 111122223333\n    region: ap-northeast-1\n    members: [prod-blue]\n',
    prefix: 'baseline.yaml:4:14 clusters.prod.account:',
    message: 'account ids must be quoted strings, like "111122223333"',
  },
  {
    name: 'an unquoted account id that lost its leading zero',
    text: 'version: 1\nclusters:\n  prod:\n    account: 012345678901\n    region: ap-northeast-1\n    members: [prod-blue]\n',
    prefix: 'baseline.yaml:4:14 clusters.prod.account:',
    message: 'like "012345678901": unquoted, YAML reads a number and drops leading zeros',
  },
  {
    name: 'an account id with 11 digits',
    text: 'version: 1\nclusters:\n  prod:\n    account: "11112222333"\n    region: ap-northeast-1\n    members: [prod-blue]\n',
    prefix: 'baseline.yaml:4:14 clusters.prod.account:',
    message: 'expected exactly 12 digits',
  },
  {
    name: 'a region with a typo',
    text: 'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: ap-northeast\n    members: [prod-blue]\n',
    prefix: 'baseline.yaml:5:13 clusters.prod.region:',
    message: 'expected an AWS region like us-east-1',
  },
  {
    name: 'members given as one name instead of a list',
    text: 'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: ap-northeast-1\n    members: prod-blue\n',
    prefix: 'baseline.yaml:6:14 clusters.prod.members:',
    message: 'expected a list of EKS cluster names, got the text "prod-blue"',
  },
  {
    name: 'an empty member list',
    text: 'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: ap-northeast-1\n    members: []\n',
    prefix: 'baseline.yaml:6:14 clusters.prod.members:',
    message: 'expected at least one member cluster',
  },
  {
    name: 'a member name EKS would reject',
    text: 'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: ap-northeast-1\n    members: [prod-blue, -prod-green]\n',
    prefix: 'baseline.yaml:6:26 clusters.prod.members[1]:',
    message: 'expected an EKS cluster name',
  },
  {
    name: 'a logical cluster name EKS would reject',
    text: 'version: 1\nclusters:\n  prod.eu:\n    account: "111122223333"\n    region: eu-west-1\n    members: [prod-eu]\n',
    prefix: 'baseline.yaml:3:3 clusters["prod.eu"]:',
    message: 'a logical cluster name follows the EKS cluster name rules',
  },
  {
    name: 'a physical cluster in two logical clusters',
    text: `version: 1
clusters:
  prod:
    account: "111122223333"
    region: ap-northeast-1
    members: [prod-blue]
  prod-next:
    account: "111122223333"
    region: ap-northeast-1
    members: [prod-green, prod-blue]
`,
    prefix: 'baseline.yaml:10:27 clusters.prod-next.members[1]:',
    message: 'is already a member of logical cluster `prod` at line 6',
  },
  {
    name: 'a misspelled field, with a hint',
    text: `version: 1
${prodCluster}podIdentity:
  - cluster: prod
    namespace: default
    serviceAcount: s3-full
    roleArn: arn:aws:iam::111122223333:role/s3-full
`,
    prefix: 'baseline.yaml:10:5 podIdentity[0].serviceAcount:',
    message: 'unknown field `serviceAcount`; did you mean `serviceAccount`?',
  },
  {
    name: 'an unknown top-level field, with a hint',
    text: `version: 1\n${prodCluster}exception: []\n`,
    prefix: 'baseline.yaml:7:1 exception:',
    message: 'did you mean `exceptions`?',
  },
  {
    name: 'an unknown setting',
    text: 'version: 1\nsettings:\n  unusedDays: 30\n',
    prefix: 'baseline.yaml:3:3 settings.unusedDays:',
    message: 'unknown field `unusedDays`; did you mean `unusedAfterDays`?',
  },
  {
    name: 'a role ARN that is not an IAM role',
    text: `version: 1
${prodCluster}podIdentity:
  - cluster: prod
    namespace: default
    serviceAccount: s3-full
    roleArn: arn:aws:iam::111122223333:user/s3-full
`,
    prefix: 'baseline.yaml:11:14 podIdentity[0].roleArn:',
    message: 'expected an IAM role ARN like arn:aws:iam::123456789012:role/NAME',
  },
  {
    name: 'a missing role ARN, located at its binding',
    text: `version: 1
${prodCluster}irsa:
  - cluster: prod
    namespace: kube-system
    serviceAccount: ebs-csi-controller-sa
`,
    prefix: 'baseline.yaml:8:5 irsa[0].roleArn:',
    message: 'required field is missing',
  },
  {
    name: 'an association role in another account than its cluster',
    text: `version: 1
${prodCluster}podIdentity:
  - cluster: prod
    namespace: payments
    serviceAccount: ledger
    roleArn: arn:aws:iam::444455556666:role/ledger-writer
`,
    prefix: 'baseline.yaml:11:14 podIdentity[0].roleArn:',
    message: "the association role must be in the cluster's account 111122223333, not 444455556666",
  },
  {
    name: 'a binding naming an undeclared logical cluster',
    text: `version: 1
${prodCluster}irsa:
  - cluster: prd
    namespace: kube-system
    serviceAccount: ebs-csi-controller-sa
    roleArn: arn:aws:iam::111122223333:role/ebs-csi
`,
    prefix: 'baseline.yaml:8:14 irsa[0].cluster:',
    message: 'unknown logical cluster `prd`; did you mean `prod`?',
  },
  {
    name: 'a namespace with capitals',
    text: `version: 1
${prodCluster}podIdentity:
  - cluster: prod
    namespace: Payments
    serviceAccount: ledger
    roleArn: arn:aws:iam::111122223333:role/ledger
`,
    prefix: 'baseline.yaml:9:16 podIdentity[0].namespace:',
    message: 'expected a Kubernetes namespace name',
  },
  {
    name: 'a service account name with an underscore',
    text: `version: 1
${prodCluster}podIdentity:
  - cluster: prod
    namespace: payments
    serviceAccount: ledger_writer
    roleArn: arn:aws:iam::111122223333:role/ledger
`,
    prefix: 'baseline.yaml:10:21 podIdentity[0].serviceAccount:',
    message: 'expected a Kubernetes service account name',
  },
  {
    name: 'a duplicate Pod Identity binding',
    text: `version: 1
${prodCluster}podIdentity:
  - cluster: prod
    namespace: default
    serviceAccount: s3-full
    roleArn: arn:aws:iam::111122223333:role/s3-full
  - cluster: prod
    namespace: default
    serviceAccount: s3-full
    roleArn: arn:aws:iam::111122223333:role/s3-full-v2
`,
    prefix: 'baseline.yaml:12:5 podIdentity[1]:',
    message: 'duplicate binding: prod default/s3-full is already declared at podIdentity[0] (line 8)',
  },
  {
    name: 'a duplicate IRSA binding',
    text: `version: 1
${prodCluster}irsa:
  - { cluster: prod, namespace: kube-system, serviceAccount: ebs-csi-controller-sa, roleArn: "arn:aws:iam::111122223333:role/ebs-csi" }
  - { cluster: prod, namespace: kube-system, serviceAccount: ebs-csi-controller-sa, roleArn: "arn:aws:iam::111122223333:role/ebs-csi" }
`,
    prefix: 'baseline.yaml:9:5 irsa[1]:',
    message: 'duplicate binding',
  },
  {
    name: 'disableSessionTags written as a string',
    text: `version: 1
${prodCluster}podIdentity:
  - cluster: prod
    namespace: default
    serviceAccount: s3-full
    roleArn: arn:aws:iam::111122223333:role/s3-full
    disableSessionTags: "true"
`,
    prefix: 'baseline.yaml:12:25 podIdentity[0].disableSessionTags:',
    message: 'expected true or false (unquoted), got the text "true"',
  },
  {
    name: 'an unused window beyond CloudTrail history',
    text: 'version: 1\nsettings:\n  unusedAfterDays: 180\n',
    prefix: 'baseline.yaml:3:20 settings.unusedAfterDays:',
    message: 'expected at most 90 days',
  },
  {
    name: 'a fractional unused window',
    text: 'version: 1\nsettings:\n  unusedAfterDays: 7.5\n',
    prefix: 'baseline.yaml:3:20 settings.unusedAfterDays:',
    message: 'expected a whole number of days',
  },
  {
    name: 'a zero-day unused window',
    text: 'version: 1\nsettings:\n  unusedAfterDays: 0\n',
    prefix: 'baseline.yaml:3:20 settings.unusedAfterDays:',
    message: 'expected at least 1 day',
  },
  {
    name: 'an expiry date in another format',
    text: 'version: 1\nexceptions:\n  - check: IRSA_SUBJECT_WILDCARD\n    resource: "*"\n    reason: accepted\n    expires: 31/03/2027\n',
    prefix: 'baseline.yaml:6:14 exceptions[0].expires:',
    message: 'expected a date YYYY-MM-DD, like 2027-03-31, got the text "31/03/2027"',
  },
  {
    name: 'an expiry date that is not on the calendar',
    text: 'version: 1\nexceptions:\n  - check: IRSA_SUBJECT_WILDCARD\n    resource: "*"\n    reason: accepted\n    expires: 2027-02-29\n',
    prefix: 'baseline.yaml:6:14 exceptions[0].expires:',
    message: '2027-02-29 is not a calendar date',
  },
  {
    name: 'an expiry with a time of day under YAML 1.1',
    text: '%YAML 1.1\n---\nversion: 1\nexceptions:\n  - check: IRSA_SUBJECT_WILDCARD\n    resource: "*"\n    reason: accepted\n    expires: 2027-03-31T12:00:00Z\n',
    prefix: 'baseline.yaml:8:14 exceptions[0].expires:',
    message: 'without a time of day',
  },
  {
    name: 'an exception check id that is not SCREAMING_SNAKE',
    text: 'version: 1\nexceptions:\n  - check: irsa-subject-wildcard\n    resource: "*"\n    reason: accepted\n',
    prefix: 'baseline.yaml:3:12 exceptions[0].check:',
    message: 'expected a check id in SCREAMING_SNAKE case',
  },
  {
    name: 'an exception without a reason',
    text: 'version: 1\nexceptions:\n  - check: IRSA_SUBJECT_WILDCARD\n    resource: "*"\n    reason: "  "\n',
    prefix: 'baseline.yaml:5:13 exceptions[0].reason:',
    message: 'expected a reason',
  },
  {
    name: 'an account listed twice',
    text: 'version: 1\naccounts: ["444455556666", "555566667777", "444455556666"]\n',
    prefix: 'baseline.yaml:2:44 accounts[2]:',
    message: 'account 444455556666 is listed twice',
  },
  {
    name: 'clusters written as a list',
    text: 'version: 1\nclusters:\n  - name: prod\n    account: "111122223333"\n',
    prefix: 'baseline.yaml:3:3 clusters:',
    message: 'expected a map of logical cluster name to { account, region, members }, got a list',
  },
  {
    name: 'a YAML syntax error (an unclosed flow list)',
    text: 'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: ap-northeast-1\n    members: [prod-blue\npodIdentity: []\n',
    prefix: 'baseline.yaml:7:1 (yaml):',
    message: 'syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
  },
  {
    name: 'a tab used for indentation',
    text: 'version: 1\nsettings:\n\tunusedAfterDays: 30\n',
    prefix: 'baseline.yaml:3:1 (yaml):',
    message: 'syntax error: Tabs are not allowed as indentation',
  },
  {
    name: 'a duplicate key',
    text: `version: 1\n${prodCluster}version: 1\n`,
    prefix: 'baseline.yaml:7:1 (yaml):',
    message: 'duplicate key `version`',
  },
  {
    name: 'a JSON baseline with a missing field',
    text: '{\n  "version": 1,\n  "clusters": {\n    "prod": { "account": "111122223333", "members": ["prod"] }\n  }\n}\n',
    prefix: 'baseline.yaml:4:13 clusters.prod.region:',
    message: 'required field is missing',
  },
];

describe('parseBaseline: broken baselines give located errors', () => {
  it.each(broken)('rejects $name at the exact file:line:col field', ({ text, prefix, message }) => {
    // Act
    const problems = problemsOf(text);

    // Assess
    const located = problems.find((problem) => problem.startsWith(`${prefix} `));
    expect(located, `no problem starts with "${prefix}" in:\n${problems.join('\n')}`).toBeDefined();
    expect(located).toContain(message);
  });

  it('names the file as given in every problem and the count in the message', () => {
    // Act
    let caught: unknown;
    try {
      parseBaseline('version: 3\n', 's3://audit-config/prod/baseline.yaml');
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).message).toBe(
      's3://audit-config/prod/baseline.yaml: invalid baseline (1 problem)',
    );
    expect((caught as InputError).problems).toEqual([
      's3://audit-config/prod/baseline.yaml:1:10 version: unsupported baseline version 3: this release reads version 1',
    ]);
  });

  it('reports every problem at once, in file order', async () => {
    // Prepare
    const text = await readFile(join(fixtures, 'broken.yaml'), 'utf8');

    // Act
    const problems = problemsOf(text, 'broken.yaml');

    // Assess
    expect(problems.map((problem) => problem.slice(0, problem.indexOf(': ')))).toEqual([
      'broken.yaml:4:14 clusters.prod.account',
      'broken.yaml:8:5 podIdentity[0].serviceAccount',
      'broken.yaml:10:5 podIdentity[0].serviceAcount',
      'broken.yaml:12:14 podIdentity[1].cluster',
      'broken.yaml:15:14 podIdentity[1].roleArn',
    ]);
  });

  it('lists the known fields when an unknown one is not close to any', () => {
    // Act
    const problems = problemsOf(`version: 1\n${prodCluster}owner: platform-team\n`);

    // Assess
    expect(problems).toEqual([
      'baseline.yaml:7:1 owner: unknown field `owner`; expected one of `version`, `settings`, `clusters`, `podIdentity`, `irsa`, `accounts`, `exceptions`',
    ]);
  });

  it('reports problems before a syntax error together with it', () => {
    // Prepare
    const text = 'version: 2\nsettings:\n  unusedAfterDays: 30\nclusters: [a, b\n';

    // Act
    const problems = problemsOf(text);

    // Assess
    expect(problems[0]).toBe(
      'baseline.yaml:1:10 version: unsupported baseline version 2: this release reads version 1',
    );
    expect(problems.some((problem) => problem.includes('(yaml): syntax error'))).toBe(true);
  });

  it('does not blame an empty parent or an unknown cluster on lines a syntax error swallowed', () => {
    // Prepare: the tab-indented cluster is lost, which leaves `clusters:` empty and `prod` undeclared.
    const text =
      'version: 1\nclusters:\n\tprod:\n    account: "111122223333"\npodIdentity:\n  - cluster: prod\n    namespace: app\n    serviceAccount: api\n    roleArn: arn:aws:iam::111122223333:role/api\n';

    // Act
    const problems = problemsOf(text);

    // Assess
    expect(problems).toEqual(['baseline.yaml:3:1 (yaml): syntax error: Tabs are not allowed as indentation']);
  });

  it('reports an alias to an undefined anchor where it is, not as an empty file', () => {
    const text =
      'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    members: *blue\n';
    expect(problemsOf(text)).toEqual([
      'baseline.yaml:6:14 (yaml): alias `*blue` names no anchor `&blue` defined before it',
    ]);
  });

  it('rejects an alias to the node that contains it, at the start of the file', () => {
    const text = `version: 1\n${prodCluster}accounts: &loop [*loop]\n`;
    expect(problemsOf(text)).toEqual([
      'baseline.yaml:1:1 (yaml): the document cannot be built: an alias refers to the node that contains it',
    ]);
  });

  it('reports only the tab when a tab-indented list item derails the parser, and prints no warning', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const text =
      'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    members:\n\t- prod-blue\n';
    expect(problemsOf(text)).toEqual([
      'baseline.yaml:7:1 (yaml): syntax error: Tabs are not allowed as indentation',
    ]);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('does not check the account of a cross-account target role or an IRSA role (near-miss)', () => {
    // Prepare
    const text = `version: 1
${prodCluster}podIdentity:
  - cluster: prod
    namespace: payments
    serviceAccount: ledger
    roleArn: arn:aws:iam::111122223333:role/ledger-source
    targetRoleArn: arn:aws:iam::444455556666:role/ledger-writer
irsa:
  - cluster: prod
    namespace: payments
    serviceAccount: ledger-irsa
    roleArn: arn:aws:iam::444455556666:role/ledger-irsa
`;

    // Act
    const baseline = parseBaseline(text, 'baseline.yaml');

    // Assess
    expect(baseline.podIdentity[0].targetRoleArn).toBe('arn:aws:iam::444455556666:role/ledger-writer');
    expect(baseline.irsa[0].roleArn).toBe('arn:aws:iam::444455556666:role/ledger-irsa');
  });

  it('allows the same physical cluster name in another account (near-miss for the two-logical-clusters rule)', () => {
    // Prepare
    const text = `version: 1
clusters:
  prod-a:
    account: "111122223333"
    region: us-east-1
    members: [prod]
  prod-b:
    account: "444455556666"
    region: us-east-1
    members: [prod]
`;

    // Act
    const baseline = parseBaseline(text, 'baseline.yaml');

    // Assess
    expect(baseline.clusters.map((cluster) => cluster.name)).toEqual(['prod-a', 'prod-b']);
  });
});

describe('loadBaselineFile', () => {
  it('reads a file and names it as the source', async () => {
    // Act
    const path = join(fixtures, 'minimal.yaml');
    const baseline = await loadBaselineFile(path);

    // Assess
    expect(baseline.source.name).toBe(path);
    expect(baseline.clusters[0].location?.file).toBe(path);
  });

  it('names the path when the file does not exist', async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'baseline-'));
    const path = join(directory, 'missing.yaml');

    // Act
    const loading = loadBaselineFile(path);

    // Assess
    await expect(loading).rejects.toThrow(InputError);
    await expect(loading).rejects.toThrow(`baseline ${path}: file not found`);
    await rm(directory, { recursive: true });
  });
});
