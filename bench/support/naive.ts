/**
 * The naive collector the benchmark compares against: one account after another, one call at a
 * time, the SDK paginators with their default page sizes, no pacing, the SDK's standard retries.
 * It reads what the real collector reads and keeps only counts.
 */
import { paginateLookupEvents } from '@aws-sdk/client-cloudtrail';
import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeFargateProfileCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  paginateListAddons,
  paginateListClusters,
  paginateListFargateProfiles,
  paginateListNodegroups,
  paginateListPodIdentityAssociations,
} from '@aws-sdk/client-eks';
import {
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  paginateGetAccountAuthorizationDetails,
} from '@aws-sdk/client-iam';
import type { ClientFactory } from '../../shared/aws/clients.js';
import { CLOUDTRAIL_LOOKUPS } from '../../shared/collect/index.js';

/** What the naive collector read. */
export interface NaiveCounts {
  associations: number;
  roles: number;
  events: number;
  /** Calls that failed after the SDK's retries (throttling, mostly). */
  failures: number;
}

/** Collects the accounts one call at a time; failures are counted, not thrown. */
export async function naiveCollect(
  factory: ClientFactory,
  accounts: readonly string[],
  regions: readonly string[],
  window: { from: Date; to: Date },
): Promise<NaiveCounts> {
  const counts: NaiveCounts = { associations: 0, roles: 0, events: 0, failures: 0 };
  const attempt = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch {
      counts.failures += 1;
    }
  };
  for (const accountId of accounts) {
    await attempt(async () => {
      await factory.accountCredentials(accountId);
    });
    const iam = factory.iam(accountId);
    await attempt(async () => {
      const filter = ['Role', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;
      for await (const page of paginateGetAccountAuthorizationDetails(
        { client: iam },
        { Filter: [...filter] },
      )) {
        counts.roles += page.RoleDetailList?.length ?? 0;
      }
    });
    await attempt(async () => {
      const providers = await iam.send(new ListOpenIDConnectProvidersCommand({}));
      for (const provider of providers.OpenIDConnectProviderList ?? []) {
        await attempt(async () => {
          await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider.Arn }));
        });
      }
    });
    for (const region of regions) {
      const eks = factory.eks(accountId, region);
      await attempt(async () => {
        for await (const page of paginateListClusters({ client: eks }, {})) {
          for (const name of page.clusters ?? []) {
            await attempt(async () => {
              await eks.send(new DescribeClusterCommand({ name }));
              for await (const list of paginateListPodIdentityAssociations(
                { client: eks },
                { clusterName: name },
              )) {
                for (const summary of list.associations ?? []) {
                  await attempt(async () => {
                    await eks.send(
                      new DescribePodIdentityAssociationCommand({
                        clusterName: name,
                        associationId: summary.associationId,
                      }),
                    );
                    counts.associations += 1;
                  });
                }
              }
              for await (const list of paginateListAddons({ client: eks }, { clusterName: name })) {
                for (const addonName of list.addons ?? []) {
                  await attempt(async () => {
                    await eks.send(new DescribeAddonCommand({ clusterName: name, addonName }));
                  });
                }
              }
              for await (const list of paginateListNodegroups({ client: eks }, { clusterName: name })) {
                for (const nodegroupName of list.nodegroups ?? []) {
                  await attempt(async () => {
                    await eks.send(new DescribeNodegroupCommand({ clusterName: name, nodegroupName }));
                  });
                }
              }
              for await (const list of paginateListFargateProfiles({ client: eks }, { clusterName: name })) {
                for (const fargateProfileName of list.fargateProfileNames ?? []) {
                  await attempt(async () => {
                    await eks.send(
                      new DescribeFargateProfileCommand({ clusterName: name, fargateProfileName }),
                    );
                  });
                }
              }
            });
          }
        }
      });
      const trail = factory.cloudTrail(accountId, region);
      for (const lookup of CLOUDTRAIL_LOOKUPS) {
        await attempt(async () => {
          const pages = paginateLookupEvents(
            { client: trail },
            { LookupAttributes: [lookup.attribute], StartTime: window.from, EndTime: window.to },
          );
          for await (const page of pages) counts.events += page.Events?.length ?? 0;
        });
      }
    }
  }
  return counts;
}
