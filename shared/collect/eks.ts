import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeFargateProfileCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  type EKSClient,
  paginateListAddons,
  paginateListClusters,
  paginateListFargateProfiles,
  paginateListNodegroups,
  paginateListPodIdentityAssociations,
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
import { compareText, sortErrors, toPlain } from './plain.js';

/** EKS page sizes: the documented maxima, so big clusters take as few List calls as possible. */
const PAGE_SIZE = 100;

/** What one region's EKS collection produced: its clusters and the region-level errors. */
export interface EksRegionResult {
  clusters: SnapshotCluster[];
  errors: CollectionError[];
}

/**
 * Collects every cluster of one account-region with its Pod Identity associations, add-ons, node
 * groups and Fargate profiles. Every single Describe call runs under `describeLimit` (shared by the
 * whole account); a 404 on a Describe means the resource was deleted after the List and is skipped.
 */
export async function collectEksRegion(
  factory: ClientFactory,
  accountId: string,
  region: string,
  describeLimit: LimitFunction,
): Promise<EksRegionResult> {
  const eks = factory.eks(accountId, region);
  const partition = factory.options.partition ?? 'aws';
  const names: string[] = [];
  const errors: CollectionError[] = [];
  try {
    for await (const page of paginateListClusters({ client: eks, pageSize: PAGE_SIZE }, {})) {
      names.push(...(page.clusters ?? []));
    }
  } catch (error) {
    errors.push(toCollectionError('eks', 'ListClusters', error));
  }
  const clusters = await Promise.all(
    [...new Set(names)]
      .sort(compareText)
      .map((name) =>
        collectCluster(eks, eksClusterArn(accountId, region, name, partition), name, describeLimit),
      ),
  );
  return { clusters: clusters.filter((cluster) => cluster !== undefined), errors };
}

async function collectCluster(
  eks: EKSClient,
  arn: string,
  name: string,
  describeLimit: LimitFunction,
): Promise<SnapshotCluster | undefined> {
  const errors: CollectionError[] = [];
  let cluster: ClusterDetail;
  try {
    const described = await describeLimit(() => eks.send(new DescribeClusterCommand({ name })));
    if (!described.cluster) return undefined;
    cluster = toPlain<ClusterDetail>(described.cluster);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    // The cluster is known to exist (it was listed) but unreadable: keep it as a stub with its error.
    errors.push(toCollectionError('eks', 'DescribeCluster', error, name));
    cluster = { name, arn };
  }
  const collect = new SubResourceCollector(eks, name, describeLimit, errors);
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
    private readonly errors: CollectionError[],
  ) {}

  async podIdentityAssociations(): Promise<PodIdentityAssociationDetail[]> {
    const ids = await this.list('ListPodIdentityAssociations', async () => {
      const found: string[] = [];
      const pages = paginateListPodIdentityAssociations(
        { client: this.eks, pageSize: PAGE_SIZE },
        { clusterName: this.clusterName },
      );
      for await (const page of pages) {
        for (const summary of page.associations ?? [])
          if (summary.associationId) found.push(summary.associationId);
      }
      return found;
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
    return toPlain<PodIdentityAssociationDetail[]>(associations).sort(
      (a, b) =>
        compareText(a.namespace, b.namespace) ||
        compareText(a.serviceAccount, b.serviceAccount) ||
        compareText(a.associationArn, b.associationArn),
    );
  }

  async addons(): Promise<AddonDetail[]> {
    const names = await this.list('ListAddons', async () => {
      const found: string[] = [];
      const pages = paginateListAddons(
        { client: this.eks, pageSize: PAGE_SIZE },
        { clusterName: this.clusterName },
      );
      for await (const page of pages) found.push(...(page.addons ?? []));
      return found;
    });
    const addons = await this.describeEach(names, 'DescribeAddon', async (addonName) => {
      const response = await this.eks.send(
        new DescribeAddonCommand({ clusterName: this.clusterName, addonName }),
      );
      return response.addon;
    });
    return toPlain<AddonDetail[]>(addons).sort((a, b) => compareText(a.addonName, b.addonName));
  }

  async nodegroups(): Promise<NodegroupDetail[]> {
    const names = await this.list('ListNodegroups', async () => {
      const found: string[] = [];
      const pages = paginateListNodegroups(
        { client: this.eks, pageSize: PAGE_SIZE },
        { clusterName: this.clusterName },
      );
      for await (const page of pages) found.push(...(page.nodegroups ?? []));
      return found;
    });
    const nodegroups = await this.describeEach(names, 'DescribeNodegroup', async (nodegroupName) => {
      const response = await this.eks.send(
        new DescribeNodegroupCommand({ clusterName: this.clusterName, nodegroupName }),
      );
      return response.nodegroup;
    });
    return toPlain<NodegroupDetail[]>(nodegroups).sort((a, b) =>
      compareText(a.nodegroupName, b.nodegroupName),
    );
  }

  async fargateProfiles(): Promise<FargateProfileDetail[]> {
    const names = await this.list('ListFargateProfiles', async () => {
      const found: string[] = [];
      const pages = paginateListFargateProfiles(
        { client: this.eks, pageSize: PAGE_SIZE },
        { clusterName: this.clusterName },
      );
      for await (const page of pages) found.push(...(page.fargateProfileNames ?? []));
      return found;
    });
    const profiles = await this.describeEach(names, 'DescribeFargateProfile', async (fargateProfileName) => {
      const response = await this.eks.send(
        new DescribeFargateProfileCommand({ clusterName: this.clusterName, fargateProfileName }),
      );
      return response.fargateProfile;
    });
    return toPlain<FargateProfileDetail[]>(profiles).sort((a, b) =>
      compareText(a.fargateProfileName, b.fargateProfileName),
    );
  }

  /** Runs a List; on failure records the error and returns what the completed pages gave (nothing). */
  private async list(operation: string, run: () => Promise<string[]>): Promise<string[]> {
    try {
      return [...new Set(await run())];
    } catch (error) {
      this.errors.push(toCollectionError('eks', operation, error, this.clusterName));
      return [];
    }
  }

  /** Describes each listed item under the account's Describe limit; 404 skips, other failures are recorded. */
  private async describeEach<T>(
    keys: readonly string[],
    operation: string,
    describe: (key: string) => Promise<T | undefined>,
  ): Promise<Awaited<T>[]> {
    const results = await Promise.all(
      keys.map((key) =>
        this.describeLimit(async (): Promise<T | undefined> => {
          try {
            return await describe(key);
          } catch (error) {
            if (!isNotFound(error)) {
              this.errors.push(toCollectionError('eks', operation, error, `${this.clusterName}/${key}`));
            }
            return undefined;
          }
        }),
      ),
    );
    return results.filter((result): result is Awaited<T> => result !== undefined);
  }
}
