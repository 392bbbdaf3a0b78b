import { z } from 'zod';

/** A collection error as recorded in the snapshot's `errors[]` arrays (DESIGN.md §4). */
export const CollectionErrorSchema = z
  .object({
    service: z.string().min(1),
    operation: z.string().min(1),
    code: z.string().min(1),
    message: z.string(),
    resource: z.string().optional(),
    /**
     * Why it failed, as an operator acts on it: `credentials`, `access-denied`, `network`,
     * `timeout`, `throttling`, `unsupported-api`, `server-error` or `unexpected-answer` (a 404
     * without an AWS error code, among others). Optional: derived from `code` when absent.
     */
    cause: z.string().min(1).optional(),
  })
  .strict();
export type CollectionError = z.infer<typeof CollectionErrorSchema>;

/**
 * The level at which an error was recorded. `account` covers everything in the account (AssumeRole
 * failed); `iam` the account's IAM data; `region` all EKS and CloudTrail data of one region;
 * `cluster` one cluster and its sub-resources; `cloudtrail` one region's CloudTrail evidence.
 */
export type ScopeLevel = 'account' | 'iam' | 'region' | 'cluster' | 'cloudtrail';

/** Completeness of one collected scope, as report v1 lists it. */
export interface ScopeStatus {
  level: ScopeLevel;
  accountId: string;
  region?: string;
  cluster?: string;
  status: 'complete' | 'incomplete';
  /** Errors recorded at this level (not the inherited ones). */
  errors: CollectionError[];
}
