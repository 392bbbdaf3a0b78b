import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixturePath, PROVIDER } from '../trust/support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trust explain', () => {
  it('prints grants and findings as JSON by default', async () => {
    const { code, stdout } = await runCli(
      'trust',
      'explain',
      '--file',
      fixturePath('misconfig-dual-unconditioned.json'),
    );
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed.grants.map((g: { kind: string }) => g.kind)).toEqual(['irsa', 'pod-identity']);
    expect(parsed.findings.map((f: { checkId: string }) => f.checkId)).toEqual([
      'IRSA_NO_SUBJECT_CONDITION',
      'IRSA_NO_AUDIENCE_CONDITION',
      'PI_TRUST_UNSCOPED',
    ]);
    expect(parsed.findings[0]).toMatchObject({
      severity: 'HIGH',
      message: expect.stringContaining('Statement[0]'),
    });
  });

  it('prints a table on request', async () => {
    const { code, stdout } = await runCli(
      'trust',
      'explain',
      '--file',
      fixturePath('misconfig-prefix-wildcard.json'),
      '--format',
      'table',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('GRANTS');
    expect(stdout).toMatch(/HIGH\tIRSA_SUBJECT_WILDCARD/);
    // Each admission is followed by the command that reproduces its witness against the same file.
    expect(stdout).toMatch(
      /\treproduce\teks-identity-audit trust can-assume --file \S*misconfig-prefix-wildcard\.json --irsa --provider \S+ --subject system:serviceaccount:team-\S+ --audience sts\.amazonaws\.com\n/,
    );
  });

  it('reads the URL-encoded document IAM returns', async () => {
    const file = join(dir, 'encoded.txt');
    await writeFile(
      file,
      encodeURIComponent(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'pods.eks.amazonaws.com' },
              Action: ['sts:AssumeRole', 'sts:TagSession'],
            },
          ],
        }),
      ),
    );
    const { code, stdout } = await runCli('trust', 'explain', '--file', file);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).findings[0].checkId).toBe('PI_TRUST_UNSCOPED');
  });

  it('exits 1 with the line and column of invalid JSON', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{\n  "Version": "2012-10-17",\n  "Statement": [ }\n');
    const { code, stdout, stderr } = await runCli('trust', 'explain', '--file', file);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file}: invalid JSON at line 3, column 18`);
  });

  it('exits 1 naming the field of a malformed policy', async () => {
    const file = join(dir, 'malformed.json');
    await writeFile(
      file,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: { StringEquals: 'x' } },
        ],
      }),
    );
    const { code, stderr } = await runCli('trust', 'explain', '--file', file);
    expect(code).toBe(1);
    expect(stderr).toContain('Statement[0].Condition.StringEquals: expected an object');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 for a missing file and an unknown format', async () => {
    expect((await runCli('trust', 'explain', '--file', join(dir, 'nope.json'))).stderr).toContain(
      'no such file',
    );
    const badFormat = await runCli(
      'trust',
      'explain',
      '--file',
      fixturePath('eksctl-irsa.json'),
      '--format',
      'yaml',
    );
    expect(badFormat.code).toBe(1);
    expect(badFormat.stderr).toContain('--format "yaml"');
  });
});

describe('trust can-assume', () => {
  it('answers an IRSA request with allowed true or false, exit 0 either way', async () => {
    const args = [
      'trust',
      'can-assume',
      '--file',
      fixturePath('eksctl-irsa.json'),
      '--irsa',
      '--provider',
      PROVIDER,
    ];
    const yes = await runCli(
      ...args,
      '--subject',
      'system:serviceaccount:kube-system:aws-load-balancer-controller',
    );
    expect(yes.code).toBe(0);
    expect(JSON.parse(yes.stdout)).toMatchObject({ allowed: true });
    const no = await runCli(...args, '--subject', 'system:serviceaccount:default:default');
    expect(no.code).toBe(0);
    expect(JSON.parse(no.stdout)).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('Statement[0]'),
    });
    const wrongAudience = await runCli(
      ...args,
      '--subject',
      'system:serviceaccount:kube-system:aws-load-balancer-controller',
      '--audience',
      'vault',
    );
    expect(JSON.parse(wrongAudience.stdout).allowed).toBe(false);
  });

  it('answers a Pod Identity request with session tags, source account and disabled tags', async () => {
    const args = ['trust', 'can-assume', '--file', fixturePath('pod-identity-abac.json'), '--pod-identity'];
    const tags = [
      '--tag',
      'kubernetes-namespace=payments',
      '--tag',
      'kubernetes-service-account=ledger-writer',
      '--tag',
      'eks-cluster-name=prod-blue',
    ];
    expect(
      JSON.parse((await runCli(...args, ...tags, '--source-account', '111122223333')).stdout).allowed,
    ).toBe(true);
    expect(JSON.parse((await runCli(...args, '--no-session-tags')).stdout).allowed).toBe(false);
  });

  it('says unknown, with the reason, when a condition key is not modeled', async () => {
    const file = join(dir, 'source-ip.json');
    await writeFile(
      file,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
          },
        ],
      }),
    );
    const { code, stdout } = await runCli(
      'trust',
      'can-assume',
      '--file',
      file,
      '--pod-identity',
      '--tag',
      'kubernetes-namespace=a',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      allowed: 'unknown',
      reason: expect.stringContaining('aws:SourceIp'),
    });
  });

  it('answers an AWS principal request with an external id', async () => {
    const args = [
      'trust',
      'can-assume',
      '--file',
      fixturePath('pod-identity-target-role-external-id.json'),
      '--aws-principal',
      'arn:aws:iam::111122223333:role/prod-ledger-association',
    ];
    expect(
      JSON.parse(
        (await runCli(...args, '--external-id', 'us-east-1/111122223333/prod-blue/payments/ledger-writer'))
          .stdout,
      ).allowed,
    ).toBe(true);
    expect(JSON.parse((await runCli(...args)).stdout).allowed).toBe(false);
  });

  it.each([
    [['--irsa', '--pod-identity'], 'exactly one of'],
    [['--irsa', '--subject', 'system:serviceaccount:a:b'], '--irsa needs --provider'],
    [
      ['--irsa', '--provider', 'arn:aws:iam::111122223333:role/x', '--subject', 'system:serviceaccount:a:b'],
      'provider: expected an OIDC provider ARN',
    ],
    [['--pod-identity', '--tag', 'novalue'], '--tag "novalue": expected KEY=VALUE'],
    [['--pod-identity', '--source-account', '1234'], 'expected a 12-digit account id'],
    [['--aws-principal', 'someone'], 'aws-principal: expected an IAM ARN'],
  ])('exits 1 for bad flags %j', async (flags, message) => {
    const { code, stdout, stderr } = await runCli(
      'trust',
      'can-assume',
      '--file',
      fixturePath('eksctl-irsa.json'),
      ...flags,
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });
});
