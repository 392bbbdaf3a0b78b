import { mapLevel } from '../../parts-map.js';
import { buildUsageIndex, type UsageIndex } from '../../usage/index.js';
import { type UsageWindow, windowEndingAt } from '../../usage/window.js';
import type { CheckContext } from '../types.js';

/** The baseline's `unusedAfterDays` window that ends at the snapshot's `capturedAt`. */
export function usageWindow(context: CheckContext): UsageWindow {
  return windowEndingAt(context.now, context.baseline.settings.unusedAfterDays);
}

/** Indexes by their source (the ledger provider, else the inventory) and window start. */
const indexCache = new WeakMap<object, Map<number, UsageIndex>>();

/** The usage index of the window's events: the context's ledger-backed one, or the inventory's (built once per inventory and window). */
export function usageIndexFor(context: CheckContext): UsageIndex {
  const window = usageWindow(context);
  const source: object = context.usageIndex ?? context.inventory;
  const byStart = mapLevel(indexCache, source);
  const key = window.start.getTime();
  let index = byStart.get(key);
  if (!index) {
    const options = { since: window.start, until: window.end };
    index = context.usageIndex ? context.usageIndex(options) : buildUsageIndex(context.inventory, options);
    byStart.set(key, index);
  }
  return index;
}
