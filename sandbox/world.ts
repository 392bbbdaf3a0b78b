import { eksClusterArn } from '../shared/model/index.js';
import { generateHistory, type TrailEvent } from './history.js';
import { AWS_MANAGED_POLICIES, awsManagedPolicyArn } from './managed-policies.js';
import { resolveDate, type Scenario, type ScenarioAccount } from './scenario.js';
import type { PublishedMessage } from './types.js';
import { md5Etag, stableId, stableUuid } from './wire.js';

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

export interface AssociationState {
  associationId: string;
  associationArn: string;
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  targetRoleArn?: string;
  externalId?: string;
  disableSessionTags: boolean;
  tags: Record<string, string>;
  createdAt: Date;
  modifiedAt: Date;
  ownerArn?: string;
}

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
}

/** `arn:aws:iam::A:role<path><name>` */
export function roleArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:role${path}${name}`;
}

/** Resolves a scenario role reference (name in `accountId`, or an ARN) to an ARN. */
export function resolveRoleRef(ref: string, account: ScenarioAccount): string {
  if (ref.startsWith('arn:')) return ref;
  const role = account.roles.find((candidate) => candidate.name === ref);
  return roleArn(account.id, role?.path ?? '/', ref);
}

/** `a-` + 17 lower-case alphanumerics, as EKS association ids look. */
export function associationId(...parts: string[]): string {
  return `a-${stableId(17, 'lower', 'association', ...parts)}`;
}

/** Builds the world a scenario describes, with dates resolved against `now`. */
export function buildWorld(scenario: Scenario, now: Date): World {
  const accounts = new Map<string, AccountState>();
  for (const spec of scenario.accounts) accounts.set(spec.id, buildAccount(spec, now));
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
  const world: World = {
    scenario,
    loadedAt: now,
    accounts,
    sessions,
    startSession,
    buckets,
    topics,
    snsMessages: [],
    securityHub: new Map(),
    cloudTrail: generateHistory(scenario, accounts, now),
    sequence: 0,
  };
  return world;
}

function buildAccount(spec: ScenarioAccount, now: Date): AccountState {
  const policies = new Map<string, CustomerPolicyState>();
  for (const policy of spec.policies) {
    const arn = `arn:aws:iam::${spec.id}:policy${policy.path}${policy.name}`;
    policies.set(arn, {
      arn,
      name: policy.name,
      path: policy.path,
      policyId: `ANPA${stableId(17, 'upper', arn)}`,
      description: policy.description,
      document: policy.document,
      createDate: resolveDate(policy.createDate, now),
    });
  }
  const policyArnByName = new Map([...policies.values()].map((policy) => [policy.name, policy.arn]));
  const roles = new Map<string, RoleState>();
  for (const role of spec.roles) {
    const arn = roleArn(spec.id, role.path, role.name);
    roles.set(role.name, {
      accountId: spec.id,
      name: role.name,
      path: role.path,
      arn,
      roleId: `AROA${stableId(17, 'upper', arn)}`,
      description: role.description,
      trust: role.trust,
      inlinePolicies: role.inlinePolicies,
      managedPolicyArns: role.managedPolicies.map((ref) => {
        if (ref.startsWith('arn:')) return ref;
        const customer = policyArnByName.get(ref);
        if (customer) return customer;
        const managed = AWS_MANAGED_POLICIES.get(ref);
        return managed ? awsManagedPolicyArn(managed) : `arn:aws:iam::aws:policy/${ref}`;
      }),
      tags: role.tags,
      createDate: resolveDate(role.createDate, now),
      lastUsed: role.lastUsed
        ? { date: resolveDate(role.lastUsed.date, now), region: role.lastUsed.region }
        : undefined,
      maxSessionDuration: role.maxSessionDuration,
      permissionsBoundary: role.permissionsBoundary,
      instanceProfile: role.instanceProfile,
    });
  }
  const oidcProviders = new Map<string, OidcProviderState>();
  for (const provider of spec.oidcProviders) {
    const arn = `arn:aws:iam::${spec.id}:oidc-provider/${provider.url}`;
    oidcProviders.set(arn, {
      arn,
      url: provider.url,
      clientIds: provider.clientIds,
      thumbprints: provider.thumbprints,
      tags: provider.tags,
      createDate: resolveDate(provider.createDate, now),
    });
  }
  const clusters = new Map<string, Map<string, ClusterState>>();
  for (const [region, regionSpec] of Object.entries(spec.regions)) {
    const byName = new Map<string, ClusterState>();
    for (const cluster of regionSpec.clusters) {
      const arn = eksClusterArn(spec.id, region, cluster.name);
      const state: ClusterState = {
        accountId: spec.id,
        region,
        name: cluster.name,
        arn,
        version: cluster.version,
        oidcId: cluster.oidcId,
        autoMode: cluster.autoMode,
        nodeRoleArn: cluster.nodeRole ? resolveRoleRef(cluster.nodeRole, spec) : undefined,
        serviceRoleArn: resolveRoleRef(cluster.serviceRole ?? 'eks-cluster-service-role', spec),
        status: cluster.status,
        platformVersion: cluster.platformVersion,
        tags: cluster.tags,
        createdAt: resolveDate(cluster.createdAt, now),
        associations: new Map(),
        addons: new Map(),
        nodegroups: new Map(),
        fargateProfiles: new Map(),
      };
      const addAssociation = (
        association: {
          namespace: string;
          serviceAccount: string;
          role: string;
          targetRole?: string;
          disableSessionTags?: boolean;
          tags?: Record<string, string>;
          createdAt: string;
          modifiedAt?: string;
        },
        ownerArn?: string,
      ): string => {
        const id = associationId(
          spec.id,
          region,
          cluster.name,
          association.namespace,
          association.serviceAccount,
        );
        const targetRoleArn = association.targetRole
          ? resolveRoleRef(association.targetRole, spec)
          : undefined;
        const createdAt = resolveDate(association.createdAt, now);
        const associationArn = `arn:aws:eks:${region}:${spec.id}:podidentityassociation/${cluster.name}/${id}`;
        state.associations.set(id, {
          associationId: id,
          associationArn,
          clusterName: cluster.name,
          namespace: association.namespace,
          serviceAccount: association.serviceAccount,
          roleArn: resolveRoleRef(association.role, spec),
          targetRoleArn,
          externalId: targetRoleArn ? externalIdFor(region, spec.id, cluster.name, association) : undefined,
          disableSessionTags: association.disableSessionTags ?? false,
          tags: association.tags ?? {},
          createdAt,
          modifiedAt: association.modifiedAt ? resolveDate(association.modifiedAt, now) : createdAt,
          ownerArn,
        });
        return associationArn;
      };
      for (const association of cluster.associations) addAssociation(association);
      for (const addon of cluster.addons) {
        const addonArn = `arn:aws:eks:${region}:${spec.id}:addon/${cluster.name}/${addon.name}/${stableUuid(arn, addon.name)}`;
        const associationArns = addon.podIdentityAssociations.map((association) =>
          addAssociation({ ...association, createdAt: addon.createdAt }, addonArn),
        );
        state.addons.set(addon.name, {
          name: addon.name,
          arn: addonArn,
          version: addon.version,
          serviceAccountRoleArn: addon.serviceAccountRole
            ? resolveRoleRef(addon.serviceAccountRole, spec)
            : undefined,
          associationArns,
          createdAt: resolveDate(addon.createdAt, now),
        });
      }
      for (const nodegroup of cluster.nodegroups) {
        state.nodegroups.set(nodegroup.name, {
          name: nodegroup.name,
          arn: `arn:aws:eks:${region}:${spec.id}:nodegroup/${cluster.name}/${nodegroup.name}/${stableUuid(arn, nodegroup.name)}`,
          nodeRoleArn: resolveRoleRef(nodegroup.nodeRole, spec),
          amiType: nodegroup.amiType,
          instanceTypes: nodegroup.instanceTypes,
          capacityType: nodegroup.capacityType,
          desiredSize: nodegroup.desiredSize,
          createdAt: resolveDate(nodegroup.createdAt, now),
        });
      }
      for (const profile of cluster.fargateProfiles) {
        state.fargateProfiles.set(profile.name, {
          name: profile.name,
          arn: `arn:aws:eks:${region}:${spec.id}:fargateprofile/${cluster.name}/${profile.name}/${stableUuid(arn, profile.name)}`,
          podExecutionRoleArn: resolveRoleRef(profile.podExecutionRole, spec),
          selectors: profile.selectors,
          createdAt: resolveDate(profile.createdAt, now),
        });
      }
      byName.set(cluster.name, state);
    }
    clusters.set(region, byName);
  }
  return { id: spec.id, alias: spec.alias, roles, policies, oidcProviders, clusters };
}

/** The external id EKS passes to a cross-account target role (`REGION/ACCOUNT/CLUSTER/NAMESPACE/SA`). */
export function externalIdFor(
  region: string,
  accountId: string,
  cluster: string,
  association: { namespace: string; serviceAccount: string },
): string {
  return `${region}/${accountId}/${cluster}/${association.namespace}/${association.serviceAccount}`;
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
