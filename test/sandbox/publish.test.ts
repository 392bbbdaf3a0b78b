import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  InvalidInputException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  CreateTopicCommand,
  InvalidParameterException,
  NotFoundException,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../sandbox/index.js';
import { AUDIT_ACCOUNT, clientConfig, REGION, rejectionOf, startDemo, WORKLOAD_ACCOUNT } from './helpers.js';

let sandbox: SandboxHandle;
let sns: SNSClient;
let securityHub: SecurityHubClient;
const topicArn = `arn:aws:sns:${REGION}:${AUDIT_ACCOUNT}:eks-identity-audit-findings`;

beforeAll(async () => {
  sandbox = await startDemo();
  sns = new SNSClient(clientConfig(sandbox, sandbox.credentials));
  securityHub = new SecurityHubClient(clientConfig(sandbox, sandbox.credentials));
});
afterAll(async () => {
  await sandbox.close();
});

describe('SNS', () => {
  it('records a published message with subject, structure and attributes, and serves it over HTTP', async () => {
    const message = JSON.stringify({ default: '3 HIGH findings', email: '3 HIGH findings in 222233334444' });
    const published = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'EKS identity audit: 3 HIGH findings',
        Message: message,
        MessageStructure: 'json',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'HIGH' } },
      }),
    );
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const recorded = sandbox.snsMessages().find((entry) => entry.messageId === published.MessageId);
    expect(recorded).toMatchObject({
      topicArn,
      subject: 'EKS identity audit: 3 HIGH findings',
      message,
      messageStructure: 'json',
      attributes: { severity: { dataType: 'String', stringValue: 'HIGH' } },
      time: '2026-11-29T02:00:00.000Z',
    });
    const overHttp = (await (await fetch(`${sandbox.url}/_sandbox/sns/messages`)).json()) as Array<{
      messageId: string;
    }>;
    expect(overHttp.map((entry) => entry.messageId)).toContain(published.MessageId);
  });

  it('creates topics idempotently', async () => {
    const first = await sns.send(new CreateTopicCommand({ Name: 'audit-alerts' }));
    const second = await sns.send(new CreateTopicCommand({ Name: 'audit-alerts' }));
    expect(first.TopicArn).toBe(`arn:aws:sns:${REGION}:${AUDIT_ACCOUNT}:audit-alerts`);
    expect(second.TopicArn).toBe(first.TopicArn);
  });

  it('rejects a message over 256 KB, counting attributes, and accepts one just under', async () => {
    const limit = 262_144;
    const attributes = { run: { DataType: 'String', StringValue: 'nightly' } };
    const attributeBytes = 'run'.length + 'String'.length + 'nightly'.length;
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'x'.repeat(limit - attributeBytes),
        MessageAttributes: attributes,
      }),
    );
    const error = await rejectionOf(
      sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: 'x'.repeat(limit - attributeBytes + 1),
          MessageAttributes: attributes,
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toBe('Invalid parameter: Message too long');
  });

  it('rejects subjects of 100 characters, with line breaks or non-ASCII; accepts 99 characters', async () => {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'ok', Subject: 's'.repeat(99) }));
    for (const subject of ['s'.repeat(100), 'two\nlines', 'Prüfung']) {
      const error = await rejectionOf(
        sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'm', Subject: subject })),
      );
      expect(error).toBeInstanceOf(InvalidParameterException);
    }
  });

  it('requires valid JSON with a default key when MessageStructure is json', async () => {
    const noDefault = await rejectionOf(
      sns.send(
        new PublishCommand({ TopicArn: topicArn, Message: '{"email":"x"}', MessageStructure: 'json' }),
      ),
    );
    const notJson = await rejectionOf(
      sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'plain text', MessageStructure: 'json' })),
    );
    expect(noDefault.message).toBe(
      'Invalid parameter: Message Structure - No default entry in JSON message body',
    );
    expect(notJson).toBeInstanceOf(InvalidParameterException);
  });

  it('refuses a topic of another region as SNS does: InvalidParameter on the TopicArn, nothing published', async () => {
    const before = sandbox.snsMessages().length;
    const elsewhere = new SNSClient(clientConfig(sandbox, sandbox.credentials, 'us-east-1'));

    const error = await rejectionOf(elsewhere.send(new PublishCommand({ TopicArn: topicArn, Message: 'm' })));

    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toBe('Invalid parameter: TopicArn');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(sandbox.snsMessages()).toHaveLength(before);
  });

  it('near miss: the same topic from its own region is published', async () => {
    const home = new SNSClient(clientConfig(sandbox, sandbox.credentials, REGION));
    const published = await home.send(new PublishCommand({ TopicArn: topicArn, Message: 'm' }));
    expect(sandbox.snsMessages().find((entry) => entry.messageId === published.MessageId)?.region).toBe(
      REGION,
    );
  });

  it('throttles with Throttled 429, the code botocore models for SNS', async () => {
    sandbox.setFaults([{ service: 'sns', throttle: { firstCalls: 1 } }]);
    try {
      const error = await rejectionOf(sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'm' })));
      expect(error.name).toBe('ThrottledException');
      expect(error.Code).toBe('Throttled');
      expect(error.$metadata).toMatchObject({ httpStatusCode: 429 });
    } finally {
      sandbox.setFaults([]);
    }
  });

  it('answers NotFound for a topic that does not exist', async () => {
    const error = await rejectionOf(
      sns.send(
        new PublishCommand({ TopicArn: `arn:aws:sns:${REGION}:${AUDIT_ACCOUNT}:missing`, Message: 'm' }),
      ),
    );
    expect(error).toBeInstanceOf(NotFoundException);
  });
});

/** A valid ASFF finding for the audit account; overrides may make it invalid on purpose. */
function finding(id: string, overrides: Record<string, unknown> = {}): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: `arn:aws:securityhub:${REGION}:${AUDIT_ACCOUNT}:product/${AUDIT_ACCOUNT}/default`,
    GeneratorId: 'eks-identity-audit/PI_TRUST_UNSCOPED',
    AwsAccountId: AUDIT_ACCOUNT,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: '2026-11-29T02:00:00.000Z',
    UpdatedAt: '2026-11-29T02:00:00.000Z',
    Severity: { Label: 'HIGH' },
    Title: 'Pod Identity trust is unscoped',
    Description: 'Role external-dns trusts pods.eks.amazonaws.com without conditions.',
    Resources: [{ Type: 'AwsIamRole', Id: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/external-dns` }],
    Compliance: { Status: 'FAILED' },
    RecordState: 'ACTIVE',
    ...overrides,
  } as AwsSecurityFinding;
}

describe('Security Hub', () => {
  it('imports findings for the calling account and fails the others with an error code', async () => {
    const response = await securityHub.send(
      new BatchImportFindingsCommand({
        Findings: [
          finding('f-1'),
          finding('f-foreign', { AwsAccountId: WORKLOAD_ACCOUNT }),
          finding('f-bad', { Title: undefined }),
        ],
      }),
    );
    expect(response.SuccessCount).toBe(1);
    expect(response.FailedCount).toBe(2);
    expect(response.FailedFindings).toEqual([
      expect.objectContaining({ Id: 'f-foreign', ErrorCode: 'AccessDeniedException' }),
      expect.objectContaining({ Id: 'f-bad', ErrorCode: 'InvalidInput' }),
    ]);
  });

  it('rejects more than 100 findings in one call', async () => {
    const findings = Array.from({ length: 101 }, (_, index) => finding(`bulk-${index}`));
    const error = await rejectionOf(securityHub.send(new BatchImportFindingsCommand({ Findings: findings })));
    expect(error).toBeInstanceOf(InvalidInputException);
  });

  it('updates a finding only when UpdatedAt is newer, and keeps the workflow set at creation', async () => {
    await securityHub.send(new BatchImportFindingsCommand({ Findings: [finding('f-2')] }));
    await securityHub.send(
      new BatchImportFindingsCommand({
        Findings: [finding('f-2', { RecordState: 'ARCHIVED', UpdatedAt: '2026-11-28T00:00:00.000Z' })],
      }),
    );
    const stale = await securityHub.send(
      new GetFindingsCommand({ Filters: { Id: [{ Value: 'f-2', Comparison: 'EQUALS' }] } }),
    );
    expect(stale.Findings?.[0]?.RecordState).toBe('ACTIVE');
    await securityHub.send(
      new BatchImportFindingsCommand({
        Findings: [
          finding('f-2', {
            RecordState: 'ARCHIVED',
            Compliance: { Status: 'PASSED' },
            Workflow: { Status: 'RESOLVED' },
            UpdatedAt: '2026-11-30T00:00:00.000Z',
          }),
        ],
      }),
    );
    const fresh = await securityHub.send(
      new GetFindingsCommand({ Filters: { Id: [{ Value: 'f-2', Comparison: 'EQUALS' }] } }),
    );
    expect(fresh.Findings?.[0]).toMatchObject({
      RecordState: 'ARCHIVED',
      Compliance: { Status: 'PASSED' },
      Workflow: { Status: 'NEW' },
    });
  });

  it('filters GetFindings by generator, record state and compliance status and pages with NextToken', async () => {
    const findings = Array.from({ length: 5 }, (_, index) =>
      finding(`page-${index}`, { GeneratorId: 'eks-identity-audit/ROLE_UNUSED' }),
    );
    await securityHub.send(new BatchImportFindingsCommand({ Findings: findings }));
    const filters = {
      GeneratorId: [{ Value: 'eks-identity-audit/ROLE_UNUSED', Comparison: 'EQUALS' as const }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' as const }],
      ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' as const }],
    };
    const first = await securityHub.send(new GetFindingsCommand({ Filters: filters, MaxResults: 3 }));
    const second = await securityHub.send(
      new GetFindingsCommand({ Filters: filters, MaxResults: 3, NextToken: first.NextToken }),
    );
    const ids = [...(first.Findings ?? []), ...(second.Findings ?? [])].map((entry) => entry.Id).sort();
    expect(ids).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expect(second.NextToken).toBeUndefined();
    const archivedOnly = await securityHub.send(
      new GetFindingsCommand({
        Filters: { ...filters, RecordState: [{ Value: 'ARCHIVED', Comparison: 'EQUALS' }] },
      }),
    );
    expect(archivedOnly.Findings).toEqual([]);
  });

  it('throttles imports beyond 10 TPS (burst 30) with LimitExceededException 429, as the API declares', async () => {
    const limited = await startDemo({ limits: true });
    try {
      const client = new SecurityHubClient(clientConfig(limited, limited.credentials));
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, index) =>
          client.send(new BatchImportFindingsCommand({ Findings: [finding(`burst-${index}`)] })),
        ),
      );
      const rejected = outcomes.filter(
        (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
      );
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected.length).toBeLessThanOrEqual(10);
      expect(rejected[0].reason.name).toBe('LimitExceededException');
      expect(rejected[0].reason.$metadata.httpStatusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
