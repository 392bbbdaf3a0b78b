import {
  ArnFormat,
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  TimeZone,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ENV, readsLedgers } from '../../functions/lib/config.js';
import { MAP_ITEM_SELECTOR } from '../../functions/lib/run-plan.js';
import { SHARD_ITEM_SELECTOR } from '../../functions/lib/shards.js';
import { BUCKET_PREFIXES, trailListingsKey } from '../../shared/bucket.js';
import {
  type DeploymentConfig,
  PLAN_FUNCTION_ROLE_NAME,
  PUBLISHING_FUNCTION_ROLE_NAMES,
  RESOURCE_PREFIX,
  TRUSTED_FUNCTION_ROLE_NAMES,
} from '../config.js';
import { AuditFunction } from '../constructs/audit-function.js';
import { orgTrailStates } from '../org-trail-states.js';

/** Key prefixes inside the audit bucket. */
export { BUCKET_PREFIXES };

/** How long collected snapshot parts are kept (they are re-creatable; the reports are the record). */
const RUN_PARTS_RETENTION_DAYS = 30;
/** How long reports are kept: past a year of nightly history, old runs are rarely read. */
const REPORT_RETENTION_DAYS = 400;
/** How long superseded ledger versions are kept: long enough to roll back a bad night by hand. */
const STATE_OLD_VERSION_DAYS = 30;

/** Where the organization trail's log files are: `[PREFIX/]AWSLogs/o-ORGID/`, the layout CloudTrail delivers. */
export function orgTrailLogsPrefix(config: Pick<DeploymentConfig, 'orgTrailPrefix' | 'orgId'>): string {
  const prefix = config.orgTrailPrefix.replace(/^\/+|\/+$/g, '');
  return `${prefix === '' ? '' : `${prefix}/`}AWSLogs/${config.orgId}/`;
}

export interface AuditStackProps extends StackProps {
  config: DeploymentConfig;
}

/** What plan-scopes writes under `runs/<runId>/`: the validated baseline, the plan, the collect Map's items and the shards. */
const PLANNED_RUN_FILES = ['baseline.json', 'plan.json', 'items.json', 'shards.json'];

/**
 * The audit account's stack: the bucket (baseline, snapshot parts, reports), the findings topic,
 * optional Slack delivery, the four functions, the nightly state machine and its schedule, and
 * the alarms that report a failed night to the topic.
 */
export class AuditStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly topic: sns.Topic;
  readonly stateMachine: sfn.StateMachine;
  readonly functions: {
    planScopes: AuditFunction;
    collectAccount: AuditFunction;
    /** Audits one shard of the plan's accounts with the others' join facts (the shard Map's task). */
    analyzeShard: AuditFunction;
    analyzePublish: AuditFunction;
    cutoverCheck: AuditFunction;
    /** Only with `usageSource: org-trail`: folds the organization trail's log files into the ledgers. */
    collectTrailUsage?: AuditFunction;
    /** Only with Security Hub on: imports the run's queued findings, paced, an invocation at a time. */
    importFindings?: AuditFunction;
  };

  constructor(scope: Construct, id: string, props: AuditStackProps) {
    super(scope, id, props);
    const { config } = props;

    // ── storage ──────────────────────────────────────────────────────────────────────────────
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    this.bucket = new s3.Bucket(this, 'AuditBucket', {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'audit-bucket/',
      lifecycleRules: [
        {
          id: 'expire-run-parts',
          prefix: BUCKET_PREFIXES.runs,
          expiration: Duration.days(RUN_PARTS_RETENTION_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'expire-reports',
          prefix: BUCKET_PREFIXES.reports,
          expiration: Duration.days(REPORT_RETENTION_DAYS),
          noncurrentVersionExpiration: Duration.days(30),
        },
        {
          // Every nightly ledger write leaves a noncurrent version; the current ledger never expires.
          id: 'expire-old-state-versions',
          prefix: BUCKET_PREFIXES.state,
          noncurrentVersionExpiration: Duration.days(STATE_OLD_VERSION_DAYS),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ── notifications ────────────────────────────────────────────────────────────────────────
    const topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the EKS identity audit findings topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarm actions publish to the encrypted topic, so the alarm service needs the key.
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new sns.Topic(this, 'FindingsTopic', {
      displayName: 'EKS identity audit findings',
      masterKey: topicKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    if (config.slackWorkspaceId && config.slackChannelId) this.addSlackChannel(config);

    // ── functions ────────────────────────────────────────────────────────────────────────────
    const environment: Record<string, string> = {
      [ENV.bucket]: this.bucket.bucketName,
      [ENV.baselineKey]: config.baselineKey,
      [ENV.topicArn]: this.topic.topicArn,
      [ENV.memberRoleName]: config.memberRoleName,
      [ENV.externalId]: config.externalId,
      [ENV.windowDays]: String(config.windowDays),
      [ENV.regions]: config.regions.join(','),
      [ENV.accounts]: config.accounts.join(','),
      [ENV.securityHubMode]: config.securityHubMode,
      [ENV.summary]: config.summary,
      [ENV.alertThreshold]: config.alertThreshold,
      [ENV.usageSource]: config.usageSource,
      [ENV.organization]:
        config.organization === true
          ? 'all'
          : config.organization === false
            ? ''
            : config.organization.join(','),
    };
    const planScopes = new AuditFunction(this, 'PlanScopes', {
      name: 'plan-scopes',
      description:
        'Reads and validates the baseline, discovers the accounts when asked to, and writes the accounts and regions to collect to S3',
      timeout: Duration.minutes(2),
      roleName: PLAN_FUNCTION_ROLE_NAME,
      environment,
    });
    const collectAccount = new AuditFunction(this, 'CollectAccount', {
      name: 'collect-account',
      description:
        'Collects one member account (all its regions), writes its snapshot part and updates its usage ledgers in S3',
      timeout: Duration.minutes(15),
      memorySize: 1536,
      roleName: TRUSTED_FUNCTION_ROLE_NAMES.collect,
      environment,
    });
    const analyzeShard = new AuditFunction(this, 'AnalyzeShard', {
      name: 'analyze-shard',
      description:
        "Runs the checks for one shard of the accounts (their parts, the other accounts' join facts) and writes its findings to S3",
      timeout: Duration.minutes(15),
      memorySize: config.analyzeMemoryMiB,
      environment,
    });
    const analyzePublish = new AuditFunction(this, 'AnalyzePublish', {
      name: 'analyze-publish',
      description: "Merges the shards' findings and publishes reports and findings",
      timeout: Duration.minutes(15),
      memorySize: config.analyzeMemoryMiB,
      roleName: PUBLISHING_FUNCTION_ROLE_NAMES.analyze,
      environment: { ...environment, [ENV.language]: config.language },
    });
    const cutoverCheck = new AuditFunction(this, 'CutoverCheck', {
      name: 'cutover-check',
      description: 'On demand: blue/green cutover readiness of one logical cluster',
      timeout: Duration.minutes(10),
      memorySize: 1536,
      roleName: TRUSTED_FUNCTION_ROLE_NAMES.cutover,
      environment,
    });
    this.functions = {
      planScopes,
      collectAccount,
      analyzeShard,
      analyzePublish,
      cutoverCheck,
      ...(config.usageSource === 'org-trail'
        ? { collectTrailUsage: this.addTrailFunction(config, environment) }
        : {}),
      ...(config.securityHubMode === 'off'
        ? {}
        : {
            importFindings: new AuditFunction(this, 'ImportFindings', {
              name: 'import-findings',
              description:
                "Imports the run's queued Security Hub findings at BatchImportFindings' documented rate, from a cursor, until its deadline",
              timeout: Duration.minutes(15),
              // Recording failed imports rewrites the run record, which analyze-publish's memory holds.
              memorySize: config.analyzeMemoryMiB,
              roleName: PUBLISHING_FUNCTION_ROLE_NAMES.importFindings,
              environment: {
                [ENV.memberRoleName]: config.memberRoleName,
                [ENV.externalId]: config.externalId,
              },
            }),
          }),
    };
    this.grantLeastPrivilege(config);
    if (this.functions.importFindings) this.grantImport(this.functions.importFindings, config);

    // ── nightly workflow ─────────────────────────────────────────────────────────────────────
    this.stateMachine = this.buildStateMachine(config);
    this.addAlarms();
    new scheduler.Schedule(this, 'NightlySchedule', {
      description: `Nightly EKS identity audit (${config.schedule} ${config.timeZone})`,
      schedule: scheduler.ScheduleExpression.expression(config.schedule, TimeZone.of(config.timeZone)),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          source: 'eventbridge-scheduler',
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          scheduleExecutionId: scheduler.ContextAttribute.executionId,
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });

    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'BaselineUri', { value: `s3://${this.bucket.bucketName}/${config.baselineKey}` });
    new CfnOutput(this, 'TopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'CutoverFunctionName', { value: cutoverCheck.functionName });
    new CfnOutput(this, 'CollectRoleArn', { value: collectAccount.role?.roleArn ?? '' });
  }

  /** The organization-trail usage source's function (`usageSource: org-trail`). */
  private addTrailFunction(config: DeploymentConfig, environment: Record<string, string>): AuditFunction {
    return new AuditFunction(this, 'CollectTrailUsage', {
      name: 'collect-trail-usage',
      description:
        "Lists the organization trail's day folders to read, folds batches of its log files into the usage ledgers and seals read folders",
      timeout: Duration.minutes(15),
      memorySize: 1536,
      environment: {
        ...environment,
        // The config schema requires both with usageSource org-trail.
        [ENV.orgTrailBucket]: config.orgTrailBucket as string,
        [ENV.orgTrailPrefix]: config.orgTrailPrefix,
        [ENV.organizationId]: config.orgId as string,
      },
    });
  }

  /**
   * collect-trail-usage reads the organization trail's log files of this organization only, its
   * ledgers and the run's plan (the accounts it lists day folders for); it writes only ledgers and
   * the run's list of day folders.
   */
  private grantTrailReading(fn: AuditFunction, config: DeploymentConfig): void {
    const trailBucketArn = `arn:${Aws.PARTITION}:s3:::${config.orgTrailBucket}`;
    const logFiles = orgTrailLogsPrefix(config);
    const bucketArn = this.bucket.bucketArn;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListTheOrganizationTrailLogs',
        actions: ['s3:ListBucket'],
        resources: [trailBucketArn],
        conditions: { StringLike: { 's3:prefix': [`${logFiles}*`] } },
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheOrganizationTrailLogs',
        actions: ['s3:GetObject'],
        resources: [`${trailBucketArn}/${logFiles}*`],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadAndWriteUsageLedgers',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [`${bucketArn}/${BUCKET_PREFIXES.usageLedgers}*`],
      }),
    );
    // A first night reads ledgers that do not exist yet: without ListBucket S3 answers AccessDenied, not NoSuchKey.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListTheUsageLedgers',
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${BUCKET_PREFIXES.usageLedgers}*`] } },
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheRunPlan',
        actions: ['s3:GetObject'],
        resources: [`${bucketArn}/${BUCKET_PREFIXES.runs}*/plan.json`],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteTheTrailListings',
        actions: ['s3:PutObject'],
        resources: [`${bucketArn}/${trailListingsKey('*')}`],
      }),
    );
    const role = fn.role as iam.Role;
    const bucketRef = `<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${config.orgTrailBucket}/${logFiles}*]`,
      reason:
        "CloudTrail names each log file by account, region, day and a unique id; the read is limited to this organization's AWSLogs/<orgId>/ prefix of the trail bucket.",
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketRef}/${BUCKET_PREFIXES.usageLedgers}*]`,
      reason:
        'One usage ledger per audited account and region, named by the accounts planned at run time; the grant is limited to the state/usage/ prefix.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketRef}/${BUCKET_PREFIXES.runs}*/plan.json]`,
      reason:
        "The day folders to list follow the run's plan, written under runs/<runId>/ with a new run id every night; the read is limited to that one file name.",
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketRef}/${trailListingsKey('*')}]`,
      reason:
        "The day folders to list tonight go under runs/<runId>/ for the folder Map's ItemReader, with a new run id every night; the write is limited to that one file name.",
    });
  }

  /** Chat delivery through Amazon Q Developer in chat applications; the channel can only read alarms. */
  private addSlackChannel(config: DeploymentConfig): void {
    const chatRole = new iam.Role(this, 'SlackChannelRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'Chat channel role of the EKS identity audit notifications (notifications only)',
    });
    new chatbot.CfnSlackChannelConfiguration(this, 'SlackChannel', {
      configurationName: `${RESOURCE_PREFIX}-findings`,
      iamRoleArn: chatRole.roleArn,
      slackWorkspaceId: config.slackWorkspaceId as string,
      slackChannelId: config.slackChannelId as string,
      snsTopicArns: [this.topic.topicArn],
      guardrailPolicies: [`arn:${Aws.PARTITION}:iam::aws:policy/CloudWatchReadOnlyAccess`],
      loggingLevel: 'ERROR',
    });
  }

  /** Every permission spelled out: exact actions on exact resources. */
  private grantLeastPrivilege(config: DeploymentConfig): void {
    const { planScopes, collectAccount, analyzeShard, analyzePublish, cutoverCheck } = this.functions;
    const bucketArn = this.bucket.bucketArn;
    const memberRoleArn = `arn:${Aws.PARTITION}:iam::*:role/${config.memberRoleName}`;
    const assumeMemberRole = new iam.PolicyStatement({
      sid: 'AssumeTheMemberReadRole',
      actions: ['sts:AssumeRole'],
      resources: [memberRoleArn],
      ...(config.orgId ? { conditions: { StringEquals: { 'aws:ResourceOrgID': config.orgId } } } : {}),
    });
    const readBaseline = new iam.PolicyStatement({
      sid: 'ReadTheBaseline',
      actions: ['s3:GetObject'],
      resources: [`${bucketArn}/${config.baselineKey}`],
    });
    // Without ListBucket a missing object reads as AccessDenied instead of NoSuchKey.
    const listBucket = new iam.PolicyStatement({
      sid: 'ListTheAuditBucket',
      actions: ['s3:ListBucket'],
      resources: [bucketArn],
    });
    const publishStatements = [
      listBucket,
      // A large report is a multipart upload (s3:PutObject covers its parts and its completion);
      // a failed one is aborted, so its parts do not wait for the lifecycle rule.
      new iam.PolicyStatement({
        sid: 'ReadAndWriteReports',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [`${bucketArn}/${BUCKET_PREFIXES.reports}*`],
      }),
      new iam.PolicyStatement({
        sid: 'PublishFindings',
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
      new iam.PolicyStatement({
        sid: 'EncryptFindingsMessages',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.topic.masterKey?.keyArn ?? ''],
      }),
    ];
    if (config.securityHubMode === 'audit-account') {
      publishStatements.push(
        new iam.PolicyStatement({
          sid: 'ImportSecurityHubFindings',
          actions: ['securityhub:BatchImportFindings'],
          // The product ARN is the resource BatchImportFindings authorizes against.
          resources: [
            `arn:${Aws.PARTITION}:securityhub:${Aws.REGION}:${Aws.ACCOUNT_ID}:product/${Aws.ACCOUNT_ID}/default`,
          ],
        }),
      );
    } else if (config.securityHubMode === 'member-accounts') {
      publishStatements.push(assumeMemberRole);
    }

    // plan-scopes only reads the baseline; analyze-publish publishes every outcome, BASELINE_INVALID included.
    planScopes.addToRolePolicy(readBaseline);
    planScopes.addToRolePolicy(listBucket);
    planScopes.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteTheValidatedBaselineAndPlan',
        actions: ['s3:PutObject'],
        resources: PLANNED_RUN_FILES.map((name) => `${bucketArn}/${BUCKET_PREFIXES.runs}*/${name}`),
      }),
    );
    if (config.organization !== false) {
      // Account discovery: read-only Organizations calls, granted only when the deployment asks for it.
      planScopes.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DiscoverTheOrganizationsAccounts',
          actions: [
            'organizations:DescribeOrganization',
            'organizations:ListAccounts',
            'organizations:ListAccountsForParent',
            'organizations:ListChildren',
          ],
          resources: ['*'],
        }),
      );
    }
    collectAccount.addToRolePolicy(assumeMemberRole);
    collectAccount.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteSnapshotParts',
        actions: ['s3:PutObject'],
        resources: [`${bucketArn}/${BUCKET_PREFIXES.runs}*`],
      }),
    );
    analyzePublish.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadSnapshotParts',
        actions: ['s3:GetObject'],
        resources: [`${bucketArn}/${BUCKET_PREFIXES.runs}*`],
      }),
    );
    // analyze-shard reads the run's plan, baseline, parts and join facts, and writes only its own
    // outputs (a large findings file is a multipart upload, aborted when it fails).
    analyzeShard.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadSnapshotPartsAndJoinFacts',
        actions: ['s3:GetObject'],
        resources: [`${bucketArn}/${BUCKET_PREFIXES.runs}*`],
      }),
    );
    analyzeShard.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteJoinFileAndShardFindings',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [
          `${bucketArn}/${BUCKET_PREFIXES.runs}*/join.jsonl`,
          `${bucketArn}/${BUCKET_PREFIXES.runs}*/shards/*`,
        ],
      }),
    );
    // Join facts an earlier collect-account did not write read as NoSuchKey (then the part is read), not AccessDenied.
    analyzeShard.addToRolePolicy(listBucket);
    const usageLedgers = `${bucketArn}/${BUCKET_PREFIXES.usageLedgers}*`;
    if (readsLedgers(config.usageSource)) {
      // Conditional writes (If-Match / If-None-Match) need nothing beyond s3:PutObject.
      collectAccount.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadAndWriteUsageLedgers',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [usageLedgers],
        }),
      );
      // A first run reads a ledger that does not exist yet: without ListBucket S3 answers AccessDenied, not NoSuchKey.
      collectAccount.addToRolePolicy(listBucket);
      for (const fn of [analyzeShard, analyzePublish])
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'ReadUsageLedgers',
            actions: ['s3:GetObject'],
            resources: [usageLedgers],
          }),
        );
    }
    // analyze-publish judges against the validated copy under runs/ (read above), never the YAML itself.
    for (const statement of publishStatements) analyzePublish.addToRolePolicy(statement);
    cutoverCheck.addToRolePolicy(assumeMemberRole);
    cutoverCheck.addToRolePolicy(readBaseline);
    cutoverCheck.addToRolePolicy(listBucket);
    if (this.functions.collectTrailUsage) this.grantTrailReading(this.functions.collectTrailUsage, config);

    for (const fn of Object.values(this.functions)) {
      const discovers = fn === planScopes && config.organization !== false;
      Validations.of(fn.role as iam.Role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions, so active tracing needs Resource *.${discovers ? ' Organizations DescribeOrganization and ListAccounts authorize against no resource, and ListAccountsForParent and ListChildren walk OUs only known at run time; the four are read-only.' : ''}`,
      });
    }
    for (const fn of [
      collectAccount,
      cutoverCheck,
      ...(config.securityHubMode === 'member-accounts' ? [analyzePublish] : []),
    ]) {
      Validations.of(fn.role as iam.Role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${config.memberRoleName}]`,
        reason:
          'The audited accounts come from the baseline at run time, so the read role is named in every account; the role trusts only this function by ARN and requires the external id.',
      });
    }
    const bucketRef = `<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    for (const name of PLANNED_RUN_FILES) {
      Validations.of(planScopes.role as iam.Role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketRef}/${BUCKET_PREFIXES.runs}*/${name}]`,
        reason:
          'Each run writes its validated baseline, its plan, the Map items and the analysis shards under runs/<runId>/ with a new run id every night; each grant is limited to one file name.',
      });
    }
    Validations.of(analyzeShard.role as iam.Role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketRef}/${BUCKET_PREFIXES.runs}*/join.jsonl]`,
      reason:
        "The join step writes the run's join facts to runs/<runId>/join.jsonl with a new run id every night; the grant is limited to that one file name.",
    });
    Validations.of(analyzeShard.role as iam.Role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketRef}/${BUCKET_PREFIXES.runs}*/shards/*]`,
      reason:
        'Each shard writes its findings, undecided questions and summary under runs/<runId>/shards/<shard>/, with a new run id every night; the grant is limited to the shards/ folders.',
    });
    Validations.of(analyzePublish.role as iam.Role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketRef}/${BUCKET_PREFIXES.reports}*]`,
      reason: 'Reports are written under dated keys per run; the grant is limited to the reports/ prefix.',
    });
    if (readsLedgers(config.usageSource)) {
      for (const fn of [collectAccount, analyzeShard, analyzePublish]) {
        Validations.of(fn.role as iam.Role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${bucketRef}/${BUCKET_PREFIXES.usageLedgers}*]`,
          reason:
            'One usage ledger per audited account and region, named by the accounts the baseline lists at run time; the grant is limited to the state/usage/ prefix (analyze-publish only reads).',
        });
      }
    }
    for (const fn of [collectAccount, analyzeShard, analyzePublish]) {
      Validations.of(fn.role as iam.Role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketRef}/${BUCKET_PREFIXES.runs}*]`,
        reason:
          'Snapshot parts and join facts live under runs/<runId>/ with a new run id every night; the grant is limited to the runs/ prefix.',
      });
    }
  }

  private buildStateMachine(config: DeploymentConfig): sfn.StateMachine {
    const { planScopes, collectAccount, analyzeShard, analyzePublish } = this.functions;
    const plan = new tasks.LambdaInvoke(this, 'PlanScopesTask', {
      stateName: 'PlanScopes',
      lambdaFunction: planScopes,
      payloadResponseOnly: true,
      comment: 'Read and validate the baseline; list accounts x regions',
    });
    const collect = new tasks.LambdaInvoke(this, 'CollectAccountTask', {
      stateName: 'CollectAccount',
      lambdaFunction: collectAccount,
      payloadResponseOnly: true,
    });
    // An invalid payload stays invalid: fail the item at once (retriers are tried in order).
    collect.addRetry({ errors: ['EventValidationError'], maxAttempts: 0 });
    // Collecting is idempotent (the part is overwritten), so a crashed or timed-out attempt is retried.
    collect.addRetry({
      errors: ['States.TaskFailed', 'States.Timeout'],
      interval: Duration.seconds(30),
      maxAttempts: 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // The items and the results live in S3: no list of accounts or results travels in the state,
    // whatever the organization's size (a state payload holds at most 256 KiB).
    const collectAll = new sfn.DistributedMap(this, 'CollectAccounts', {
      stateName: 'CollectAccounts',
      comment: 'One child execution per account, or per batch of regions of an account with many',
      itemReader: new sfn.S3JsonItemReader({
        bucket: this.bucket,
        key: sfn.JsonPath.stringAt('$.items.key'),
      }),
      itemSelector: { ...MAP_ITEM_SELECTOR },
      resultWriterV2: new sfn.ResultWriterV2({
        bucket: this.bucket,
        prefix: sfn.JsonPath.stringAt('$.results.prefix'),
        writerConfig: new sfn.WriterConfig({
          outputType: sfn.OutputType.JSON,
          transformation: sfn.Transformation.NONE,
        }),
      }),
      maxConcurrency: config.maxConcurrency,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      // An account whose collection failed outright is reported as COLLECTION_INCOMPLETE by analyze-publish.
      toleratedFailurePercentage: 100,
      resultPath: '$.collected',
      label: 'CollectAccounts',
    });
    collectAll.itemProcessor(collect);
    const shard = new tasks.LambdaInvoke(this, 'AnalyzeShardTask', {
      stateName: 'AnalyzeShard',
      lambdaFunction: analyzeShard,
      payloadResponseOnly: true,
    });
    shard.addRetry({ errors: ['EventValidationError', 'InputError'], maxAttempts: 0 });
    // A shard only reads the run's objects and overwrites its own outputs: a failed attempt is retried.
    shard.addRetry({
      errors: ['States.TaskFailed', 'States.Timeout'],
      interval: Duration.seconds(30),
      maxAttempts: 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // The shards come from S3 and their results go to S3, like the collect Map's. A shard that
    // fails after its retries fails the run: publishing without its accounts' findings would
    // report them clean.
    const analyzeShards = new sfn.DistributedMap(this, 'AnalyzeShards', {
      stateName: 'AnalyzeShards',
      comment: "One child execution per shard of accounts: the checks, with the other accounts' join facts",
      itemReader: new sfn.S3JsonItemReader({
        bucket: this.bucket,
        key: sfn.JsonPath.stringAt('$.shards.key'),
      }),
      itemSelector: { ...SHARD_ITEM_SELECTOR },
      resultWriterV2: new sfn.ResultWriterV2({
        bucket: this.bucket,
        prefix: sfn.JsonPath.stringAt('$.shards.results.prefix'),
        writerConfig: new sfn.WriterConfig({
          outputType: sfn.OutputType.JSON,
          transformation: sfn.Transformation.NONE,
        }),
      }),
      maxConcurrency: config.maxConcurrency,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      toleratedFailurePercentage: 0,
      resultPath: '$.analyzed',
      label: 'AnalyzeShards',
    });
    analyzeShards.itemProcessor(shard);
    // Every account's join facts in one file, built once: each shard then reads one object.
    const join = new tasks.LambdaInvoke(this, 'JoinFactsTask', {
      stateName: 'JoinFacts',
      lambdaFunction: analyzeShard,
      payload: sfn.TaskInput.fromObject({
        'runId.$': '$.runId',
        'startedAt.$': '$.startedAt',
        join: true,
      }),
      payloadResponseOnly: true,
      resultPath: '$.joined',
      comment: "Every account's join facts in one file, for the shards",
    });
    join.addRetry({
      errors: ['States.TaskFailed', 'States.Timeout'],
      interval: Duration.seconds(30),
      maxAttempts: 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const analyze = new tasks.LambdaInvoke(this, 'AnalyzePublishTask', {
      stateName: 'AnalyzePublish',
      lambdaFunction: analyzePublish,
      payloadResponseOnly: true,
    });
    // With the organization trail as usage source, its log files are folded into the ledgers after
    // the accounts are collected and before analyze-publish reads the ledgers.
    const trail = this.functions.collectTrailUsage
      ? this.trailStates(this.functions.collectTrailUsage, config)
      : [];
    let afterCollection: sfn.IChainable = join.next(analyzeShards).next(analyze);
    for (const state of trail.reverse()) afterCollection = state.next(afterCollection);
    if (this.functions.importFindings) analyze.next(this.importLoop(this.functions.importFindings));
    // An invalid baseline skips collection: analyze-publish, the one publisher, sends BASELINE_INVALID alone.
    const definition = plan.next(
      new sfn.Choice(this, 'BaselineValid', { stateName: 'BaselineValid?' })
        .when(sfn.Condition.stringEquals('$.status', 'baseline-invalid'), analyze)
        .otherwise(collectAll.next(afterCollection)),
    );
    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const machine = new sfn.StateMachine(this, 'NightlyAudit', {
      stateMachineName: `${RESOURCE_PREFIX}-nightly`,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(4),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    const role = machine.role as iam.Role;
    const { collectTrailUsage } = this.functions;
    if (collectTrailUsage) this.grantTrailStates(machine, collectTrailUsage, config);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray tracing support no resource-level permissions.',
    });
    for (const fn of [
      planScopes,
      collectAccount,
      analyzeShard,
      analyzePublish,
      ...(collectTrailUsage ? [collectTrailUsage] : []),
      ...(this.functions.importFindings ? [this.functions.importFindings] : []),
    ]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason:
          'CDK grants invoke on the function and its versions/aliases (ARN:*) so retries may target either.',
      });
    }
    // The Distributed Map starts, describes and stops child executions whose names are generated per run.
    const machineName = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.getLogicalId(machine.node.defaultChild as sfn.CfnStateMachine)}"}]}]}`;
    const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
    const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
    const partition = Token.isUnresolved(this.partition) ? '<AWS::Partition>' : this.partition;
    Validations.of(machine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}>/*]`,
      reason:
        "The Distributed Maps' ItemReaders read runs/<runId>/items.json and shards.json and their ResultWriters write under runs/<runId>/results/ and shard-results/, with a new run id every night; CDK grants them on the audit bucket's objects.",
    });
    const executions = `arn:${partition}:states:${region}:${account}:execution:${machineName}`;
    for (const resource of [
      `${executions}:*`,
      `${executions}/CollectAccounts:*`,
      `${executions}/AnalyzeShards:*`,
    ]) {
      Validations.of(machine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          'Distributed Map child executions get generated names per run; the grant is limited to executions of this state machine.',
      });
    }
    return machine;
  }

  /**
   * The Security Hub tail: while analyze-publish's (then the last import's) `securityHub.done` is
   * false, `ImportFindings` takes `$.securityHub` (the queue, the cursor and the counts so far) and
   * returns it advanced, so the execution's output carries the final counts. Each invocation stops
   * before its own limit; as many run as the queue needs.
   */
  private importLoop(fn: AuditFunction): sfn.Choice {
    const pending = new sfn.Choice(this, 'SecurityHubImportPending', {
      stateName: 'SecurityHubImportPending?',
      comment: 'Loop until every queued Security Hub finding has been sent',
    });
    const importTask = new tasks.LambdaInvoke(this, 'ImportFindingsTask', {
      stateName: 'ImportFindings',
      lambdaFunction: fn,
      payloadResponseOnly: true,
      inputPath: '$.securityHub',
      resultPath: '$.securityHub',
      comment: "Import the queued findings from the cursor at BatchImportFindings' documented rate",
    });
    return pending
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent('$.securityHub.done'),
          sfn.Condition.booleanEquals('$.securityHub.done', false),
        ),
        importTask.next(pending),
      )
      .otherwise(new sfn.Succeed(this, 'Published', { stateName: 'Published' }));
  }

  /**
   * import-findings reads the run's queue (`runs/RUN_ID/securityhub/…`), records failed imports in
   * `reports/latest.json`, and imports into the audit account's own product, or assumes the member
   * role in `member-accounts` mode; analyze-publish writes the queue.
   */
  private grantImport(fn: AuditFunction, config: DeploymentConfig): void {
    const bucketArn = this.bucket.bucketArn;
    const queueObjects = `${bucketArn}/${BUCKET_PREFIXES.runs}*/securityhub/*`;
    const latest = `${bucketArn}/${BUCKET_PREFIXES.reports}latest.json`;
    this.functions.analyzePublish.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteTheSecurityHubQueue',
        actions: ['s3:PutObject'],
        resources: [queueObjects],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheSecurityHubQueue',
        actions: ['s3:GetObject'],
        resources: [queueObjects],
      }),
    );
    // A failed import is recorded in the run record (conditional writes; a large record is a multipart upload).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RecordFailedImports',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [latest],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListTheAuditBucket',
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
      }),
    );
    if (config.securityHubMode === 'audit-account') {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ImportSecurityHubFindings',
          actions: ['securityhub:BatchImportFindings'],
          // The product ARN is the resource BatchImportFindings authorizes against.
          resources: [
            `arn:${Aws.PARTITION}:securityhub:${Aws.REGION}:${Aws.ACCOUNT_ID}:product/${Aws.ACCOUNT_ID}/default`,
          ],
        }),
      );
    } else {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'AssumeTheMemberReadRole',
          actions: ['sts:AssumeRole'],
          resources: [`arn:${Aws.PARTITION}:iam::*:role/${config.memberRoleName}`],
          ...(config.orgId ? { conditions: { StringEquals: { 'aws:ResourceOrgID': config.orgId } } } : {}),
        }),
      );
      Validations.of(fn.role as iam.Role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${config.memberRoleName}]`,
        reason:
          "In member-accounts mode each finding is imported into its own account through the member role, named in every account; the role trusts this function's role by ARN and requires the external id.",
      });
    }
    const bucketRef = `<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    for (const fnWithQueue of [fn, this.functions.analyzePublish]) {
      Validations.of(fnWithQueue.role as iam.Role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketRef}/${BUCKET_PREFIXES.runs}*/securityhub/*]`,
        reason:
          "Each run's Security Hub queue (a manifest and its chunks) lives under runs/<runId>/securityhub/ with a new run id every night; analyze-publish writes it, import-findings reads it.",
      });
    }
  }

  /**
   * The organization-trail states of `orgTrailStates()` as custom states, in the order they run;
   * CDK draws the transitions, so their own `Next` is dropped. They name the function and the trail
   * bucket in plain ASL, so the state machine role gets what they need here: invoking the
   * function, reading the run's day folders for the outer Map's `ItemReader`, listing this
   * organization's log files for the inner Map's `ItemReader`, and managing
   * the child executions of both Distributed Maps (CDK grants `states:StartExecution` on the
   * machine itself for the account Map already).
   */
  private trailStates(fn: AuditFunction, config: DeploymentConfig): sfn.CustomState[] {
    const states = orgTrailStates({
      functionArn: fn.functionArn,
      trailBucket: config.orgTrailBucket as string,
      next: 'AnalyzePublish',
      maxConcurrency: config.maxConcurrency,
    });
    return Object.entries(states).map(([name, state]) => {
      const { Next: _next, ...stateJson } = state as Record<string, unknown>;
      return new sfn.CustomState(this, name, { stateJson });
    });
  }

  /** What the organization-trail states need beyond the custom states CDK cannot see into. */
  private grantTrailStates(machine: sfn.StateMachine, fn: AuditFunction, config: DeploymentConfig): void {
    fn.grantInvoke(machine);
    // The folder Map's ItemReader reads the plan step's list of day folders, and nothing else it writes.
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheTrailListings',
        actions: ['s3:GetObject'],
        resources: [`${this.bucket.bucketArn}/${trailListingsKey('*')}`],
      }),
    );
    Validations.of(machine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${trailListingsKey('*')}]`,
      reason:
        "The folder Map's ItemReader reads runs/<runId>/trail-listings.json, with a new run id every night; the read is limited to that one file name.",
    });
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListTheOrganizationTrailLogs',
        actions: ['s3:ListBucket'],
        resources: [`arn:${Aws.PARTITION}:s3:::${config.orgTrailBucket}`],
        conditions: { StringLike: { 's3:prefix': [`${orgTrailLogsPrefix(config)}*`] } },
      }),
    );
    // A policy of its own, like CDK's for the account Map: the machine's default policy naming the
    // machine's own executions would make the two depend on each other.
    const policy = new iam.Policy(this, 'TrailMapPolicy', {
      roles: [machine.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ManageTheTrailMapChildren',
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [
            Stack.of(this).formatArn({
              service: 'states',
              resource: 'execution',
              resourceName: `${machine.stateMachineName}/*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
    const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
    const partition = Token.isUnresolved(this.partition) ? '<AWS::Partition>' : this.partition;
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${partition}:states:${region}:${account}:execution:<${this.getLogicalId(machine.node.defaultChild as sfn.CfnStateMachine)}.Name>/*]`,
      reason:
        'The day-folder Map and the log-file Map inside each folder start child executions with names generated per run; the grant is limited to the child executions of this state machine.',
    });
  }

  private addAlarms(): void {
    const action = new cloudwatchActions.SnsAction(this.topic);
    const failed = new cloudwatch.Alarm(this, 'NightlyRunFailed', {
      alarmDescription:
        'The nightly EKS identity audit execution failed; see the state machine execution history.',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const timedOut = new cloudwatch.Alarm(this, 'NightlyRunTimedOut', {
      alarmDescription: 'The nightly EKS identity audit execution timed out.',
      metric: this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [failed, timedOut]) alarm.addAlarmAction(action);
  }
}
