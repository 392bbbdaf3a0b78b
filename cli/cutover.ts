import type { Command } from 'commander';
import type { ClientFactory } from '../shared/aws/clients.js';
import { resolveCallerRegion } from '../shared/aws/region.js';
import type { Baseline } from '../shared/baseline/types.js';
import type { NotCollected } from '../shared/collect/verdict.js';
import {
  CUTOVER_FORMATS,
  type CutoverFormat,
  type CutoverPhase,
  cutoverExitCode,
  renderCutover,
  runCutover,
} from '../shared/cutover/index.js';
import { InputError } from '../shared/errors.js';
import type { Inventory } from '../shared/model/inventory.js';
import type { RegisterCommand } from './commands.js';
import {
  addAllowIncompleteOption,
  type CompletenessOptions,
  inventoryCollection,
  reportCollection,
} from './completeness.js';
import { loadAuditInputs, loadBaseline, startingIdentityFactory } from './inputs.js';
import { addLiveOptions, type LiveOptions } from './live-options.js';
import { checkOutputPath, emit, log, warn } from './output.js';
import { phaseProgress } from './progress.js';

interface CutoverOptions extends LiveOptions, CompletenessOptions {
  cluster: string;
  from: string;
  to: string;
  phase: string;
  snapshot?: string;
  baseline?: string;
  format?: string;
  output?: string;
  since?: string;
}

/** `--phase`: pre or post (any case). */
export function parsePhase(text: string): CutoverPhase {
  const lower = text.trim().toLowerCase();
  if (lower !== 'pre' && lower !== 'post')
    throw new InputError(`--phase must be pre or post (got "${text}")`);
  return lower;
}

/** `--format`: table, json or markdown; default table on a terminal, json otherwise. */
export function parseCutoverFormat(text: string | undefined, stdoutIsTty: boolean): CutoverFormat {
  if (text === undefined) return stdoutIsTty ? 'table' : 'json';
  const lower = text.trim().toLowerCase();
  if (!(CUTOVER_FORMATS as readonly string[]).includes(lower)) {
    throw new InputError(`--format must be one of ${CUTOVER_FORMATS.join(', ')} (got "${text}")`);
  }
  return lower as CutoverFormat;
}

/** `--since`: an ISO-8601 time, or a duration back from now such as `24h`, `7d`, `90m`. */
export function parseSince(text: string | undefined, now: Date = new Date()): Date | undefined {
  if (text === undefined) return undefined;
  const duration = /^(\d+)\s*([mhd])$/i.exec(text.trim());
  if (duration) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2].toLowerCase() as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(duration[1]) * unit);
  }
  const time = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim()) || Number.isNaN(time)) {
    throw new InputError(
      `--since must be an ISO-8601 time (2026-11-28T09:00:00Z) or a duration such as 24h or 7d (got "${text}")`,
    );
  }
  return new Date(time);
}

/**
 * The baseline and inventory of a cutover. Live collection covers the logical cluster's account
 * and region plus the baseline's extra accounts (where cross-account target roles live), unless
 * `--accounts` / `--regions` say otherwise.
 */
async function loadCutoverInputs(
  options: CutoverOptions,
): Promise<{ baseline?: Baseline; inventory: Inventory; notCollected: NotCollected[] }> {
  if (options.snapshot !== undefined || options.baseline === undefined) {
    const inputs = await loadAuditInputs(options, { progress: true });
    // Only the logical cluster's own account and region must be in the snapshot for this cutover.
    const logical = inputs.baseline?.clusters.find((cluster) => cluster.name === options.cluster);
    const needed = (entry: NotCollected) =>
      entry.accountId === logical?.account && (entry.region === undefined || entry.region === logical.region);
    return { ...inputs, notCollected: inputs.notCollected.filter(needed) };
  }
  const callerRegion = await resolveCallerRegion(options);
  let factory: Promise<ClientFactory> | undefined;
  const baseline = await loadBaseline(options.baseline, () => {
    factory ??= startingIdentityFactory(options, {}, callerRegion);
    return factory;
  });
  const logical = baseline.clusters.find((cluster) => cluster.name === options.cluster);
  const live: CutoverOptions = { ...options, baseline: undefined };
  if (logical) {
    live.accounts ??= [...new Set([logical.account, ...baseline.accounts])].join(',');
    live.regions ??= logical.region;
  }
  const { inventory } = await loadAuditInputs(live, { progress: true });
  return { baseline, inventory, notCollected: [] };
}

/**
 * `cutover --cluster LOGICAL --from OLD --to NEW [--phase pre|post] (--snapshot FILE | live flags)
 * [--baseline FILE|s3://…] [--format table|json|markdown] [--since TIME]`: exit 0 when READY (pre)
 * or clean (post), 2 otherwise, 1 on error.
 */
export const registerCutover: RegisterCommand = (program: Command, setExit) => {
  addAllowIncompleteOption(
    addLiveOptions(
      program
        .command('cutover')
        .description(
          'Blue/green cluster cutover: is NEW ready for the workload identities of OLD (pre), what is left to clean up (post); exit 2 unless READY/clean.',
        )
        .requiredOption('--cluster <name>', 'logical cluster (a clusters key of the baseline)')
        .requiredOption('--from <cluster>', 'the physical EKS cluster being replaced (OLD)')
        .requiredOption('--to <cluster>', 'the physical EKS cluster taking over (NEW)')
        .option('--phase <phase>', 'pre (readiness) or post (clean-up)', 'pre')
        .option('--snapshot <file>', 'snapshot file (format v1) instead of live collection')
        .option(
          '--baseline <file>',
          'baseline file (YAML or JSON) or s3://BUCKET/KEY: declared bindings and the logical cluster',
        )
        .option(
          '--format <format>',
          `${CUTOVER_FORMATS.join(', ')} (default: table on a terminal, json otherwise)`,
        )
        .option('--output <file>', 'write the report to this file instead of stdout')
        .option(
          '--since <time>',
          'only CloudTrail evidence from this time (ISO-8601, or 24h, 7d back from now)',
        ),
    ),
    'judge the cutover on what could be read',
  ).action(async (options: CutoverOptions) => {
    // Every flag is validated before any file is read or any AWS call is made.
    const phase = parsePhase(options.phase);
    const format = parseCutoverFormat(
      options.format,
      process.stdout.isTTY === true && options.output === undefined,
    );
    const since = parseSince(options.since);
    await checkOutputPath(options.output, CUTOVER_FORMATS);
    const progress = phaseProgress(process.stderr, 'cutover');
    progress.phase(options.snapshot !== undefined ? 'reading the snapshot' : 'collecting');
    let inputs: Awaited<ReturnType<typeof loadCutoverInputs>>;
    try {
      inputs = await loadCutoverInputs(options);
    } finally {
      progress.done();
    }
    const { baseline, inventory, notCollected } = inputs;
    // Nothing collected must read as that, not as "unknown cluster": the causes come first.
    const collection = inventoryCollection(inventory, notCollected);
    if (reportCollection(collection, options)) {
      warn('  no cutover verdict: the clusters could not be read');
      setExit(1);
      return;
    }
    let result: ReturnType<typeof runCutover>;
    progress.phase(`judging ${options.from} → ${options.to} (${phase})`);
    try {
      result = runCutover({
        inventory,
        ...(baseline ? { baseline } : {}),
        cluster: options.cluster,
        from: options.from,
        to: options.to,
        phase,
        ...(since ? { since } : {}),
      });
    } catch (error) {
      if (error instanceof InputError && collection.status === 'incomplete') {
        throw new InputError(
          `${error.message} (the collection was incomplete, so the cluster may exist where it could not be read)`,
          error.problems,
          { cause: error },
        );
      }
      throw error;
    } finally {
      progress.done();
    }
    await emit(renderCutover(result, format), options.output);
    log(
      `${result.verdict}: ${result.summary.workloads} workload(s), ${result.summary.blockingFindings} blocking and ${result.summary.nonBlockingFindings} non-blocking finding(s), ${result.undecided.length} undecided` +
        (options.output ? `; report written to ${options.output}` : ''),
    );
    setExit(cutoverExitCode(result));
  });
};
