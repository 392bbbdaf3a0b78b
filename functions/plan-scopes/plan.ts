import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ClientFactory } from '../../shared/aws/clients.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { type AccountDiscovery, discoverAccounts } from '../../shared/collect/organizations.js';
import { InputError } from '../../shared/errors.js';
import { type BaselineRef, parseBaselineObject, readBaselineObject } from '../lib/aws.js';
import type { FunctionConfig } from '../lib/config.js';
import { logger } from '../lib/observability.js';
import { RUN_ID_PATTERN } from '../lib/parts.js';
import { writeRunBaseline } from '../lib/run-baseline.js';
import { type PlanRef, resultsPrefix, writeRunPlan } from '../lib/run-plan.js';
import { planAccountScopes } from '../lib/scopes.js';
import { type ShardsRef, writeShards } from '../lib/shards.js';

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

/**
 * A run to collect. The accounts and the Map's items are in S3, never in the state: `plan` is the
 * run's plan (`runs/RUN_ID/plan.json`, what analyze-publish judges against), `items` the Map's
 * `ItemReader` input, `results` the `ResultWriter` prefix.
 */
export interface PlannedRun {
  status: 'planned';
  runId: string;
  startedAt: string;
  baseline: BaselineRef;
  plan: PlanRef;
  items: { bucket: string; key: string };
  results: { bucket: string; prefix: string };
  /** The analysis shards (`shards.json`, the shard Map's items) and where the shard Map's ResultWriter writes. */
  shards: ShardsRef;
  /** With account discovery: the organization and how many accounts it listed, audited or left out. */
  discovery?: { organizationId: string; accounts: number; inactive: number; excluded: number };
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
  /** Nothing is collected. */
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
  'organization',
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
 * (`runs/RUN_ID/baseline.json`), discovers the organization's accounts when asked to, and writes
 * the accounts × regions to collect (`plan.json`) and the Map's items (`items.json`) to S3. An invalid (or
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
    const discovery = await discover(baseline, config, factory);
    const accounts = planAccountScopes(baseline, {
      accounts: [...config.accounts, ...(discovery?.accounts ?? [])],
      regions: config.regions,
    });
    // The later steps judge against this validated copy instead of parsing the YAML again.
    await writeRunBaseline(factory.s3(), { bucket: config.bucket, runId }, baseline);
    const stored = await writeRunPlan(factory.s3(), { bucket: config.bucket, runId }, accounts);
    const shards = await writeShards(factory.s3(), { bucket: config.bucket, runId }, accounts.length);
    logger.info('run planned', {
      accounts: stored.plan.accounts,
      scopes: stored.plan.scopes,
      items: stored.plan.items,
      baseline: object.ref,
      ...(discovery
        ? {
            organizationId: discovery.organizationId,
            notActive: discovery.inactive.slice(0, 50),
            excluded: discovery.excluded.slice(0, 50),
          }
        : {}),
    });
    return {
      status: 'planned',
      runId,
      startedAt,
      baseline: object.ref,
      ...stored,
      results: { bucket: config.bucket, prefix: resultsPrefix(runId) },
      shards,
      ...(discovery
        ? {
            discovery: {
              organizationId: discovery.organizationId,
              accounts: discovery.accounts.length,
              inactive: discovery.inactive.length,
              excluded: discovery.excluded.length,
            },
          }
        : {}),
    };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return rejectBaseline({ error, runId, startedAt, location, sha256: object?.ref.sha256 });
  }
}

/**
 * The accounts AWS Organizations lists, when the deployment (`organization` context) or the
 * baseline (`accounts: org`) asks for discovery: the deployment's OUs, else the baseline's, less
 * the baseline's exclusions. Discovery failing fails the run loudly (an OrganizationsDiscoveryError
 * naming what to do): an unlisted organization must never look like an empty one.
 */
async function discover(
  baseline: Baseline,
  config: PlanConfig,
  factory: ClientFactory,
): Promise<AccountDiscovery | undefined> {
  const configured = config.organization ?? [];
  if (configured.length === 0 && !baseline.organization) return undefined;
  const units =
    configured.length > 0 && !configured.includes('all') ? configured : baseline.organization?.units;
  return discoverAccounts(factory.organizations(), {
    ...(units ? { units } : {}),
    exclude: baseline.organization?.exclude ?? [],
    source: configured.length > 0 ? 'CDK context organization' : `${baseline.source.name} accounts`,
  });
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
