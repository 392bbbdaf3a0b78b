import type { Command } from 'commander';
import { generateBaseline } from '../shared/baseline/index.js';
import { collectionHeadline, unreadLine } from '../shared/collect/verdict.js';
import { InputError } from '../shared/errors.js';
import type { Inventory } from '../shared/model/inventory.js';
import { cleanText } from '../shared/report/escape.js';
import { loadInventory } from '../shared/snapshot/index.js';
import { addBaselineCommand, addValidateCommand, plural } from './baseline-validate.js';
import type { RegisterCommand } from './commands.js';
import {
  addAllowIncompleteOption,
  type CompletenessOptions,
  inventoryCollection,
  reportCollection,
} from './completeness.js';
import { loadAuditInputs, type SourceOptions } from './inputs.js';
import { addLiveOptions } from './live-options.js';
import { checkOutputPath, emit, log, warn } from './output.js';

export { baselineSummary } from './baseline-validate.js';

/** Produces the inventory `baseline init` declares: from a snapshot file, or collected live. */
export type InventorySource = () => Promise<Inventory>;

/** Options of `baseline init` that choose where the inventory comes from. */
export interface InitSourceOptions extends SourceOptions, CompletenessOptions {}

/**
 * Picks the inventory source for `baseline init`: the snapshot file, or a live collection when
 * live flags (or `AWS_REGION`) say where to collect.
 *
 * @throws InputError when no source is given.
 */
export function inventorySourceFor(options: InitSourceOptions): InventorySource {
  const snapshot = options.snapshot;
  if (snapshot) return () => loadInventory(snapshot);
  const region =
    options.region ?? options.regions ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region !== undefined) {
    return async () => (await loadAuditInputs(options, { progress: true })).inventory;
  }
  throw new InputError(
    'baseline init needs an inventory: pass --snapshot FILE, or collect live with --region/--regions (and --accounts, --role-name)',
  );
}

/** Says that the collection found no cluster: the baseline then declares none, by fact, not by failure. */
function noClusterNote(inventory: Inventory): string {
  const read = inventory.accounts.filter((account) => account.errors.length === 0);
  const regions = [...new Set(read.flatMap((account) => account.regions))].sort();
  const where = regions.length > 0 ? regions.join(', ') : 'no region';
  return `note: no EKS cluster found in ${where} of ${plural(read.length, 'account')} (${read.map((account) => account.accountId).join(', ') || 'none'}): the baseline declares no cluster; pass --regions to look elsewhere`;
}

/** `baseline validate FILE` and `baseline init (--snapshot FILE | live flags) [--output FILE]`. */
export const registerBaseline: RegisterCommand = (program: Command, setExit) => {
  const baseline = addBaselineCommand(program);
  addValidateCommand(baseline);

  addAllowIncompleteOption(
    addLiveOptions(
      baseline
        .command('init')
        .description(
          'Write a baseline (YAML with comments) that declares what a snapshot, or a live collection, holds.',
        )
        .option('--snapshot <file>', 'snapshot file (format v1) to declare instead of collecting live')
        .option('--output <file>', 'write the baseline to this file instead of stdout'),
    ),
    'write a baseline of what could be read (marked as such) even when a scope is incomplete',
  ).action(async (options: InitSourceOptions & { output?: string }) => {
    await checkOutputPath(options.output, ['yaml']);
    const inventory = await inventorySourceFor(options)();
    // A baseline declares what exists: written from a partial view, its silence would become
    // "declared absent". Any incomplete scope stops it, unless the operator accepts that.
    const collection = inventoryCollection(inventory);
    if (reportCollection(collection, options, { strict: true })) {
      warn('  no baseline written: it would declare only what could be read');
      setExit(1);
      return;
    }
    const headline = collectionHeadline(collection);
    const warning = headline
      ? [
          `# WARNING: generated from an incomplete collection (--allow-incomplete). ${cleanText(headline)}`,
          ...collection.unread.map((entry) => `#   ${cleanText(unreadLine(entry))}`),
          '# What could not be read is not declared here: review this baseline before relying on it.',
          '',
        ].join('\n')
      : '';
    await emit(`${warning}${generateBaseline(inventory)}`, options.output);
    if (inventory.clusters.length === 0) log(noClusterNote(inventory));
    if (options.output) log(`wrote ${options.output}`);
  });
};
