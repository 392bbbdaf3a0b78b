import type { LimitFunction } from 'p-limit';
import type { ClientFactory } from '../aws/clients.js';
import type { CollectionError } from '../model/index.js';
import type { SnapshotCluster } from '../snapshot/index.js';
import { type RequestLane, UNPACED } from './pacing.js';
import { compareText, sortErrors } from './plain.js';
import { collectMembers, describeEach, listKeys, type StepRuntime, type StepScope } from './step.js';
import { COLLECTION_STEPS, stepsAt } from './steps.js';

/** What one region's EKS collection produced: its clusters and the region-level errors. */
export interface EksRegionResult {
  clusters: SnapshotCluster[];
  errors: CollectionError[];
}

/** The members of a cluster's snapshot that its `cluster`-level steps fill. */
type ClusterMember = Exclude<keyof SnapshotCluster, 'cluster' | 'errors'>;

/**
 * Collects every cluster of one account-region ({@link COLLECTION_STEPS}`.clusters`) with what
 * every EKS `cluster`-level step of the table lists and describes: Pod Identity associations,
 * add-ons, node groups and Fargate profiles. Every single Describe call runs under `describeLimit`
 * and every call (List pages included) through `lane`, each when given (the account-region's EKS
 * rate). A Describe answered with EKS's documented not-found code means the resource was deleted
 * after the List and is skipped; any other failure, a 404 without that code included, is recorded
 * and makes the cluster incomplete. A listed cluster that cannot be described is kept as a stub
 * with its error.
 */
export async function collectEksRegion(
  factory: ClientFactory,
  accountId: string,
  region: string,
  describeLimit: LimitFunction | undefined,
  lane: Pick<RequestLane, 'run'> = UNPACED,
): Promise<EksRegionResult> {
  const runtime: StepRuntime = { factory, lane, ...(describeLimit ? { describeLimit } : {}) };
  const scope: StepScope = { accountId, region, partition: factory.options.partition ?? 'aws' };
  const step = COLLECTION_STEPS.clusters;
  const errors: CollectionError[] = [];
  const names = (await listKeys(step, runtime, scope, errors)).sort(compareText);
  const clusters = await Promise.all(names.map((name) => collectCluster(runtime, scope, name)));
  return {
    clusters: clusters
      .filter((cluster) => cluster !== undefined)
      .sort((a, b) => step.order(a.cluster, b.cluster)),
    errors,
  };
}

/**
 * One cluster: its Describe, then every `cluster` step at once; undefined when it was deleted
 * meanwhile. The Describe unblocks the cluster's rows, so it goes ahead of the lanes' backlogs.
 */
async function collectCluster(
  runtime: StepRuntime,
  region: StepScope,
  name: string,
): Promise<SnapshotCluster | undefined> {
  const errors: CollectionError[] = [];
  const [cluster] = await describeEach(COLLECTION_STEPS.clusters, runtime, region, [name], errors, {
    unblocks: true,
  });
  if (!cluster) return undefined;
  const scope = { ...region, cluster: name };
  const members = await collectMembers(stepsAt('eks', 'cluster'), runtime, scope, errors);
  return { cluster, ...(members as Pick<SnapshotCluster, ClusterMember>), errors: sortErrors(errors) };
}
