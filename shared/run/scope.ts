import type { Baseline } from '../baseline/types.js';
import { compareText } from '../model/compare.js';

/** One account and every region to collect in it (one Map item of the nightly run). */
export interface AccountScope {
  accountId: string;
  regions: string[];
}

/**
 * The accounts and regions a baseline puts in scope: the declared clusters' accounts and regions,
 * plus the extra `accounts`. Sorted, without duplicates.
 */
export function baselineScope(baseline: Pick<Baseline, 'clusters' | 'accounts'>): {
  accounts: string[];
  regions: string[];
} {
  const accounts = new Set<string>(baseline.clusters.map((cluster) => cluster.account));
  for (const account of baseline.accounts) accounts.add(account);
  const regions = new Set<string>(baseline.clusters.map((cluster) => cluster.region));
  return { accounts: [...accounts].sort(compareText), regions: [...regions].sort(compareText) };
}

/**
 * The scope planner: what a run collects, from the baseline's scope and what the operator set.
 *
 * - A deployment's configuration (`mode: 'add'`, the nightly run) adds to the baseline: the
 *   configured accounts, the declared clusters' accounts and the baseline's extra accounts, each
 *   with the configured regions plus the regions its own declared clusters live in.
 * - The CLI's flags (`mode: 'replace'`) replace it: `--accounts` / `--regions` when given, else the
 *   baseline's accounts and regions (every account in every region of the baseline). A list that
 *   stays undefined (no flag, nothing declared) is left to the caller's account or region.
 *
 * @example planScopes(baseline, { mode: 'add', accounts: [], regions: ['us-east-1'] })
 */
export function planScopes(
  baseline: Pick<Baseline, 'clusters' | 'accounts'> | undefined,
  request: { mode: 'add'; accounts: readonly string[]; regions: readonly string[] },
): AccountScope[];
export function planScopes(
  baseline: Pick<Baseline, 'clusters' | 'accounts'> | undefined,
  request: { mode: 'replace'; accounts?: readonly string[]; regions?: readonly string[] },
): { accounts?: string[]; regions?: string[] };
export function planScopes(
  baseline: Pick<Baseline, 'clusters' | 'accounts'> | undefined,
  request: { mode: 'add' | 'replace'; accounts?: readonly string[]; regions?: readonly string[] },
): AccountScope[] | { accounts?: string[]; regions?: string[] } {
  const declared = baseline ?? { clusters: [], accounts: [] };
  if (request.mode === 'replace') {
    const scope = baselineScope(declared);
    const accounts = request.accounts ?? (scope.accounts.length > 0 ? scope.accounts : undefined);
    const regions = request.regions ?? (scope.regions.length > 0 ? scope.regions : undefined);
    return {
      ...(accounts ? { accounts: [...accounts] } : {}),
      ...(regions ? { regions: [...regions] } : {}),
    };
  }
  return planAccountScopes(declared, { accounts: request.accounts ?? [], regions: request.regions ?? [] });
}

/**
 * The nightly expansion ({@link planScopes} with `mode: 'add'`): accounts × regions, each account
 * with the configured regions plus its declared clusters' regions. Sorted, without duplicates.
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
