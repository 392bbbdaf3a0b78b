import type { Command } from 'commander';
import { summarizeSnapshot } from '../shared/collect/summary.js';
import {
  type CollectionSummary,
  collectionHeadline,
  type JudgedScope,
  type NotCollected,
  summarizeCollection,
  unreadLine,
} from '../shared/collect/verdict.js';
import type { Inventory } from '../shared/model/inventory.js';
import type { Snapshot } from '../shared/snapshot/index.js';
import { warn } from './output.js';

/** `--allow-incomplete` as commander parses it. */
export interface CompletenessOptions {
  allowIncomplete?: boolean;
}

/**
 * Adds `--allow-incomplete` to a command that collects or reads a collection (audit, usage,
 * collect, cutover, baseline init).
 */
export function addAllowIncompleteOption(command: Command, judged = 'judge what could be read'): Command {
  return command.option(
    '--allow-incomplete',
    `when a requested account or region could not be read at all, ${judged} instead of exiting 1`,
  );
}

/** The collection summary of an inventory, with the requested scopes it does not hold. */
export function inventoryCollection(
  inventory: Pick<Inventory, 'scopes'>,
  notCollected: ReadonlyArray<NotCollected> = [],
): CollectionSummary {
  return summarizeCollection(inventory.scopes, notCollected);
}

/** The collection summary of a raw snapshot (what `collect` wrote), from the errors at each level. */
export function snapshotCollection(snapshot: Snapshot): CollectionSummary {
  const scopes: JudgedScope[] = summarizeSnapshot(snapshot).incomplete.map(({ scope: _label, ...scope }) => ({
    ...scope,
    status: 'incomplete',
  }));
  return summarizeCollection(scopes);
}

/**
 * Says on stderr how complete the collection was and decides whether the run may go on: a run
 * that could not read a requested account or region at all ends with exit 1 (the cause of each on
 * its own line) unless `--allow-incomplete` was given; a partly incomplete one only warns, unless
 * `strict` (any incomplete scope then ends the run the same way).
 *
 * @returns true when the command must exit 1 (after writing whatever it still writes).
 */
export function reportCollection(
  summary: CollectionSummary,
  options: CompletenessOptions,
  { print = warn, strict = false }: { print?: (line: string) => void; strict?: boolean } = {},
): boolean {
  const headline = collectionHeadline(summary);
  if (headline === undefined) return false;
  const blind = (strict || summary.unread.length > 0) && options.allowIncomplete !== true;
  print(`${blind ? 'error' : 'warning'}: ${headline}`);
  for (const entry of summary.unread) print(`  ${unreadLine(entry)}`);
  if (blind) print('  exit 1: pass --allow-incomplete to judge what could be read');
  else if (summary.unread.length > 0 || strict) print('  --allow-incomplete: judging what could be read');
  return blind;
}
