import { hash } from 'node:crypto';
import { z } from 'zod';
import { ScopeRefSchema } from './scope.js';
import { SeveritySchema } from './severity.js';

/** What a finding is about. Types follow Security Hub resource type names where one exists. */
export const ResourceTypeSchema = z.enum([
  'AwsIamRole',
  'AwsEksCluster',
  'AwsEksPodIdentityAssociation',
  'AwsIamOidcProvider',
  'AwsEksNodegroup',
  'AwsEksFargateProfile',
  'AwsEksAddon',
  'WorkloadIdentity',
  'Baseline',
  'Scope',
]);
export type ResourceType = z.infer<typeof ResourceTypeSchema>;

export const CheckCategorySchema = z.enum(['drift', 'trust', 'runtime', 'usage', 'meta', 'cutover']);
export type CheckCategory = z.infer<typeof CheckCategorySchema>;

/** A finding as it appears in report v1 (docs/architecture.md, Contracts: report v1 and check ids). */
export const FindingSchema = z.object({
  id: z.string(),
  checkId: z.string().regex(/^[A-Z][A-Z0-9_]+$/),
  severity: SeveritySchema,
  title: z.string(),
  message: z.string(),
  accountId: z.string(),
  region: z.string().optional(),
  cluster: z.string().optional(),
  resource: z.object({ type: ResourceTypeSchema, id: z.string() }),
  evidence: z.record(z.string(), z.unknown()),
  remediation: z.string(),
  suppressed: z.boolean().optional(),
  /** Why it is suppressed (the baseline exception's reason), when `suppressed`. */
  suppressionReason: z.string().optional(),
  /** Baseline file location of the declaration the finding concerns, when there is one. */
  baselineLocation: z.object({ file: z.string(), line: z.number(), column: z.number() }).optional(),
  /**
   * Absence claims only ("missing", "not found", "dangling", "unused"): the scopes whose complete
   * collection the claim rests on, every one complete in the run that made it. A later run that
   * cannot collect one of them neither repeats nor resolves the claim.
   */
  restsOn: z.array(ScopeRefSchema).optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

/**
 * Stable finding id: a hash of the check id and the resource identity, so the same problem on the
 * same resource keeps its id across runs (Security Hub updates instead of duplicating).
 *
 * @example findingId('IRSA_SUBJECT_WILDCARD', 'arn:aws:iam::111122223333:role/app')
 */
export function findingId(checkId: string, ...identity: Array<string | undefined>): string {
  return findingIdOf(checkId, undefined, identity);
}

/**
 * {@link findingId} of `checkId`, then `resourceId` when given, then `identity`, without gathering
 * the parts into one list first (the engine computes one per finding).
 */
export function findingIdOf(
  checkId: string,
  resourceId: string | undefined,
  identity: ReadonlyArray<string | undefined> | undefined,
): string {
  let material = checkId;
  if (resourceId !== undefined) material += `\u0000${resourceId}`;
  if (identity) for (const part of identity) material += `\u0000${part ?? ''}`;
  // The one-shot hash: a finding-heavy run computes hundreds of thousands of ids.
  return `${checkId}-${hash('sha256', material, 'hex').slice(0, 16)}`;
}
