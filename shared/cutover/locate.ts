import type { LogicalCluster } from '../baseline/types.js';
import { InputError } from '../errors.js';
import { eksClusterArn } from '../model/identity.js';
import type { ClusterInventory, Inventory } from '../model/inventory.js';
import type { CutoverInput } from './types.js';

/** Where the cutover happens and the two physical clusters as the inventory has them. */
export interface CutoverClusters {
  accountId: string;
  region: string;
  logical?: LogicalCluster;
  /** Undefined only in the post phase, when OLD has been deleted. */
  old?: ClusterInventory;
  oldArn: string;
  new: ClusterInventory;
}

function describe(cluster: ClusterInventory): string {
  return `${cluster.name} (${cluster.accountId}/${cluster.region})`;
}

function findByName(inventory: Inventory, name: string, where?: { accountId: string; region: string }) {
  return inventory.clusters.filter(
    (cluster) =>
      cluster.name === name &&
      (where === undefined || (cluster.accountId === where.accountId && cluster.region === where.region)),
  );
}

/**
 * Resolves the logical cluster and OLD/NEW in the inventory. With a baseline the logical cluster
 * fixes the account and region; without one each name must be unique in the inventory.
 *
 * @throws InputError naming the unknown or ambiguous cluster and what is known instead.
 */
export function locateClusters(input: CutoverInput): CutoverClusters {
  const { inventory, baseline, from, to, phase } = input;
  if (from === to) throw new InputError(`--from and --to name the same cluster (${from})`);
  let logical: LogicalCluster | undefined;
  let where: { accountId: string; region: string } | undefined;
  if (baseline) {
    logical = baseline.clusters.find((candidate) => candidate.name === input.cluster);
    if (!logical) {
      const known = baseline.clusters.map((candidate) => candidate.name).join(', ') || 'none';
      throw new InputError(
        `unknown logical cluster "${input.cluster}": the baseline ${baseline.source.name} declares ${known}`,
      );
    }
    where = { accountId: logical.account, region: logical.region };
  }
  const knownNames = () =>
    [...new Set(inventory.clusters.map(describe))].sort().join(', ') || 'no clusters at all';
  const resolve = (name: string, role: 'OLD' | 'NEW', scope = where): ClusterInventory | undefined => {
    const matches = findByName(inventory, name, scope);
    if (matches.length > 1) {
      throw new InputError(
        `cluster name "${name}" (${role}) is ambiguous: ${matches.map(describe).join(', ')}; pass --baseline to fix the account and region`,
      );
    }
    return matches[0];
  };
  const newCluster = resolve(to, 'NEW');
  if (!newCluster) {
    const scope = where ? ` in ${where.accountId}/${where.region}` : '';
    throw new InputError(`unknown cluster "${to}" (--to)${scope}: the snapshot has ${knownNames()}`);
  }
  where ??= { accountId: newCluster.accountId, region: newCluster.region };
  const oldCluster = resolve(from, 'OLD', where);
  if (!oldCluster && phase === 'pre') {
    throw new InputError(
      `unknown cluster "${from}" (--from) in ${where.accountId}/${where.region}: the snapshot has ${knownNames()}`,
    );
  }
  return {
    accountId: where.accountId,
    region: where.region,
    ...(logical ? { logical } : {}),
    ...(oldCluster ? { old: oldCluster } : {}),
    oldArn: oldCluster?.arn ?? eksClusterArn(where.accountId, where.region, from),
    new: newCluster,
  };
}
