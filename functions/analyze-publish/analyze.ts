import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { z } from 'zod';
import { runAudit, undecidedFindingIds } from '../../shared/audit.js';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { ACCOUNT_ID_PATTERN } from '../../shared/baseline/index.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { checks } from '../../shared/checks/index.js';
import type { Severity } from '../../shared/model/severity.js';
import { publishRun, type SecurityHubProgress } from '../../shared/publish/index.js';
import { buildReport } from '../../shared/report/index.js';
import { provenanceOf } from '../../shared/run/provenance.js';
import { ledgerUsageWindow } from '../../shared/run/usage.js';
import { normalizeSnapshot, type Snapshot } from '../../shared/snapshot/index.js';
import { backfillSummary, reportedBackfill } from '../../shared/usage/backfill.js';
import { readsLedgers, type UsageSource } from '../lib/config.js';
import { auditLedgerStore, loadLedgers } from '../lib/ledgers.js';
import { MapRunOutputSchema, readMapResults } from '../lib/map-results.js';
import { logger } from '../lib/observability.js';
import { lacksPart, RUN_ID_PATTERN, readAccountParts } from '../lib/parts.js';
import {
  describePublishFailures,
  PublishError,
  publishFailureCount,
  publishSettings,
} from '../lib/publish.js';
import { readRunBaseline } from '../lib/run-baseline.js';
import { recordRunMetrics } from '../lib/run-metrics.js';
import { readRunPlan } from '../lib/run-plan.js';
import { readShardOutputs, ShardsRefSchema } from '../lib/shards.js';
import {
  type BaselineInvalidResult,
  publishBaselineInvalid,
  RejectedRunEventSchema,
} from './baseline-invalid.js';
import type { AnalyzeConfig } from './config.js';

export { ANALYZE_CONFIG_KEYS, type AnalyzeConfig } from './config.js';

const RunIdSchema = z.string().regex(RUN_ID_PATTERN, 'must be a run id from plan-scopes');

const AccountScopesSchema = z
  .array(
    z.object({
      accountId: z.string().regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit account id'),
      regions: z.array(z.string()),
    }),
  )
  .refine(
    (accounts) => new Set(accounts.map((account) => account.accountId)).size === accounts.length,
    'must list each account once',
  );

/**
 * The state after the Map: plan-scopes' output (`plan`: where the run's plan is in S3) plus the
 * Map's output under `collected`: where its ResultWriter put the manifest. The parts in S3 are the
 * source of truth; the Map's results are only cross-checked and logged. An event of an earlier
 * version (the accounts and the Map's result array in the state) is still read.
 */
export const PlannedRunEventSchema = z
  .object({
    status: z.literal('planned').optional(),
    runId: RunIdSchema,
    startedAt: z.iso.datetime({ offset: true }),
    baseline: z.object({
      bucket: z.string().min(3),
      key: z.string().min(1),
      etag: z.string().optional(),
      versionId: z.string().optional(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 plan-scopes recorded'),
    }),
    plan: z
      .object({
        bucket: z.string().min(3),
        key: z.string().min(1),
        accounts: z.number().int().min(0),
        scopes: z.number().int().min(0),
        items: z.number().int().min(0),
      })
      .optional(),
    /** Earlier versions: the planned accounts in the state. */
    accounts: AccountScopesSchema.optional(),
    collected: z.union([MapRunOutputSchema, z.array(z.unknown())]).optional(),
    /** Where plan-scopes put the analysis shards; present, the shard Map analyzed and this step merges. */
    shards: ShardsRefSchema.optional(),
    /**
     * The shard Map's output (where its ResultWriter put the manifest; in-process runs, its result
     * array). Present, the shards analyzed the run and this step merges their findings; absent, this
     * step analyzes the whole organization itself (state machines of earlier versions, small runs).
     */
    analyzed: z.union([MapRunOutputSchema, z.array(z.unknown())]).optional(),
  })
  .refine((event) => event.plan !== undefined || event.accounts !== undefined, {
    message: 'must name the run plan (plan) or list the accounts',
    path: ['plan'],
  });
export type AnalyzeEvent = z.infer<typeof PlannedRunEventSchema>;

/**
 * What the `AnalyzePublish` state receives: a planned run after its Map, or plan-scopes' rejected
 * run (invalid or missing baseline), which skips the Map and is published as BASELINE_INVALID.
 */
export const AnalyzeEventSchema = z.discriminatedUnion('status', [
  PlannedRunEventSchema,
  RejectedRunEventSchema,
]);
export type AnalyzeStepEvent = z.infer<typeof AnalyzeEventSchema>;

/** What the state machine's last step returns (and the execution's output). */
export interface AnalyzeResult {
  runId: string;
  accounts: number;
  total: number;
  suppressed: number;
  bySeverity: Record<Severity, number>;
  newFindings: number;
  resolvedFindings: number;
  incompleteScopes: number;
  /** Accounts without (all of) their parts: the first {@link MAX_LISTED}, so the state output stays small. */
  missingParts: string[];
  /** How many accounts lack a part, when more than are listed. */
  missingPartCount?: number;
  /** Map items the ResultWriter recorded as failed. */
  failedItems?: number;
  /**
   * Where usage evidence came from; in ledger mode, the account-regions (`ACCOUNT/REGION`) without a
   * usable ledger, whose usage is reported unknown.
   */
  usage: { source: UsageSource; ledgers?: number; missingLedgers?: string[]; missingLedgerCount?: number };
  reportUri?: string;
  sns: { published: boolean; messages: number; skipped?: string };
  /**
   * Security Hub's counts; with the import queued (the state machine), also the queue, `done: false`,
   * and what else failed to go out: the `ImportFindings` loop advances it until `done`.
   */
  securityHub: SecurityHubProgress;
}

/** How the step publishes. */
export interface AnalyzeOptions {
  /**
   * Write the Security Hub import as a queue for the `ImportFindings` step instead of importing it
   * in this invocation (the state machine; the in-process CLI imports directly).
   */
  queueSecurityHub?: boolean;
}

/**
 * The `AnalyzePublish` step: the one publisher of a run. A rejected run publishes BASELINE_INVALID
 * alone; a planned run is analyzed and published.
 *
 * @throws as {@link analyzeAndPublish} and {@link publishBaselineInvalid}.
 */
export function analyzeStep(
  event: AnalyzeStepEvent,
  config: AnalyzeConfig,
  factory: ClientFactory,
  now?: () => Date,
  options: AnalyzeOptions = {},
): Promise<AnalyzeResult | BaselineInvalidResult> {
  return event.status === 'baseline-invalid'
    ? publishBaselineInvalid(event, config, factory, now)
    : analyzeAndPublish(event, config, factory, now, options);
}

/**
 * Accounts or scopes a result lists by name at most: the result is the execution's output (256 KiB
 * at most), and the report in S3 names every one of them.
 */
export const MAX_LISTED = 50;

/** Parts read at once. */
const PART_READ_CONCURRENCY = 16;

/**
 * Merges every account's part into one snapshot, runs the checks against the baseline plan-scopes
 * validated (its JSON copy under the run's prefix, so no YAML is parsed here), and publishes
 * (reports, SNS, Security Hub). In ledger mode the usage checks read the planned account-regions'
 * ledgers (read-only); a scope without one has unknown usage.
 *
 * @throws InputError when the run's validated baseline is missing, invalid or not the planned
 * version; PublishError when SNS or Security Hub did not take everything (after the reports and
 * the run record were stored).
 */
export async function analyzeAndPublish(
  event: AnalyzeEvent,
  config: AnalyzeConfig,
  factory: ClientFactory,
  now: () => Date = () => new Date(),
  options: AnalyzeOptions = {},
): Promise<AnalyzeResult> {
  logger.appendKeys({ runId: event.runId });
  const began = now();
  const s3 = factory.s3();
  const location = { bucket: config.bucket, runId: event.runId };
  const baseline = await readRunBaseline(s3, location, event.baseline);

  // The plan in S3 is what was planned; an event of an earlier version carries it in the state.
  const planned = event.plan
    ? await readRunPlan(s3, location)
    : { accounts: event.accounts ?? [], regionsPerItem: Number.POSITIVE_INFINITY };
  // The parts, the inventory and the usage index live only inside `checkRun`: publishing holds
  // the report and what it needs, not the inputs it was made from.
  const checkInput = {
    s3,
    location,
    planned,
    baseline,
    event,
    config,
    finishedAt: () => now().toISOString(),
  };
  const { report, undecided, stored, missingParts } =
    event.shards && event.analyzed
      ? await mergeShards({ ...checkInput, shards: event.shards.count })
      : await checkRun(checkInput);
  const finishedAt = report.finishedAt;
  const failedItems = await mapFailures(s3, event.collected);
  if (failedItems.length > 0)
    logger.warn('Map items that failed', {
      failed: failedItems.length,
      failedItems: failedItems.slice(0, 20),
    });
  if (stored) {
    const backfill = backfillSummary(stored.ledgers, planned.accounts, new Date(event.startedAt), {
      windowDays: baseline.settings.unusedAfterDays,
      source: config.usageSource === 'org-trail' ? 'org-trail' : 'lookup',
    });
    report.usageEvidence = reportedBackfill(backfill);
    logger.info(backfill.text, { pending: backfill.pending.slice(0, 20) });
  }
  const published = await publishRun({
    report,
    checks: checks.map((check) => check.meta),
    factory,
    settings: publishSettings(config),
    now: new Date(finishedAt),
    undecided,
    ...(options.queueSecurityHub ? { queueSecurityHub: true } : {}),
  });

  const incompleteScopes = report.scopes.filter((scope) => scope.status === 'incomplete').length;
  recordRunMetrics({
    bySeverity: report.summary.bySeverity,
    newFindings: published.diff.new.length,
    incompleteScopes,
    apiCalls: factory.apiCallCount(),
    publishFailures: publishFailureCount(published),
    ...(stored ? { usageGaps: stored.missing.length } : {}),
    durationMs: now().getTime() - began.getTime(),
  });
  const result: AnalyzeResult = {
    runId: event.runId,
    accounts: planned.accounts.length,
    total: report.summary.total,
    suppressed: report.summary.suppressed ?? 0,
    bySeverity: report.summary.bySeverity,
    newFindings: published.diff.new.length,
    resolvedFindings: published.diff.resolved.length,
    incompleteScopes,
    missingParts: missingParts.slice(0, MAX_LISTED),
    ...(missingParts.length > MAX_LISTED ? { missingPartCount: missingParts.length } : {}),
    ...(failedItems.length > 0 ? { failedItems: failedItems.length } : {}),
    usage: stored
      ? {
          source: 'ledger',
          ledgers: stored.ledgers.length,
          missingLedgers: stored.missing
            .slice(0, MAX_LISTED)
            .map((entry) => `${entry.accountId}/${entry.region}`),
          ...(stored.missing.length > MAX_LISTED ? { missingLedgerCount: stored.missing.length } : {}),
        }
      : { source: 'scan' },
    ...(published.reportUris ? { reportUri: published.reportUris.json } : {}),
    sns: {
      published: published.sns.published,
      messages: published.sns.messages.length,
      ...(published.sns.skipped ? { skipped: published.sns.skipped } : {}),
    },
    securityHub: {
      imported: published.securityHub.imported,
      archived: published.securityHub.archived,
      failed: published.securityHub.failed,
      ...(published.securityHub.skipped ? { skipped: published.securityHub.skipped } : {}),
      ...(published.securityHub.queue ? { queue: published.securityHub.queue, done: false } : {}),
    },
  };
  if (published.failed && result.securityHub.queue) {
    // The queued findings go out first; the import step then fails the run with this.
    result.securityHub.failAfterImport = describePublishFailures(published);
    logger.error('run published incompletely; Security Hub import queued', { ...result });
  } else if (published.failed) {
    logger.error('run published incompletely', {
      ...result,
      securityHubFailures: published.securityHub.failures,
    });
    throw new PublishError(
      `run ${event.runId}: reports stored at ${result.reportUri ?? 'no report store'}, but publishing was incomplete (Security Hub failures ${published.securityHub.failed}). ${describePublishFailures(published)}. The next run re-sends every open finding.`,
    );
  }
  logger.info('run published', { ...result });
  return result;
}

/** What {@link checkRun} needs. */
interface CheckRunInput {
  s3: S3Client;
  location: { bucket: string; runId: string };
  planned: { accounts: Array<{ accountId: string; regions: string[] }>; regionsPerItem: number };
  baseline: Baseline;
  event: AnalyzeEvent;
  config: AnalyzeConfig;
  /** Read once the inventory is ready: the report's finish time. */
  finishedAt: () => string;
}

/**
 * Reads the parts (and in ledger mode the ledgers) and runs the checks. Returns the report and
 * what publishing needs; the parts, the inventory and the usage index are garbage once it returns.
 */
async function checkRun(input: CheckRunInput) {
  const { s3, location, planned, baseline, event, config } = input;
  const { inventory: collected, missingParts } = await readInventory(s3, location, planned, event.startedAt);
  // In ledger mode the parts carry no CloudTrail events: the ledgers collect-account updated do,
  // and they also decide whether each region's CloudTrail scope is complete.
  const store = auditLedgerStore(s3, config.bucket);
  const stored = readsLedgers(config.usageSource) ? await loadLedgers(store, planned.accounts) : undefined;
  const usage = stored
    ? ledgerUsageWindow(collected, stored.ledgers, {
        days: baseline.settings.unusedAfterDays,
        describe: (accountId, region) => store.describe(accountId, region),
      })
    : undefined;
  const audit = runAudit({
    inventory: usage?.inventory ?? collected,
    baseline,
    runId: event.runId,
    startedAt: event.startedAt,
    finishedAt: input.finishedAt(),
    ...(usage ? { usageIndex: usage.usageIndex } : {}),
  });
  return { report: audit.report, undecided: undecidedFindingIds(audit.unknowns), stored, missingParts };
}

/**
 * The sharded path: the shards analyzed the accounts; this merges their sorted findings (k-way,
 * streamed) and counts into the run's report, holding the findings, never the inventory. In ledger
 * mode it still reads the ledgers, for the backfill summary.
 */
async function mergeShards(input: CheckRunInput & { shards: number }) {
  const { s3, location, planned, baseline, event, config } = input;
  const merged = await readShardOutputs(s3, location, input.shards);
  logger.info('shards merged', {
    shards: merged.summaries.length,
    findings: merged.findings.length,
    usageUnknown: merged.usageUnknown,
    absenceUnknown: merged.absenceUnknown,
  });
  const report = buildReport({
    runId: event.runId,
    startedAt: event.startedAt,
    finishedAt: input.finishedAt(),
    baseline: provenanceOf(baseline),
    scopes: merged.scopes,
    findings: merged.findings,
    usageUnknown: merged.usageUnknown,
    absenceUnknown: merged.absenceUnknown,
  });
  const stored = readsLedgers(config.usageSource)
    ? await loadLedgers(auditLedgerStore(s3, config.bucket), planned.accounts)
    : undefined;
  return { report, undecided: merged.undecided, stored, missingParts: merged.missingParts };
}

/**
 * Reads every planned account's part and merges them into one normalized inventory. The parts as
 * read (the largest thing a run holds, several gigabytes at 5,000 accounts) are garbage once this
 * returns: nothing keeps them but the inventory's own references.
 */
async function readInventory(
  s3: S3Client,
  location: { bucket: string; runId: string },
  planned: { accounts: Array<{ accountId: string; regions: string[] }>; regionsPerItem: number },
  capturedAt: string,
): Promise<{ inventory: ReturnType<typeof normalizeSnapshot>; missingParts: string[] }> {
  const limit = pLimit(PART_READ_CONCURRENCY);
  const accounts = await Promise.all(
    planned.accounts.map((scope) =>
      limit(() => readAccountParts(s3, location, scope, planned.regionsPerItem)),
    ),
  );
  const missingParts = accounts.filter(lacksPart).map((account) => account.accountId);
  if (missingParts.length > 0)
    logger.warn('accounts without a part are reported incomplete', {
      missingParts: missingParts.slice(0, 100),
    });
  // Each part was validated as it was read and the plan lists each account once: no second parse.
  const snapshot: Snapshot = { snapshotVersion: 1, capturedAt, accounts };
  return { inventory: normalizeSnapshot(snapshot), missingParts };
}

function isSummary(item: unknown): boolean {
  return typeof item === 'object' && item !== null && 'accountId' in item && 'key' in item;
}

/** The Map items that failed: from the ResultWriter's FAILED files, or (earlier versions) the result array. */
async function mapFailures(s3: S3Client, collected: AnalyzeEvent['collected']): Promise<unknown[]> {
  if (collected === undefined) return [];
  if (Array.isArray(collected)) return collected.filter((item) => !isSummary(item));
  const results = await readMapResults(s3, collected);
  logger.info('Map run results', { mapRunArn: results.mapRunArn, files: results.files });
  return results.failed;
}
