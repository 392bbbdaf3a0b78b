import type { ScopeRef } from '../../model/scope.js';
import type { UsageIndex } from '../../usage/index.js';
import { DAY_MS } from '../../usage/ledger.js';
import type { CheckContext } from '../types.js';
import { scopeFor } from './scope.js';
import { usageIndexFor } from './usage.js';

/**
 * Tokens of an issuer accepted this recently mean its cluster was running a few days ago: until its
 * last use is older, "deleted" cannot be told apart from "running in an account or region the audit
 * does not see", so no clean-up is proposed yet.
 */
export const RECENT_ISSUER_USE_DAYS = 7;

/** What the claim "no live cluster has this EKS issuer" rests on and what speaks against it. */
export interface DeadIssuerBasis {
  /** The region listings of every account where the issuer's cluster could be. */
  restsOn: ScopeRef[];
  /** Evidence that the issuer is alive (its tokens accepted recently). */
  doubts: string[];
  /** How many accounts {@link restsOn} names. */
  accounts: number;
}

/** The accounts each shared listing names, counted once per listing rather than once per claim. */
const accountCounts = new WeakMap<readonly ScopeRef[], number>();

function accountsOf(listing: readonly ScopeRef[]): number {
  let count = accountCounts.get(listing);
  if (count === undefined) {
    count = new Set(listing.map((scope) => scope.accountId)).size;
    accountCounts.set(listing, count);
  }
  return count;
}

const latestUseCache = new WeakMap<UsageIndex, Map<string, string>>();

/** Issuer host path → the latest time CloudTrail shows one of its tokens accepted (web identity). */
function latestIssuerUses(usage: UsageIndex): Map<string, string> {
  let latest = latestUseCache.get(usage);
  if (latest) return latest;
  latest = new Map();
  for (const workload of usage.workloads()) {
    if (workload.via !== 'irsa' || !workload.issuerHostPath) continue;
    const seen = latest.get(workload.issuerHostPath);
    if (!seen || Date.parse(workload.usage.lastSeen) > Date.parse(seen))
      latest.set(workload.issuerHostPath, workload.usage.lastSeen);
  }
  latestUseCache.set(usage, latest);
  return latest;
}

/**
 * The basis of "EKS issuer `hostPath` (of cluster region `region`) belongs to no live cluster".
 * An EKS cluster's issuer names the cluster's region but not its account, and IRSA works across
 * accounts (the role and its OIDC provider in one account, the cluster in another), so the claim
 * rests on the region's cluster listing of every account where the cluster could run (see
 * `AuditScope.clusterListings`) and of `alsoIn` (the provider's or the role's account). Tokens of
 * the issuer accepted in the last {@link RECENT_ISSUER_USE_DAYS} days are a doubt: the cluster was
 * running then.
 */
export function deadIssuerBasis(
  context: CheckContext,
  hostPath: string,
  region: string,
  alsoIn: Iterable<string>,
): DeadIssuerBasis {
  const restsOn = scopeFor(context).clusterListings(region, alsoIn);
  const doubts: string[] = [];
  const lastUse = latestIssuerUses(usageIndexFor(context)).get(hostPath);
  if (lastUse && context.now.getTime() - Date.parse(lastUse) <= RECENT_ISSUER_USE_DAYS * DAY_MS) {
    doubts.push(
      `CloudTrail shows tokens of issuer ${hostPath} accepted at ${lastUse}, within ${RECENT_ISSUER_USE_DAYS} days of the collection: its cluster may be running where the audit does not look`,
    );
  }
  return { restsOn, doubts, accounts: accountsOf(restsOn) };
}
