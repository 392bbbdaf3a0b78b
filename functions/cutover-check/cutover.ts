import { z } from 'zod';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { EKS_CLUSTER_NAME_PATTERN } from '../../shared/baseline/index.js';
import { collectSnapshot } from '../../shared/collect/index.js';
import { type CutoverResult, runCutover } from '../../shared/cutover/index.js';
import { InputError } from '../../shared/errors.js';
import { normalizeSnapshot } from '../../shared/snapshot/index.js';
import { parseBaselineObject, readBaselineObject } from '../lib/aws.js';
import type { FunctionConfig } from '../lib/config.js';
import { logger } from '../lib/observability.js';

/** The on-demand cutover request: a logical cluster moving from one physical cluster to another. */
export const CutoverEventSchema = z.object({
  cluster: z.string().min(1, 'must name a logical cluster of the baseline'),
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
 * Runs the readiness check (pre) or clean-up report (post) of one cutover and returns the cutover
 * report, the same JSON as `eks-identity-audit cutover --format json`. Reads the baseline from S3,
 * collects the logical cluster's account and region (plus the baseline's extra accounts, where
 * cross-account target roles live) and judges it with the shared engine.
 *
 * @throws InputError for a logical cluster the baseline does not declare, or unknown cluster names.
 */
export async function cutoverCheck(
  event: CutoverEvent,
  config: CutoverConfig,
  factory: ClientFactory,
): Promise<CutoverResult> {
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
  const snapshot = await collectSnapshot({
    factory,
    accounts: [...new Set([logical.account, ...baseline.accounts])],
    regions: [logical.region],
    cloudTrailDays: config.windowDays,
  });
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
  return result;
}
