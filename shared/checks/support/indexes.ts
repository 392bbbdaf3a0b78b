import type { LogicalCluster } from '../../baseline/types.js';
import type {
  AssociationInventory,
  ClusterInventory,
  Inventory,
  OidcProviderInventory,
} from '../../model/inventory.js';
import { analyzeTrust } from '../../trust/index.js';
import type { TrustAnalysis } from '../../trust/types.js';
import { clustersByIssuer } from '../../usage/workloads.js';
import type { CheckContext } from '../types.js';

/**
 * Lookups that several checks share, built once per audit so no check loops over all roles or
 * associations inside another loop. Obtain them with {@link indexesFor}.
 */
export interface CheckIndexes {
  /** `ACCOUNT/REGION/NAME` → cluster. */
  clusterByKey: Map<string, ClusterInventory>;
  /** Issuer host path (`oidc.eks.R.amazonaws.com/id/ID`) → live clusters with that issuer. */
  clustersByIssuerHostPath: Map<string, ClusterInventory[]>;
  /** Provider ARN → IAM OIDC provider. */
  oidcProviderByArn: Map<string, OidcProviderInventory>;
  /** `ACCOUNT/REGION/CLUSTER/NAMESPACE/SA` → associations (normally one). */
  associationsByIdentity: Map<string, AssociationInventory[]>;
  /** Role ARN → associations using it as their role. */
  associationsByRoleArn: Map<string, AssociationInventory[]>;
  /** `ACCOUNT/REGION/PHYSICAL` → logical cluster declared in the baseline. */
  logicalClusterByMember: Map<string, LogicalCluster>;
  /** Logical cluster name → declaration. */
  logicalClusterByName: Map<string, LogicalCluster>;
  /** Account → the regions collected for it (empty for an account that could not be read). */
  regionsByAccount: Map<string, string[]>;
  /** Role ARN → trust analysis (grants and hygiene findings), computed lazily. */
  trustOf(roleArn: string): TrustAnalysis | undefined;
}

/** `ACCOUNT/REGION/NAME`, the key clusters are indexed by. */
export function clusterKey(accountId: string, region: string, name: string): string {
  return `${accountId}/${region}/${name}`;
}

/** `ACCOUNT/REGION/CLUSTER/NAMESPACE/SA`, the key workload identities are indexed by. */
export function identityKey(
  accountId: string,
  region: string,
  cluster: string,
  namespace: string,
  serviceAccount: string,
): string {
  return `${accountId}/${region}/${cluster}/${namespace}/${serviceAccount}`;
}

/**
 * Wraps a builder so it runs once per inventory and baseline: every check of one audit shares the
 * result, and a new audit (another inventory or baseline) gets a fresh one.
 */
export function perAudit<T extends object>(
  build: (context: CheckContext) => T,
): (context: CheckContext) => T {
  const cache = new WeakMap<Inventory, WeakMap<object, T>>();
  return (context) => {
    let byBaseline = cache.get(context.inventory);
    if (!byBaseline) {
      byBaseline = new WeakMap();
      cache.set(context.inventory, byBaseline);
    }
    let built = byBaseline.get(context.baseline);
    if (!built) {
      built = build(context);
      byBaseline.set(context.baseline, built);
    }
    return built;
  };
}

/** The shared indexes for this context's inventory and baseline (built on first use, then cached). */
export const indexesFor: (context: CheckContext) => CheckIndexes = perAudit(buildIndexes);

/** Appends to the list under `key`, starting the list when there is none. */
export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function buildIndexes({ inventory, baseline }: CheckContext): CheckIndexes {
  const clusterByKey = new Map<string, ClusterInventory>();
  for (const cluster of inventory.clusters) {
    clusterByKey.set(clusterKey(cluster.accountId, cluster.region, cluster.name), cluster);
  }
  const clustersByIssuerHostPath = clustersByIssuer(inventory.clusters);
  const oidcProviderByArn = new Map(inventory.oidcProviders.map((provider) => [provider.arn, provider]));
  const associationsByIdentity = new Map<string, AssociationInventory[]>();
  const associationsByRoleArn = new Map<string, AssociationInventory[]>();
  for (const association of inventory.associations) {
    const { accountId, region, clusterName, namespace, serviceAccount } = association;
    push(
      associationsByIdentity,
      identityKey(accountId, region, clusterName, namespace, serviceAccount),
      association,
    );
    push(associationsByRoleArn, association.roleArn, association);
  }
  const logicalClusterByMember = new Map<string, LogicalCluster>();
  const logicalClusterByName = new Map<string, LogicalCluster>();
  for (const logical of baseline.clusters) {
    logicalClusterByName.set(logical.name, logical);
    for (const member of logical.members) {
      logicalClusterByMember.set(clusterKey(logical.account, logical.region, member), logical);
    }
  }
  const regionsByAccount = new Map(inventory.accounts.map((account) => [account.accountId, account.regions]));
  // `null`: no analysis (no such role, or a policy that cannot be analyzed); one lookup per question.
  const trustCache = new Map<string, TrustAnalysis | null>();
  const trustOf = (roleArn: string): TrustAnalysis | undefined => {
    const known = trustCache.get(roleArn);
    if (known !== undefined) return known ?? undefined;
    const role = inventory.roles.get(roleArn);
    let analysis: TrustAnalysis | undefined;
    try {
      analysis = role ? analyzeTrust(role.trustPolicy, { accountId: role.accountId }) : undefined;
    } catch {
      // A malformed trust policy cannot be analyzed; checks treat it as "no grants" and the
      // snapshot validator already reported it.
      analysis = undefined;
    }
    trustCache.set(roleArn, analysis ?? null);
    return analysis;
  };
  return {
    clusterByKey,
    clustersByIssuerHostPath,
    oidcProviderByArn,
    associationsByIdentity,
    associationsByRoleArn,
    logicalClusterByMember,
    logicalClusterByName,
    regionsByAccount,
    trustOf,
  };
}
