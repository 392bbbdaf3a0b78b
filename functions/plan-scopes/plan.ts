import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { checks } from '../../shared/checks/index.js';
import { baselineInvalidFinding } from '../../shared/checks/meta/BASELINE_INVALID.js';
import { InputError } from '../../shared/errors.js';
import { publishRun } from '../../shared/publish/index.js';
import { buildReport } from '../../shared/report/index.js';
import { type BaselineRef, parseBaselineObject, readBaselineObject } from '../lib/aws.js';
import type { FunctionConfig } from '../lib/config.js';
import { logger } from '../lib/observability.js';
import { RUN_ID_PATTERN } from '../lib/parts.js';
import {
  describePublishFailures,
  PublishError,
  publishFailureCount,
  publishSettings,
} from '../lib/publish.js';
import { recordRunMetrics } from '../lib/run-metrics.js';
import { type AccountScope, planAccountScopes } from '../lib/scopes.js';

/**
 * The state machine's input: what EventBridge Scheduler sends (`source`, `scheduledTime`), or `{}`
 * for a manual start; a caller may fix the run id.
 */
export const PlanEventSchema = z.looseObject({
  source: z.string().optional(),
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
  runId: z
    .string()
    .regex(RUN_ID_PATTERN, 'must be 1-100 letters, digits, dots, underscores or hyphens')
    .optional(),
});
export type PlanEvent = z.infer<typeof PlanEventSchema>;

/** A run to collect: the Map iterates over `accounts`. */
export interface PlannedRun {
  status: 'planned';
  runId: string;
  startedAt: string;
  baseline: BaselineRef;
  accounts: AccountScope[];
}

/** The baseline failed validation: BASELINE_INVALID was published and nothing else runs. */
export interface RejectedRun {
  status: 'baseline-invalid';
  runId: string;
  startedAt: string;
  baseline: { bucket: string; key: string; sha256?: string };
  accounts: [];
  problems: string[];
}

/** The settings plan-scopes reads. */
export const PLAN_CONFIG_KEYS = [
  'bucket',
  'baselineKey',
  'topicArn',
  'memberRoleName',
  'externalId',
  'regions',
  'accounts',
  'securityHubMode',
  'summary',
  'alertThreshold',
  'endpointUrl',
  'region',
] as const;
export type PlanConfig = Pick<FunctionConfig, (typeof PLAN_CONFIG_KEYS)[number]>;

/** A sortable, unique run id: the start time and a random suffix. */
export function newRunId(startedAt: Date): string {
  return `${startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}-${randomUUID().slice(0, 8)}`;
}

/**
 * Loads and validates the baseline and lists the accounts × regions to collect. An invalid (or
 * missing) baseline is an outcome, not a crash: BASELINE_INVALID is published alone through the
 * publisher and the run ends there, so a broken baseline never looks like a clean or drifted estate.
 *
 * @throws PublishError when the BASELINE_INVALID outcome could not be sent; S3 errors other than "not found".
 */
export async function planScopes(
  event: PlanEvent,
  config: PlanConfig,
  factory: ClientFactory,
  now: () => Date = () => new Date(),
): Promise<PlannedRun | RejectedRun> {
  const started = event.scheduledTime ? new Date(event.scheduledTime) : now();
  const startedAt = started.toISOString();
  const runId = event.runId ?? newRunId(started);
  logger.appendKeys({ runId });
  const location = { bucket: config.bucket, key: config.baselineKey };
  let object: Awaited<ReturnType<typeof readBaselineObject>> | undefined;
  try {
    object = await readBaselineObject(factory.s3(), location);
    const baseline = parseBaselineObject(object);
    const accounts = planAccountScopes(baseline, config);
    logger.info('run planned', {
      accounts: accounts.length,
      scopes: accounts.reduce((sum, account) => sum + account.regions.length, 0),
      baseline: object.ref,
    });
    return { status: 'planned', runId, startedAt, baseline: object.ref, accounts };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return rejectBaseline({
      error,
      runId,
      startedAt,
      location,
      sha256: object?.ref.sha256,
      config,
      factory,
      now,
    });
  }
}

async function rejectBaseline(input: {
  error: InputError;
  runId: string;
  startedAt: string;
  location: { bucket: string; key: string };
  sha256?: string;
  config: PlanConfig;
  factory: ClientFactory;
  now: () => Date;
}): Promise<RejectedRun> {
  const { error, config, factory } = input;
  const source = `s3://${input.location.bucket}/${input.location.key}`;
  logger.warn('baseline invalid; publishing BASELINE_INVALID only', {
    problems: error.problems,
    error: error.message,
  });
  const caller = await factory.callerIdentity();
  const finding = baselineInvalidFinding({
    source,
    error,
    accountId: caller.accountId,
    region: config.region,
  });
  const finishedAt = input.now().toISOString();
  const report = buildReport({
    runId: input.runId,
    startedAt: input.startedAt,
    finishedAt,
    baseline: { source, sha256: input.sha256 ?? '' },
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
    runId: input.runId,
    startedAt: input.startedAt,
    baseline: { ...input.location, ...(input.sha256 ? { sha256: input.sha256 } : {}) },
    accounts: [],
    problems: error.problems.length > 0 ? error.problems : [error.message],
  };
}
