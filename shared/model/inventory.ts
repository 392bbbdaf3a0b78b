import type { CollectionError, ScopeStatus } from './scope.js';

/**
 * The normalized, typed view of a snapshot that checks judge. Built once by
 * `shared/snapshot` (normalize) and never mutated by checks.
 *
 * Identity conventions:
 * - an EKS cluster's OIDC issuer URL is `https://oidc.eks.R.amazonaws.com/id/ID`;
 * - its *issuer host path* (`oidc.eks.R.amazonaws.com/id/ID`) is the IAM OIDC provider `Url`
 *   and the prefix of the trust condition keys (`<host path>:sub`, `<host path>:aud`);
 * - the IAM provider ARN is `arn:aws:iam::ACCOUNT:oidc-provider/<host path>`.
 */
export interface Inventory {
  /** The snapshot's `capturedAt`: "now" for every time-based rule (determinism). */
  capturedAt: string;
  /** Every account in the snapshot, including those whose collection failed. */
  accounts: AccountInventory[];
  clusters: ClusterInventory[];
  associations: AssociationInventory[];
  /** Roles by ARN across all accounts. */
  roles: Map<string, RoleInventory>;
  oidcProviders: OidcProviderInventory[];
  /** Managed policies by ARN (customer managed and AWS managed), when collected. */
  managedPolicies: Map<string, ManagedPolicyInventory>;
  /** CloudTrail windows, one per collected account-region. */
  cloudTrail: CloudTrailWindow[];
  /** Completeness of every scope. */
  scopes: ScopeStatus[];
  completeness: Completeness;
}

export interface AccountInventory {
  accountId: string;
  /** Errors at the account level (for example AssumeRole failed): everything below is incomplete. */
  errors: CollectionError[];
  /** Regions collected for this account. */
  regions: string[];
}

export interface ClusterInventory {
  accountId: string;
  region: string;
  name: string;
  arn: string;
  status?: string;
  version?: string;
  createdAt?: string;
  /** `https://oidc.eks.R.amazonaws.com/id/ID`, when the cluster has one. */
  issuerUrl?: string;
  /** `oidc.eks.R.amazonaws.com/id/ID`: provider Url and condition-key prefix. */
  issuerHostPath?: string;
  /** `arn:aws:iam::ACCOUNT:oidc-provider/<issuerHostPath>`: the provider IRSA trust must name. */
  oidcProviderArn?: string;
  /** EKS Auto Mode (`computeConfig.enabled`): the Pod Identity agent is built in. */
  autoMode: boolean;
  associations: AssociationInventory[];
  addons: AddonInventory[];
  nodegroups: NodegroupInventory[];
  fargateProfiles: FargateProfileInventory[];
  tags: Record<string, string>;
  /** The DescribeCluster.cluster object as collected. */
  raw: Record<string, unknown>;
}

export interface AssociationInventory {
  accountId: string;
  region: string;
  clusterName: string;
  clusterArn: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  targetRoleArn?: string;
  externalId?: string;
  disableSessionTags: boolean;
  associationArn: string;
  associationId: string;
  /** Set when an EKS add-on owns the association. */
  ownerArn?: string;
  createdAt?: string;
  modifiedAt?: string;
  tags: Record<string, string>;
  raw: Record<string, unknown>;
}

export interface AddonInventory {
  accountId: string;
  region: string;
  clusterName: string;
  name: string;
  version?: string;
  status?: string;
  /** The add-on's IRSA role. */
  serviceAccountRoleArn?: string;
  /** Association ARNs the add-on owns. */
  podIdentityAssociationArns: string[];
  raw: Record<string, unknown>;
}

export interface NodegroupInventory {
  accountId: string;
  region: string;
  clusterName: string;
  name: string;
  nodeRoleArn?: string;
  status?: string;
  amiType?: string;
  raw: Record<string, unknown>;
}

export interface FargateSelector {
  namespace: string;
  labels?: Record<string, string>;
}

export interface FargateProfileInventory {
  accountId: string;
  region: string;
  clusterName: string;
  name: string;
  podExecutionRoleArn?: string;
  status?: string;
  selectors: FargateSelector[];
  raw: Record<string, unknown>;
}

/** A named policy document (inline policy, or a managed policy's default version). */
export interface PolicyDocumentRef {
  name: string;
  /** Parsed JSON policy document. */
  document: unknown;
}

export interface RoleInventory {
  accountId: string;
  arn: string;
  name: string;
  path: string;
  createDate?: string;
  /** Parsed trust policy JSON (decoded from the URL-encoded string IAM returns). */
  trustPolicy: unknown;
  inlinePolicies: PolicyDocumentRef[];
  attachedManagedPolicyArns: string[];
  /** `RoleLastUsed.LastUsedDate` (IAM tracks the trailing 400 days). */
  lastUsedDate?: string;
  lastUsedRegion?: string;
  tags: Record<string, string>;
  raw: Record<string, unknown>;
}

export interface ManagedPolicyInventory {
  arn: string;
  name: string;
  /** The default version's parsed document, when present in the snapshot. */
  defaultDocument?: unknown;
}

export interface OidcProviderInventory {
  accountId: string;
  arn: string;
  /** Without `https://`, e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC`. */
  url: string;
  clientIds: string[];
  /** True when the URL is an EKS issuer (`oidc.eks.R.amazonaws.com/id/ID`). */
  isEksIssuer: boolean;
  createDate?: string;
  tags: Record<string, string>;
}

/** One LookupEvents item with its `CloudTrailEvent` JSON parsed. */
export interface CloudTrailEventRecord {
  accountId: string;
  region: string;
  eventId: string;
  eventName: string;
  eventTime: string;
  eventSource: string;
  username?: string;
  resources: Array<{ ResourceType?: string; ResourceName?: string }>;
  /**
   * The parsed `CloudTrailEvent`; undefined when it was missing or not JSON. An inventory read for an
   * audit keeps only the fields usage evidence reads (`EVIDENCE_DETAIL_FIELDS` in `shared/snapshot`).
   */
  detail?: Record<string, unknown>;
}

export interface CloudTrailWindow {
  accountId: string;
  region: string;
  from: string;
  to: string;
  events: CloudTrailEventRecord[];
  /** False when CloudTrail collection for this account-region had errors. */
  complete: boolean;
}

/**
 * Answers "was this scope fully collected?". A scope is complete only when neither it nor any
 * level above it recorded an error (docs/snapshot.md, `errors[]`: an error marks that level and
 * everything under it incomplete).
 */
export interface Completeness {
  /** The account's AssumeRole and IAM data were collected. */
  iamComplete(accountId: string): boolean;
  /** The region's EKS listing (ListClusters) was collected. */
  regionComplete(accountId: string, region: string): boolean;
  /** The cluster and all of its sub-resources were collected. */
  clusterComplete(accountId: string, region: string, cluster: string): boolean;
  /** The region's CloudTrail window was collected. */
  cloudTrailComplete(accountId: string, region: string): boolean;
  /** Whether the account was in the snapshot at all. */
  hasAccount(accountId: string): boolean;
  /** Whether the account-region was collected at all (listed in the snapshot). */
  hasRegion(accountId: string, region: string): boolean;
}
