import { z } from 'zod';
import { compareText } from './compare.js';

/** A collection error as recorded in the snapshot's `errors[]` arrays (docs/snapshot.md, `errors[]`). */
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

/** The levels at which completeness is recorded. */
export const SCOPE_LEVELS = ['account', 'iam', 'region', 'cluster', 'cloudtrail'] as const;

/**
 * The level at which an error was recorded. `account` covers everything in the account (AssumeRole
 * failed); `iam` the account's IAM data; `region` all EKS and CloudTrail data of one region;
 * `cluster` one cluster and its sub-resources; `cloudtrail` one region's CloudTrail evidence.
 */
export type ScopeLevel = (typeof SCOPE_LEVELS)[number];

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

/**
 * A scope a claim rests on: the level and the place, keyed like {@link ScopeStatus}. An absence
 * claim ("missing", "not found", "dangling", "unused") names every scope it needs complete; when
 * any of them was not fully collected, the claim is not made.
 */
export const ScopeRefSchema = z
  .object({
    level: z.enum(SCOPE_LEVELS),
    accountId: z.string(),
    region: z.string().optional(),
    cluster: z.string().optional(),
  })
  .strict();
export type ScopeRef = z.infer<typeof ScopeRefSchema>;

/** Builds the {@link ScopeRef}s absence claims name. */
export const scopeRef = {
  /** Everything in the account (the audit role could be assumed). */
  account: (accountId: string): ScopeRef => ({ level: 'account', accountId }),
  /** The account's IAM data: roles, policies, OIDC providers. */
  iam: (accountId: string): ScopeRef => ({ level: 'iam', accountId }),
  /** The region's EKS cluster listing. */
  region: (accountId: string, region: string): ScopeRef => ({ level: 'region', accountId, region }),
  /** One cluster and its associations, add-ons, node groups and Fargate profiles. */
  cluster: (accountId: string, region: string, cluster: string): ScopeRef => ({
    level: 'cluster',
    accountId,
    region,
    cluster,
  }),
  /** The region's CloudTrail evidence over the usage window. */
  cloudTrail: (accountId: string, region: string): ScopeRef => ({ level: 'cloudtrail', accountId, region }),
};

/** `level/account[/region[/cluster]]`: one text per scope, for sets and messages. */
export function scopeRefKey(ref: ScopeRef): string {
  let key = `${ref.level}/${ref.accountId}`;
  if (ref.region) key += `/${ref.region}`;
  if (ref.cluster) key += `/${ref.cluster}`;
  return key;
}

/** The scopes once each, in a stable order. */
export function distinctScopeRefs(refs: Iterable<ScopeRef>): ScopeRef[] {
  const keyed: Array<[string, ScopeRef]> = [];
  for (const ref of refs) keyed.push([scopeRefKey(ref), ref]);
  // Every finding names a few scopes: sort them in place and drop repeats of a key (the first stands).
  keyed.sort(([a], [b]) => compareText(a, b));
  const distinct: ScopeRef[] = [];
  for (let index = 0; index < keyed.length; index++) {
    if (index === 0 || keyed[index][0] !== keyed[index - 1][0]) distinct.push(keyed[index][1]);
  }
  return distinct;
}
