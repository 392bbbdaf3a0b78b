import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { z } from 'zod';
import type { ClientFactory } from '../../shared/aws/clients.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { ledgerUsageWindow } from '../../shared/run/usage.js';
import { auditShard, linkedAccounts, unresolvedRoleReferences, withRoles } from '../../shared/shard.js';
import type { SnapshotAccount } from '../../shared/snapshot/index.js';
import type { Ledger } from '../../shared/usage/ledger.js';
import { type FunctionConfig, readsLedgers } from '../lib/config.js';
import { auditLedgerStore, loadLedgers } from '../lib/ledgers.js';
import { logger } from '../lib/observability.js';
import { lacksPart, RUN_ID_PATTERN, readAccountParts, readJoinFacts } from '../lib/parts.js';
import { readRunBaseline } from '../lib/run-baseline.js';
import { recordRunMetrics } from '../lib/run-metrics.js';
import { readRunPlan } from '../lib/run-plan.js';
import {
  type JoinFileRef,
  readJoinFile,
  type ShardSummary,
  writeJoinFile,
  writeShardOutputs,
} from '../lib/shards.js';

/** One item of the shard Map, as its ItemSelector builds it. */
export const ShardEventSchema = z
  .object({
    runId: z.string().regex(RUN_ID_PATTERN, 'must be a run id from plan-scopes'),
    startedAt: z.iso.datetime({ offset: true }),
    baseline: z.object({
      bucket: z.string().min(3),
      key: z.string().min(1),
      etag: z.string().optional(),
      versionId: z.string().optional(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 plan-scopes recorded'),
    }),
    shard: z.number().int().min(0),
    shards: z.number().int().min(1),
    from: z.number().int().min(0),
    to: z.number().int().min(0),
  })
  .refine((event) => event.shard < event.shards, { message: 'must be below shards', path: ['shard'] })
  .refine((event) => event.from <= event.to, { message: 'must not be below from', path: ['to'] });
export type ShardEvent = z.infer<typeof ShardEventSchema>;

/** The join step's event: the run whose join file to build (a task before the shard Map). */
export const JoinEventSchema = z.strictObject({
  runId: z.string().regex(RUN_ID_PATTERN, 'must be a run id from plan-scopes'),
  startedAt: z.iso.datetime({ offset: true }),
  join: z.literal(true),
});
export type JoinEvent = z.infer<typeof JoinEventSchema>;

/** What the analyze-shard function takes: the join step's event, or one shard. */
export const AnalyzeShardEventSchema = z.union([JoinEventSchema, ShardEventSchema]);

/**
 * The `JoinFacts` step: writes the run's join file (every planned account's join facts, one per
 * line), so each shard reads one object instead of one per account.
 *
 * @throws InputError when the run's plan is missing; the S3 error otherwise.
 */
export async function joinFacts(
  event: JoinEvent,
  config: ShardConfig,
  factory: ClientFactory,
): Promise<JoinFileRef> {
  logger.appendKeys({ runId: event.runId });
  const s3 = factory.s3();
  const location = { bucket: config.bucket, runId: event.runId };
  const joined = await writeJoinFile(s3, location, await readRunPlan(s3, location));
  logger.info('join facts written', { ...joined });
  return joined;
}

/** The settings analyze-shard reads. */
export const SHARD_CONFIG_KEYS = [
  'bucket',
  'memberRoleName',
  'externalId',
  'usageSource',
  'endpointUrl',
  'region',
] as const;
export type ShardConfig = Pick<FunctionConfig, (typeof SHARD_CONFIG_KEYS)[number]>;

/** What the shard returns (the shard Map's ResultWriter stores it): a few hundred bytes. */
export interface ShardResult {
  runId: string;
  shard: number;
  accounts: number;
  findings: number;
  contextAccounts: number;
  resolvedRoles: number;
}

/** Parts and join facts read at once. */
const READ_CONCURRENCY = 16;

/**
 * The `AnalyzeShard` step: audits the plan's accounts `from`..`to` in full, with every other
 * planned account's join facts as context, and writes the findings about its own accounts (sorted,
 * one per line), its undecided questions and a summary under `runs/RUN_ID/shards/NNNNN/`. In ledger
 * mode it reads the ledgers of its accounts and of the accounts its context links them to.
 *
 * @throws InputError when the run's baseline or plan is missing or not this run's, or the shard
 * lies outside the plan; the S3 error otherwise (the Map retries the item).
 */
export async function analyzeShard(
  event: ShardEvent,
  config: ShardConfig,
  factory: ClientFactory,
  now: () => Date = () => new Date(),
): Promise<ShardResult> {
  logger.appendKeys({ runId: event.runId, shard: event.shard });
  const began = now();
  const s3 = factory.s3();
  const location = { bucket: config.bucket, runId: event.runId };
  const baseline = await readRunBaseline(s3, location, event.baseline);
  const plan = await readRunPlan(s3, location);
  if (event.to > plan.accounts.length)
    throw new Error(
      `shard ${event.shard} ends at account ${event.to}, but the plan lists ${plan.accounts.length}`,
    );
  const ownScopes = plan.accounts.slice(event.from, event.to);
  const otherScopes = [...plan.accounts.slice(0, event.from), ...plan.accounts.slice(event.to)];
  const limit = pLimit(READ_CONCURRENCY);
  const own = await Promise.all(
    ownScopes.map((scope) => limit(() => readAccountParts(s3, location, scope, plan.regionsPerItem))),
  );
  const ownIds = new Set(ownScopes.map((scope) => scope.accountId));
  // The run's join file when the join step wrote it; else each account's facts on their own.
  let context =
    (await readJoinFile(s3, location, ownIds)) ??
    (await Promise.all(
      otherScopes.map((scope) =>
        limit(() => readAccountParts(s3, location, scope, plan.regionsPerItem, readJoinFacts)),
      ),
    ));
  const resolved = await resolveRoleReferences(s3, location, { own, context, baseline }, plan);
  context = resolved.context;

  const store = auditLedgerStore(s3, config.bucket);
  const linkedIds = linkedAccounts(own, context);
  const ledgerScopes = readsLedgers(config.usageSource)
    ? [...ownScopes, ...otherScopes.filter((scope) => linkedIds.has(scope.accountId))]
    : undefined;
  const stored = ledgerScopes ? await loadLedgers(store, ledgerScopes) : undefined;
  const audit = auditShard({
    own,
    context,
    keepsUnplanned: event.shard === 0,
    capturedAt: event.startedAt,
    baseline,
    runId: event.runId,
    startedAt: event.startedAt,
    finishedAt: event.startedAt,
    ...(stored ? { usageIndex: ledgerWindow(stored.ledgers, baseline, store.describe.bind(store)) } : {}),
  });
  const summary: ShardSummary = {
    runId: event.runId,
    shard: event.shard,
    shards: event.shards,
    accounts: own.length,
    findings: audit.findings.length,
    scopes: audit.scopes,
    missingParts: own.filter(lacksPart).map((account) => account.accountId),
    ...(stored
      ? {
          ledgers: stored.ledgers.filter((ledger) => ownIds.has(ledger.accountId)).length,
          missingLedgers: stored.missing
            .filter((entry) => ownIds.has(entry.accountId))
            .map((entry) => `${entry.accountId}/${entry.region}`),
        }
      : {}),
  };
  await writeShardOutputs(s3, location, { shard: event.shard, ...audit, summary });
  const result: ShardResult = {
    runId: event.runId,
    shard: event.shard,
    accounts: own.length,
    findings: audit.findings.length,
    contextAccounts: context.length,
    resolvedRoles: resolved.roles,
  };
  recordRunMetrics({ apiCalls: factory.apiCallCount(), durationMs: now().getTime() - began.getTime() });
  logger.info('shard analyzed', { ...result });
  return result;
}

function ledgerWindow(
  ledgers: Ledger[],
  baseline: Baseline,
  describe: (accountId: string, region: string) => string,
) {
  return (inventory: Parameters<typeof ledgerUsageWindow>[0]) =>
    ledgerUsageWindow(inventory, ledgers, { days: baseline.settings.unusedAfterDays, describe });
}

/**
 * Roles the shard's accounts name in another account that the context lacks (their trust does not
 * name the referring account): read from their owners' parts, only for those accounts.
 */
async function resolveRoleReferences(
  s3: S3Client,
  location: { bucket: string; runId: string },
  input: { own: SnapshotAccount[]; context: SnapshotAccount[]; baseline: Baseline },
  plan: { accounts: Array<{ accountId: string; regions: string[] }>; regionsPerItem: number },
): Promise<{ context: SnapshotAccount[]; roles: number }> {
  const wanted = unresolvedRoleReferences(input);
  if (wanted.size === 0) return { context: input.context, roles: 0 };
  const scopes = new Map(plan.accounts.map((scope) => [scope.accountId, scope]));
  const limit = pLimit(READ_CONCURRENCY);
  const parts = new Map(
    await Promise.all(
      [...wanted.keys()].map((accountId) =>
        limit(async () => {
          const scope = scopes.get(accountId) ?? { accountId, regions: [] };
          return [accountId, await readAccountParts(s3, location, scope, plan.regionsPerItem)] as const;
        }),
      ),
    ),
  );
  const roles = [...wanted.values()].reduce((sum, names) => sum + names.size, 0);
  logger.info('role references resolved from their owners’ parts', { accounts: wanted.size, roles });
  return {
    context: input.context.map((facts) => {
      const names = wanted.get(facts.accountId);
      const part = parts.get(facts.accountId);
      return names && part ? withRoles(facts, part, names) : facts;
    }),
    roles,
  };
}
