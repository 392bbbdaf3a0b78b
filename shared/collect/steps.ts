import { type Event, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeFargateProfileCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  ListAddonsCommand,
  ListClustersCommand,
  ListFargateProfilesCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
} from '@aws-sdk/client-eks';
import {
  GetAccountAuthorizationDetailsCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  type RoleDetail,
} from '@aws-sdk/client-iam';
import { eksClusterArn } from '../model/index.js';
import type {
  AddonDetail,
  ClusterDetail,
  FargateProfileDetail,
  NodegroupDetail,
  OidcProviderDetail,
  PodIdentityAssociationDetail,
} from '../snapshot/index.js';
import { CLOUDTRAIL_LOOKUPS, type CloudTrailLookup } from './cloudtrail-lookups.js';
import { compareText } from './plain.js';
import type { AnyStep, CollectionStep, CommandClass, Paging } from './step.js';

/** EKS Lists page by `nextToken`, at most 100 items a page (the documented maximum). */
const EKS_PAGING = {
  inputToken: 'nextToken',
  outputToken: 'nextToken',
  limitKey: 'maxResults',
  pageSize: 100,
} as const satisfies Paging<typeof ListClustersCommand>;

/** The request of a cluster's sub-resource List. */
const ofCluster = (scope: { cluster?: string }) => ({ clusterName: scope.cluster });

/**
 * Every API call the collectors make in member accounts, as data: per row the service, the level
 * it runs at, its List (request, paging, what a page lists), the Describe of each listed key (with
 * its not-found semantics) and the order of its results in the snapshot. The collectors run these
 * rows; the member role's actions, the request pacer's lanes and the operations the sandbox must
 * serve are derived from them (`operations.ts`, `services.ts`, and a test that runs every row
 * against the sandbox).
 */
export const COLLECTION_STEPS = {
  /** IAM roles and the managed policies they attach (one call pages through the whole account). */
  authorizationDetails: {
    service: 'iam',
    level: 'account',
    into: 'roles',
    list: {
      operation: 'GetAccountAuthorizationDetails',
      command: GetAccountAuthorizationDetailsCommand,
      input: () => ({ Filter: ['Role', 'LocalManagedPolicy', 'AWSManagedPolicy'] }),
      paging: {
        inputToken: 'Marker',
        outputToken: 'Marker',
        limitKey: 'MaxItems',
        moreResults: 'IsTruncated',
        pageSize: 1000,
      },
      // The roles; the same pages' `Policies` are the managed policies (iam.ts keeps the attached ones).
      items: (page) => page.RoleDetailList,
    },
  } satisfies CollectionStep<typeof GetAccountAuthorizationDetailsCommand, CommandClass, RoleDetail>,

  /** IAM OIDC providers (the IRSA trust anchors); the List answers in one page. */
  openIdConnectProviders: {
    service: 'iam',
    level: 'account',
    into: 'openIdConnectProviders',
    list: {
      operation: 'ListOpenIDConnectProviders',
      command: ListOpenIDConnectProvidersCommand,
      items: (page) => page.OpenIDConnectProviderList?.map((entry) => entry.Arn),
    },
    describe: {
      operation: 'GetOpenIDConnectProvider',
      command: GetOpenIDConnectProviderCommand,
      key: 'OpenIDConnectProviderArn',
      output: (response, arn) => ({ Arn: arn, ...response }) as OidcProviderDetail,
      notFound: 'deleted',
      // IAM read throttling is per account.
      inFlight: 4,
    },
    order: (a, b) => compareText(a.Arn, b.Arn),
  } satisfies CollectionStep<
    typeof ListOpenIDConnectProvidersCommand,
    typeof GetOpenIDConnectProviderCommand,
    string | undefined,
    OidcProviderDetail
  >,

  /** EKS clusters. A listed cluster that cannot be described stays, as a stub with its error. */
  clusters: {
    service: 'eks',
    level: 'region',
    into: 'clusters',
    list: {
      operation: 'ListClusters',
      command: ListClustersCommand,
      paging: EKS_PAGING,
      items: (page) => page.clusters,
    },
    describe: {
      operation: 'DescribeCluster',
      command: DescribeClusterCommand,
      key: 'name',
      output: (response) => response.cluster as ClusterDetail | undefined,
      notFound: 'deleted',
      unreadable: (scope, name) => ({
        name,
        arn: eksClusterArn(scope.accountId, scope.region, name, scope.partition),
      }),
    },
    order: (a, b) => compareText(a.name, b.name),
  } satisfies CollectionStep<
    typeof ListClustersCommand,
    typeof DescribeClusterCommand,
    string | undefined,
    ClusterDetail
  >,

  /** A cluster's EKS Pod Identity associations. */
  podIdentityAssociations: {
    service: 'eks',
    level: 'cluster',
    into: 'podIdentityAssociations',
    list: {
      operation: 'ListPodIdentityAssociations',
      command: ListPodIdentityAssociationsCommand,
      input: ofCluster,
      paging: EKS_PAGING,
      items: (page) => page.associations?.map((summary) => summary.associationId),
    },
    describe: {
      operation: 'DescribePodIdentityAssociation',
      command: DescribePodIdentityAssociationCommand,
      key: 'associationId',
      output: (response) => response.association as PodIdentityAssociationDetail | undefined,
      notFound: 'deleted',
    },
    order: (a, b) =>
      compareText(a.namespace, b.namespace) ||
      compareText(a.serviceAccount, b.serviceAccount) ||
      compareText(a.associationArn, b.associationArn),
  } satisfies CollectionStep<
    typeof ListPodIdentityAssociationsCommand,
    typeof DescribePodIdentityAssociationCommand,
    string | undefined,
    PodIdentityAssociationDetail
  >,

  /** A cluster's add-ons (an add-on's own IRSA role or Pod Identity associations). */
  addons: {
    service: 'eks',
    level: 'cluster',
    into: 'addons',
    list: {
      operation: 'ListAddons',
      command: ListAddonsCommand,
      input: ofCluster,
      paging: EKS_PAGING,
      items: (page) => page.addons,
    },
    describe: {
      operation: 'DescribeAddon',
      command: DescribeAddonCommand,
      key: 'addonName',
      output: (response) => response.addon as AddonDetail | undefined,
      notFound: 'deleted',
    },
    order: (a, b) => compareText(a.addonName, b.addonName),
  } satisfies CollectionStep<
    typeof ListAddonsCommand,
    typeof DescribeAddonCommand,
    string | undefined,
    AddonDetail
  >,

  /** A cluster's managed node groups (their node roles). */
  nodegroups: {
    service: 'eks',
    level: 'cluster',
    into: 'nodegroups',
    list: {
      operation: 'ListNodegroups',
      command: ListNodegroupsCommand,
      input: ofCluster,
      paging: EKS_PAGING,
      items: (page) => page.nodegroups,
    },
    describe: {
      operation: 'DescribeNodegroup',
      command: DescribeNodegroupCommand,
      key: 'nodegroupName',
      output: (response) => response.nodegroup as NodegroupDetail | undefined,
      notFound: 'deleted',
    },
    order: (a, b) => compareText(a.nodegroupName, b.nodegroupName),
  } satisfies CollectionStep<
    typeof ListNodegroupsCommand,
    typeof DescribeNodegroupCommand,
    string | undefined,
    NodegroupDetail
  >,

  /** A cluster's Fargate profiles (their pod execution roles). */
  fargateProfiles: {
    service: 'eks',
    level: 'cluster',
    into: 'fargateProfiles',
    list: {
      operation: 'ListFargateProfiles',
      command: ListFargateProfilesCommand,
      input: ofCluster,
      paging: EKS_PAGING,
      items: (page) => page.fargateProfileNames,
    },
    describe: {
      operation: 'DescribeFargateProfile',
      command: DescribeFargateProfileCommand,
      key: 'fargateProfileName',
      output: (response) => response.fargateProfile as FargateProfileDetail | undefined,
      notFound: 'deleted',
    },
    order: (a, b) => compareText(a.fargateProfileName, b.fargateProfileName),
  } satisfies CollectionStep<
    typeof ListFargateProfilesCommand,
    typeof DescribeFargateProfileCommand,
    string | undefined,
    FargateProfileDetail
  >,

  /** CloudTrail workload-identity evidence in the window: one lookup per attribute, 50 records a page. */
  cloudTrail: {
    service: 'cloudtrail',
    level: 'region',
    into: 'cloudTrail',
    queries: CLOUDTRAIL_LOOKUPS,
    queryLabel: (lookup) => `${lookup.attribute.AttributeKey}=${lookup.attribute.AttributeValue}`,
    list: {
      operation: 'LookupEvents',
      command: LookupEventsCommand,
      input: (scope, lookup) => ({
        LookupAttributes: [lookup.attribute],
        StartTime: scope.window?.from,
        EndTime: scope.window?.to,
      }),
      paging: { inputToken: 'NextToken', outputToken: 'NextToken', limitKey: 'MaxResults', pageSize: 50 },
      items: (page) => page.Events,
    },
  } satisfies CollectionStep<typeof LookupEventsCommand, CommandClass, Event, unknown, CloudTrailLookup>,
} as const;

/** Every row of the table, in the order above. */
export const COLLECTION_STEP_LIST: readonly AnyStep[] = Object.values(COLLECTION_STEPS);

/** The rows of one service at one level, in table order. */
export function stepsAt(service: AnyStep['service'], level: AnyStep['level']): AnyStep[] {
  return COLLECTION_STEP_LIST.filter((step) => step.service === service && step.level === level);
}
