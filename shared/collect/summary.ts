import type { CollectionError } from '../model/index.js';
import type { Snapshot } from '../snapshot/index.js';

/** A scope that recorded errors, named the way an operator reads it. */
export interface IncompleteScope {
  /** `account 111122223333`, `iam 111122223333`, `region 111122223333/eu-west-1`, … */
  scope: string;
  level: 'account' | 'iam' | 'region' | 'cluster' | 'cloudtrail';
  accountId: string;
  region?: string;
  cluster?: string;
  errors: CollectionError[];
}

/** What a snapshot holds, for the one-line summary `collect` prints. */
export interface SnapshotSummary {
  accounts: number;
  clusters: number;
  associations: number;
  roles: number;
  events: number;
  incomplete: IncompleteScope[];
}

/** Counts a snapshot's contents and lists every scope that recorded errors. */
export function summarizeSnapshot(snapshot: Snapshot): SnapshotSummary {
  const summary: SnapshotSummary = {
    accounts: 0,
    clusters: 0,
    associations: 0,
    roles: 0,
    events: 0,
    incomplete: [],
  };
  const note = (where: Omit<IncompleteScope, 'scope' | 'errors'>, errors: CollectionError[] | undefined) => {
    if (!errors || errors.length === 0) return;
    const path = [where.accountId, where.region, where.cluster].filter(Boolean).join('/');
    summary.incomplete.push({ scope: `${where.level} ${path}`, ...where, errors });
  };
  for (const account of snapshot.accounts) {
    const { accountId } = account;
    summary.accounts += 1;
    note({ level: 'account', accountId }, account.errors);
    summary.roles += account.iam?.roles.length ?? 0;
    note({ level: 'iam', accountId }, account.iam?.errors);
    for (const region of account.regions ?? []) {
      note({ level: 'region', accountId, region: region.region }, region.errors);
      for (const cluster of region.clusters ?? []) {
        summary.clusters += 1;
        summary.associations += cluster.podIdentityAssociations?.length ?? 0;
        note(
          { level: 'cluster', accountId, region: region.region, cluster: cluster.cluster.name },
          cluster.errors,
        );
      }
      summary.events += region.cloudTrail?.events.length ?? 0;
      note({ level: 'cloudtrail', accountId, region: region.region }, region.cloudTrail?.errors);
    }
  }
  return summary;
}
