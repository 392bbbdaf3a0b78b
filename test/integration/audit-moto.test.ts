import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand, DescribeClusterCommand } from '@aws-sdk/client-eks';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Report, ReportSchema } from '../../shared/report/types.js';
import type { UsageListing } from '../../shared/usage-listing.js';
import { runCli } from '../support/cli.js';
import {
  MOTO_MEMBER_ROLE,
  MOTO_STARTING_CREDENTIALS,
  type MotoServer,
  motoInstalled,
  motoMember,
  motoSkipNote,
  startMoto,
} from '../support/moto.js';

/**
 * The live CLI against moto, an AWS emulator this project did not write: moto lists clusters and
 * serves IAM, but answers neither Pod Identity associations, add-ons nor CloudTrail LookupEvents.
 * Whatever rests on those gaps must be reported as incomplete and undecided, never as drift or
 * as unused; what the complete scopes prove (a provider no cluster has) is still reported.
 */
const MEMBER = '210987654321';
const REGION = 'us-east-1';
/** The issuer of a cluster deleted long ago, whose IAM OIDC provider was left behind. */
const DELETED_ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';

/** Checks that claim something is absent, missing or unused. */
const ABSENCE = /_MISSING$|_UNUSED$|^ROLE_NOT_FOUND$|^IRSA_MIGRATION_CANDIDATE$/;

const irsaTrust = (hostPath: string, subject: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${MEMBER}:oidc-provider/${hostPath}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${hostPath}:sub`]: subject, [`${hostPath}:aud`]: 'sts.amazonaws.com' },
        },
      },
    ],
  });

describe.skipIf(!motoInstalled)(`the live CLI against moto_server${motoSkipNote}`, () => {
  let moto: MotoServer | undefined;
  let directory: string;
  let baselinePath: string;
  const savedEnv = { ...process.env };

  /** Runs the CLI in-process with the starting identity in the environment, as an operator would. */
  async function cli(...args: string[]) {
    process.env.AWS_ACCESS_KEY_ID = MOTO_STARTING_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_STARTING_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = REGION;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    return runCli(
      ...args,
      '--endpoint-url',
      moto?.url ?? '',
      '--accounts',
      MEMBER,
      '--regions',
      REGION,
      '--role-name',
      MOTO_MEMBER_ROLE,
      '--max-attempts',
      '2',
    );
  }

  beforeAll(async () => {
    moto = await startMoto();
    directory = await mkdtemp(join(tmpdir(), 'audit-moto-'));
    const { iam, eks } = await motoMember(moto, MEMBER, REGION);
    await eks.send(
      new CreateClusterCommand({
        name: 'prod-blue',
        roleArn: `arn:aws:iam::${MEMBER}:role/eks-cluster`,
        resourcesVpcConfig: { subnetIds: ['subnet-0a1b2c3d'] },
      }),
    );
    const described = await eks.send(new DescribeClusterCommand({ name: 'prod-blue' }));
    const issuer = described.cluster?.identity?.oidc?.issuer ?? '';
    const hostPath = issuer.replace(/^https:\/\//, '');
    for (const url of [issuer, `https://${DELETED_ISSUER}`]) {
      await iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: url,
          ClientIDList: ['sts.amazonaws.com'],
          ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
        }),
      );
    }
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'external-dns',
        AssumeRolePolicyDocument: irsaTrust(hostPath, 'system:serviceaccount:kube-system:external-dns'),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'legacy-etl',
        AssumeRolePolicyDocument: irsaTrust(DELETED_ISSUER, 'system:serviceaccount:etl:runner'),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'app',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'pods.eks.amazonaws.com' },
              Action: ['sts:AssumeRole', 'sts:TagSession'],
              Condition: { StringEquals: { 'aws:SourceAccount': MEMBER } },
            },
          ],
        }),
      }),
    );
    baselinePath = join(directory, 'baseline.yaml');
    await writeFile(
      baselinePath,
      [
        'version: 1',
        'clusters:',
        '  prod:',
        `    account: "${MEMBER}"`,
        `    region: ${REGION}`,
        '    members: [prod-blue]',
        'podIdentity:',
        '  - { cluster: prod, namespace: default, serviceAccount: app, roleArn: "arn:aws:iam::210987654321:role/app" }',
        'irsa:',
        '  - { cluster: prod, namespace: kube-system, serviceAccount: external-dns, roleArn: "arn:aws:iam::210987654321:role/external-dns" }',
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    process.env = savedEnv;
    moto?.process.kill();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  async function audit(): Promise<Report> {
    const output = join(directory, 'report.json');
    const run = await cli(
      'audit',
      '--baseline',
      baselinePath,
      '--format',
      'json',
      '--output',
      output,
      '--fail-on',
      'none',
    );
    expect(run.code, run.stderr).toBe(0);
    return ReportSchema.parse(JSON.parse(await readFile(output, 'utf8')));
  }

  it('claims no drift and nothing unused on what moto could not answer, and reports those gaps', async () => {
    const report = await audit();
    const absence = report.findings.filter((finding) => ABSENCE.test(finding.checkId));
    expect(absence.map((finding) => `${finding.checkId} ${finding.resource.id}`)).toEqual([]);

    const gaps = report.findings.filter((finding) => finding.checkId === 'COLLECTION_INCOMPLETE');
    const gapIds = gaps.map((finding) => finding.resource.id).sort();
    expect(gapIds).toEqual([
      `account/${MEMBER}/region/${REGION}/cloudtrail`,
      `account/${MEMBER}/region/${REGION}/cluster/prod-blue`,
    ]);
    // The declared association and the usage of every workload role are undecided, and counted.
    expect(report.summary.absenceUnknown).toBeGreaterThanOrEqual(1);
    expect(report.summary.usageUnknown).toBeGreaterThanOrEqual(1);
  });

  it('still reports what complete scopes prove: the provider and trust of the deleted cluster', async () => {
    const report = await audit();
    const proven = report.findings
      .filter(
        (finding) =>
          finding.checkId === 'OIDC_PROVIDER_DANGLING' || finding.checkId === 'IRSA_STALE_PROVIDER',
      )
      .map((finding) => [finding.checkId, finding.resource.id, finding.restsOn]);
    expect(proven).toEqual([
      [
        'IRSA_STALE_PROVIDER',
        `arn:aws:iam::${MEMBER}:role/legacy-etl`,
        [{ level: 'region', accountId: MEMBER, region: REGION }],
      ],
      [
        'OIDC_PROVIDER_DANGLING',
        `arn:aws:iam::${MEMBER}:oidc-provider/${DELETED_ISSUER}`,
        [{ level: 'region', accountId: MEMBER, region: REGION }],
      ],
    ]);
  });

  it('lists the IRSA binding as unknown, not unused, in `usage`', async () => {
    const run = await cli('usage', '--baseline', baselinePath, '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    const listing = JSON.parse(run.stdout) as UsageListing;
    const dns = listing.identities.find((identity) => identity.serviceAccount === 'external-dns');
    expect(dns).toMatchObject({ via: 'irsa', status: 'unknown', cluster: 'prod-blue' });
    expect(dns?.reason).toContain(`CloudTrail collection for ${MEMBER} ${REGION} was incomplete`);
    expect(listing.identities.filter((identity) => identity.status === 'unused')).toEqual([]);
  });
});
