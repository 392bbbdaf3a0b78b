import type { IrsaBinding, LogicalCluster, PodIdentityBinding } from '../../baseline/types.js';
import { compareText } from '../../model/compare.js';
import { accountOfArn, eksClusterArn, roleNameOf, workloadIdentityId } from '../../model/identity.js';
import type { ClusterInventory, RoleInventory } from '../../model/inventory.js';
import { type ScopeRef, scopeRef } from '../../model/scope.js';
import { mapLevel } from '../../parts-map.js';
import { shellWord } from '../../text.js';
import type { CheckContext } from '../types.js';
import { clusterKey, indexesFor, perAudit, push } from './indexes.js';

/**
 * A declared member cluster and what the snapshot says about it.
 * - `present`: the cluster was collected;
 * - `missing`: its region's cluster listing is complete and does not contain it;
 * - `unknown`: the account or region was not (fully) collected, so nothing may be claimed.
 */
export interface MemberCluster {
  logical: LogicalCluster;
  name: string;
  accountId: string;
  region: string;
  arn: string;
  state: 'present' | 'missing' | 'unknown';
  cluster?: ClusterInventory;
  /** Present and collected without errors (associations, add-ons, ... are all there). */
  complete: boolean;
}

/** Whether a role exists: `unknown` when its account's IAM was not (fully) collected. */
export type RoleState =
  | { state: 'present'; role: RoleInventory }
  | { state: 'absent' }
  | { state: 'unknown' };

/** The audit scope: which accounts are scanned and what the baseline declares, indexed for lookups. */
export interface AuditScope {
  /** Accounts of the declared clusters plus the baseline's extra `accounts`. */
  accounts: Set<string>;
  /**
   * Every account the audit looks at, sorted: the baseline's {@link accounts} and every account of
   * the snapshot (read or not).
   */
  scannedAccounts: string[];
  /**
   * The region listings that "no cluster of `region` has X" rests on: that region of every account
   * collected there, of every account declaring a cluster there, of every scanned account that could
   * not be read or was not collected at all (it may run one), and of `alsoIn`. A readable account
   * whose collection left the region out was not asked to look there, like an account nobody names.
   * The list is shared by every claim asking the same question and must not be modified.
   */
  clusterListings(region: string, alsoIn?: Iterable<string>): ScopeRef[];
  members: MemberCluster[];
  /**
   * The roles of the scanned {@link accounts}, sorted by ARN (computed on first use; shared, must not
   * be modified).
   */
  scannedRoles(): RoleInventory[];
  /** Members of a logical cluster (empty when it is not declared). */
  membersOf(logicalName: string): MemberCluster[];
  /** The declared member for a physical cluster, when the baseline names it. */
  memberAt(accountId: string, region: string, clusterName: string): MemberCluster | undefined;
  /** Looks a role up by ARN, falling back to account + role name (declarations may omit the path). */
  roleState(roleArn: string): RoleState;
  /** Declared Pod Identity bindings of a logical cluster's service account. */
  declaredPodIdentity(logicalName: string, namespace: string, serviceAccount: string): PodIdentityBinding[];
  /** Declared IRSA bindings of a logical cluster's service account. */
  declaredIrsa(logicalName: string, namespace: string, serviceAccount: string): IrsaBinding[];
  /** Declared IRSA bindings of a logical cluster. */
  irsaOf(logicalName: string): IrsaBinding[];
  /** Declared IRSA bindings of a logical cluster whose role is this role (matched as {@link roleState} does). */
  irsaOfRole(logicalName: string, roleArn: string): IrsaBinding[];
}

/** The audit scope of this context (built once per inventory and baseline). */
export const scopeFor: (context: CheckContext) => AuditScope = perAudit(buildScope);

/** The check files name roles with it. */
export { roleNameOf };

/** Resource id and scope fields of a finding about one service account on one physical cluster. */
export function workloadScope(
  accountId: string,
  region: string,
  cluster: string,
  namespace: string,
  sa: string,
) {
  return {
    accountId,
    region,
    cluster,
    resource: {
      type: 'WorkloadIdentity' as const,
      id: workloadIdentityId(accountId, region, cluster, namespace, sa),
    },
  };
}

function buildScope(context: CheckContext): AuditScope {
  const { inventory, baseline } = context;
  const { completeness } = inventory;
  const accounts = new Set<string>([
    ...baseline.clusters.map((cluster) => cluster.account),
    ...baseline.accounts,
  ]);
  const { clusterByKey } = indexesFor(context);

  const members: MemberCluster[] = [];
  const membersByLogical = new Map<string, MemberCluster[]>();
  // Account → region → cluster name → the first member declared there.
  const memberByKey = new Map<string, Map<string, Map<string, MemberCluster>>>();
  for (const logical of baseline.clusters) {
    for (const name of logical.members) {
      const key = clusterKey(logical.account, logical.region, name);
      const cluster = clusterByKey.get(key);
      const listed =
        completeness.hasRegion(logical.account, logical.region) &&
        completeness.regionComplete(logical.account, logical.region);
      const state = cluster ? 'present' : listed ? 'missing' : 'unknown';
      const member: MemberCluster = {
        logical,
        name,
        accountId: logical.account,
        region: logical.region,
        arn: cluster?.arn ?? eksClusterArn(logical.account, logical.region, name),
        state,
        cluster,
        complete:
          cluster !== undefined && completeness.clusterComplete(logical.account, logical.region, name),
      };
      members.push(member);
      push(membersByLogical, logical.name, member);
      const byName = mapLevel(mapLevel(memberByKey, logical.account), logical.region);
      if (!byName.has(name)) byName.set(name, member);
    }
  }

  const roleByAccountAndName = new Map<string, RoleInventory>();
  for (const role of inventory.roles.values()) {
    roleByAccountAndName.set(`${role.accountId}/${role.name}`, role);
  }
  // One state object per role: checks ask for the same roles once per binding.
  const presentStates = new Map<RoleInventory, RoleState>();
  const present = (role: RoleInventory): RoleState => {
    let state = presentStates.get(role);
    if (!state) {
      state = { state: 'present', role };
      presentStates.set(role, state);
    }
    return state;
  };
  const roleState = (roleArn: string): RoleState => {
    const exact = inventory.roles.get(roleArn);
    if (exact) return present(exact);
    const account = accountOfArn(roleArn);
    const byName = account ? roleByAccountAndName.get(`${account}/${roleNameOf(roleArn)}`) : undefined;
    if (byName) return present(byName);
    if (!account || !completeness.hasAccount(account) || !completeness.iamComplete(account)) {
      return { state: 'unknown' };
    }
    return { state: 'absent' };
  };

  // Logical cluster → namespace → service account → bindings: a lookup builds no key text.
  const podIdentityByIdentity = new Map<string, Map<string, Map<string, PodIdentityBinding[]>>>();
  for (const binding of baseline.podIdentity) {
    push(
      mapLevel(mapLevel(podIdentityByIdentity, binding.cluster), binding.namespace),
      binding.serviceAccount,
      binding,
    );
  }
  const irsaByIdentity = new Map<string, Map<string, Map<string, IrsaBinding[]>>>();
  const irsaByLogical = new Map<string, IrsaBinding[]>();
  const irsaByLogicalAndRole = new Map<string, Map<string, IrsaBinding[]>>();
  for (const binding of baseline.irsa) {
    push(
      mapLevel(mapLevel(irsaByIdentity, binding.cluster), binding.namespace),
      binding.serviceAccount,
      binding,
    );
    push(irsaByLogical, binding.cluster, binding);
    const role = roleState(binding.roleArn);
    const arns = new Set([binding.roleArn, ...(role.state === 'present' ? [role.role.arn] : [])]);
    for (const arn of arns) push(mapLevel(irsaByLogicalAndRole, binding.cluster), arn, binding);
  }

  const scannedAccounts = [
    ...new Set([...accounts, ...inventory.accounts.map((account) => account.accountId)]),
  ].sort();
  const readable = new Map(
    inventory.accounts
      .filter((account) => account.errors.length === 0)
      .map((account) => [account.accountId, new Set(account.regions)]),
  );
  // The accounts every listing of a region includes, once per region; a claim adds its own few.
  const listedIn = new Map<string, Set<string>>();
  const accountsListing = (region: string): Set<string> => {
    let listing = listedIn.get(region);
    if (!listing) {
      listing = new Set();
      for (const accountId of scannedAccounts) {
        const regions = readable.get(accountId);
        if (!regions || regions.has(region)) listing.add(accountId);
      }
      for (const logical of baseline.clusters) if (logical.region === region) listing.add(logical.account);
      listedIn.set(region, listing);
    }
    return listing;
  };
  // Issuers of one region and account ask for the same listing: one (shared, unmodified) list each.
  const listings = new Map<string, ScopeRef[]>();
  const clusterListings = (region: string, alsoIn: Iterable<string> = []): ScopeRef[] => {
    const base = accountsListing(region);
    const extra = [...new Set(alsoIn)].filter((accountId) => !base.has(accountId)).sort();
    const key = `${region}\u0000${extra.join('\u0000')}`;
    let listing = listings.get(key);
    if (!listing) {
      // Frozen: shared by every claim that asks, and the engine settles a frozen list once.
      listing = Object.freeze(
        [...base, ...extra].sort().map((accountId) => scopeRef.region(accountId, region)),
      ) as ScopeRef[];
      listings.set(key, listing);
    }
    return listing;
  };
  let scannedRoles: RoleInventory[] | undefined;

  return {
    accounts,
    scannedAccounts,
    clusterListings,
    scannedRoles: () => {
      scannedRoles ??= [...inventory.roles.values()]
        .filter((role) => accounts.has(role.accountId))
        .sort((a, b) => compareText(a.arn, b.arn));
      return scannedRoles;
    },
    members,
    membersOf: (logicalName) => membersByLogical.get(logicalName) ?? [],
    memberAt: (accountId, region, clusterName) => memberByKey.get(accountId)?.get(region)?.get(clusterName),
    roleState,
    declaredPodIdentity: (logicalName, namespace, serviceAccount) =>
      podIdentityByIdentity.get(logicalName)?.get(namespace)?.get(serviceAccount) ?? [],
    declaredIrsa: (logicalName, namespace, serviceAccount) =>
      irsaByIdentity.get(logicalName)?.get(namespace)?.get(serviceAccount) ?? [],
    irsaOf: (logicalName) => irsaByLogical.get(logicalName) ?? [],
    irsaOfRole: (logicalName, roleArn) => irsaByLogicalAndRole.get(logicalName)?.get(roleArn) ?? [],
  };
}

/** `--flag value` only when the value is set, for remediation commands. */
export function flag(name: string, value: string | undefined): string {
  return value === undefined ? '' : ` ${name} ${shellWord(value)}`;
}
