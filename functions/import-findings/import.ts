import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ClientFactory } from '../../shared/aws/clients.js';
import {
  importQueue,
  pacedPerAccount,
  type RetryPolicy,
  recordImportOutcome,
  type SecurityHubProgress,
  SecurityHubProgressSchema,
} from '../../shared/publish/index.js';
import { logger, metrics } from '../lib/observability.js';
import { PublishError } from '../lib/publish.js';

export { IMPORT_CONFIG_KEYS, type ImportConfig } from './config.js';

/** What the `ImportFindings` state receives and returns: the run's Security Hub progress. */
export const ImportEventSchema = SecurityHubProgressSchema;

/** What {@link importFindingsStep} needs besides the progress. */
export interface ImportStepOptions {
  factory: ClientFactory;
  /** Fires when no further batch may start (the Lambda's early-timeout signal). */
  deadline: AbortSignal;
  /** Waits for an account's turn before each call; default: BatchImportFindings' documented rate per account. */
  pace?: (accountId: string) => Promise<void>;
  /** Retries on top of the SDK's (whose retry mode the factory sets); default 4 attempts from 500 ms. */
  policy?: RetryPolicy;
}

const DEFAULT_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500 };

/**
 * The `ImportFindings` step: imports the run's queued Security Hub findings from the cursor until
 * the queue is done or the deadline fires, records what failed in the run record, and returns the
 * advanced progress; the state machine calls it again while `done` is false. On the invocation that
 * finishes the queue, a run where Security Hub did not take everything (or SNS failed earlier)
 * fails with PublishError, after everything else was published.
 *
 * @throws PublishError as above; ImportQueueError for a queue that is not one; the S3 error.
 */
export async function importFindingsStep(
  event: SecurityHubProgress,
  options: ImportStepOptions,
): Promise<SecurityHubProgress> {
  if (!event.queue || event.done === true) return { ...event, done: true };
  const outcome = await importQueue(
    { ...event, queue: event.queue },
    {
      s3: options.factory.s3(),
      clientFor: (accountId, queue) =>
        queue.mode === 'audit-account'
          ? options.factory.securityHub(undefined, queue.region)
          : options.factory.securityHub(accountId, queue.region),
      policy: options.policy ?? DEFAULT_POLICY,
      deadline: options.deadline,
      pace: options.pace ?? pacedPerAccount(),
    },
  );
  const { progress, manifest } = outcome;
  logger.appendKeys({ runId: manifest.runId });
  // Archived findings leave the record's archive-pending carry; failed ones are marked. A record
  // that cannot be updated does not undo the import (the cursor must advance): what stays carried
  // is archived again by the next run, which re-sends every open finding as well.
  let recorded = false;
  try {
    recorded = await recordImportOutcome(options.factory.s3(), manifest, outcome);
  } catch (error) {
    logger.error('run record not updated with this import; the next run re-sends what it carries', {
      error: error instanceof Error ? error.message : String(error),
      archived: outcome.archived.length,
      failed: outcome.failed.length,
    });
  }
  if (outcome.failed.length > 0) {
    metrics.addMetric('PublishFailures', MetricUnit.Count, outcome.failed.length);
    logger.error('Security Hub did not take every finding', {
      failed: outcome.failed.length,
      recorded,
      failures: outcome.failed.slice(0, 100).map(({ failure }) => failure),
    });
  }
  logger.info('Security Hub import progress', {
    batches: outcome.batches,
    imported: progress.imported,
    archived: progress.archived,
    failed: progress.failed,
    of: event.queue.findings,
    cursor: progress.cursor,
    done: progress.done,
  });
  if (progress.done === true && (progress.failed > 0 || progress.failAfterImport)) {
    const named = (progress.failures ?? []).map((failure) => `${failure.id} (${failure.code})`).join(', ');
    const more = progress.failed > (progress.failures?.length ?? 0) ? ' and more (see the log)' : '';
    const hub =
      progress.failed > 0
        ? `Security Hub: ${progress.failed} findings not imported (of ${event.queue.findings} queued): ${named}${more}`
        : '';
    throw new PublishError(
      `run ${manifest.runId}: reports stored, but publishing was incomplete. ${[progress.failAfterImport, hub].filter(Boolean).join('; ')}. The next run re-sends every open finding.`,
    );
  }
  return progress;
}
