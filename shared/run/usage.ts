import type { CheckContext } from '../checks/types.js';
import type { Inventory } from '../model/inventory.js';
import type { Ledger } from '../usage/ledger.js';
import { ledgerUsageIndex } from '../usage/ledger-index.js';
import { withLedgerCoverage } from '../usage/ledger-scopes.js';

/** The usage window the checks read when the evidence comes from usage ledgers. */
export interface LedgerUsageWindow {
  /** Each account-region's last use per identity, served from the ledgers. */
  usageIndex: NonNullable<CheckContext['usageIndex']>;
  /**
   * The inventory with each region's CloudTrail scope judged by its ledger's coverage of the usage
   * window (it was collected without CloudTrail, so it has no window of its own): a region without
   * a ledger, or whose ledger does not cover the window, is incomplete and its usage unknown.
   */
  inventory: Inventory;
}

/**
 * The ledger-usage step of every face (CLI `--usage-ledger`, the nightly analyze-publish): usage
 * ledgers → the usage window for the checks, over `days` ending at the inventory's `capturedAt`.
 * `describe` names where an account-region's ledger is (or would be), for the messages of the
 * scopes it leaves incomplete.
 *
 * @example const { inventory, usageIndex } = ledgerUsageWindow(collected, ledgers, { days: 90 });
 */
export function ledgerUsageWindow(
  inventory: Inventory,
  ledgers: Ledger[],
  window: { days: number; describe?: (accountId: string, region: string) => string },
): LedgerUsageWindow {
  const covered = withLedgerCoverage(inventory, ledgers, window);
  return {
    inventory: covered,
    usageIndex: (options) => ledgerUsageIndex(ledgers, covered, options),
  };
}
