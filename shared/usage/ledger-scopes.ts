import type { Completeness, Inventory } from '../model/inventory.js';
import type { CollectionError, ScopeStatus } from '../model/scope.js';
import type { Ledger } from './ledger.js';
import { ledgerCoverage } from './ledger-index.js';
import { coverageGap, windowEndingAt } from './window.js';

/** The usage window a run judges: `days` ending at the inventory's `capturedAt`. */
export interface LedgerScopeWindow {
  days: number;
  /** Where a missing ledger would be, for the error message (`s3://…/ledger.json`). */
  describe?: (accountId: string, region: string) => string;
}

/**
 * The inventory with each region's CloudTrail scope judged by the usage ledgers instead of the
 * CloudTrail window an inventory collected without CloudTrail lacks: complete when a ledger covers
 * the whole usage window without a gap; otherwise incomplete with an error naming the missing
 * ledger or the gap, so the report lists the scope (and `COLLECTION_INCOMPLETE` says usage there
 * is unknown) instead of the publisher treating every usage finding as unconfirmed. Scopes under
 * an incomplete account or region stay as they are.
 *
 * @example const judged = withLedgerCoverage(inventory, ledgers, { days: baseline.settings.unusedAfterDays });
 */
export function withLedgerCoverage(
  inventory: Inventory,
  ledgers: Ledger[],
  window: LedgerScopeWindow,
): Inventory {
  const end = new Date(inventory.capturedAt);
  const usageWindow = windowEndingAt(end, window.days);
  const byRegion = new Map(ledgers.map((ledger) => [`${ledger.accountId}/${ledger.region}`, ledger]));
  const base = inventory.completeness;
  const verdicts = new Map<string, CollectionError | undefined>();
  const judge = (accountId: string, region: string): CollectionError | undefined => {
    const key = `${accountId}/${region}`;
    if (verdicts.has(key)) return verdicts.get(key);
    const ledger = byRegion.get(key);
    const where = window.describe?.(accountId, region) ?? `the usage ledger of ${accountId} ${region}`;
    let problem: CollectionError | undefined;
    if (!ledger) {
      problem = {
        service: 'cloudtrail',
        operation: 'UsageLedger',
        code: 'LedgerMissing',
        message: `no usable usage ledger at ${where}; usage in this region is unknown until a run updates it`,
        resource: where,
      };
    } else {
      const coverage = ledgerCoverage(ledger, usageWindow.start.getTime(), end.getTime());
      const gap = coverageGap(coverage, usageWindow, `${accountId} ${region}`);
      if (gap) {
        const recorded = ledger.gaps.map((entry) => `${entry.from} – ${entry.to}: ${entry.reason}`);
        problem = {
          service: 'cloudtrail',
          operation: 'UsageLedger',
          code: 'CoverageGap',
          message: `${gap}${recorded.length > 0 ? ` (recorded gaps: ${recorded.join('; ')})` : ''}`,
          resource: where,
        };
      }
    }
    verdicts.set(key, problem);
    return problem;
  };
  const scopes: ScopeStatus[] = inventory.scopes.map((scope) => {
    if (scope.level !== 'cloudtrail' || scope.region === undefined) return scope;
    if (!base.regionComplete(scope.accountId, scope.region)) return scope;
    const problem = judge(scope.accountId, scope.region);
    return problem
      ? { ...scope, status: 'incomplete', errors: [...scope.errors, problem] }
      : { ...scope, status: 'complete', errors: scope.errors };
  });
  const completeness: Completeness = {
    iamComplete: (accountId) => base.iamComplete(accountId),
    regionComplete: (accountId, region) => base.regionComplete(accountId, region),
    clusterComplete: (accountId, region, cluster) => base.clusterComplete(accountId, region, cluster),
    cloudTrailComplete: (accountId, region) =>
      base.regionComplete(accountId, region) && judge(accountId, region) === undefined,
    hasAccount: (accountId) => base.hasAccount(accountId),
    hasRegion: (accountId, region) => base.hasRegion(accountId, region),
  };
  return { ...inventory, scopes, completeness };
}
