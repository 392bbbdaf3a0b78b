import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { putObject } from '../../shared/aws/s3.js';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../../shared/baseline/index.js';
import { itemsKey, planKey, resultsPrefix } from '../../shared/bucket.js';
import { InputError } from '../../shared/errors.js';
import { readRunJson } from './run-object.js';
import type { AccountScope } from './scopes.js';

export { itemsKey, planKey, resultsPrefix };

/**
 * Regions one collect-account invocation takes at most. An account with more is split into several
 * Map items (the first also reads IAM), so no invocation nears the 15-minute Lambda limit however
 * many regions an account spans: a region costs the EKS reads of its clusters and one night of
 * CloudTrail at 2 LookupEvents a second.
 */
export const REGIONS_PER_ITEM = 4;

/** One Distributed Map item: an account and a batch of its regions. */
export interface CollectItem {
  accountId: string;
  regions: string[];
  /** 0 for the first (or only) batch of the account: that one also collects IAM. */
  batch: number;
  /** How many batches the account was split into. */
  batches: number;
}

/**
 * The Distributed Map's `ItemSelector`: each child execution's input is the run's id and start
 * (from the state, which plan-scopes keeps small) and one item of `items.json`.
 */
export const MAP_ITEM_SELECTOR = {
  'runId.$': '$.runId',
  'startedAt.$': '$.startedAt',
  'accountId.$': '$$.Map.Item.Value.accountId',
  'regions.$': '$$.Map.Item.Value.regions',
  'batch.$': '$$.Map.Item.Value.batch',
  'batches.$': '$$.Map.Item.Value.batches',
} as const;

/**
 * The items of a plan: each account in batches of at most `regionsPerItem` regions (an account
 * without regions still gets one item, for its IAM).
 */
export function mapItems(scopes: readonly AccountScope[], regionsPerItem = REGIONS_PER_ITEM): CollectItem[] {
  const items: CollectItem[] = [];
  for (const scope of scopes) {
    const batches = Math.max(1, Math.ceil(scope.regions.length / regionsPerItem));
    for (let batch = 0; batch < batches; batch += 1) {
      items.push({
        accountId: scope.accountId,
        regions: scope.regions.slice(batch * regionsPerItem, (batch + 1) * regionsPerItem),
        batch,
        batches,
      });
    }
  }
  return items;
}

const RunPlanSchema = z.object({
  runId: z.string(),
  regionsPerItem: z.number().int().min(1),
  accounts: z
    .array(
      z.object({
        accountId: z.string().regex(ACCOUNT_ID_PATTERN),
        regions: z.array(z.string().regex(REGION_PATTERN)),
      }),
    )
    .refine(
      (accounts) => new Set(accounts.map((account) => account.accountId)).size === accounts.length,
      'must list each account once',
    ),
});

/** A run's plan as stored in S3. */
export type RunPlan = z.infer<typeof RunPlanSchema>;

/** What the state payload says of a stored plan: where it is and how big, never the accounts themselves. */
export interface PlanRef {
  bucket: string;
  key: string;
  accounts: number;
  scopes: number;
  items: number;
}

/**
 * Writes a run's plan and the Map's items to S3 (the plan first: analyze-publish reads it).
 *
 * @returns the references the state payload carries.
 */
export async function writeRunPlan(
  s3: S3Client,
  location: { bucket: string; runId: string },
  accounts: AccountScope[],
  regionsPerItem = REGIONS_PER_ITEM,
): Promise<{ plan: PlanRef; items: { bucket: string; key: string } }> {
  const plan: RunPlan = { runId: location.runId, regionsPerItem, accounts };
  const items = mapItems(accounts, regionsPerItem);
  const key = planKey(location.runId);
  await putObject(s3, {
    bucket: location.bucket,
    key,
    body: JSON.stringify(plan),
    contentType: 'application/json',
  });
  await putObject(s3, {
    bucket: location.bucket,
    key: itemsKey(location.runId),
    body: JSON.stringify(items),
    contentType: 'application/json',
  });
  return {
    plan: {
      bucket: location.bucket,
      key,
      accounts: accounts.length,
      scopes: accounts.reduce((sum, account) => sum + account.regions.length, 0),
      items: items.length,
    },
    items: { bucket: location.bucket, key: itemsKey(location.runId) },
  };
}

/**
 * Reads a run's plan.
 *
 * @throws InputError when it is missing or not a plan of this run; the S3 error otherwise.
 */
export async function readRunPlan(
  s3: S3Client,
  location: { bucket: string; runId: string },
): Promise<RunPlan> {
  const key = planKey(location.runId);
  const uri = `s3://${location.bucket}/${key}`;
  const value = await readRunJson(
    s3,
    { bucket: location.bucket, key },
    "the run's plan is missing (plan-scopes writes it)",
  );
  const checked = RunPlanSchema.safeParse(value);
  if (!checked.success || checked.data.runId !== location.runId) {
    throw new InputError(
      `${uri}: not the plan of run ${location.runId}`,
      checked.success
        ? []
        : checked.error.issues
            .slice(0, 20)
            .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return checked.data;
}

const CollectItemsSchema = z.array(
  z.object({
    accountId: z.string().regex(ACCOUNT_ID_PATTERN),
    regions: z.array(z.string().regex(REGION_PATTERN)),
    batch: z.number().int().nonnegative(),
    batches: z.number().int().positive(),
  }),
);

/** The Map's items as plan-scopes wrote them (what the `ItemReader` reads), validated. */
export async function readCollectItems(
  s3: S3Client,
  where: { bucket: string; key: string },
): Promise<CollectItem[]> {
  const value = await readRunJson(s3, where, "the Map's items are missing (plan-scopes writes them)");
  const parsed = CollectItemsSchema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(
      `s3://${where.bucket}/${where.key}: not the Map's items (${parsed.error.issues[0]?.message})`,
    );
  }
  return parsed.data;
}
