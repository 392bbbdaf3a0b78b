import { z } from 'zod';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { checks } from '../../shared/checks/index.js';
import { baselineInvalidFinding } from '../../shared/checks/meta/BASELINE_INVALID.js';
import { InputError } from '../../shared/errors.js';
import { publishRun } from '../../shared/publish/index.js';
import { buildReport } from '../../shared/report/index.js';
import { logger } from '../lib/observability.js';
import { RUN_ID_PATTERN } from '../lib/parts.js';
import {
  describePublishFailures,
  PublishError,
  publishFailureCount,
  publishSettings,
} from '../lib/publish.js';
import { recordRunMetrics } from '../lib/run-metrics.js';
import type { AnalyzeConfig } from './config.js';

/**
 * plan-scopes' rejected run, which the state machine routes straight here (no collection): exactly
 * the fields plan-scopes returns, nothing more.
 */
export const RejectedRunEventSchema = z.strictObject({
  status: z.literal('baseline-invalid'),
  runId: z.string().regex(RUN_ID_PATTERN, 'must be a run id from plan-scopes'),
  startedAt: z.iso.datetime({ offset: true }),
  baseline: z.strictObject({
    bucket: z.string().min(3),
    key: z.string().min(1),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 plan-scopes recorded')
      .optional(),
  }),
  accounts: z.array(z.unknown()).max(0, 'must be empty: nothing is collected for an invalid baseline'),
  error: z.string().min(1),
  problems: z.array(z.string()),
});
export type RejectedRunEvent = z.infer<typeof RejectedRunEventSchema>;

/** What the state machine's last step returns for a rejected baseline (and the execution's output). */
export interface BaselineInvalidResult {
  status: 'baseline-invalid';
  runId: string;
  startedAt: string;
  baseline: RejectedRunEvent['baseline'];
  accounts: [];
  error: string;
  problems: string[];
  reportUri?: string;
  sns: { published: boolean; messages: number; skipped?: string };
  securityHub: { imported: number; archived: number; failed: number; skipped?: string };
}

/**
 * Publishes BASELINE_INVALID alone for a rejected run (reports, SNS, Security Hub, metrics), filed
 * under the audit account, so a broken baseline never looks like a clean or drifted estate.
 *
 * @throws PublishError when the finding was stored but SNS or Security Hub did not take it.
 */
export async function publishBaselineInvalid(
  event: RejectedRunEvent,
  config: AnalyzeConfig,
  factory: ClientFactory,
  now: () => Date = () => new Date(),
): Promise<BaselineInvalidResult> {
  logger.appendKeys({ runId: event.runId });
  const source = `s3://${event.baseline.bucket}/${event.baseline.key}`;
  logger.warn('baseline invalid; publishing BASELINE_INVALID only', {
    problems: event.problems,
    error: event.error,
  });
  const caller = await factory.callerIdentity();
  const finding = baselineInvalidFinding({
    source,
    error: new InputError(event.error, event.problems),
    accountId: caller.accountId,
    region: config.region,
  });
  const finishedAt = now().toISOString();
  const report = buildReport({
    runId: event.runId,
    startedAt: event.startedAt,
    finishedAt,
    baseline: { source, sha256: event.baseline.sha256 ?? '' },
    scopes: [],
    findings: [finding],
  });
  const result = await publishRun({
    report,
    checks: checks.map((check) => check.meta),
    factory,
    settings: publishSettings(config),
    now: new Date(finishedAt),
  });
  recordRunMetrics({
    bySeverity: report.summary.bySeverity,
    apiCalls: factory.apiCallCount(),
    publishFailures: publishFailureCount(result),
  });
  if (result.failed) {
    throw new PublishError(
      `BASELINE_INVALID for ${source} was stored but not fully published: ${describePublishFailures(result)}`,
    );
  }
  return {
    status: 'baseline-invalid',
    runId: event.runId,
    startedAt: event.startedAt,
    baseline: event.baseline,
    accounts: [],
    error: event.error,
    problems: event.problems,
    ...(result.reportUris ? { reportUri: result.reportUris.json } : {}),
    sns: {
      published: result.sns.published,
      messages: result.sns.messages.length,
      ...(result.sns.skipped ? { skipped: result.sns.skipped } : {}),
    },
    securityHub: {
      imported: result.securityHub.imported,
      archived: result.securityHub.archived,
      failed: result.securityHub.failed,
      ...(result.securityHub.skipped ? { skipped: result.securityHub.skipped } : {}),
    },
  };
}
