import pLimit from 'p-limit';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { type AnalyzeResult, analyzeAndPublish } from '../analyze-publish/analyze.js';
import { type BaselineInvalidResult, publishBaselineInvalid } from '../analyze-publish/baseline-invalid.js';
import { analyzeShard, joinFacts, type ShardResult } from '../analyze-shard/shard.js';
import { collectAccountPart } from '../collect-account/collect.js';
import { importFindingsStep } from '../import-findings/import.js';
import { type PlanEvent, type PlannedRun, planScopes, type RejectedRun } from '../plan-scopes/plan.js';
import type { FunctionConfig } from './config.js';
import type { PartSummary } from './parts.js';
import { type CollectItem, readCollectItems } from './run-plan.js';
import { readShardItems, type ShardItem } from './shards.js';

/** Every setting the three nightly steps read. */
export type NightlyConfig = Omit<FunctionConfig, 'endpointUrl'> & { endpointUrl?: string };

/** A collect-account invocation that failed, as the Map passes it on (the item's error object). */
export interface FailedItem {
  Error: string;
  Cause: string;
}

/** One step of the night as it finishes, for a progress display. */
export type NightlyProgress =
  | { step: 'plan-scopes'; plan: PlannedRun | RejectedRun }
  | { step: 'collect-account'; accountId: string; part: PartSummary | FailedItem }
  | { step: 'analyze-shard'; shard: number; result: ShardResult | FailedItem }
  | { step: 'analyze-publish'; result: AnalyzeResult | BaselineInvalidResult }
  | { step: 'import-findings'; result: AnalyzeResult['securityHub'] };

/** What {@link runNightlySteps} needs. */
export interface NightlyOptions {
  config: NightlyConfig;
  /**
   * A client factory for one invocation: called once per step and per Map item, as separate Lambda
   * invocations each build their own.
   */
  factory: () => ClientFactory;
  /** The state machine's input (Scheduler's `scheduledTime`, or a fixed run id); default `{}`. */
  event?: PlanEvent;
  /**
   * The deadline of one collect-account invocation (the Lambda's early-timeout signal); `cancel`
   * drops it once the item is done. Default: none.
   */
  collectDeadline?: () => { signal: AbortSignal; cancel?: () => void };
  /** The deadline of one import-findings invocation; default: none (one invocation imports the queue). */
  importDeadline?: () => { signal: AbortSignal };
  /** Map items run at once (the Map's `MaxConcurrency`); default: all. */
  maxConcurrency?: number;
  /**
   * Reads the Map's items (the ItemReader); default: from S3 through a client of `factory`, as the
   * Step Functions service does.
   */
  readItems?: (items: { bucket: string; key: string }) => Promise<CollectItem[]>;
  /**
   * Reads the shard Map's items (its ItemReader); default: from S3 through a client of `factory`.
   */
  readShards?: (shards: { bucket: string; key: string }) => Promise<ShardItem[]>;
  /** Runs after planning, before the Map. */
  afterPlan?: (plan: PlannedRun) => Promise<void>;
  onProgress?: (progress: NightlyProgress) => void;
}

/** What one night did: each step's output or error. */
export interface NightlyRun {
  plan?: PlannedRun | RejectedRun;
  planError?: Error;
  /** One entry per Map item (an account, or a batch of its regions), in item order: its part summary, or the item's error. */
  parts: Array<PartSummary | FailedItem>;
  /** One entry per analysis shard, in shard order: its result, or the item's error. */
  shards: Array<ShardResult | FailedItem>;
  result?: AnalyzeResult;
  /** What analyze-publish returned for a rejected baseline (BASELINE_INVALID published alone). */
  rejected?: BaselineInvalidResult;
  analyzeError?: Error;
}

/** A signal that never aborts: no deadline. */
const NO_DEADLINE = (): { signal: AbortSignal; cancel?: () => void } => ({
  signal: new AbortController().signal,
});

/**
 * Runs the nightly state machine's steps in its order, in this process, calling the same step
 * functions the Lambda handlers call: plan-scopes → collect-account for each item plan-scopes wrote
 * to S3 (the Distributed Map's ItemReader) → analyze-publish, given the items' results as an array
 * → import-findings while Security Hub's queue is not done; for a rejected baseline, plan-scopes → analyze-publish
 * (the Choice skips the Map). A failing step is recorded, not thrown: a failed collect becomes the
 * Map item's error object, as Step Functions passes it on; a failed plan or analyze ends the night.
 * `npm run demo` and the fault tests run the night through here.
 *
 * @example const night = await runNightlySteps({ config, factory: () => createClientFactory(options) });
 */
export async function runNightlySteps(options: NightlyOptions): Promise<NightlyRun> {
  const { config } = options;
  const night: NightlyRun = { parts: [], shards: [] };
  try {
    night.plan = await planScopes(options.event ?? {}, config, options.factory());
  } catch (error) {
    night.planError = asError(error);
    return night;
  }
  const plan = night.plan;
  options.onProgress?.({ step: 'plan-scopes', plan });
  if (plan.status !== 'planned') {
    try {
      night.rejected = await publishBaselineInvalid(plan, config, options.factory());
      options.onProgress?.({ step: 'analyze-publish', result: night.rejected });
    } catch (error) {
      night.analyzeError = asError(error);
    }
    return night;
  }
  await options.afterPlan?.(plan);
  const limit = pLimit(options.maxConcurrency ?? Number.POSITIVE_INFINITY);
  const deadlineOf = options.collectDeadline ?? NO_DEADLINE;
  let items: CollectItem[];
  try {
    items = await (options.readItems ?? ((where) => readCollectItems(options.factory().s3(), where)))(
      plan.items,
    );
  } catch (error) {
    // The Map fails before any child runs: the execution fails, analyze-publish never runs.
    night.analyzeError = asError(error);
    return night;
  }
  night.parts = await Promise.all(
    items.map((item) =>
      limit(async (): Promise<PartSummary | FailedItem> => {
        const deadline = deadlineOf();
        let part: PartSummary | FailedItem;
        try {
          // The Map's ItemSelector: the run's id and start, and one item.
          part = await collectAccountPart(
            { runId: plan.runId, startedAt: plan.startedAt, ...item },
            config,
            options.factory(),
            deadline.signal,
          );
        } catch (error) {
          part = { Error: asError(error).name, Cause: asError(error).message };
        } finally {
          deadline.cancel?.();
        }
        options.onProgress?.({ step: 'collect-account', accountId: item.accountId, part });
        return part;
      }),
    ),
  );
  let shardItems: ShardItem[];
  try {
    // The JoinFacts task: every account's join facts in one file, before the shard Map.
    await joinFacts({ runId: plan.runId, startedAt: plan.startedAt, join: true }, config, options.factory());
    shardItems = await (options.readShards ?? ((where) => readShardItems(options.factory().s3(), where)))(
      plan.shards,
    );
  } catch (error) {
    night.analyzeError = asError(error);
    return night;
  }
  night.shards = await Promise.all(
    shardItems.map((item) =>
      limit(async (): Promise<ShardResult | FailedItem> => {
        let result: ShardResult | FailedItem;
        try {
          // The shard Map's ItemSelector: the run's id, start and baseline, and one item.
          result = await analyzeShard(
            { runId: plan.runId, startedAt: plan.startedAt, baseline: plan.baseline, ...item },
            config,
            options.factory(),
          );
        } catch (error) {
          result = { Error: asError(error).name, Cause: asError(error).message };
        }
        options.onProgress?.({ step: 'analyze-shard', shard: item.shard, result });
        return result;
      }),
    ),
  );
  try {
    night.result = await analyzeAndPublish(
      { ...plan, collected: night.parts, analyzed: night.shards },
      config,
      options.factory(),
      undefined,
      { queueSecurityHub: true },
    );
    options.onProgress?.({ step: 'analyze-publish', result: night.result });
  } catch (error) {
    night.analyzeError = asError(error);
    return night;
  }
  // The ImportFindings loop: one invocation after another until the queue is done.
  try {
    while (night.result.securityHub.done === false) {
      night.result.securityHub = await importFindingsStep(night.result.securityHub, {
        factory: options.factory(),
        deadline: (options.importDeadline ?? NO_DEADLINE)().signal,
      });
      options.onProgress?.({ step: 'import-findings', result: night.result.securityHub });
    }
  } catch (error) {
    night.analyzeError = asError(error);
  }
  return night;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
