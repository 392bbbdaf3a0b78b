import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeFargateProfileCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  type EKSClient,
  ListAddonsCommand,
  ListClustersCommand,
  ListFargateProfilesCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
} from '@aws-sdk/client-eks';
import type { LimitFunction } from 'p-limit';
import type { ClientFactory } from '../aws/clients.js';
import { isNotFound, toCollectionError } from '../aws/errors.js';
import { type CollectionError, eksClusterArn } from '../model/index.js';
import type {
  AddonDetail,
  ClusterDetail,
  FargateProfileDetail,
  NodegroupDetail,
  PodIdentityAssociationDetail,
  SnapshotCluster,
} from '../snapshot/index.js';
import { type RequestLane, UNPACED } from './pacing.js';
import { compareText, sortErrors, toPlain } from './plain.js';

/** EKS page sizes: the documented maxima, so big clusters take as few List calls as possible. */
const PAGE_SIZE = 100;

/**
 * Follows `nextToken` to the last page; every page is one call through the lane. Paged by hand
 * rather than with the SDK paginators so each page waits for the lane's token.
 */
async function listAll(
  lane: Pick<RequestLane, 'run'>,
  page: (nextToken: string | undefined) => Promise<{ items?: string[]; nextToken?: string }>,
): Promise<string[]> {
  const found: string[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const result = await lane.run(() => page(token));
    found.push(...(result.items ?? []));
    nextToken = result.nextToken;
  } while (nextToken);
  return found;
}

/** What one region's EKS collection produced: its clusters and the region-level errors. */
export interface EksRegionResult {
  clusters: SnapshotCluster[];
  errors: CollectionError[];
}

/**
 * Collects every cluster of one account-region with its Pod Identity associations, add-ons, node
 * groups and Fargate profiles. Every single Describe call runs under `describeLimit`, and every call
 * (List pages included) through `lane` when one is given (the account-region's EKS rate). A Describe answered
 * with EKS's documented not-found code means the resource was deleted after the List and is skipped;
 * any other failure, a 404 without that code included, is recorded and makes the cluster incomplete.
 */
export async function collectEksRegion(
  factory: ClientFactory,
  accountId: string,
  region: string,
  describeLimit: LimitFunction,
  lane: Pick<RequestLane, 'run'> = UNPACED,
): Promise<EksRegionResult> {
  const eks = factory.eks(accountId, region);
  const partition = factory.options.partition ?? 'aws';
  const names: string[] = [];
  const errors: CollectionError[] = [];
  try {
    names.push(
      ...(await listAll(lane, async (nextToken) => {
        const page = await eks.send(new ListClustersCommand({ maxResults: PAGE_SIZE, nextToken }));
        return { items: page.clusters, nextToken: page.nextToken };
      })),
    );
  } catch (error) {
    errors.push(toCollectionError('eks', 'ListClusters', error));
  }
  const clusters = await Promise.all(
    [...new Set(names)]
      .sort(compareText)
      .map((name) =>
        collectCluster(eks, eksClusterArn(accountId, region, name, partition), name, describeLimit, lane),
      ),
  );
  return { clusters: clusters.filter((cluster) => cluster !== undefined), errors };
}

async function collectCluster(
  eks: EKSClient,
  arn: string,
  name: string,
  describeLimit: LimitFunction,
  lane: Pick<RequestLane, 'run'>,
): Promise<SnapshotCluster | undefined> {
  const errors: CollectionError[] = [];
  let cluster: ClusterDetail;
  try {
    const described = await lane.run(() =>
      describeLimit(() => eks.send(new DescribeClusterCommand({ name }))),
    );
    if (!described.cluster) return undefined;
    cluster = toPlain<ClusterDetail>(described.cluster);
  } catch (error) {
    if (isNotFound(error, 'eks')) return undefined;
    // The cluster is known to exist (it was listed) but unreadable: keep it as a stub with its error.
    errors.push(toCollectionError('eks', 'DescribeCluster', error, name));
    cluster = { name, arn };
  }
  const collect = new SubResourceCollector(eks, name, describeLimit, lane, errors);
  const [podIdentityAssociations, addons, nodegroups, fargateProfiles] = await Promise.all([
    collect.podIdentityAssociations(),
    collect.addons(),
    collect.nodegroups(),
    collect.fargateProfiles(),
  ]);
  return {
    cluster,
    podIdentityAssociations,
    addons,
    nodegroups,
    fargateProfiles,
    errors: sortErrors(errors),
  };
}

/** Lists and describes one kind of cluster sub-resource at a time, recording failures on the cluster. */
class SubResourceCollector {
  constructor(
    private readonly eks: EKSClient,
    private readonly clusterName: string,
    private readonly describeLimit: LimitFunction,
    private readonly lane: Pick<RequestLane, 'run'>,
    private readonly errors: CollectionError[],
  ) {}

  async podIdentityAssociations(): Promise<PodIdentityAssociationDetail[]> {
    const ids = await this.list('ListPodIdentityAssociations', async (nextToken) => {
      const page = await this.eks.send(
        new ListPodIdentityAssociationsCommand({
          clusterName: this.clusterName,
          maxResults: PAGE_SIZE,
          nextToken,
        }),
      );
      return {
        items: (page.associations ?? []).flatMap((summary) =>
          summary.associationId ? [summary.associationId] : [],
        ),
        nextToken: page.nextToken,
      };
    });
    const associations = await this.describeEach(
      ids,
      'DescribePodIdentityAssociation',
      async (associationId) => {
        const response = await this.eks.send(
          new DescribePodIdentityAssociationCommand({ clusterName: this.clusterName, associationId }),
        );
        return response.association;
      },
    );
    return (associations as PodIdentityAssociationDetail[]).sort(
      (a, b) =>
        compareText(a.namespace, b.namespace) ||
        compareText(a.serviceAccount, b.serviceAccount) ||
        compareText(a.associationArn, b.associationArn),
    );
  }

  async addons(): Promise<AddonDetail[]> {
    const names = await this.list('ListAddons', async (nextToken) => {
      const page = await this.eks.send(
        new ListAddonsCommand({ clusterName: this.clusterName, maxResults: PAGE_SIZE, nextToken }),
      );
      return { items: page.addons, nextToken: page.nextToken };
    });
    const addons = await this.describeEach(names, 'DescribeAddon', async (addonName) => {
      const response = await this.eks.send(
        new DescribeAddonCommand({ clusterName: this.clusterName, addonName }),
      );
      return response.addon;
    });
    return (addons as AddonDetail[]).sort((a, b) => compareText(a.addonName, b.addonName));
  }

  async nodegroups(): Promise<NodegroupDetail[]> {
    const names = await this.list('ListNodegroups', async (nextToken) => {
      const page = await this.eks.send(
        new ListNodegroupsCommand({ clusterName: this.clusterName, maxResults: PAGE_SIZE, nextToken }),
      );
      return { items: page.nodegroups, nextToken: page.nextToken };
    });
    const nodegroups = await this.describeEach(names, 'DescribeNodegroup', async (nodegroupName) => {
      const response = await this.eks.send(
        new DescribeNodegroupCommand({ clusterName: this.clusterName, nodegroupName }),
      );
      return response.nodegroup;
    });
    return (nodegroups as NodegroupDetail[]).sort((a, b) => compareText(a.nodegroupName, b.nodegroupName));
  }

  async fargateProfiles(): Promise<FargateProfileDetail[]> {
    const names = await this.list('ListFargateProfiles', async (nextToken) => {
      const page = await this.eks.send(
        new ListFargateProfilesCommand({ clusterName: this.clusterName, maxResults: PAGE_SIZE, nextToken }),
      );
      return { items: page.fargateProfileNames, nextToken: page.nextToken };
    });
    const profiles = await this.describeEach(names, 'DescribeFargateProfile', async (fargateProfileName) => {
      const response = await this.eks.send(
        new DescribeFargateProfileCommand({ clusterName: this.clusterName, fargateProfileName }),
      );
      return response.fargateProfile;
    });
    return (profiles as FargateProfileDetail[]).sort((a, b) =>
      compareText(a.fargateProfileName, b.fargateProfileName),
    );
  }

  /** Runs a List to its last page; on failure records the error and returns nothing. */
  private async list(
    operation: string,
    page: (nextToken: string | undefined) => Promise<{ items?: string[]; nextToken?: string }>,
  ): Promise<string[]> {
    try {
      return [...new Set(await listAll(this.lane, page))];
    } catch (error) {
      this.errors.push(toCollectionError('eks', operation, error, this.clusterName));
      return [];
    }
  }

  /**
   * Describes each listed item under the account-region's Describe limit; EKS's documented not-found
   * codes skip (deleted after the List), every other failure is recorded. Every Describe is handed to the lane at once, so the lane's backlog (its priority
   * for a free slot) counts all the work it has left.
   */
  private async describeEach<T>(
    keys: readonly string[],
    operation: string,
    describe: (key: string) => Promise<T | undefined>,
  ): Promise<Awaited<T>[]> {
    const results = await Promise.all(
      keys.map(async (key): Promise<T | undefined> => {
        try {
          const described = await this.lane.run(() => this.describeLimit(() => describe(key)));
          // Plain at once, so the SDK's response objects die young.
          return described === undefined ? undefined : toPlain<T>(described);
        } catch (error) {
          if (!isNotFound(error, 'eks')) {
            this.errors.push(toCollectionError('eks', operation, error, `${this.clusterName}/${key}`));
          }
          return undefined;
        }
      }),
    );
    return results.filter((result): result is Awaited<T> => result !== undefined);
  }
}
