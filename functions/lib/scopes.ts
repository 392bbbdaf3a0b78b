import type { Baseline } from '../../shared/baseline/types.js';
import { compareText } from '../../shared/model/compare.js';

/** One Map item: an account and every region to collect in it. */
export interface AccountScope {
  accountId: string;
  regions: string[];
}

/**
 * Expands the audit scope into accounts × regions: the configured accounts, the accounts of the
 * declared clusters and the baseline's extra accounts; each gets the configured regions plus the
 * regions its declared clusters live in. Sorted, without duplicates.
 *
 * @example planAccountScopes(baseline, { accounts: [], regions: ['us-east-1'] })
 */
export function planAccountScopes(
  baseline: Pick<Baseline, 'clusters' | 'accounts'>,
  configured: { accounts: readonly string[]; regions: readonly string[] },
): AccountScope[] {
  const regionsByAccount = new Map<string, Set<string>>();
  const add = (accountId: string) => {
    let regions = regionsByAccount.get(accountId);
    if (!regions) {
      regions = new Set(configured.regions);
      regionsByAccount.set(accountId, regions);
    }
    return regions;
  };
  for (const accountId of configured.accounts) add(accountId);
  for (const accountId of baseline.accounts) add(accountId);
  for (const cluster of baseline.clusters) add(cluster.account).add(cluster.region);
  return [...regionsByAccount.entries()]
    .map(([accountId, regions]) => ({ accountId, regions: [...regions].sort(compareText) }))
    .sort((a, b) => compareText(a.accountId, b.accountId));
}
