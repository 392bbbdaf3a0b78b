import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { type Command, Option } from 'commander';
import type { ClientFactory } from '../shared/aws/clients.js';
import { NO_CALLER_REGION } from '../shared/aws/region.js';
import { checks as registeredChecks } from '../shared/checks/index.js';
import type { CheckMeta } from '../shared/checks/types.js';
import { RUN_DEFAULTS } from '../shared/defaults.js';
import { InputError } from '../shared/errors.js';
import type { Language } from '../shared/i18n/language.js';
import { parseSeverity } from '../shared/model/severity.js';
import type { PublishRunResult } from '../shared/publish/index.js';
import {
  type PublishSettings,
  parsePublishSettings,
  SecurityHubModeSchema,
  SummaryModeSchema,
} from '../shared/publish/settings.js';
import type { Report } from '../shared/report/types.js';
import { emit, log, warn } from './output.js';

/** The publishing flags as commander parses them. */
export interface PublishOptions {
  publish?: boolean;
  dryRun?: boolean;
  bucket?: string;
  topicArn?: string;
  summary?: string;
  alertThreshold?: string;
  securityhubMode?: string;
  securityhubRegion?: string;
  reportConsoleRegion?: string;
  dryRunOutput?: string;
}

/**
 * Adds the publishing flags to a command. `--bucket` and `--topic-arn` fall back to the
 * `EKS_IDENTITY_AUDIT_BUCKET` and `EKS_IDENTITY_AUDIT_TOPIC_ARN` environment variables.
 *
 * @example addPublishOptions(program.command('audit')).action(async (options) => publishFromOptions(options, { report, factory }))
 */
export function addPublishOptions(command: Command): Command {
  return command
    .option(
      '--publish',
      'store the reports in S3, notify the SNS topic and import findings into Security Hub',
    )
    .option(
      '--dry-run',
      'print what would be stored, sent (every SNS message) and imported (every Security Hub finding), and send nothing',
    )
    .option(
      '--dry-run-output <file>',
      'with --dry-run: write the plan to this file as JSON instead of printing it',
    )
    .addOption(
      new Option('--bucket <name>', 'S3 bucket for reports/ (run history)').env('EKS_IDENTITY_AUDIT_BUCKET'),
    )
    .addOption(
      new Option('--topic-arn <arn>', 'SNS topic for the summary, alert and chat notifications').env(
        'EKS_IDENTITY_AUDIT_TOPIC_ARN',
      ),
    )
    .option('--summary <when>', 'nightly summary: always, on-change or never', RUN_DEFAULTS.summary)
    .option(
      '--alert-threshold <severity>',
      'alert on new findings at or above this severity',
      RUN_DEFAULTS.alertThreshold,
    )
    .option(
      '--securityhub-mode <mode>',
      'import findings into the audit account (audit-account) or each member account (member-accounts)',
      RUN_DEFAULTS.securityHubMode,
    )
    .option(
      '--securityhub-region <region>',
      "Security Hub region (default: the caller's region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's)",
    )
    .option(
      '--report-console-region <region>',
      'region of the S3 console links in messages (default: the Security Hub region)',
    );
}

/** The region of an SNS topic ARN (`arn:aws:sns:REGION:ACCOUNT:NAME`). */
function topicRegion(topicArn: string): string | undefined {
  return /^arn:[^:]+:sns:([^:]+):/.exec(topicArn)?.[1];
}

/**
 * Validates the publishing flags into settings; undefined when neither `--publish` nor `--dry-run`
 * was given. `callerRegion` is where S3, SNS and Security Hub calls go (`--region`, `AWS_REGION`,
 * `AWS_DEFAULT_REGION`, the profile's region); `--securityhub-region` defaults to it. A topic of
 * another region is refused before anything is sent: SNS accepts a publish only in the topic's
 * region.
 *
 * @throws InputError naming every invalid flag.
 */
export function publishSettingsFromOptions(
  options: PublishOptions,
  callerRegion: string | undefined,
): PublishSettings | undefined {
  if (options.dryRunOutput !== undefined && !options.dryRun)
    throw new InputError('--dry-run-output needs --dry-run: only a dry run has a plan to write');
  if (!options.publish && !options.dryRun) return undefined;
  const problems: string[] = [];
  if (options.bucket === undefined)
    problems.push('--bucket is required to publish (or set EKS_IDENTITY_AUDIT_BUCKET)');
  const summary = SummaryModeSchema.safeParse(options.summary ?? RUN_DEFAULTS.summary);
  if (!summary.success) problems.push(`--summary "${options.summary}": expected always, on-change or never`);
  const threshold = parseSeverity(options.alertThreshold ?? RUN_DEFAULTS.alertThreshold);
  if (threshold === undefined) {
    problems.push(
      `--alert-threshold "${options.alertThreshold}": expected CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL`,
    );
  }
  const mode = SecurityHubModeSchema.safeParse(options.securityhubMode ?? RUN_DEFAULTS.securityHubMode);
  if (!mode.success) {
    problems.push(
      `--securityhub-mode "${options.securityhubMode}": expected audit-account or member-accounts`,
    );
  }
  if (callerRegion === undefined)
    problems.push(
      `${NO_CALLER_REGION}: publishing sends S3, SNS and Security Hub calls to the caller's region`,
    );
  const region = options.securityhubRegion ?? callerRegion;
  const topicIn = options.topicArn === undefined ? undefined : topicRegion(options.topicArn);
  if (callerRegion !== undefined && topicIn !== undefined && topicIn !== callerRegion) {
    problems.push(
      `--topic-arn ${options.topicArn}: the topic is in ${topicIn} but SNS calls go to ${callerRegion} (the caller's region), and SNS accepts a publish only in the topic's region: pass --region ${topicIn}, or use a topic in ${callerRegion}`,
    );
  }
  if (problems.length > 0) throw new InputError('invalid publishing options', problems);
  try {
    return parsePublishSettings({
      bucket: options.bucket,
      ...(options.topicArn !== undefined ? { topicArn: options.topicArn } : {}),
      summary: summary.data,
      alertThreshold: threshold,
      securityHubMode: mode.data,
      securityHubRegion: region,
      ...(options.reportConsoleRegion !== undefined
        ? { reportConsoleRegion: options.reportConsoleRegion }
        : {}),
    });
  } catch (error) {
    if (error instanceof InputError) {
      throw new InputError(
        'invalid publishing options',
        error.problems.map((problem) =>
          problem.replace(/^(\w+):/, (_match, field: string) => `${flagOf(field)}:`),
        ),
      );
    }
    throw error;
  }
}

const FLAGS: Record<string, string> = {
  bucket: '--bucket',
  topicArn: '--topic-arn',
  securityHubRegion: '--securityhub-region',
  reportConsoleRegion: '--report-console-region',
};

function flagOf(field: string): string {
  return FLAGS[field] ?? field;
}

/** What {@link publishFromOptions} needs besides the flags. */
export interface PublishContext {
  report: Report;
  /** Its S3 and SNS clients must be in {@link PublishContext.region}. */
  factory: ClientFactory;
  /**
   * The caller's region (S3, SNS, the default Security Hub region); when the key is absent, the
   * factory's region. Undefined: none was set, and publishing is refused.
   */
  region?: string | undefined;
  checks?: ReadonlyArray<CheckMeta>;
  now?: Date;
  /** Where the dry-run plan and the outcome lines go; default stderr (stdout holds the report). */
  print?: (line: string) => void;
  /** Waits between retries; injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Ids of the findings the audit withheld as undecided (see `PublishRunInput.undecided`). */
  undecided?: Iterable<string>;
  /** Language of the stored reports and the notifications (`--lang`). */
  language?: Language;
}

/**
 * Publishes the run when `--publish` or `--dry-run` was given, and prints the outcome (or, in a
 * dry run, everything that would be sent). Exit code 1 when something failed to go out (the reports
 * are stored regardless), else 0; `result` is undefined when publishing was not asked for.
 *
 * @throws InputError for invalid flags, before anything is sent.
 */
export async function publishFromOptions(
  options: PublishOptions,
  context: PublishContext,
): Promise<{ exitCode: 0 | 1; result?: PublishRunResult }> {
  const settings = publishSettingsFromOptions(
    options,
    'region' in context ? context.region : context.factory.options.region,
  );
  if (settings === undefined) return { exitCode: 0 };
  // A dry run's plan is what was asked for: it is written under --quiet too.
  const print = context.print ?? (options.dryRun ? warn : log);
  // Publishing (S3, SNS, Security Hub clients) loads only for a run that publishes.
  const { publishRun } = await import('../shared/publish/index.js');
  const result = await publishRun({
    report: context.report,
    checks: context.checks ?? registeredChecks.map((check) => check.meta),
    factory: context.factory,
    settings: context.language ? { ...settings, language: context.language } : settings,
    now: context.now ?? new Date(),
    dryRun: options.dryRun === true,
    ...(context.sleep ? { sleep: context.sleep } : {}),
    ...(context.undecided ? { undecided: context.undecided } : {}),
  });
  const planFile = options.dryRunOutput;
  for (const line of describePublishResult(result, { plan: planFile === undefined })) print(line);
  if (result.dryRun && planFile !== undefined) {
    await emit(JSON.stringify(dryRunPlan(result), null, 2), planFile);
    print(`  plan written to ${planFile}`);
  }
  return { exitCode: result.failed ? 1 : 0, result };
}

/** Security Hub failures listed one per line; the rest are counted. */
const LISTED_FAILURES = 20;

/** What a dry run would send, as `--dry-run-output` writes it: messages with their bodies parsed, and the ASFF findings. */
export interface DryRunPlan {
  reportUris: PublishRunResult['reportUris'];
  sns: Array<Omit<PublishCommandInput, 'Message'> & { Message: unknown }>;
  securityHub: AwsSecurityFinding[];
}

/** A message body as JSON when it is JSON (structured messages, chat payloads), else its text. */
function parsedBody(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '""');
  } catch {
    return text ?? '';
  }
}

/** The plan of a dry run. */
export function dryRunPlan(result: PublishRunResult): DryRunPlan {
  return {
    reportUris: result.reportUris,
    sns: result.sns.messages.map((message) => ({ ...message, Message: parsedBody(message.Message) })),
    securityHub: result.securityHub.findings ?? [],
  };
}

/** Text as indented lines: a JSON string inside (a chat payload) is shown pretty. */
function bodyLines(body: unknown, indent: string): string[] {
  const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  const inner = typeof body === 'string' && /^\s*[{[]/.test(body) ? parsedBody(body) : undefined;
  const shown = inner !== undefined && typeof inner !== 'string' ? JSON.stringify(inner, null, 2) : text;
  return shown.split('\n').map((line) => `${indent}${line}`);
}

/**
 * The whole plan of a dry run, readable: every SNS message (subject, attributes, each protocol's
 * body line by line) and every Security Hub finding (severity, title, resource, id).
 */
export function describeDryRunPlan(plan: DryRunPlan): string[] {
  const lines: string[] = [];
  plan.sns.forEach((message, index) => {
    const attributes = Object.entries(message.MessageAttributes ?? {})
      .map(([name, value]) => `${name}=${value.StringValue ?? ''}`)
      .join(', ');
    lines.push(
      `  SNS message ${index + 1} of ${plan.sns.length} to ${message.TopicArn ?? 'the topic'}: subject "${message.Subject ?? ''}"` +
        (attributes ? ` (${attributes})` : ''),
    );
    const body = message.Message;
    if (message.MessageStructure === 'json' && typeof body === 'object' && body !== null) {
      for (const [protocol, text] of Object.entries(body as Record<string, unknown>)) {
        lines.push(`    [${protocol}]`, ...bodyLines(text, '      '));
      }
    } else lines.push(...bodyLines(body, '    '));
  });
  plan.securityHub.forEach((finding, index) => {
    const resource = finding.Resources?.[0]?.Id ?? '';
    lines.push(
      `  Security Hub finding ${index + 1} of ${plan.securityHub.length}: ${finding.Severity?.Label ?? ''} ${finding.Title ?? ''}` +
        `${resource ? ` — ${resource}` : ''} (account ${finding.AwsAccountId ?? ''}, id ${finding.Id ?? ''})`,
    );
  });
  return lines;
}

/**
 * Human-readable lines about a publish; a dry run adds the whole plan ({@link describeDryRunPlan})
 * unless `plan: false` (it is written to `--dry-run-output` instead).
 */
export function describePublishResult(
  result: PublishRunResult,
  { plan: withPlan = true }: { plan?: boolean } = {},
): string[] {
  const lines: string[] = [];
  const prefix = result.dryRun ? 'dry run: would publish' : 'published';
  const { diff } = result;
  lines.push(
    `${prefix}: ${diff.new.length} new, ${diff.resolved.length} resolved, ${diff.stillOpen.length} still open, ` +
      `${diff.unknown.length} unknown, ${diff.suppressed.length} suppressed` +
      (result.previousRunId ? ` (compared with run ${result.previousRunId})` : ' (no previous run)'),
  );
  if (result.reportUris)
    lines.push(`  report: ${result.reportUris.html}${result.links ? ` (${result.links.consoleUrl})` : ''}`);
  if (result.sns.skipped) lines.push(`  SNS: skipped, ${result.sns.skipped}`);
  else if (result.dryRun) lines.push(`  SNS: ${result.sns.messages.length} messages`);
  else if (result.sns.published) lines.push(`  SNS: ${result.sns.messageIds.length} messages published`);
  else
    lines.push(`  SNS: FAILED after retries (${result.sns.error ?? 'unknown error'}); the report is stored`);
  const hub = result.securityHub;
  if (hub.skipped) lines.push(`  Security Hub: skipped, ${hub.skipped}`);
  else if (result.dryRun)
    lines.push(
      `  Security Hub: ${hub.findings?.length ?? 0} findings, ${hub.deferred} deferred (scope incomplete)`,
    );
  else {
    lines.push(
      `  Security Hub: ${hub.imported} imported, ${hub.archived} archived, ${hub.deferred} deferred, ${hub.failed} failed` +
        (hub.region ? ` in ${hub.region}` : ''),
    );
    for (const failure of hub.failures.slice(0, LISTED_FAILURES)) {
      lines.push(
        `    failed ${failure.id} (${failure.accountId || 'audit account'}): ${failure.code} ${failure.message}`,
      );
    }
    if (hub.failures.length > LISTED_FAILURES) {
      lines.push(
        `    and ${hub.failures.length - LISTED_FAILURES} more; ${result.reportUris?.latest ?? 'the run record'} marks each finding not in Security Hub with securityHubImported: false`,
      );
    }
  }
  if (hub.otherRegion && !hub.skipped) {
    lines.push(
      `  Security Hub: the previous run imported into ${hub.otherRegion.region}; this run imports into ${hub.region} and cannot see, update or archive the ${hub.otherRegion.findings} finding(s) left there (publish with --securityhub-region ${hub.otherRegion.region} to manage them)`,
    );
  }
  if (result.latestConflicts > 0)
    lines.push(`  latest.json: merged with ${result.latestConflicts} concurrent run(s)`);
  if (result.dryRun && withPlan) lines.push(...describeDryRunPlan(dryRunPlan(result)));
  return lines;
}
