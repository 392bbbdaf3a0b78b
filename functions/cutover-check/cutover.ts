import { z } from 'zod';
import { EKS_CLUSTER_NAME_PATTERN } from '../../shared/baseline/index.js';

/** The on-demand cutover request: a logical cluster moving from one physical cluster to another. */
export const CutoverEventSchema = z.object({
  cluster: z.string().min(1, 'must name a logical cluster of the baseline'),
  from: z.string().regex(EKS_CLUSTER_NAME_PATTERN, 'must be an EKS cluster name'),
  to: z.string().regex(EKS_CLUSTER_NAME_PATTERN, 'must be an EKS cluster name'),
  phase: z.enum(['pre', 'post']).default('pre'),
});
export type CutoverEvent = z.infer<typeof CutoverEventSchema>;

/** The cutover engine is not part of this build yet. */
export class CutoverUnavailableError extends Error {
  override name = 'CutoverUnavailableError';
}

/**
 * Runs the readiness check of one cutover and returns its report.
 *
 * @throws CutoverUnavailableError until the cutover engine (`shared/cutover`) is available.
 */
export async function cutoverCheck(event: CutoverEvent): Promise<never> {
  throw new CutoverUnavailableError(
    `cutover readiness for ${event.cluster} (${event.from} -> ${event.to}, ${event.phase}) is not implemented in this build`,
  );
}
