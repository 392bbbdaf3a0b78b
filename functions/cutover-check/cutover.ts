import { z } from 'zod';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { EKS_CLUSTER_NAME_PATTERN } from '../../shared/baseline/index.js';
import { collectAccount } from '../../shared/collect/index.js';
import { type CutoverResult, runCutover } from '../../shared/cutover/index.js';
import { InputError } from '../../shared/errors.js';
import type { CollectionError } from '../../shared/model/scope.js';
import { normalizeSnapshot, type Snapshot, type SnapshotAccount } from '../../shared/snapshot/index.js';
import { parseBaselineObject, readBaselineObject } from '../lib/aws.js';
import type { FunctionConfig } from '../lib/config.js';
import { DeadlineError, deadlineCollectionError, raceDeadline } from '../lib/middleware.js';
import { logger } from '../lib/observability.js';

/**
 * The on-demand cutover request: a logical cluster moving from one physical cluster to another.
 * Unknown keys are rejected, so a misspelt `phase` fails instead of silently running the pre check.
 */
export const CutoverEventSchema = z.strictObject({
  // Logical cluster names follow the EKS cluster name rules, so a hostile name never reaches a message unbounded.
  cluster: z.string().regex(EKS_CLUSTER_NAME_PATTERN, 'must name a logical cluster of the baseline'),
  from: z.string().regex(EKS_CLUSTER_NAME_PATTERN, 'must be an EKS cluster name'),
  to: z.string().regex(EKS_CLUSTER_NAME_PATTERN, 'must be an EKS cluster name'),
  phase: z.enum(['pre', 'post']).default('pre'),
  /** Post phase: only CloudTrail evidence from this time counts (ISO-8601). */
  since: z.iso.datetime({ offset: true }).optional(),
});
export type CutoverEvent = z.infer<typeof CutoverEventSchema>;

/** The settings cutover-check reads. */
export const CUTOVER_CONFIG_KEYS = [
  'bucket',
  'baselineKey',
  'memberRoleName',
  'externalId',
  'windowDays',
  'endpointUrl',
  'region',
] as const;
export type CutoverConfig = Pick<FunctionConfig, (typeof CUTOVER_CONFIG_KEYS)[number]>;

/**
 * The cutover report as the function returns it: the CLI's `cutover --format json` report, plus
 * `stoppedEarly` when the deadline cut collection short (the verdict is then NOT_READY with
 * `CUTOVER_COLLECTION_INCOMPLETE`, never a READY built on missing data).
 */
export type CutoverCheckResult = CutoverResult & {
  stoppedEarly?: { reason: string; incompleteAccounts: string[] };
};

/** The error recorded on an account whose collection the deadline cut short. */
export function cutoverTimeoutError(accountId: string, reason: string): CollectionError {
  return deadlineCollectionError('CutoverCheck', accountId, reason);
}

/**
 * Collects each account, keeping what finished before the deadline; an account still running when
 * it fires is recorded with a `Timeout` error (its calls are abandoned: the collectors take no signal).
 */
async function collectUntil(
  options: { factory: ClientFactory; accounts: string[]; region: string; windowDays: number },
  deadline: AbortSignal,
): Promise<{ snapshot: Snapshot; stopped?: { reason: string; incompleteAccounts: string[] } }> {
  const now = new Date();
  const incompleteAccounts: string[] = [];
  let reason = '';
  const accounts: SnapshotAccount[] = await Promise.all(
    options.accounts.map(async (accountId) => {
      const work = collectAccount({
        factory: options.factory,
        accountId,
        regions: [options.region],
        cloudTrailDays: options.windowDays,
        now,
      });
      const outcome = await raceDeadline(work, deadline);
      if (outcome.kind === 'done') return outcome.value;
      reason = outcome.reason;
      incompleteAccounts.push(accountId);
      return { accountId, errors: [cutoverTimeoutError(accountId, outcome.reason)] };
    }),
  );
  const snapshot: Snapshot = { snapshotVersion: 1, capturedAt: now.toISOString(), accounts };
  return incompleteAccounts.length === 0
    ? { snapshot }
    : { snapshot, stopped: { reason, incompleteAccounts: incompleteAccounts.sort() } };
}

/**
 * Runs the readiness check (pre) or clean-up report (post) of one cutover and returns the cutover
 * report, the same JSON as `eks-identity-audit cutover --format json`. Reads the baseline from S3,
 * collects the logical cluster's account and region (plus the baseline's extra accounts, where
 * cross-account target roles live) and judges it with the shared engine.
 *
 * When `deadline` fires first, the accounts collected so far are judged and the others are marked
 * incomplete: the report says so (`stoppedEarly`, `CUTOVER_COLLECTION_INCOMPLETE`) instead of the
 * invocation dying at the Lambda limit with nothing.
 *
 * @throws InputError for a logical cluster the baseline does not declare, or unknown cluster names.
 * @throws DeadlineError when the deadline fired before the clusters' own account was collected.
 */
export async function cutoverCheck(
  event: CutoverEvent,
  config: CutoverConfig,
  factory: ClientFactory,
  deadline: AbortSignal = new AbortController().signal,
): Promise<CutoverCheckResult> {
  logger.appendKeys({ cluster: event.cluster, from: event.from, to: event.to, phase: event.phase });
  const baseline = parseBaselineObject(
    await readBaselineObject(factory.s3(), { bucket: config.bucket, key: config.baselineKey }),
  );
  const logical = baseline.clusters.find((cluster) => cluster.name === event.cluster);
  if (!logical) {
    throw new InputError(
      `event.cluster: unknown logical cluster "${event.cluster}": the baseline declares ${baseline.clusters.map((cluster) => cluster.name).join(', ') || 'none'}`,
    );
  }
  const { snapshot, stopped } = await collectUntil(
    {
      factory,
      accounts: [...new Set([logical.account, ...baseline.accounts])].sort(),
      region: logical.region,
      windowDays: config.windowDays,
    },
    deadline,
  );
  if (stopped?.incompleteAccounts.includes(logical.account)) {
    // Without the clusters' own account there is nothing to judge; "unknown cluster" would blame the caller.
    throw new DeadlineError(
      `cutover check of ${event.cluster} stopped before the Lambda time limit (${stopped.reason}): account ${logical.account}, which holds the clusters, was not collected, so nothing was judged; re-run it or raise the function timeout`,
    );
  }
  if (stopped) logger.warn('cutover collection stopped by the deadline; judging what was collected', stopped);
  const result = runCutover({
    inventory: normalizeSnapshot(snapshot),
    baseline,
    cluster: event.cluster,
    from: event.from,
    to: event.to,
    phase: event.phase,
    ...(event.since ? { since: new Date(event.since) } : {}),
  });
  logger.info('cutover checked', { verdict: result.verdict, ...result.summary });
  return stopped ? { ...result, stoppedEarly: stopped } : result;
}
