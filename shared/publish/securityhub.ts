import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { errorCode, errorMessage } from '../aws/errors.js';
import type { CheckMeta } from '../model/check.js';
import type { Report } from '../report/types.js';
import { type AsffSource, type AsffState, toAsff } from './asff.js';
import { type DiffableFinding, producingScopesComplete, type RunDiff } from './diff.js';
import type { RecordedFinding } from './record.js';
import { backoffDelay, defaultSleep, type RetryPolicy, withRetry } from './retry.js';
import type { SecurityHubMode } from './settings.js';

/** BatchImportFindings limits: findings per call, and bytes per call (6 MB, with room for the envelope). */
export const MAX_BATCH_FINDINGS = 100;
export const MAX_BATCH_BYTES = 6 * 1024 * 1024 - 16 * 1024;

/** One finding to import, and the account whose Security Hub receives it. */
export interface PlannedImport {
  /** The importing account (the audit account, or the member account). */
  accountId: string;
  state: AsffState;
  /**
   * The ASFF document. In a plan from {@link planSecurityHub} it is built each time it is read, so a
   * plan of hundreds of thousands of findings does not hold as many documents: the importer reads
   * it once, a batch at a time.
   */
  finding: AwsSecurityFinding;
  /** The finding's id (the ASFF `Id`), readable without building the document; absent: `finding.Id`. */
  id?: string;
  /**
   * What the document is built from (a plan from {@link planSecurityHub} sets it): the finding, its
   * `CreatedAt`, and whether an earlier run put it in Security Hub. An import queue stores these.
   */
  source?: { finding: AsffSource; createdAt: string; previouslyImported: boolean };
}

/** The id of a planned import, without building its document when the plan knows it. */
function importId(item: PlannedImport): string {
  return item.id ?? item.finding.Id ?? '';
}

export interface SecurityHubPlanInput {
  diff: RunDiff<AsffSource & DiffableFinding>;
  /** The previous run's recorded findings by id (first-seen time, whether they are in Security Hub). */
  previous: ReadonlyMap<string, Pick<RecordedFinding, 'firstSeenAt' | 'securityHubImported'>>;
  scopes: Report['scopes'];
  checks: ReadonlyArray<Pick<CheckMeta, 'id' | 'category' | 'docsUrl' | 'remediation'>>;
  mode: SecurityHubMode;
  /** The audit account (the caller); used in `audit-account` mode. */
  callerAccountId: string;
  region: string;
  partition?: string;
  runId: string;
  /** `UpdatedAt` of this run's imports: strictly newer than the previous import. */
  updatedAt: string;
  reportUrl?: string;
}

/** What this run sends to Security Hub, and the ids it holds back. */
export interface SecurityHubPlan {
  imports: PlannedImport[];
  /**
   * Findings not created because a scope that could produce them was not fully collected
   * (docs/architecture.md, Invariants: no absence from incomplete evidence): they are created by the
   * first run that collects their scope completely.
   */
  deferred: string[];
}

/**
 * Decides the Security Hub lifecycle of every finding, pure:
 * - new and still open → imported `ACTIVE` / `FAILED` (re-imported every run with a newer `UpdatedAt`,
 *   since Security Hub deletes findings not updated for 90 days); a finding not yet in Security Hub
 *   whose scope was incomplete is deferred, except the scope's own `COLLECTION_INCOMPLETE`;
 * - resolved (absent, every producing scope complete) and in Security Hub → `ARCHIVED` / `PASSED`;
 * - suppressed → `ARCHIVED` with the exception's reason in `ProductFields`;
 * - unknown (absent, scope incomplete) → left as it is.
 */
export function planSecurityHub(input: SecurityHubPlanInput): SecurityHubPlan {
  const checks = new Map(input.checks.map((meta) => [meta.id, meta]));
  const plan: SecurityHubPlan = { imports: [], deferred: [] };
  const add = (finding: AsffSource, state: AsffState) => {
    const accountId = input.mode === 'audit-account' ? input.callerAccountId : finding.accountId;
    const previous = input.previous.get(finding.id);
    const createdAt = earliest(previous?.firstSeenAt, input.updatedAt);
    const context = {
      awsAccountId: accountId,
      region: input.region,
      partition: input.partition,
      runId: input.runId,
      createdAt,
      updatedAt: input.updatedAt,
      state,
      check: checks.get(finding.checkId),
      reportUrl: input.reportUrl,
    };
    plan.imports.push({
      accountId,
      state,
      id: finding.id,
      source: { finding, createdAt, previouslyImported: previous?.securityHubImported === true },
      get finding() {
        return toAsff(finding, context);
      },
    });
  };
  const mayCreate = (finding: AsffSource & DiffableFinding): boolean => {
    if (input.previous.get(finding.id)?.securityHubImported === true) return true;
    const category = checks.get(finding.checkId)?.category;
    return category === 'meta' || producingScopesComplete(finding, input.scopes, category);
  };
  for (const finding of [...input.diff.new, ...input.diff.stillOpen]) {
    if (mayCreate(finding)) add(finding, 'active');
    else plan.deferred.push(finding.id);
  }
  for (const finding of input.diff.suppressed) {
    if (mayCreate(finding)) add(finding, 'suppressed');
    else plan.deferred.push(finding.id);
  }
  for (const finding of [...input.diff.resolved, ...input.diff.archivePending]) {
    if (input.previous.get(finding.id)?.securityHubImported === true) add(finding, 'resolved');
  }
  return plan;
}

function earliest(firstSeen: string | undefined, now: string): string {
  if (firstSeen === undefined || Number.isNaN(Date.parse(firstSeen))) return now;
  return Date.parse(firstSeen) <= Date.parse(now) ? firstSeen : now;
}

/** A finding Security Hub did not take after every retry. */
export interface ImportFailure {
  id: string;
  accountId: string;
  code: string;
  message: string;
}

/** The outcome of importing a plan. */
export interface SecurityHubImportResult {
  /** Findings imported as `ACTIVE`. */
  imported: number;
  /** Findings imported as `ARCHIVED` (resolved or suppressed). */
  archived: number;
  /** Findings that failed after every retry; each is listed in `failures`. */
  failed: number;
  failures: ImportFailure[];
  /** Ids Security Hub accepted. */
  succeededIds: Set<string>;
  /** BatchImportFindings calls made (retries included). */
  calls: number;
}

/** Per-finding errors retrying cannot fix: the finding itself is wrong, or the account refuses it. */
const PERMANENT_FINDING_ERRORS = new Set([
  'InvalidInput',
  'InvalidInputException',
  'AccessDeniedException',
  'AccessDenied',
  'InvalidAccessException',
]);

/** Picks the client that imports into an account: the caller's, or the member role's. */
export type SecurityHubClientFor = (accountId: string) => SecurityHubClient;

/**
 * Imports a plan with BatchImportFindings: per importing account, in batches of at most 100 findings
 * and 6 MB. Whole-call failures (throttling, 5xx) are retried with backoff on top of the SDK's retries;
 * `FailedFindings` with a transient error are re-sent in later rounds. What still fails is counted and
 * listed, never dropped silently.
 */
export async function importFindings(
  plan: ReadonlyArray<PlannedImport>,
  clientFor: SecurityHubClientFor,
  policy: RetryPolicy,
): Promise<SecurityHubImportResult> {
  const result = emptyImportResult();
  const byAccount = new Map<string, PlannedImport[]>();
  for (const item of plan) {
    const list = byAccount.get(item.accountId) ?? [];
    list.push(item);
    byAccount.set(item.accountId, list);
  }
  for (const [accountId, items] of byAccount) {
    let client: SecurityHubClient;
    try {
      client = clientFor(accountId);
    } catch (error) {
      failItems(result, items, error);
      continue;
    }
    await importAccountFindings(client, items, policy, result);
  }
  return result;
}

/**
 * Imports findings of one importing account through `client`, in batches of at most 100 findings
 * and 6 MB (the queue hands over one batch): findings that failed with a transient error are re-sent
 * in later rounds, re-batched, up to `policy.maxAttempts` rounds with backoff; `beforeCall` runs
 * before every call (the caller's pacing). The outcome is added to `result`.
 */
export async function importAccountFindings(
  client: SecurityHubClient,
  items: ReadonlyArray<PlannedImport>,
  policy: RetryPolicy,
  result: SecurityHubImportResult,
  beforeCall: () => Promise<void> = async () => {},
): Promise<void> {
  let pending = items;
  for (let round = 1; pending.length > 0; round += 1) {
    const retry: PlannedImport[] = [];
    for (const batch of documentBatches(pending)) {
      const outcome = await sendBatch(client, batch, policy, result, beforeCall);
      for (const { item } of batch) {
        const failure = outcome.get(importId(item));
        if (!failure) succeed(result, item);
        else if (round < policy.maxAttempts && !failure.final && !PERMANENT_FINDING_ERRORS.has(failure.code))
          retry.push(item);
        else fail(result, item, failure.code, failure.message);
      }
    }
    if (retry.length > 0) await (policy.sleep ?? defaultSleep)(backoffDelay(policy, round));
    pending = retry;
  }
}

/** An import outcome with nothing in it yet. */
export function emptyImportResult(): SecurityHubImportResult {
  return { imported: 0, archived: 0, failed: 0, failures: [], succeededIds: new Set(), calls: 0 };
}

/** Counts every item as failed with `error` (no client for their account, for one). */
export function failItems(
  result: SecurityHubImportResult,
  items: ReadonlyArray<PlannedImport>,
  error: unknown,
): void {
  for (const item of items) fail(result, item, errorCode(error), errorMessage(error));
}

function succeed(result: SecurityHubImportResult, item: PlannedImport): void {
  result.succeededIds.add(importId(item));
  if (item.state === 'active') result.imported += 1;
  else result.archived += 1;
}

function fail(result: SecurityHubImportResult, item: PlannedImport, code: string, message: string): void {
  result.failed += 1;
  result.failures.push({ id: importId(item), accountId: item.accountId, code, message });
}

/** Why a finding of a call was not taken; `final` when re-sending it cannot help. */
interface SendFailure {
  code: string;
  message: string;
  final?: boolean;
}

/** Sends one batch; returns the failures by finding id (every finding, when the call itself failed). */
async function sendBatch(
  client: SecurityHubClient,
  batch: ReadonlyArray<{ item: PlannedImport; finding: AwsSecurityFinding }>,
  policy: RetryPolicy,
  result: SecurityHubImportResult,
  beforeCall: () => Promise<void> = async () => {},
): Promise<Map<string, SendFailure>> {
  const failures = new Map<string, SendFailure>();
  try {
    const response = await withRetry(policy, async () => {
      await beforeCall();
      result.calls += 1;
      return client.send(new BatchImportFindingsCommand({ Findings: batch.map((entry) => entry.finding) }));
    });
    for (const failed of response.FailedFindings ?? []) {
      failures.set(failed.Id ?? '', {
        code: failed.ErrorCode ?? 'Unknown',
        message: failed.ErrorMessage ?? '',
      });
    }
  } catch (error) {
    // The call already had its retries: the whole batch is reported failed.
    const code = errorCode(error);
    for (const { item } of batch)
      failures.set(importId(item), { code, message: errorMessage(error), final: true });
  }
  return failures;
}

/** Splits findings into batches of at most {@link MAX_BATCH_FINDINGS} and {@link MAX_BATCH_BYTES}. */
export function batches(items: ReadonlyArray<PlannedImport>): PlannedImport[][] {
  return [...documentBatches(items)].map((batch) => batch.map((entry) => entry.item));
}

/**
 * {@link batches} with each item's ASFF document built once, one batch at a time: only the batch
 * being sent holds documents.
 */
function* documentBatches(
  items: ReadonlyArray<PlannedImport>,
): Generator<Array<{ item: PlannedImport; finding: AwsSecurityFinding }>> {
  let current: Array<{ item: PlannedImport; finding: AwsSecurityFinding }> = [];
  let bytes = 0;
  for (const item of items) {
    const finding = item.finding;
    const size = Buffer.byteLength(JSON.stringify(finding)) + 1;
    if (current.length > 0 && (current.length >= MAX_BATCH_FINDINGS || bytes + size > MAX_BATCH_BYTES)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push({ item, finding });
    bytes += size;
  }
  if (current.length > 0) yield current;
}
