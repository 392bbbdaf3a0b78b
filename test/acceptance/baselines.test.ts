import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * Baselines a reviewer might write, through `baseline validate`: broken ones must exit 1 with every
 * problem located as `file:line:col field: message`; valid edge cases must exit 0.
 */

const CLUSTER =
  'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    members: [prod-blue]\n';
const binding = (roleArn = 'arn:aws:iam::111122223333:role/api') =>
  `  - cluster: prod\n    namespace: app\n    serviceAccount: api\n    roleArn: ${roleArn}\n`;

interface Broken {
  name: string;
  text: string;
  /** Every problem line, as `LINE:COL field: start of the message`, in file order. */
  problems: string[];
}

const broken: Broken[] = [
  {
    name: 'tab-indented list item',
    text: 'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    members:\n\t- prod-blue\n',
    problems: ['7:1 (yaml): syntax error: Tabs are not allowed as indentation'],
  },
  {
    name: 'alias to an anchor that does not exist',
    text: 'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    members: *blue\n',
    problems: ['6:14 (yaml): alias `*blue` names no anchor `&blue` defined before it'],
  },
  {
    name: 'duplicate key',
    text: 'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    region: eu-west-2\n    members: [prod-blue]\n',
    problems: ['6:5 (yaml): duplicate key `region`'],
  },
  {
    name: 'window as quoted text',
    text: `${CLUSTER}settings:\n  unusedAfterDays: "30"\n`,
    problems: ['8:20 settings.unusedAfterDays: '],
  },
  {
    name: 'window longer than CloudTrail history',
    text: `${CLUSTER}settings:\n  unusedAfterDays: 365\n`,
    problems: ['8:20 settings.unusedAfterDays: expected at most 90 days'],
  },
  {
    name: 'account id as a number',
    text: 'version: 1\nclusters:\n  prod:\n    account: 111122223333\n    region: eu-west-1\n    members: [prod-blue]\n',
    problems: ['4:14 clusters.prod.account: account ids must be quoted strings'],
  },
  {
    name: 'members as a scalar',
    text: 'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    members: prod-blue\n',
    problems: ['6:14 clusters.prod.members: expected a list of EKS cluster names, got the text "prod-blue"'],
  },
  {
    name: 'unknown top-level key',
    text: `${CLUSTER}exception:\n  - check: CLUSTER_UNDECLARED\n    resource: "*"\n    reason: lab\n`,
    problems: ['7:1 exception: unknown field `exception`; did you mean `exceptions`?'],
  },
  {
    name: 'byte order mark and an 11-digit account',
    text: '\uFEFFversion: 1\nclusters:\n  prod:\n    account: "11112222333"\n    region: eu-west-1\n    members: [prod-blue]\n',
    problems: ['4:14 clusters.prod.account: expected exactly 12 digits'],
  },
  {
    name: 'CRLF line endings and a cluster name with a space',
    text: 'version: 1\r\nclusters:\r\n  prod:\r\n    account: "111122223333"\r\n    region: eu-west-1\r\n    members: [prod-blue, "prod blue"]\r\n',
    problems: ['6:26 clusters.prod.members[1]: '],
  },
  {
    name: 'the same Pod Identity binding twice',
    text: `${CLUSTER}podIdentity:\n${binding()}${binding('arn:aws:iam::111122223333:role/api-v2')}`,
    problems: [
      '12:5 podIdentity[1]: duplicate binding: prod app/api is already declared at podIdentity[0] (line 8)',
    ],
  },
  {
    name: 'association role in another account',
    text: `${CLUSTER}podIdentity:\n${binding('arn:aws:iam::444455556666:role/api')}`,
    problems: [
      "11:14 podIdentity[0].roleArn: the association role must be in the cluster's account 111122223333",
    ],
  },
  {
    name: 'binding to an undeclared logical cluster, with a typo',
    text: `${CLUSTER}irsa:\n  - cluster: prd\n    namespace: app\n    serviceAccount: api\n    roleArn: arn:aws:iam::111122223333:role/api\n`,
    problems: ['8:14 irsa[0].cluster: unknown logical cluster `prd`; did you mean `prod`?'],
  },
  {
    name: 'expiry in day/month/year order',
    text: `${CLUSTER}exceptions:\n  - check: CLUSTER_UNDECLARED\n    resource: "*"\n    reason: lab\n    expires: 31/03/2027\n`,
    problems: ['11:14 exceptions[0].expires: expected a date YYYY-MM-DD'],
  },
  {
    name: 'version as text',
    text: 'version: "1"\n',
    problems: ['1:10 version: '],
  },
  {
    name: 'an anchor that makes one physical cluster a member twice',
    text: `version: 1\nclusters:\n  prod: &prod\n    account: "111122223333"\n    region: eu-west-1\n    members: [prod-blue]\n  prod-copy: *prod\n`,
    problems: ['7:14 clusters.prod-copy'],
  },
  {
    name: 'JSON with members as a string',
    text: '{\n  "version": 1,\n  "clusters": {\n    "prod": { "account": "111122223333", "region": "eu-west-1", "members": "prod-blue" }\n  }\n}\n',
    problems: ['4:76 clusters.prod.members: expected a list of EKS cluster names'],
  },
  {
    name: 'several problems at once, in file order',
    text: 'version: 1\nclusters:\n  prod:\n    acount: "111122223333"\n    region: eu-west-1\n    members: [prod-blue]\nirsa:\n  - cluster: prod\n    namespace: App\n    serviceAccount: api\n    roleArn: arn:aws:iam::111122223333:api\n',
    problems: [
      // Located at the map that lacks it, which starts at its first key.
      '4:5 clusters.prod.account: required field is missing',
      '4:5 clusters.prod.acount: unknown field `acount`; did you mean `account`?',
      '9:16 irsa[0].namespace: ',
      '11:14 irsa[0].roleArn: expected an IAM role ARN',
    ],
  },
];

const valid: Array<{ name: string; text: string }> = [
  { name: 'only the version', text: 'version: 1\n' },
  {
    name: 'comments and empty lists',
    text: '# declared nothing yet\nversion: 1 # the only required key\nsettings: {}\nclusters: {}\npodIdentity: []\nirsa: []\naccounts: []\nexceptions: []\n',
  },
  {
    name: 'JSON',
    text: JSON.stringify({
      version: 1,
      settings: { unusedAfterDays: 30 },
      clusters: {
        prod: { account: '111122223333', region: 'eu-west-1', members: ['prod-blue', 'prod-green'] },
      },
      podIdentity: [
        {
          cluster: 'prod',
          namespace: 'app',
          serviceAccount: 'api',
          roleArn: 'arn:aws:iam::111122223333:role/api',
          disableSessionTags: false,
        },
      ],
      accounts: ['444455556666'],
    }),
  },
  {
    name: 'bindings before the clusters they name',
    text: `version: 1\npodIdentity:\n${binding()}clusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    members: [prod-blue]\n`,
  },
  {
    name: 'anchors and aliases for repeated values',
    text: `version: 1\nclusters:\n  prod:\n    account: &workloads "111122223333"\n    region: &region eu-west-1\n    members: [prod-blue]\n  staging:\n    account: *workloads\n    region: *region\n    members: [staging-blue]\npodIdentity:\n  - &api { cluster: prod, namespace: app, serviceAccount: api, roleArn: "arn:aws:iam::111122223333:role/api" }\nirsa:\n  - *api\n`,
  },
  { name: 'a byte order mark', text: `\uFEFF${CLUSTER}` },
  { name: 'CRLF line endings', text: `${CLUSTER}podIdentity:\n${binding()}`.replace(/\n/g, '\r\n') },
  {
    name: 'an exception expiring on a leap day, with a role path',
    text: `${CLUSTER}irsa:\n${binding('arn:aws:iam::111122223333:role/platform/dns')}exceptions:\n  - check: IRSA_SUBJECT_WILDCARD\n    resource: arn:aws:iam::111122223333:role/platform/*\n    reason: per-tenant service accounts\n    expires: 2028-02-29\n`,
  },
];

const validate = (file: string) => runCli('baseline', 'validate', file);

let dir: string;
const fileFor = (name: string) => join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acceptance-baselines-'));
  for (const { name, text } of [...broken, ...valid]) await writeFile(fileFor(name), text);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('acceptance: broken baselines', () => {
  it('has at least ten', () => {
    expect(broken.length).toBeGreaterThanOrEqual(10);
  });

  it.each(broken)('$name: exit 1 with each problem located', async ({ name, problems }) => {
    const file = fileFor(name);
    const { code, stdout, stderr } = await validate(file);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(/\n\s+at /);
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `error: ${file}: invalid baseline (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'})`,
    );
    const reported = lines.slice(1).map((line) => line.trim());
    expect(reported).toHaveLength(problems.length);
    reported.forEach((line, index) => {
      expect(line.startsWith(`${file}:${problems[index]}`), `${line}\n  expected ${problems[index]}`).toBe(
        true,
      );
    });
  });

  it('an empty file names the problem and exits 1', async () => {
    const file = join(dir, 'empty.yaml');
    await writeFile(file, '\n# nothing here\n');
    const { code, stderr } = await validate(file);
    expect(code).toBe(1);
    expect(stderr).toContain('the file is empty');
  });
});

describe('acceptance: valid baseline edge cases', () => {
  it.each(valid)('$name: exit 0 with a one-line summary', async ({ name }) => {
    const file = fileFor(name);
    const { code, stdout, stderr } = await validate(file);
    expect(code, stderr).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(stdout).toContain('valid');
  });
});
