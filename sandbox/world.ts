import { type TrailEvent, trailEventOf } from './history.js';
import { associationIdOf, externalIdFor, organizationOf, resolveRoleRef } from './model/from-scenario.js';
import { roleArnOf } from './model/ids.js';
import type {
  Organization,
  OrganizationAccount,
  OrganizationCluster,
  OrganizationStructure,
  PodIdentityAssociation,
} from './model/organization.js';
import type { Scenario } from './scenario.js';
import type { PublishedMessage } from './types.js';
import { md5Etag, stableId } from './wire.js';

export interface RoleState {
  accountId: string;
  name: string;
  path: string;
  arn: string;
  roleId: string;
  description?: string;
  trust: Record<string, unknown>;
  inlinePolicies: Record<string, Record<string, unknown>>;
  managedPolicyArns: string[];
  tags: Record<string, string>;
  createDate: Date;
  lastUsed?: { date: Date; region: string };
  maxSessionDuration: number;
  permissionsBoundary?: string;
  instanceProfile: boolean;
}

export interface CustomerPolicyState {
  arn: string;
  name: string;
  path: string;
  policyId: string;
  description?: string;
  document: Record<string, unknown>;
  createDate: Date;
}

export interface OidcProviderState {
  arn: string;
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Record<string, string>;
  createDate: Date;
}

/** A Pod Identity association as the model describes it, with its times as dates. */
export type AssociationState = Omit<PodIdentityAssociation, 'createdAt' | 'modifiedAt'> & {
  createdAt: Date;
  modifiedAt: Date;
};

export interface AddonState {
  name: string;
  arn: string;
  version: string;
  serviceAccountRoleArn?: string;
  associationArns: string[];
  createdAt: Date;
}

export interface NodegroupState {
  name: string;
  arn: string;
  nodeRoleArn: string;
  amiType: string;
  instanceTypes: string[];
  capacityType: string;
  desiredSize: number;
  createdAt: Date;
}

export interface FargateProfileState {
  name: string;
  arn: string;
  podExecutionRoleArn: string;
  selectors: Array<{ namespace: string; labels?: Record<string, string> }>;
  createdAt: Date;
}

export interface ClusterState {
  accountId: string;
  region: string;
  name: string;
  arn: string;
  version: string;
  oidcId: string;
  autoMode: boolean;
  nodeRoleArn?: string;
  serviceRoleArn: string;
  status: string;
  platformVersion: string;
  tags: Record<string, string>;
  createdAt: Date;
  associations: Map<string, AssociationState>;
  addons: Map<string, AddonState>;
  nodegroups: Map<string, NodegroupState>;
  fargateProfiles: Map<string, FargateProfileState>;
}

export interface AccountState {
  id: string;
  alias: string;
  roles: Map<string, RoleState>;
  /** Customer managed policies by ARN. */
  policies: Map<string, CustomerPolicyState>;
  oidcProviders: Map<string, OidcProviderState>;
  /** Clusters by region, then name. */
  clusters: Map<string, Map<string, ClusterState>>;
}

/** Who a request comes from, resolved from its access key. */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  accountId: string;
  /** The ARN GetCallerIdentity returns: `arn:aws:sts::A:assumed-role/R/S` or `arn:aws:iam::A:user/U`. */
  arn: string;
  /** The principal trust policies see (`aws:PrincipalArn`): the role ARN (with path) or the user ARN. */
  principalArn: string;
  /** `AROA…:session` or `AIDA…`. */
  userId: string;
  isRoleSession: boolean;
  expiresAt?: Date;
  tags?: Record<string, string>;
}

export interface ObjectVersion {
  body: Buffer;
  etag: string;
  versionId: string;
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
  deleteMarker: boolean;
}

export interface BucketState {
  name: string;
  accountId: string;
  region: string;
  versioning?: 'Enabled' | 'Suspended';
  createdAt: Date;
  /** Versions per key, oldest first; the last one is current. */
  objects: Map<string, ObjectVersion[]>;
  /** Multipart uploads started and neither completed nor aborted, by upload id: invisible as objects. */
  uploads?: Map<string, MultipartUploadState>;
}

/** A multipart upload in progress: what CreateMultipartUpload declared and the parts uploaded so far. */
export interface MultipartUploadState {
  uploadId: string;
  key: string;
  initiated: Date;
  contentType: string;
  metadata: Record<string, string>;
  /** By part number: the part's bytes and ETag (quoted MD5). */
  parts: Map<number, { body: Buffer; etag: string }>;
}

export interface TopicState {
  arn: string;
  name: string;
  accountId: string;
  region: string;
}

/** The whole mutable state of one loaded scenario. */
export interface World {
  scenario: Scenario;
  loadedAt: Date;
  accounts: Map<string, AccountState>;
  sessions: Map<string, Session>;
  startSession: Session;
  buckets: Map<string, BucketState>;
  topics: Map<string, TopicState>;
  snsMessages: PublishedMessage[];
  /** Security Hub findings per `account/region`, by finding Id. */
  securityHub: Map<string, Map<string, Record<string, unknown>>>;
  /** CloudTrail event history per `account/region`, newest first. */
  cloudTrail: Map<string, TrailEvent[]>;
  /** Counter for deterministic ids of things created at run time. */
  sequence: number;
  /** What AWS Organizations serves; absent when the accounts are in no organization. */
  organization?: OrganizationStructure;
}

/** `arn:aws:iam::A:role<path><name>` */
export function roleArn(accountId: string, path: string, name: string): string {
  return roleArnOf(accountId, name, path);
}

export { associationIdOf as associationId, externalIdFor, resolveRoleRef };

/**
 * Builds the world a scenario describes, with dates resolved against `now`: the organization
 * (`organizationOf`) and what only the sandbox holds (the starting identity, buckets, topics).
 */
export function buildWorld(scenario: Scenario, now: Date): World {
  return worldOf(organizationOf(scenario, now), scenario, now);
}

/**
 * The world that serves `organization`: its accounts as the services' state, its CloudTrail
 * history newest first, and the scenario's starting identity, buckets and SNS topics.
 */
export function worldOf(organization: Organization, scenario: Scenario, now: Date): World {
  const accounts = new Map<string, AccountState>();
  const cloudTrail = new Map<string, TrailEvent[]>();
  for (const account of organization.accounts) {
    accounts.set(account.accountId, accountStateOf(account));
    for (const region of account.regions) {
      if (region.events.length === 0) continue;
      const events = region.events.map(trailEventOf);
      events.sort((a, b) => b.EventTime.getTime() - a.EventTime.getTime());
      cloudTrail.set(`${account.accountId}/${region.region}`, events);
    }
  }
  const sessions = new Map<string, Session>();
  const startSession = startIdentitySession(scenario, accounts);
  sessions.set(startSession.accessKeyId, startSession);
  const buckets = new Map<string, BucketState>();
  for (const spec of scenario.buckets) {
    const bucket: BucketState = {
      name: spec.name,
      accountId: spec.account,
      region: spec.region,
      versioning: spec.versioned ? 'Enabled' : undefined,
      createdAt: new Date(now.getTime() - 30 * 86_400_000),
      objects: new Map(),
    };
    for (const object of spec.objects) {
      const body = Buffer.from(object.body ?? '', 'utf8');
      bucket.objects.set(object.key, [
        {
          body,
          etag: md5Etag(body),
          versionId: spec.versioned ? stableId(32, 'lower', 'version', spec.name, object.key, 0) : 'null',
          lastModified: new Date(now.getTime() - 86_400_000),
          contentType: object.contentType ?? 'application/octet-stream',
          metadata: {},
          deleteMarker: false,
        },
      ]);
    }
    buckets.set(spec.name, bucket);
  }
  const topics = new Map<string, TopicState>();
  for (const spec of scenario.accounts) {
    for (const [region, regionSpec] of Object.entries(spec.regions)) {
      for (const name of regionSpec.topics) {
        const arn = `arn:aws:sns:${region}:${spec.id}:${name}`;
        topics.set(arn, { arn, name, accountId: spec.id, region });
      }
    }
  }
  return {
    scenario,
    loadedAt: now,
    accounts,
    sessions,
    startSession,
    buckets,
    topics,
    snsMessages: [],
    securityHub: new Map(),
    cloudTrail,
    sequence: 0,
    ...(organization.structure ? { organization: structuredClone(organization.structure) } : {}),
  };
}

/** One account of the organization as the services' state (the sandbox serves AWS managed policies from its own table). */
function accountStateOf(account: OrganizationAccount): AccountState {
  const policies = new Map<string, CustomerPolicyState>();
  for (const policy of account.policies) {
    if (policy.aws) continue;
    policies.set(policy.arn, {
      arn: policy.arn,
      name: policy.name,
      path: policy.path,
      policyId: policy.policyId,
      description: policy.description,
      document: policy.document,
      createDate: new Date(policy.createDate),
    });
  }
  const roles = new Map<string, RoleState>();
  for (const role of account.roles) {
    roles.set(role.name, {
      accountId: account.accountId,
      name: role.name,
      path: role.path,
      arn: role.arn,
      roleId: role.roleId,
      description: role.description,
      trust: role.trust,
      inlinePolicies: role.inlinePolicies,
      managedPolicyArns: role.managedPolicyArns,
      tags: role.tags,
      createDate: new Date(role.createDate),
      lastUsed: role.lastUsed
        ? { date: new Date(role.lastUsed.date), region: role.lastUsed.region }
        : undefined,
      maxSessionDuration: role.maxSessionDuration ?? 3600,
      permissionsBoundary: role.permissionsBoundaryArn,
      instanceProfile: role.instanceProfile ?? false,
    });
  }
  const oidcProviders = new Map<string, OidcProviderState>();
  for (const provider of account.oidcProviders) {
    oidcProviders.set(provider.arn, {
      arn: provider.arn,
      url: provider.url,
      clientIds: provider.clientIds,
      thumbprints: provider.thumbprints,
      tags: provider.tags,
      createDate: new Date(provider.createDate),
    });
  }
  const clusters = new Map<string, Map<string, ClusterState>>();
  for (const region of account.regions) {
    const byName = new Map<string, ClusterState>();
    for (const cluster of region.clusters)
      byName.set(cluster.name, clusterStateOf(cluster, account, region.region));
    clusters.set(region.region, byName);
  }
  return {
    id: account.accountId,
    alias: account.alias ?? account.accountId,
    roles,
    policies,
    oidcProviders,
    clusters,
  };
}

function clusterStateOf(
  cluster: OrganizationCluster,
  account: OrganizationAccount,
  region: string,
): ClusterState {
  if (cluster.oidcId === null) {
    throw new Error(`cluster ${cluster.arn}: the sandbox serves clusters with an OIDC issuer only`);
  }
  const state: ClusterState = {
    accountId: account.accountId,
    region,
    name: cluster.name,
    arn: cluster.arn,
    version: cluster.version,
    oidcId: cluster.oidcId,
    autoMode: cluster.autoMode,
    nodeRoleArn: cluster.autoModeNodeRoleArn,
    serviceRoleArn: cluster.serviceRoleArn,
    status: cluster.status,
    platformVersion: cluster.platformVersion,
    tags: cluster.tags,
    createdAt: new Date(cluster.createdAt),
    associations: new Map(),
    addons: new Map(),
    nodegroups: new Map(),
    fargateProfiles: new Map(),
  };
  for (const association of cluster.associations) {
    state.associations.set(association.associationId, {
      ...association,
      createdAt: new Date(association.createdAt),
      modifiedAt: new Date(association.modifiedAt),
    });
  }
  for (const addon of cluster.addons) {
    state.addons.set(addon.name, {
      name: addon.name,
      arn: addon.arn,
      version: addon.version,
      serviceAccountRoleArn: addon.serviceAccountRoleArn,
      associationArns: addon.associationArns,
      createdAt: new Date(addon.createdAt),
    });
  }
  for (const nodegroup of cluster.nodegroups) {
    if (nodegroup.nodeRoleArn === undefined) {
      throw new Error(`node group ${nodegroup.arn}: the sandbox serves node groups with a node role only`);
    }
    state.nodegroups.set(nodegroup.name, {
      name: nodegroup.name,
      arn: nodegroup.arn,
      nodeRoleArn: nodegroup.nodeRoleArn,
      amiType: nodegroup.amiType,
      instanceTypes: nodegroup.instanceTypes,
      capacityType: nodegroup.capacityType,
      desiredSize: nodegroup.scaling.desiredSize,
      createdAt: new Date(nodegroup.createdAt),
    });
  }
  for (const profile of cluster.fargateProfiles) {
    state.fargateProfiles.set(profile.name, {
      name: profile.name,
      arn: profile.arn,
      podExecutionRoleArn: profile.podExecutionRoleArn,
      selectors: profile.selectors,
      createdAt: new Date(profile.createdAt),
    });
  }
  return state;
}

function startIdentitySession(scenario: Scenario, accounts: Map<string, AccountState>): Session {
  const identity = scenario.identity;
  const secretAccessKey = identity.secretAccessKey ?? stableId(40, 'lower', 'secret', scenario.seed, 'start');
  if (identity.role) {
    const role = accounts.get(identity.account)?.roles.get(identity.role);
    const arn = role?.arn ?? roleArn(identity.account, '/', identity.role);
    return {
      accessKeyId: identity.accessKeyId ?? `ASIA${stableId(16, 'upper', 'start', scenario.seed, arn)}`,
      secretAccessKey,
      sessionToken: stableId(64, 'lower', 'token', scenario.seed, arn),
      accountId: identity.account,
      arn: `arn:aws:sts::${identity.account}:assumed-role/${identity.role}/${identity.sessionName}`,
      principalArn: arn,
      userId: `${role?.roleId ?? `AROA${stableId(17, 'upper', arn)}`}:${identity.sessionName}`,
      isRoleSession: true,
    };
  }
  const userArn = `arn:aws:iam::${identity.account}:user/${identity.user}`;
  return {
    accessKeyId: identity.accessKeyId ?? `AKIA${stableId(16, 'upper', 'start', scenario.seed, userArn)}`,
    secretAccessKey,
    accountId: identity.account,
    arn: userArn,
    principalArn: userArn,
    userId: `AIDA${stableId(17, 'upper', userArn)}`,
    isRoleSession: false,
  };
}

/** Finds a role by ARN anywhere in the world. */
export function findRole(world: World, arn: string): RoleState | undefined {
  const match = /^arn:aws:iam::(\d{12}):role(\/(?:.*\/)?)?([^/]+)$/.exec(arn);
  if (!match) return undefined;
  const role = world.accounts.get(match[1])?.roles.get(match[3]);
  return role && role.arn === arn ? role : undefined;
}
