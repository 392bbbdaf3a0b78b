import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { InputError } from '../../shared/errors.js';
import { type BaselineRef, parseBaselineObject, readBaselineObject } from '../lib/aws.js';
import type { FunctionConfig } from '../lib/config.js';
import { logger } from '../lib/observability.js';
import { RUN_ID_PATTERN } from '../lib/parts.js';
import { writeRunBaseline } from '../lib/run-baseline.js';
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

/**
 * The baseline failed validation (or is missing): nothing is collected, and analyze-publish
 * publishes BASELINE_INVALID alone from this outcome.
 */
export interface RejectedRun {
  status: 'baseline-invalid';
  runId: string;
  startedAt: string;
  baseline: { bucket: string; key: string; sha256?: string };
  accounts: [];
  /** The validation error's summary (what the finding's `evidence.error` holds). */
  error: string;
  /** One line per located problem (`s3://bucket/key:line:column field: ...`); empty for a missing file. */
  problems: string[];
}

/** The settings plan-scopes reads. */
export const PLAN_CONFIG_KEYS = [
  'bucket',
  'baselineKey',
  'memberRoleName',
  'externalId',
  'regions',
  'accounts',
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
 * Loads and validates the baseline, writes the validated baseline as JSON under the run's prefix
 * (`runs/RUN_ID/baseline.json`) and lists the accounts × regions to collect. An invalid (or
 * missing) baseline is an outcome, not a crash: the rejected run skips collection and goes straight
 * to analyze-publish, which publishes BASELINE_INVALID alone, so a broken baseline never looks like
 * a clean or drifted estate.
 *
 * @throws S3 errors other than "not found" (reading the baseline, or writing its validated copy).
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
    // The later steps judge against this validated copy instead of parsing the YAML again.
    await writeRunBaseline(factory.s3(), { bucket: config.bucket, runId }, baseline);
    logger.info('run planned', {
      accounts: accounts.length,
      scopes: accounts.reduce((sum, account) => sum + account.regions.length, 0),
      baseline: object.ref,
    });
    return { status: 'planned', runId, startedAt, baseline: object.ref, accounts };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return rejectBaseline({ error, runId, startedAt, location, sha256: object?.ref.sha256 });
  }
}

function rejectBaseline(input: {
  error: InputError;
  runId: string;
  startedAt: string;
  location: { bucket: string; key: string };
  sha256?: string;
}): RejectedRun {
  const { error } = input;
  logger.warn('baseline invalid; the run publishes BASELINE_INVALID only', {
    problems: error.problems,
    error: error.message,
  });
  return {
    status: 'baseline-invalid',
    runId: input.runId,
    startedAt: input.startedAt,
    baseline: { ...input.location, ...(input.sha256 ? { sha256: input.sha256 } : {}) },
    accounts: [],
    error: error.message,
    problems: error.problems,
  };
}
