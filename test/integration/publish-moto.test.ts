import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRecordSchema } from '../../shared/publish/record.js';
import { ReportSchema } from '../../shared/report/types.js';
import { runCli } from '../support/cli.js';
import { type Moto, motoInstalled, startMoto } from './moto.js';

/**
 * moto (a Python AWS emulator) as the referee for publishing: like AWS, its SNS knows a topic only
 * in the topic's region and its Security Hub keeps findings per region. The live CLI, with the
 * caller's region (AWS_REGION) other than the baseline's cluster region, must publish there.
 */
/** moto's default account: the starting identity's, with any credentials. */
const ACCOUNT = '123456789012';
const CLUSTER_REGION = 'eu-west-1';
const CALLER_REGION = 'us-east-2';
const BUCKET = 'audit-reports-east';
const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

describe.skipIf(!motoInstalled)(
  `publishing against moto_server${motoInstalled ? '' : ' (skipped: moto_server is not installed)'}`,
  () => {
    let moto: Moto | undefined;
    let directory: string;
    let baseline: string;
    let topicArn: string;
    const saved = { ...process.env };
    const client = (region: string) => ({
      endpoint: moto?.url,
      region,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });

    beforeAll(async () => {
      moto = await startMoto();
      directory = await mkdtemp(join(tmpdir(), 'publish-moto-'));
      baseline = join(directory, 'baseline.yaml');
      // One declared cluster in eu-west-1 that moto does not have: a HIGH CLUSTER_MISSING to publish.
      await writeFile(
        baseline,
        `version: 1\nclusters:\n  prod:\n    account: "${ACCOUNT}"\n    region: ${CLUSTER_REGION}\n    members: [prod-blue]\n`,
      );
      await new S3Client({ ...client(CALLER_REGION), forcePathStyle: true }).send(
        new CreateBucketCommand({
          Bucket: BUCKET,
          CreateBucketConfiguration: { LocationConstraint: CALLER_REGION },
        }),
      );
      topicArn = (await new SNSClient(client(CALLER_REGION)).send(new CreateTopicCommand({ Name: 'audit' })))
        .TopicArn as string;
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_REGION: CALLER_REGION,
        AWS_CONFIG_FILE: join(directory, 'no-such-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(directory, 'no-such-credentials'),
      });
      delete process.env.AWS_PROFILE;
      delete process.env.AWS_SESSION_TOKEN;
      delete process.env.AWS_DEFAULT_REGION;
    }, 60_000);

    afterAll(async () => {
      process.env = saved;
      moto?.process.kill();
      if (directory) await rm(directory, { recursive: true, force: true });
    });

    it('referee: moto refuses the topic from any region but its own, as SNS does', async () => {
      await expect(
        new SNSClient(client(CLUSTER_REGION)).send(new PublishCommand({ TopicArn: topicArn, Message: 'm' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    });

    it("publishes the live audit's report, notifications and findings in AWS_REGION, not the cluster's region", async () => {
      const run = await runCli(
        'audit',
        '--baseline',
        baseline,
        '--endpoint-url',
        moto?.url ?? '',
        '--no-cloudtrail',
        '--format',
        'json',
        '--max-attempts',
        '1',
        '--publish',
        '--bucket',
        BUCKET,
        '--topic-arn',
        topicArn,
      );

      expect(run.code, run.stderr).toBe(2);
      const report = ReportSchema.parse(JSON.parse(run.stdout));
      expect(report.findings.map((finding) => finding.checkId)).toEqual(['CLUSTER_MISSING']);
      expect(run.stderr).toMatch(/SNS: \d+ messages published/);
      expect(run.stderr).toContain(
        `Security Hub: 1 imported, 0 archived, 0 deferred, 0 failed in ${CALLER_REGION}`,
      );
      const here = await new SecurityHubClient(client(CALLER_REGION)).send(new GetFindingsCommand({}));
      const there = await new SecurityHubClient(client(CLUSTER_REGION)).send(new GetFindingsCommand({}));
      expect(here.Findings?.map((finding) => finding.Id)).toEqual([report.findings[0].id]);
      expect(there.Findings).toEqual([]);
      const latest = await new S3Client({ ...client(CALLER_REGION), forcePathStyle: true }).send(
        new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/latest.json' }),
      );
      const record = RunRecordSchema.parse(JSON.parse((await latest.Body?.transformToString()) ?? ''));
      expect(record.securityHubRegion).toBe(CALLER_REGION);
    });

    it('reports what moto cannot answer (CloudTrail LookupEvents) as incomplete, never as unused', async () => {
      const run = await runCli(
        'audit',
        '--baseline',
        baseline,
        '--endpoint-url',
        moto?.url ?? '',
        '--format',
        'json',
        '--max-attempts',
        '1',
      );

      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/^warning: COLLECTION INCOMPLETE: 1 scope incomplete/m);
      const report = ReportSchema.parse(JSON.parse(run.stdout));
      expect(report.collection).toMatchObject({ status: 'incomplete', unread: [] });
      expect(report.scopes.find((scope) => scope.level === 'cloudtrail')?.status).toBe('incomplete');
      expect(report.findings.some((finding) => /UNUSED$/.test(finding.checkId))).toBe(false);
    });
  },
);
