import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../sandbox/index.js';
import { awsCliAvailable, runAwsCli } from '../support/aws-cli.js';
import {
  AUDIT_ACCOUNT,
  type Credentials,
  clientConfig,
  memberCredentials,
  NOW,
  REGION,
  startDemo,
  WORKLOAD_ACCOUNT,
} from './helpers.js';

/** The Python `aws` CLI (botocore) is an independent client; it is not on every machine. */
const hasAwsCli = awsCliAvailable();
if (!hasAwsCli) {
  console.warn('skipping the aws CLI sandbox tests: the Python `aws` CLI is not on PATH');
}

let sandbox: SandboxHandle;

beforeAll(async () => {
  if (hasAwsCli) sandbox = await startDemo();
});
afterAll(async () => {
  await sandbox?.close();
});

/** Runs `aws … --output json` against the sandbox with only the given credentials in the environment. */
async function aws(credentials: Credentials, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await runAwsCli(args, { endpointUrl: sandbox.url, credentials, region: REGION });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe.skipIf(!hasAwsCli)('the Python aws CLI against the sandbox', () => {
  it('lists every Pod Identity association of a cluster', async () => {
    const output = await aws(await memberCredentials(sandbox, WORKLOAD_ACCOUNT), [
      'eks',
      'list-pod-identity-associations',
      '--cluster-name',
      'prod-blue',
    ]);
    const associations = output.associations as Array<{ namespace: string; serviceAccount: string }>;
    expect(
      associations.map((association) => `${association.namespace}/${association.serviceAccount}`).sort(),
    ).toEqual([
      'batch/legacy-batch',
      'jobs/job-runner',
      'orders/orders-worker',
      'payments/payments-api',
      'platform/external-dns',
      'reporting/report-exporter',
    ]);
  });

  it('reads get-account-authorization-details and decodes the URL-encoded trust policies', async () => {
    const output = await aws(await memberCredentials(sandbox, WORKLOAD_ACCOUNT), [
      'iam',
      'get-account-authorization-details',
      '--filter',
      'Role',
      'AWSManagedPolicy',
    ]);
    const roles = output.RoleDetailList as Array<{
      RoleName: string;
      AssumeRolePolicyDocument: { Statement: unknown[] };
    }>;
    const ebs = roles.find((role) => role.RoleName === 'ebs-csi');
    expect(ebs?.AssumeRolePolicyDocument.Statement).toHaveLength(1);
    const policies = output.Policies as Array<{ PolicyName: string }>;
    expect(policies.map((policy) => policy.PolicyName)).toContain('AmazonEKSWorkerNodePolicy');
  });

  it('pages lookup-events through every AssumeRoleForPodIdentity record of the window', async () => {
    const output = await aws(await memberCredentials(sandbox, WORKLOAD_ACCOUNT), [
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=AssumeRoleForPodIdentity',
      '--start-time',
      new Date(NOW.getTime() - 90 * 86_400_000).toISOString(),
      '--end-time',
      NOW.toISOString(),
    ]);
    const events = output.Events as Array<{ EventSource: string; CloudTrailEvent: string }>;
    expect(events.length).toBeGreaterThan(50);
    const denied = events.filter((event) => JSON.parse(event.CloudTrailEvent).errorCode === 'AccessDenied');
    expect(denied).toHaveLength(16);
    expect(new Set(events.map((event) => event.EventSource))).toEqual(new Set(['eks-auth.amazonaws.com']));
  });

  it('reads imported findings with get-findings', async () => {
    const securityHub = new SecurityHubClient(clientConfig(sandbox, sandbox.credentials));
    await securityHub.send(
      new BatchImportFindingsCommand({
        Findings: [
          {
            SchemaVersion: '2018-10-08',
            Id: 'cli-finding',
            ProductArn: `arn:aws:securityhub:${REGION}:${AUDIT_ACCOUNT}:product/${AUDIT_ACCOUNT}/default`,
            GeneratorId: 'eks-identity-audit/PI_AGENT_MISSING',
            AwsAccountId: AUDIT_ACCOUNT,
            Types: ['Software and Configuration Checks'],
            CreatedAt: NOW.toISOString(),
            UpdatedAt: NOW.toISOString(),
            Severity: { Label: 'HIGH' },
            Title: 'prod-green has associations but no Pod Identity agent',
            Description: 'Install eks-pod-identity-agent on prod-green.',
            Resources: [
              { Type: 'AwsEksCluster', Id: `arn:aws:eks:${REGION}:${WORKLOAD_ACCOUNT}:cluster/prod-green` },
            ],
          },
        ],
      }),
    );
    const output = await aws(sandbox.credentials, [
      'securityhub',
      'get-findings',
      '--filters',
      JSON.stringify({
        GeneratorId: [{ Value: 'eks-identity-audit/PI_AGENT_MISSING', Comparison: 'EQUALS' }],
      }),
    ]);
    expect((output.Findings as Array<{ Id: string }>).map((finding) => finding.Id)).toEqual(['cli-finding']);
  });

  it('publishes to SNS, and the sandbox records the message', async () => {
    const output = await aws(sandbox.credentials, [
      'sns',
      'publish',
      '--topic-arn',
      `arn:aws:sns:${REGION}:${AUDIT_ACCOUNT}:eks-identity-audit-findings`,
      '--subject',
      'EKS identity audit',
      '--message',
      'nightly run: 12 findings',
    ]);
    const recorded = sandbox.snsMessages().find((message) => message.messageId === output.MessageId);
    expect(recorded).toMatchObject({ subject: 'EKS identity audit', message: 'nightly run: 12 findings' });
  });

  it('copies a file larger than the CLI multipart threshold with `aws s3 cp`, through a multipart upload', async () => {
    // The CLI switches to CreateMultipartUpload / UploadPart / CompleteMultipartUpload at 8 MiB.
    const content = Buffer.from(
      Array.from({ length: 10 * 1024 * 1024 + 7 }, (_, index) => (index * 7 + (index >> 20)) % 256),
    );
    const directory = mkdtempSync(join(tmpdir(), 'cli-s3-'));
    try {
      const file = join(directory, 'report.json');
      writeFileSync(file, content);
      const bucket = `eks-identity-audit-demo-${AUDIT_ACCOUNT}`;
      await runAwsCli(['s3', 'cp', file, `s3://${bucket}/reports/cli/report.json`], {
        endpointUrl: sandbox.url,
        credentials: sandbox.credentials,
        region: REGION,
      });
      expect(sandbox.s3Object(bucket, 'reports/cli/report.json')?.equals(content)).toBe(true);
      const head = await aws(sandbox.credentials, [
        's3api',
        'head-object',
        '--bucket',
        bucket,
        '--key',
        'reports/cli/report.json',
      ]);
      // An ETag of the form MD5-N tells a multipart object.
      expect(head.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
      expect(head.ContentLength).toBe(content.length);
      expect(sandbox.s3Uploads(bucket)).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
