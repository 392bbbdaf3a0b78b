import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { ClientFactory } from '../aws/clients.js';
import { errorCode, errorMessage } from '../aws/errors.js';
import type { CheckMeta } from '../model/check.js';
import type { Finding } from '../model/finding.js';
// The three stored formats only: a Lambda bundle then carries no table or SARIF renderer.
import { renderHtmlChunks } from '../report/html.js';
import { renderJsonChunks } from '../report/json.js';
import { renderMarkdownChunks } from '../report/markdown.js';
import { countBySeverity, trendOf } from '../report/trend.js';
import type { Report } from '../report/types.js';
import { diffRuns, type RunDiff } from './diff.js';
import { type SecurityHubProgress, writeImportQueue } from './import-queue.js';
import { MAX_HISTORY, type RecordedFinding, type RunRecord } from './record.js';
import {
  latestKey,
  loadLatest,
  type ReportStoreLocation,
  reportLinks,
  runKeys,
  s3Uri,
  storeReports,
  writeLatest,
} from './report-store.js';
import type { RetryPolicy } from './retry.js';
import { type ImportFailure, importFindings, planSecurityHub } from './securityhub.js';
import { type PublishSettings, type PublishSettingsInput, parsePublishSettings } from './settings.js';
import { buildNotifications, publishNotifications, type ReportLinks } from './sns.js';

export {
  type AsffContext,
  type AsffState,
  asffTypes,
  defaultProductArn,
  toAsff,
  validateAsff,
} from './asff.js';
export { type DiffableFinding, diffRuns, producingScopesComplete, type RunDiff } from './diff.js';
export {
  BATCH_IMPORT_PER_SECOND,
  ImportQueueError,
  type ImportQueueManifest,
  importQueue,
  pacedPerAccount,
  type QueuedProgress,
  type QueueImportResult,
  recordImportOutcome,
  type SecurityHubProgress,
  SecurityHubProgressSchema,
} from './import-queue.js';
export { type RecordedFinding, type RunHistoryEntry, type RunRecord, RunRecordSchema } from './record.js';
export {
  loadLatest,
  mergeRecords,
  RunRecordError,
  reportLinks,
  runKeys,
  s3ConsoleUrl,
  s3Uri,
  uploadText,
  writeLatest,
} from './report-store.js';
export { type RetryPolicy, withRetry } from './retry.js';
export {
  importFindings,
  type PlannedImport,
  planSecurityHub,
  type SecurityHubImportResult,
} from './securityhub.js';
export {
  type PublishSettings,
  type PublishSettingsInput,
  PublishSettingsSchema,
  parsePublishSettings,
  SecurityHubModeSchema,
  SummaryModeSchema,
} from './settings.js';
export {
  buildNotifications,
  type ChatNotification,
  messageBytes,
  type NotificationInput,
  publishNotifications,
  type ReportLinks,
  SNS_MAX_MESSAGE_BYTES,
  toSubject,
} from './sns.js';

/**
 * Findings the stored Markdown and HTML reports list at most (the most severe first); the counts
 * stay complete and the JSON report lists every finding. 10,000 rows make an HTML page of about
 * 20 MB, still one a browser opens.
 */
export const STORED_REPORT_LISTED_FINDINGS = 10_000;

/** What {@link publishRun} needs. */
export interface PublishRunInput {
  report: Report;
  /** Metadata of the registered checks (remediation, documentation link, category). */
  checks: ReadonlyArray<CheckMeta>;
  factory: ClientFactory;
  /** Validated here (defaults applied); an invalid value throws InputError before anything is sent. */
  settings: PublishSettings | PublishSettingsInput;
  now: Date;
  /** Compute everything, read the previous run, send and write nothing. */
  dryRun?: boolean;
  /** Waits between retries; injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Ids of the findings this run withheld as undecided (an absence claim whose evidence it could not
   * trust): an earlier run's finding with one of these ids is neither resolved nor archived.
   */
  undecided?: Iterable<string>;
  /**
   * Write the Security Hub import as a queue under the run's prefix (`runs/RUN_ID/securityhub/`)
   * instead of importing it here; a later step ({@link importQueue}) imports it, paced and resumable.
   * The run record counts the queued open findings as imported and carries the queued resolved ones
   * as `archive-pending` until the import step has archived them, so an import that never finishes
   * loses no archiving; the import step records what failed and what it archived.
   */
  queueSecurityHub?: boolean;
}

/** What {@link publishRun} did (or, in a dry run, would do). */
export interface PublishRunResult {
  dryRun: boolean;
  /** Stored objects; undefined when report storage is disabled. */
  reportUris?: { json: string; markdown: string; html: string; latest: string };
  links?: ReportLinks;
  previousRunId?: string;
  diff: RunDiff<Omit<Finding, 'evidence'>>;
  sns: {
    /** True when every message was accepted (or there was nothing to send); false in a dry run. */
    published: boolean;
    messages: PublishCommandInput[];
    messageIds: string[];
    /** Why nothing was sent: no topic, or SNS disabled. */
    skipped?: string;
    error?: string;
  };
  securityHub: {
    imported: number;
    archived: number;
    failed: number;
    deferred: number;
    failures: ImportFailure[];
    skipped?: string;
    /** In a dry run: the ASFF findings that would be imported. */
    findings?: AwsSecurityFinding[];
    /** The region imported into. */
    region?: string;
    /** With {@link PublishRunInput.queueSecurityHub}: the queue the import step reads. */
    queue?: NonNullable<SecurityHubProgress['queue']>;
    /**
     * The previous run imported into another region: the findings it left there are not seen,
     * updated or archived by this run.
     */
    otherRegion?: { region: string; findings: number };
  };
  /** Lost conditional writes of `latest.json` to a concurrent run (merged, not lost). */
  latestConflicts: number;
  /** True when something failed to go out: the caller exits non-zero and emits a metric. */
  failed: boolean;
}

/**
 * SNS messages of a run that did not go out: none when every message was accepted or SNS was
 * skipped; otherwise those without a message id, and at least one (the publish failed).
 */
export function unsentSnsMessages(sns: PublishRunResult['sns']): number {
  if (sns.published || sns.skipped !== undefined) return 0;
  return Math.max(1, sns.messages.length - sns.messageIds.length);
}

/**
 * Publishes one audit run: stores the JSON, Markdown and HTML reports in S3, compares the findings
 * with the previous run's (`reports/latest.json`), sends the SNS summary/alert/chat notifications,
 * imports the Security Hub lifecycle, and writes `reports/latest.json` last (conditionally, merging a
 * concurrent run's history).
 *
 * A failing SNS publish or Security Hub import does not stop the rest: the reports and the run record
 * are stored anyway, the result says what failed and `failed` is true. Findings whose archiving failed
 * are kept in the record and archived by the next run.
 *
 * @throws InputError for invalid settings; the S3 error when the reports or `latest.json` cannot be written.
 * @example const result = await publishRun({ report, checks: checks.map((c) => c.meta), factory, settings, now: new Date() });
 */
export async function publishRun(input: PublishRunInput): Promise<PublishRunResult> {
  const settings = parsePublishSettings(input.settings);
  const { report, factory } = input;
  const dryRun = input.dryRun === true;
  const policy: RetryPolicy = {
    maxAttempts: settings.maxAttempts,
    baseDelayMs: settings.baseDelayMs,
    ...(input.sleep ? { sleep: input.sleep } : {}),
  };
  const location: ReportStoreLocation = { bucket: settings.bucket, prefix: settings.prefix };
  const s3 = factory.s3();
  const latest = settings.enabled.reports ? await loadLatest(s3, location) : {};
  const previousRecord = latest.record;
  const previousById = new Map((previousRecord?.findings ?? []).map((finding) => [finding.id, finding]));
  // Findings imported into another region are invisible from this one: nothing here archives or
  // updates them, and they count as never imported (created afresh, under the usual deferral).
  const previousRegion = previousRecord?.securityHubRegion;
  const sameHub = previousRegion === undefined || previousRegion === settings.securityHubRegion;
  const hubPrevious = sameHub
    ? previousById
    : new Map([...previousById].map(([id, finding]) => [id, { ...finding, securityHubImported: false }]));
  const diff = diffRuns<RecordedFinding>(previousRecord?.findings, report.findings, report.scopes, {
    checks: input.checks,
    ...(input.undecided ? { undecided: input.undecided } : {}),
  });
  const keys = runKeys(location, report);
  const consoleRegion = settings.reportConsoleRegion ?? settings.securityHubRegion;
  const links = settings.enabled.reports ? reportLinks(location, keys, consoleRegion) : undefined;
  const updatedAt = nextUpdatedAt(input.now, previousRecord?.securityHubUpdatedAt);

  const result: PublishRunResult = {
    dryRun,
    ...(settings.enabled.reports
      ? {
          reportUris: {
            json: s3Uri(location.bucket, keys.json),
            markdown: s3Uri(location.bucket, keys.markdown),
            html: s3Uri(location.bucket, keys.html),
            latest: s3Uri(location.bucket, latestKey(location)),
          },
        }
      : {}),
    ...(links ? { links } : {}),
    ...(previousRecord ? { previousRunId: previousRecord.runId } : {}),
    diff,
    sns: { published: false, messages: [], messageIds: [] },
    securityHub: {
      imported: 0,
      archived: 0,
      failed: 0,
      deferred: 0,
      failures: [],
      ...(settings.enabled.securityHub ? { region: settings.securityHubRegion } : {}),
      ...(settings.enabled.securityHub && !sameHub && previousRegion !== undefined
        ? {
            otherRegion: {
              region: previousRegion,
              findings: [...previousById.values()].filter((finding) => finding.securityHubImported).length,
            },
          }
        : {}),
    },
    latestConflicts: 0,
    failed: false,
  };

  // Reports first, so every link sent below already points at an object.
  if (settings.enabled.reports && !dryRun) {
    // The trend: the stored history with this run as its newest night.
    const history = [historyEntry(report, keys, diff), ...(previousRecord?.history ?? [])].filter(
      (entry, index, all) => all.findIndex((other) => other.runId === entry.runId) === index,
    );
    const renderOptions = {
      checks: [...input.checks],
      trend: trendOf(history),
      // Past this many findings a page is too large to open; the JSON report keeps every one.
      maxListedFindings: STORED_REPORT_LISTED_FINDINGS,
      completeReport: s3Uri(location.bucket, keys.json),
      ...(settings.language ? { language: settings.language } : {}),
    };
    // Each format is rendered as it is uploaded: no report is ever one string in memory.
    await storeReports(s3, location, keys, {
      json: renderJsonChunks(report),
      markdown: renderMarkdownChunks(report, renderOptions),
      html: renderHtmlChunks(report, renderOptions),
    });
  }

  if (!settings.enabled.sns) {
    result.sns.skipped = 'SNS publishing is disabled';
  } else if (settings.topicArn === undefined) {
    result.sns.skipped = 'no SNS topic configured';
  } else {
    result.sns.messages = buildNotifications({
      report,
      diff,
      topicArn: settings.topicArn,
      summary: settings.summary,
      alertThreshold: settings.alertThreshold,
      ...(links ? { links } : {}),
      ...(previousRecord ? { previousRunId: previousRecord.runId } : {}),
      checks: input.checks,
      ...(settings.language ? { language: settings.language } : {}),
    });
    if (!dryRun) {
      const outcome = await publishNotifications(factory.sns(), result.sns.messages, policy);
      result.sns.published = outcome.published;
      result.sns.messageIds = outcome.messageIds;
      if (outcome.error) result.sns.error = outcome.error;
    }
  }

  let succeededIds = new Set<string>();
  // Whether this run sent (or queued) anything to Security Hub, so the record's `UpdatedAt` advances.
  let sentToHub = false;
  if (!settings.enabled.securityHub) {
    result.securityHub.skipped = 'Security Hub import is disabled';
  } else {
    try {
      const caller =
        settings.securityHubMode === 'audit-account' ? await factory.callerIdentity() : undefined;
      const plan = planSecurityHub({
        diff,
        previous: hubPrevious,
        scopes: report.scopes,
        checks: input.checks,
        mode: settings.securityHubMode,
        callerAccountId: caller?.accountId ?? '',
        region: settings.securityHubRegion,
        partition: factory.options.partition ?? 'aws',
        runId: report.runId,
        updatedAt,
        ...(links ? { reportUrl: links.consoleUrl } : {}),
      });
      result.securityHub.deferred = plan.deferred.length;
      if (dryRun) {
        result.securityHub.findings = plan.imports.map((item) => item.finding);
      } else if (input.queueSecurityHub === true) {
        if (plan.imports.length > 0) {
          result.securityHub.queue = await writeImportQueue(
            s3,
            settings.bucket,
            {
              runId: report.runId,
              mode: settings.securityHubMode,
              region: settings.securityHubRegion,
              partition: factory.options.partition ?? 'aws',
              updatedAt,
              ...(links ? { reportUrl: links.consoleUrl } : {}),
              report: location,
              checks: input.checks,
            },
            plan.imports,
          );
        }
        // Open findings are recorded as imported, and the import step marks what Security Hub did not
        // take; resolved ones stay archive-pending until the import step has archived them.
        sentToHub = plan.imports.length > 0;
        succeededIds = new Set(
          plan.imports
            .filter((item) => item.state !== 'resolved')
            .map((item) => item.id ?? item.finding.Id ?? ''),
        );
      } else {
        const imported = await importFindings(
          plan.imports,
          (accountId) =>
            settings.securityHubMode === 'audit-account'
              ? factory.securityHub(undefined, settings.securityHubRegion)
              : factory.securityHub(accountId, settings.securityHubRegion),
          policy,
        );
        Object.assign(result.securityHub, {
          imported: imported.imported,
          archived: imported.archived,
          failed: imported.failed,
          failures: imported.failures,
        });
        succeededIds = imported.succeededIds;
        sentToHub = succeededIds.size > 0;
      }
    } catch (error) {
      // The caller's identity could not be read: nothing was imported, and the record keeps every finding.
      result.securityHub.failed = report.findings.length + diff.resolved.length + diff.archivePending.length;
      result.securityHub.failures.push({
        id: '*',
        accountId: '',
        code: errorCode(error),
        message: errorMessage(error),
      });
    }
  }

  if (settings.enabled.reports && !dryRun) {
    const record = buildRecord({
      report,
      keys,
      diff,
      previousRecord,
      previousById: hubPrevious,
      succeededIds,
      sentToHub,
      updatedAt,
      securityHubEnabled: settings.enabled.securityHub,
      securityHubRegion: settings.enabled.securityHub ? settings.securityHubRegion : previousRegion,
      publishFailures: {
        sns: unsentSnsMessages(result.sns),
        securityHub: result.securityHub.failed,
      },
    });
    const written = await writeLatest(s3, location, record, latest.etag);
    result.latestConflicts = written.conflicts;
  }

  if (
    !dryRun &&
    settings.enabled.sns &&
    settings.topicArn !== undefined &&
    result.sns.messages.length === 0
  ) {
    result.sns.published = true;
  }
  result.failed =
    !dryRun &&
    ((settings.enabled.sns && settings.topicArn !== undefined && !result.sns.published) ||
      result.securityHub.failed > 0);
  return result;
}

/** `UpdatedAt` for this run's imports: now, or just after the previous import when the clock lags. */
function nextUpdatedAt(now: Date, previous: string | undefined): string {
  const last = previous === undefined ? Number.NaN : Date.parse(previous);
  const time = Number.isNaN(last) || now.getTime() > last ? now.getTime() : last + 1;
  return new Date(time).toISOString();
}

/** This run's line of the history: counts, and new and resolved findings by severity for the trend. */
function historyEntry(report: Report, keys: RunRecord['keys'], diff: RunDiff<ListedDiffFinding>) {
  return {
    runId: report.runId,
    finishedAt: report.finishedAt,
    keys,
    total: report.summary.total,
    bySeverity: report.summary.bySeverity,
    new: diff.new.length,
    resolved: diff.resolved.length,
    newBySeverity: countBySeverity(diff.new),
    resolvedBySeverity: countBySeverity(diff.resolved),
    incompleteScopes: report.scopes.filter((scope) => scope.status === 'incomplete').length,
  };
}

type ListedDiffFinding = Omit<Finding, 'evidence'>;

interface RecordInput {
  report: Report;
  keys: RunRecord['keys'];
  diff: RunDiff<RecordedFinding>;
  previousRecord?: RunRecord;
  /** The previous record's findings by id. */
  previousById: ReadonlyMap<string, RecordedFinding>;
  succeededIds: ReadonlySet<string>;
  /** Security Hub took (or the queue holds) documents of this run, stamped with `updatedAt`. */
  sentToHub: boolean;
  updatedAt: string;
  securityHubEnabled: boolean;
  /** Where `securityHubImported` flags of this record refer to. */
  securityHubRegion?: string;
  /** What did not go out, recorded in the history so a failed publish shows in the run state. */
  publishFailures: { sns: number; securityHub: number };
}

/**
 * The run record for `latest.json`: this run's findings (first-seen times kept), the unknown ones
 * carried, the resolved ones whose archiving failed carried for the next run, and the history.
 */
function buildRecord(input: RecordInput): RunRecord {
  const { report, diff, previousRecord, previousById, succeededIds } = input;
  const findings: RecordedFinding[] = report.findings.map((finding) => {
    const { evidence: _evidence, ...rest } = finding;
    const before = previousById.get(finding.id);
    return {
      ...rest,
      // Back after it was resolved (archiving pending): new, so first seen now, as `diffRuns` counts it.
      firstSeenAt:
        (before?.carried === 'archive-pending' ? undefined : before?.firstSeenAt) ?? input.updatedAt,
      securityHubImported: succeededIds.has(finding.id) || before?.securityHubImported === true,
    };
  });
  // The flags come from `previousById`: a finding imported into another region is not in this one.
  const importedHere = (id: string) => previousById.get(id)?.securityHubImported === true;
  for (const finding of diff.unknown)
    findings.push({ ...finding, securityHubImported: importedHere(finding.id), carried: 'unknown' });
  for (const finding of [...diff.resolved, ...diff.archivePending]) {
    const archivePending =
      input.securityHubEnabled && importedHere(finding.id) && !succeededIds.has(finding.id);
    if (archivePending) findings.push({ ...finding, carried: 'archive-pending' });
  }
  const entry = {
    ...historyEntry(report, input.keys, diff),
    ...(input.securityHubEnabled && input.securityHubRegion
      ? { securityHubRegion: input.securityHubRegion }
      : {}),
    publishFailures: input.publishFailures,
  };
  const imported = input.sentToHub;
  return {
    recordVersion: 1,
    runId: report.runId,
    finishedAt: report.finishedAt,
    keys: input.keys,
    findings,
    ...(imported
      ? { securityHubUpdatedAt: input.updatedAt }
      : previousRecord?.securityHubUpdatedAt
        ? { securityHubUpdatedAt: previousRecord.securityHubUpdatedAt }
        : {}),
    ...(input.securityHubRegion ? { securityHubRegion: input.securityHubRegion } : {}),
    history: [entry, ...(previousRecord?.history ?? []).filter((old) => old.runId !== report.runId)].slice(
      0,
      MAX_HISTORY,
    ),
  };
}
