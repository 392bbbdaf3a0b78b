import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/lib/config.js';
import { MAP_ITEM_SELECTOR } from '../../functions/lib/run-plan.js';
import { SHARD_ITEM_SELECTOR } from '../../functions/lib/shards.js';
import { stateMachineDefinition, templates } from './support.js';

describe('AuditStack with the cdk.json defaults', () => {
  let audit: Template;

  beforeAll(() => {
    audit = templates().audit;
  });

  it('keeps the audit bucket versioned, encrypted, private, logged and with report lifecycle rules', () => {
    audit.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'audit-bucket/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-run-parts', Prefix: 'runs/', Status: 'Enabled' }),
          Match.objectLike({ Id: 'expire-reports', Prefix: 'reports/', Status: 'Enabled' }),
        ]),
      },
    });
  });

  it('never expires the current objects under state/ (the usage ledgers), only their superseded versions', () => {
    const [bucket] = Object.values(audit.findResources('AWS::S3::Bucket')).filter(
      (resource) => resource.Properties.VersioningConfiguration !== undefined,
    );
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Array<{
      Id: string;
      Prefix?: string;
      ExpirationInDays?: number;
      NoncurrentVersionExpiration?: { NoncurrentDays: number };
    }>;
    const expiring = rules.filter((rule) => rule.ExpirationInDays !== undefined);
    expect(expiring.length).toBeGreaterThan(0);
    for (const rule of expiring) {
      expect(rule.Prefix, rule.Id).toBeDefined();
      expect('state/usage/222233334444/eu-west-1/ledger.json'.startsWith(rule.Prefix ?? ''), rule.Id).toBe(
        false,
      );
    }
    expect(rules).toContainEqual(
      expect.objectContaining({
        Id: 'expire-old-state-versions',
        Prefix: 'state/',
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      }),
    );
  });

  it('denies every request to both buckets that is not over TLS', () => {
    const policies = audit.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('encrypts the findings topic with a rotating customer managed key and requires TLS to publish', () => {
    audit.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TopicKey'), 'Arn'] },
    });
    audit.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    audit.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('starts the state machine at 02:00 Tokyo time every night through EventBridge Scheduler', () => {
    audit.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      State: 'ENABLED',
      Target: {
        Arn: { Ref: Match.stringLikeRegexp('^NightlyAudit') },
        RetryPolicy: { MaximumRetryAttempts: 3 },
        Input: Match.serializedJson(
          Match.objectLike({
            source: 'eventbridge-scheduler',
            scheduledTime: '<aws.scheduler.scheduled-time>',
          }),
        ),
      },
    });
  });

  it('fans out over accounts with a Distributed Map at the configured concurrency, then over the analysis shards, then publishes', () => {
    const definition = stateMachineDefinition(audit) as {
      StartAt: string;
      States: Record<string, Record<string, unknown>>;
    };
    expect(definition.StartAt).toBe('PlanScopes');
    const map = definition.States.CollectAccounts;
    expect(map).toMatchObject({
      Type: 'Map',
      MaxConcurrency: 10,
      ResultPath: '$.collected',
      Next: 'JoinFacts',
      ToleratedFailurePercentage: 100,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    // The items come from S3 and the results go to S3: neither list travels in the state.
    expect(map).not.toHaveProperty('ItemsPath');
    expect(map.ItemReader).toMatchObject({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Key.$': '$.items.key' },
    });
    expect(map.ResultWriter).toMatchObject({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { 'Prefix.$': '$.results.prefix' },
      WriterConfig: { OutputType: 'JSON', Transformation: 'NONE' },
    });
    expect(map.ItemSelector).toEqual(MAP_ITEM_SELECTOR);
    const collect = (map.ItemProcessor as { States: Record<string, { Retry: unknown[] }> }).States
      .CollectAccount;
    expect(collect.Retry).toContainEqual(
      expect.objectContaining({ ErrorEquals: ['States.TaskFailed', 'States.Timeout'], MaxAttempts: 2 }),
    );
    // An invalid payload is not retried: its retrier comes before the one that matches every task failure.
    const retriers = (collect.Retry as Array<{ ErrorEquals: string[]; MaxAttempts?: number }>).map(
      (retrier) => retrier.ErrorEquals.join(','),
    );
    expect(retriers.indexOf('EventValidationError')).toBeGreaterThanOrEqual(0);
    expect(retriers.indexOf('EventValidationError')).toBeLessThan(
      retriers.indexOf('States.TaskFailed,States.Timeout'),
    );
    expect(collect.Retry[retriers.indexOf('EventValidationError')]).toMatchObject({ MaxAttempts: 0 });
    expect(definition.States.JoinFacts).toMatchObject({
      Type: 'Task',
      Parameters: { 'runId.$': '$.runId', 'startedAt.$': '$.startedAt', join: true },
      ResultPath: '$.joined',
      Next: 'AnalyzeShards',
    });
    // The shards, like the items, come from S3 and their results go to S3; a failed shard fails the
    // run, since publishing without it would report its accounts clean.
    const shards = definition.States.AnalyzeShards;
    expect(shards).toMatchObject({
      Type: 'Map',
      MaxConcurrency: 10,
      ResultPath: '$.analyzed',
      Next: 'AnalyzePublish',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    expect(shards.ToleratedFailurePercentage ?? 0).toBe(0);
    expect(shards).not.toHaveProperty('ItemsPath');
    expect(shards.ItemReader).toMatchObject({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Key.$': '$.shards.key' },
    });
    expect(shards.ResultWriter).toMatchObject({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { 'Prefix.$': '$.shards.results.prefix' },
    });
    expect(shards.ItemSelector).toEqual(SHARD_ITEM_SELECTOR);
    const shard = (shards.ItemProcessor as { States: Record<string, { Retry: unknown[] }> }).States
      .AnalyzeShard;
    expect(shard.Retry).toContainEqual(
      expect.objectContaining({ ErrorEquals: ['States.TaskFailed', 'States.Timeout'], MaxAttempts: 2 }),
    );
    expect(definition.States['BaselineValid?']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.status', StringEquals: 'baseline-invalid', Next: 'AnalyzePublish' }],
      Default: 'CollectAccounts',
    });
  });

  it('imports the queued Security Hub findings after AnalyzePublish, looping until the queue is done', () => {
    const states = (stateMachineDefinition(audit) as { States: Record<string, Record<string, unknown>> })
      .States;
    expect(states.AnalyzePublish.Next).toBe('SecurityHubImportPending?');
    expect(states['SecurityHubImportPending?']).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.securityHub.done', IsPresent: true },
            { Variable: '$.securityHub.done', BooleanEquals: false },
          ],
          Next: 'ImportFindings',
        },
      ],
      Default: 'Published',
    });
    // The progress goes in and comes back at the same path: the execution's output has the final counts.
    expect(states.ImportFindings).toMatchObject({
      Type: 'Task',
      InputPath: '$.securityHub',
      ResultPath: '$.securityHub',
      Next: 'SecurityHubImportPending?',
    });
    expect(states.Published).toMatchObject({ Type: 'Succeed' });
  });

  it('has no import step when Security Hub is off', () => {
    const { audit: off } = templates({ securityHubMode: 'off' });
    const states = (stateMachineDefinition(off) as { States: Record<string, Record<string, unknown>> })
      .States;
    expect(states.ImportFindings).toBeUndefined();
    expect(states.AnalyzePublish.End).toBe(true);
    expect(Object.keys(off.findResources('AWS::Lambda::Function'))).toHaveLength(5);
  });

  it('logs every state machine event and traces executions', () => {
    audit.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('runs every function on arm64 with Node.js 22 or newer, active tracing and a retained log group', () => {
    const functions = audit.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(6);
    for (const fn of Object.values(functions)) {
      const properties = fn.Properties;
      const major = Number(/^nodejs(\d+)\.x$/.exec(properties.Runtime)?.[1]);
      expect(major, properties.Runtime).toBeGreaterThanOrEqual(22);
      expect(properties.Architectures).toEqual(['arm64']);
      expect(properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/Logs/) });
      expect(properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
    const groups = Object.values(audit.findResources('AWS::Logs::LogGroup'));
    // One per function and the state machine's.
    expect(groups.length).toBe(7);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(90);
  });

  it('passes the deployment settings to the functions as the environment their config reads', () => {
    audit.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.bucket]: { Ref: Match.stringLikeRegexp('^AuditBucket') },
          [ENV.baselineKey]: 'baseline.yaml',
          [ENV.topicArn]: { Ref: Match.stringLikeRegexp('^FindingsTopic') },
          [ENV.memberRoleName]: 'EksIdentityAuditReadOnly',
          [ENV.externalId]: 'eks-identity-audit',
          [ENV.windowDays]: '90',
          [ENV.regions]: 'us-east-1',
          [ENV.securityHubMode]: 'audit-account',
          [ENV.summary]: 'always',
          [ENV.usageSource]: 'lookup',
        }),
      },
    });
  });

  it('alarms to the findings topic when a nightly execution fails or times out', () => {
    for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      audit.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Namespace: 'AWS/States',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^FindingsTopic') }],
      });
    }
  });

  it('has no Slack channel configuration unless both Slack ids are given', () => {
    audit.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });
});

describe('AuditStack with context overrides', () => {
  it('uses the schedule, time zone and concurrency from context, including -c text values', () => {
    // Prepare
    const { audit } = templates({
      schedule: 'cron(30 3 ? * MON-FRI *)',
      timeZone: 'Europe/Paris',
      maxConcurrency: '40',
    });

    // Assess
    audit.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
    });
    const definition = stateMachineDefinition(audit) as { States: Record<string, Record<string, unknown>> };
    expect(definition.States.CollectAccounts.MaxConcurrency).toBe(40);
  });

  it('gives analyze-shard and analyze-publish the memory context names (3,008 MB unless it does), and the other functions theirs', () => {
    const memoryOf = (template: ReturnType<typeof templates>['audit'], name: string) =>
      Object.values(template.findResources('AWS::Lambda::Function')).find((resource) =>
        String(resource.Properties.Description ?? '').startsWith(name),
      )?.Properties.MemorySize;
    const { audit: largest } = templates({ analyzeMemoryMiB: '10240' });
    const { audit: defaults } = templates();

    expect(memoryOf(defaults, "Merges the shards' findings")).toBe(3008);
    expect(memoryOf(largest, "Merges the shards' findings")).toBe(10_240);
    expect(memoryOf(defaults, 'Runs the checks for one shard')).toBe(3008);
    expect(memoryOf(largest, 'Runs the checks for one shard')).toBe(10_240);
    expect(memoryOf(largest, 'Collects one member account')).toBe(1536);
    // import-findings may rewrite the run record analyze-publish wrote: the same memory.
    expect(memoryOf(defaults, "Imports the run's queued")).toBe(3008);
    expect(memoryOf(largest, "Imports the run's queued")).toBe(10_240);
  });

  it('adds the Slack channel for the topic when workspace and channel ids are given', () => {
    const { audit } = templates({ slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0456EFGH' });
    audit.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0456EFGH',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^FindingsTopic') }],
      GuardrailPolicies: [Match.anyValue()],
    });
  });

  it('refuses a Slack workspace without a channel, naming the key', () => {
    expect(() => templates({ slackWorkspaceId: 'T0123ABCD' })).toThrow(/context "slackChannelId"/);
  });
});
