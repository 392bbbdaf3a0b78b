/**
 * The organization model: one typed description of AWS accounts as far as workload identity is
 * concerned — IAM roles (trust, permissions, `RoleLastUsed`), managed policies, OIDC providers, and
 * per region the EKS clusters (Pod Identity associations, add-ons, node groups, Fargate profiles)
 * and the CloudTrail history the account-region logged.
 *
 * Everything in it is resolved: absolute ISO-8601 dates, ARNs, the identifiers AWS would return.
 * Two renderings are made from it: the sandbox's world (`sandbox/world.ts`, served live through the
 * AWS wire protocols) and an offline snapshot v1 (`snapshotOf`), so the same description can be
 * audited offline and collected live. Descriptions are written with the fluent
 * {@link import('./builder.js').OrganizationBuilder} or as a sandbox scenario (YAML, read by
 * {@link import('./from-scenario.js').organizationOf}).
 */
import type { CollectionError } from '../../shared/model/scope.js';

/** An ISO-8601 date-time with a time zone (`2026-11-29T02:00:00Z`). */
export type IsoDate = string;

/** A policy document as an object (`{ Version, Statement }`). */
export type PolicyDocument = { Version: string; Statement: Array<Record<string, unknown>> } & Record<
  string,
  unknown
>;

/** How a policy document is written into a snapshot: as IAM returns it (`url`), a JSON string, or an object. */
export type PolicyEncoding = 'url' | 'json' | 'object';

/** A described organization: its accounts, at one moment. */
export interface Organization {
  /** "Now" for the description: a snapshot's `capturedAt`, the sandbox's clock when it is served. */
  capturedAt: IsoDate;
  accounts: OrganizationAccount[];
  /** The AWS Organizations structure the accounts belong to; absent when they are in no organization. */
  structure?: OrganizationStructure;
}

/** AWS Organizations' view: the organization, its root, OUs and member accounts (`DescribeOrganization`, `ListAccounts`). */
export interface OrganizationStructure {
  /** `o-` + 10 to 32 lower-case alphanumerics. */
  id: string;
  arn: string;
  managementAccountId: string;
  /** `r-` + 4 to 32 lower-case alphanumerics. */
  rootId: string;
  units: OrganizationalUnit[];
  /** Every account of the organization, whether or not `accounts` describes its resources. */
  members: OrganizationMember[];
  /** Member accounts registered as delegated administrators: they may list accounts too. */
  delegatedAdministrators: string[];
}

/** An organizational unit (`ou-` + root part + `-` + 8 to 32 lower-case alphanumerics). */
export interface OrganizationalUnit {
  id: string;
  name: string;
  arn: string;
  /** The root or the OU it sits in. */
  parentId: string;
}

/** The account lifecycle states `Account.State` reports. */
export type AccountState = 'PENDING_ACTIVATION' | 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';

/** One account as `ListAccounts` describes it. */
export interface OrganizationMember {
  accountId: string;
  name: string;
  email: string;
  arn: string;
  state: AccountState;
  /** The root or the OU it sits in. */
  parentId: string;
  joinedMethod: 'INVITED' | 'CREATED';
  joinedAt: IsoDate;
}

/** One AWS account. */
export interface OrganizationAccount {
  accountId: string;
  /** A readable name (the sandbox's account alias). */
  alias?: string;
  roles: OrganizationRole[];
  /** Managed policies with their default version: customer managed ones and, where a snapshot carries them, AWS managed ones. */
  policies: ManagedPolicy[];
  oidcProviders: OidcProvider[];
  regions: OrganizationRegion[];
  /** What collection of the account met (an AssumeRole that failed): everything in it is incomplete. */
  errors: CollectionError[];
  /** False when collection never got into the account: a snapshot then holds only its id and errors. */
  reached: boolean;
  /** False when IAM was not collected at all (a snapshot then has no `iam` object). */
  iamCollected: boolean;
  iamErrors: CollectionError[];
}

/** An IAM role, as `GetAccountAuthorizationDetails` describes it. */
export interface OrganizationRole {
  name: string;
  /** `/` or `/a/path/`. */
  path: string;
  arn: string;
  /** `AROA` + 17 upper-case alphanumerics. */
  roleId: string;
  createDate: IsoDate;
  trust: PolicyDocument;
  /** Inline policies by name, in the order IAM lists them. */
  inlinePolicies: Record<string, PolicyDocument>;
  managedPolicyArns: string[];
  tags: Record<string, string>;
  /** IAM's `RoleLastUsed`; absent when the role was not used in IAM's 400-day window. */
  lastUsed?: { date: IsoDate; region: string };
  description?: string;
  /** Seconds; IAM's default is 3600. */
  maxSessionDuration?: number;
  permissionsBoundaryArn?: string;
  /** Node roles carry an instance profile of the same name. */
  instanceProfile?: boolean;
  /** How a snapshot writes the role's documents; default `url` (what IAM returns). */
  documentEncoding?: PolicyEncoding;
}

/** A managed policy and its default version. */
export interface ManagedPolicy {
  name: string;
  arn: string;
  path: string;
  /** `ANPA` + 17 upper-case alphanumerics. */
  policyId: string;
  /** AWS managed (`arn:aws:iam::aws:policy/...`); the sandbox serves these from its own table. */
  aws: boolean;
  versionId: string;
  document: PolicyDocument;
  createDate: IsoDate;
  /** Also the default version's `CreateDate`. */
  updateDate: IsoDate;
  description?: string;
  /** What `AttachmentCount` says; default: the roles of the account that attach it. */
  attachmentCount?: number;
  documentEncoding?: PolicyEncoding;
}

/** An IAM OIDC identity provider (`GetOpenIDConnectProvider` plus its ARN). */
export interface OidcProvider {
  arn: string;
  /** The issuer without `https://`. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Record<string, string>;
  createDate: IsoDate;
}

/** One region of an account. */
export interface OrganizationRegion {
  region: string;
  clusters: OrganizationCluster[];
  /**
   * Every CloudTrail event the account-region logged, as `LookupEvents` returns it (`EventTime` an
   * ISO string, `CloudTrailEvent` the record as JSON text), at any time: a snapshot keeps those in
   * its window, the sandbox serves those in CloudTrail's 90 days.
   */
  events: LookupEventItem[];
  cloudTrail: {
    /** The window a collection searched; default the 90 days before `capturedAt`. */
    from: IsoDate;
    to: IsoDate;
    /** False when CloudTrail was not collected (a snapshot then has no `cloudTrail` object). */
    collected: boolean;
    errors: CollectionError[];
  };
  /** What collection of the region met (ListClusters failed): the region is incomplete. */
  errors: CollectionError[];
}

/** One `LookupEvents` `Events[]` item. */
export type LookupEventItem = {
  EventId: string;
  EventName: string;
  EventTime: IsoDate;
  EventSource: string;
  CloudTrailEvent: string;
  Resources?: Array<{ ResourceType: string; ResourceName: string }>;
  ReadOnly?: string;
  AccessKeyId?: string;
  Username?: string;
} & Record<string, unknown>;

/** An EKS cluster (`DescribeCluster.cluster`, the fields identity depends on) and what it holds. */
export interface OrganizationCluster {
  name: string;
  arn: string;
  createdAt: IsoDate;
  version: string;
  platformVersion: string;
  status: string;
  tags: Record<string, string>;
  /** The issuer's id (`https://oidc.eks.R.amazonaws.com/id/<oidcId>`); null for a cluster without one. */
  oidcId: string | null;
  /** EKS Auto Mode (`computeConfig.enabled`): the Pod Identity agent is built in. */
  autoMode: boolean;
  /** Auto Mode's node role. */
  autoModeNodeRoleArn?: string;
  serviceRoleArn: string;
  authenticationMode: 'API' | 'API_AND_CONFIG_MAP' | 'CONFIG_MAP';
  /** Every association, those add-ons own included (with `ownerArn`). */
  associations: PodIdentityAssociation[];
  addons: Addon[];
  nodegroups: Nodegroup[];
  fargateProfiles: FargateProfile[];
  /** What collection of the cluster met: it and everything in it are incomplete. */
  errors: CollectionError[];
}

/** `DescribePodIdentityAssociation.association`. */
export interface PodIdentityAssociation {
  /** `a-` + 17 lower-case alphanumerics. */
  associationId: string;
  /** `arn:aws:eks:R:A:podidentityassociation/CLUSTER/<associationId>`. */
  associationArn: string;
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  targetRoleArn?: string;
  externalId?: string;
  disableSessionTags: boolean;
  tags: Record<string, string>;
  createdAt: IsoDate;
  modifiedAt: IsoDate;
  /** The add-on that owns the association. */
  ownerArn?: string;
}

/** `DescribeAddon.addon`. */
export interface Addon {
  name: string;
  arn: string;
  version: string;
  status: string;
  /** The add-on's IRSA role. */
  serviceAccountRoleArn?: string;
  /** ARNs of the associations the add-on owns. */
  associationArns: string[];
  createdAt: IsoDate;
  modifiedAt: IsoDate;
}

/** `DescribeNodegroup.nodegroup`. */
export interface Nodegroup {
  name: string;
  arn: string;
  nodeRoleArn?: string;
  amiType: string;
  instanceTypes: string[];
  capacityType: string;
  scaling: { minSize: number; maxSize: number; desiredSize: number };
  releaseVersion?: string;
  status: string;
  createdAt: IsoDate;
}

/** `DescribeFargateProfile.fargateProfile`. */
export interface FargateProfile {
  name: string;
  arn: string;
  podExecutionRoleArn: string;
  selectors: Array<{ namespace: string; labels?: Record<string, string> }>;
  status: string;
  createdAt: IsoDate;
}
