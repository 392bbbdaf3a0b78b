import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/lib/config.js';
import { templates } from '../infra/support.js';

type Resources = Record<string, { Properties?: Record<string, unknown> }>;

/** Buckets without server-side encryption (SSE-S3 or SSE-KMS) configured in the template. */
function unencryptedBuckets(template: Template): string[] {
  const buckets = template.findResources('AWS::S3::Bucket') as Resources;
  return Object.entries(buckets)
    .filter(([, bucket]) => {
      const rules = (
        bucket.Properties?.BucketEncryption as {
          ServerSideEncryptionConfiguration?: Array<{
            ServerSideEncryptionByDefault?: { SSEAlgorithm?: string };
          }>;
        }
      )?.ServerSideEncryptionConfiguration;
      return !rules?.some((rule) =>
        ['AES256', 'aws:kms', 'aws:kms:dsse'].includes(
          rule.ServerSideEncryptionByDefault?.SSEAlgorithm ?? '',
        ),
      );
    })
    .map(([id]) => id);
}

interface PolicyStatement {
  Effect: string;
  Condition?: { Bool?: Record<string, unknown> };
}

/** Resources of `type` whose policy (`policyType`, found by `refKey`) does not deny requests without TLS. */
function withoutTlsDenial(template: Template, type: string, policyType: string, refKey: string): string[] {
  const policies = Object.values(template.findResources(policyType) as Resources);
  return Object.keys(template.findResources(type)).filter((id) => {
    const statements = policies
      .filter((policy) => JSON.stringify(policy.Properties?.[refKey]).includes(`"${id}"`))
      .flatMap(
        (policy) =>
          (policy.Properties?.PolicyDocument as { Statement: PolicyStatement[] } | undefined)?.Statement ??
          [],
      );
    return !statements.some(
      (statement) =>
        statement.Effect === 'Deny' && String(statement.Condition?.Bool?.['aws:SecureTransport']) === 'false',
    );
  });
}

/** Topics and queues with no KMS key. */
function unencryptedTopicsAndQueues(template: Template): string[] {
  const topics = Object.entries(template.findResources('AWS::SNS::Topic') as Resources)
    .filter(([, topic]) => topic.Properties?.KmsMasterKeyId === undefined)
    .map(([id]) => id);
  const queues = Object.entries(template.findResources('AWS::SQS::Queue') as Resources)
    .filter(
      ([, queue]) =>
        queue.Properties?.KmsMasterKeyId === undefined && queue.Properties?.SqsManagedSseEnabled !== true,
    )
    .map(([id]) => id);
  return [...topics, ...queues];
}

let audit: Template;
let member: Template;

beforeAll(() => {
  ({ audit, member } = templates({
    regions: ['eu-west-1'],
    slackWorkspaceId: 'T0123',
    slackChannelId: 'C0123',
  }));
});

describe('encryption at rest', () => {
  it('encrypts every S3 bucket and blocks public access', () => {
    expect(Object.keys(audit.findResources('AWS::S3::Bucket')).length).toBeGreaterThanOrEqual(2);
    expect(unencryptedBuckets(audit)).toEqual([]);
    for (const bucket of Object.values(audit.findResources('AWS::S3::Bucket') as Resources)) {
      expect(bucket.Properties?.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  it('encrypts the findings topic (and any queue) with a customer managed key that rotates', () => {
    expect(Object.keys(audit.findResources('AWS::SNS::Topic'))).toHaveLength(1);
    expect(unencryptedTopicsAndQueues(audit)).toEqual([]);
    const keys = Object.values(audit.findResources('AWS::KMS::Key') as Resources);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.Properties?.EnableKeyRotation).toBe(true);
  });

  it('keeps findings out of the state machine logs and bounds every log group', () => {
    audit.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { IncludeExecutionData: false },
    });
    // CloudWatch Logs encrypts log data at rest itself; what the stack controls is how long it is kept.
    for (const group of Object.values(audit.findResources('AWS::Logs::LogGroup') as Resources)) {
      expect(group.Properties?.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('has no store at all in the member-account stack', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup']) {
      expect(Object.keys(member.findResources(type)), type).toEqual([]);
    }
  });

  it('would flag an unencrypted bucket, topic or queue (near miss)', () => {
    const stack = new Stack(new App(), 'Plain');
    new s3.CfnBucket(stack, 'PlainBucket');
    new sns.Topic(stack, 'PlainTopic');
    const plain = Template.fromStack(stack);
    expect(unencryptedBuckets(plain)).toEqual(['PlainBucket']);
    expect(unencryptedTopicsAndQueues(plain).length).toBe(1);
  });
});

describe('encryption in transit', () => {
  it('denies every request to the buckets that does not use TLS', () => {
    expect(withoutTlsDenial(audit, 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'Bucket')).toEqual([]);
  });

  it('denies every publish to the topic that does not use TLS', () => {
    expect(withoutTlsDenial(audit, 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'Topics')).toEqual([]);
  });

  it('deploys no function with an endpoint override, so every AWS call goes to the HTTPS service endpoints', () => {
    const functions = Object.values(audit.findResources('AWS::Lambda::Function') as Resources);
    expect(functions.length).toBe(6);
    for (const fn of functions) {
      const variables =
        (fn.Properties?.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
      expect(Object.keys(variables)).not.toContain(ENV.endpointUrl);
    }
  });

  it('would flag a bucket without the TLS-only policy (near miss)', () => {
    const stack = new Stack(new App(), 'Plain');
    new s3.Bucket(stack, 'NoTls', { enforceSSL: false, versioned: false });
    const id = Object.keys(Template.fromStack(stack).findResources('AWS::S3::Bucket'))[0];
    expect(
      withoutTlsDenial(Template.fromStack(stack), 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'Bucket'),
    ).toEqual([id]);
  });
});
