/**
 * A sandbox scenario (the organization model written as YAML, with relative dates, roles named
 * rather than spelled as ARNs, and CloudTrail history as usage patterns) resolved into the
 * organization model at a given "now".
 */

import { compareText } from '../../shared/model/compare.js';
import { eksClusterArn } from '../../shared/model/identity.js';
import { generateHistory } from '../history.js';
import { AWS_MANAGED_POLICIES, awsManagedPolicyArn as tableArn } from '../managed-policies.js';
import { resolveDate, type Scenario, type ScenarioAccount, type ScenarioUnit } from '../scenario.js';
import { stableId, stableUuid } from '../wire.js';
import { accountOfArn, associationArnOf, roleArnOf } from './ids.js';
import type {
  LookupEventItem,
  ManagedPolicy,
  Organization,
  OrganizationAccount,
  OrganizationalUnit,
  OrganizationCluster,
  OrganizationMember,
  OrganizationRegion,
  OrganizationRole,
  OrganizationStructure,
  PodIdentityAssociation,
  PolicyDocument,
} from './organization.js';

const DAY_MS = 86_400_000;

/** `a-` + 17 lower-case alphanumerics derived from `parts`, as EKS association ids look. */
export function associationIdOf(...parts: string[]): string {
  return `a-${stableId(17, 'lower', 'association', ...parts)}`;
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

/** Resolves a scenario role reference (a role name of `account`, or an ARN) to an ARN. */
export function resolveRoleRef(ref: string, account: ScenarioAccount): string {
  if (ref.startsWith('arn:')) return ref;
  const role = account.roles.find((candidate) => candidate.name === ref);
  return roleArnOf(account.id, ref, role?.path ?? '/');
}

function iso(text: string, now: Date): string {
  return resolveDate(text, now).toISOString();
}

/**
 * The organization a scenario describes, with dates resolved against `now` and the CloudTrail
 * history of its usage patterns generated. Every identifier the scenario leaves out is derived
 * from names and the scenario, so the same scenario and `now` give the same organization. IAM's
 * `RoleLastUsed` is never earlier than an assume the generated history logged.
 */
export function organizationOf(scenario: Scenario, now: Date): Organization {
  const accounts = scenario.accounts.map((spec) => accountOf(spec, now));
  const history = generateHistory(scenario, accounts, now);
  for (const [key, events] of history) {
    const [accountId, region] = key.split('/');
    const account = accounts.find((candidate) => candidate.accountId === accountId);
    if (!account) continue;
    regionOf(account, region, now).events.push(...events);
  }
  lastUsedNotBefore(accounts, [...history.values()].flat());
  const structure = structureOf(scenario, now);
  return { capturedAt: now.toISOString(), accounts, ...(structure ? { structure } : {}) };
}

/**
 * The AWS Organizations structure of a scenario: ids derived from the scenario's seed and the
 * units' paths (so they stay the same run after run), every scenario account an ACTIVE member at
 * the root unless a unit lists it, plus the declared members.
 */
function structureOf(scenario: Scenario, now: Date): OrganizationStructure | undefined {
  const spec = scenario.organization;
  if (!spec) return undefined;
  const managementAccountId = spec.managementAccount ?? scenario.identity.account;
  const id = spec.id ?? `o-${stableId(10, 'lower', 'organization', scenario.seed, managementAccountId)}`;
  const rootPart = stableId(4, 'lower', 'root', id);
  const rootId = `r-${rootPart}`;
  const arnBase = `arn:aws:organizations::${managementAccountId}`;
  const units: OrganizationalUnit[] = [];
  const parentOf = new Map<string, string>();
  const addUnits = (specs: ScenarioUnit[], parentId: string, path: string) => {
    for (const unit of specs) {
      const unitPath = `${path}/${unit.name}`;
      const unitId = unit.id ?? `ou-${rootPart}-${stableId(8, 'lower', 'ou', id, unitPath)}`;
      units.push({ id: unitId, name: unit.name, arn: `${arnBase}:ou/${id}/${unitId}`, parentId });
      for (const account of unit.accounts) parentOf.set(account, unitId);
      addUnits(unit.units, unitId, unitPath);
    }
  };
  addUnits(spec.units, rootId, '');
  const declared = new Map(spec.members.map((member) => [member.id, member]));
  const aliases = new Map(scenario.accounts.map((account) => [account.id, account.alias]));
  const ids = [...new Set([...scenario.accounts.map((account) => account.id), ...declared.keys()])];
  const members: OrganizationMember[] = ids.map((accountId) => {
    const member = declared.get(accountId);
    const name = member?.name ?? aliases.get(accountId) ?? `account-${accountId}`;
    return {
      accountId,
      name,
      email: `aws+${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@example.com`,
      arn: `${arnBase}:account/${id}/${accountId}`,
      state: member?.state ?? 'ACTIVE',
      parentId: parentOf.get(accountId) ?? rootId,
      joinedMethod: accountId === managementAccountId ? 'CREATED' : 'INVITED',
      joinedAt: iso(member?.joined ?? '365d', now),
    };
  });
  return {
    id,
    arn: `${arnBase}:organization/${id}`,
    managementAccountId,
    rootId,
    units,
    members,
    delegatedAdministrators: [...spec.delegatedAdministrators],
  };
}

/** The region entry of an account, added (empty) when the account's history reaches a region it does not describe. */
function regionOf(account: OrganizationAccount, region: string, now: Date): OrganizationRegion {
  let entry = account.regions.find((candidate) => candidate.region === region);
  if (!entry) {
    entry = emptyRegion(region, now);
    account.regions.push(entry);
  }
  return entry;
}

function emptyRegion(region: string, now: Date): OrganizationRegion {
  return {
    region,
    clusters: [],
    events: [],
    cloudTrail: {
      from: new Date(now.getTime() - 90 * DAY_MS).toISOString(),
      to: now.toISOString(),
      collected: true,
      errors: [],
    },
    errors: [],
  };
}

function accountOf(spec: ScenarioAccount, now: Date): OrganizationAccount {
  const customer: ManagedPolicy[] = spec.policies.map((policy) => {
    const arn = `arn:aws:iam::${spec.id}:policy${policy.path}${policy.name}`;
    const date = iso(policy.createDate, now);
    return {
      name: policy.name,
      arn,
      path: policy.path,
      policyId: policy.policyId ?? `ANPA${stableId(17, 'upper', arn)}`,
      aws: false,
      versionId: 'v1',
      document: policy.document as PolicyDocument,
      createDate: date,
      updateDate: date,
      ...(policy.description === undefined ? {} : { description: policy.description }),
    };
  });
  const customerArnByName = new Map(customer.map((policy) => [policy.name, policy.arn]));
  const roles: OrganizationRole[] = spec.roles.map((role) => {
    const arn = roleArnOf(spec.id, role.name, role.path);
    const described: OrganizationRole = {
      name: role.name,
      path: role.path,
      arn,
      roleId: role.roleId ?? `AROA${stableId(17, 'upper', arn)}`,
      createDate: iso(role.createDate, now),
      trust: role.trust as PolicyDocument,
      inlinePolicies: role.inlinePolicies as Record<string, PolicyDocument>,
      managedPolicyArns: role.managedPolicies.map((ref) => {
        if (ref.startsWith('arn:')) return ref;
        const own = customerArnByName.get(ref);
        if (own) return own;
        const managed = AWS_MANAGED_POLICIES.get(ref);
        return managed ? tableArn(managed) : `arn:aws:iam::aws:policy/${ref}`;
      }),
      tags: role.tags,
      maxSessionDuration: role.maxSessionDuration,
      instanceProfile: role.instanceProfile,
    };
    if (role.lastUsed)
      described.lastUsed = { date: iso(role.lastUsed.date, now), region: role.lastUsed.region };
    if (role.description !== undefined) described.description = role.description;
    if (role.permissionsBoundary !== undefined) described.permissionsBoundaryArn = role.permissionsBoundary;
    return described;
  });
  return {
    accountId: spec.id,
    alias: spec.alias,
    roles,
    policies: [...customer, ...attachedAwsManagedPolicies(roles)],
    oidcProviders: spec.oidcProviders.map((provider) => ({
      arn: `arn:aws:iam::${spec.id}:oidc-provider/${provider.url}`,
      url: provider.url,
      clientIds: provider.clientIds,
      thumbprints: provider.thumbprints,
      tags: provider.tags,
      createDate: iso(provider.createDate, now),
    })),
    regions: Object.entries(spec.regions).map(([region, regionSpec]) => ({
      ...emptyRegion(region, now),
      clusters: regionSpec.clusters.map((cluster) => clusterOf(cluster, spec, region, now)),
      events: regionSpec.events.map((event) => structuredClone(event) as LookupEventItem),
    })),
    errors: [],
    reached: true,
    iamCollected: true,
    iamErrors: [],
  };
}

/** The AWS managed policies the account's roles attach, as IAM lists them (the sandbox's published versions). */
function attachedAwsManagedPolicies(roles: OrganizationRole[]): ManagedPolicy[] {
  const attached = new Set(roles.flatMap((role) => role.managedPolicyArns));
  return [...AWS_MANAGED_POLICIES.values()]
    .filter((policy) => attached.has(tableArn(policy)))
    .sort((a, b) => compareText(a.name, b.name))
    .map((policy) => {
      const arn = tableArn(policy);
      return {
        name: policy.name,
        arn,
        path: policy.path,
        policyId: `ANPA${stableId(17, 'upper', arn)}`,
        aws: true,
        versionId: policy.versionId,
        document: structuredClone(policy.document) as PolicyDocument,
        createDate: new Date(policy.createDate).toISOString(),
        updateDate: new Date(policy.updateDate).toISOString(),
      };
    });
}

type ScenarioCluster = ScenarioAccount['regions'][string]['clusters'][number];
type ScenarioAssociation = ScenarioCluster['associations'][number];
type ScenarioAddonAssociation = ScenarioCluster['addons'][number]['podIdentityAssociations'][number];

function clusterOf(
  cluster: ScenarioCluster,
  spec: ScenarioAccount,
  region: string,
  now: Date,
): OrganizationCluster {
  const arn = eksClusterArn(spec.id, region, cluster.name);
  const associations: PodIdentityAssociation[] = [];
  const addAssociation = (
    association: ScenarioAssociation | (ScenarioAddonAssociation & { createdAt: string }),
    ownerArn?: string,
  ): string => {
    const id =
      association.id ??
      associationIdOf(spec.id, region, cluster.name, association.namespace, association.serviceAccount);
    const targetRoleArn = association.targetRole ? resolveRoleRef(association.targetRole, spec) : undefined;
    const createdAt = iso(association.createdAt, now);
    const described: PodIdentityAssociation = {
      associationId: id,
      associationArn: associationArnOf(spec.id, region, cluster.name, id),
      clusterName: cluster.name,
      namespace: association.namespace,
      serviceAccount: association.serviceAccount,
      roleArn: resolveRoleRef(association.role, spec),
      disableSessionTags: association.disableSessionTags ?? false,
      tags: association.tags ?? {},
      createdAt,
      modifiedAt: association.modifiedAt ? iso(association.modifiedAt, now) : createdAt,
    };
    if (targetRoleArn) {
      described.targetRoleArn = targetRoleArn;
      described.externalId =
        association.externalId ?? externalIdFor(region, spec.id, cluster.name, association);
    } else if (association.externalId !== undefined) described.externalId = association.externalId;
    if (ownerArn) described.ownerArn = ownerArn;
    associations.push(described);
    return described.associationArn;
  };
  for (const association of cluster.associations) addAssociation(association);
  const addons = cluster.addons.map((addon) => {
    const addonArn =
      addon.arn ??
      `arn:aws:eks:${region}:${spec.id}:addon/${cluster.name}/${addon.name}/${stableUuid(arn, addon.name)}`;
    const associationArns = addon.podIdentityAssociations.map((association) =>
      addAssociation({ ...association, createdAt: association.createdAt ?? addon.createdAt }, addonArn),
    );
    const createdAt = iso(addon.createdAt, now);
    return {
      name: addon.name,
      arn: addonArn,
      version: addon.version,
      status: 'ACTIVE',
      ...(addon.serviceAccountRole
        ? { serviceAccountRoleArn: resolveRoleRef(addon.serviceAccountRole, spec) }
        : {}),
      associationArns,
      createdAt,
      modifiedAt: createdAt,
    };
  });
  return {
    name: cluster.name,
    arn,
    createdAt: iso(cluster.createdAt, now),
    version: cluster.version,
    platformVersion: cluster.platformVersion,
    status: cluster.status,
    tags: cluster.tags,
    oidcId: cluster.oidcId,
    autoMode: cluster.autoMode,
    ...(cluster.nodeRole ? { autoModeNodeRoleArn: resolveRoleRef(cluster.nodeRole, spec) } : {}),
    serviceRoleArn: resolveRoleRef(cluster.serviceRole ?? 'eks-cluster-service-role', spec),
    // The sandbox's clusters take access entries only, as new clusters do by default.
    authenticationMode: 'API',
    associations,
    addons,
    nodegroups: cluster.nodegroups.map((nodegroup) => ({
      name: nodegroup.name,
      arn:
        nodegroup.arn ??
        `arn:aws:eks:${region}:${spec.id}:nodegroup/${cluster.name}/${nodegroup.name}/${stableUuid(arn, nodegroup.name)}`,
      nodeRoleArn: resolveRoleRef(nodegroup.nodeRole, spec),
      amiType: nodegroup.amiType,
      instanceTypes: nodegroup.instanceTypes,
      capacityType: nodegroup.capacityType,
      scaling: {
        minSize: 1,
        maxSize: Math.max(nodegroup.desiredSize, 1) * 2,
        desiredSize: nodegroup.desiredSize,
      },
      status: 'ACTIVE',
      createdAt: iso(nodegroup.createdAt, now),
    })),
    fargateProfiles: cluster.fargateProfiles.map((profile) => ({
      name: profile.name,
      arn:
        profile.arn ??
        `arn:aws:eks:${region}:${spec.id}:fargateprofile/${cluster.name}/${profile.name}/${stableUuid(arn, profile.name)}`,
      podExecutionRoleArn: resolveRoleRef(profile.podExecutionRole, spec),
      selectors: profile.selectors,
      status: 'ACTIVE',
      createdAt: iso(profile.createdAt, now),
    })),
    errors: [],
  };
}

/** The role an assume in a record took, when it succeeded. */
function assumedRole(event: LookupEventItem): string | undefined {
  if (event.EventSource !== 'sts.amazonaws.com') return undefined;
  if (event.EventName !== 'AssumeRole' && event.EventName !== 'AssumeRoleWithWebIdentity') return undefined;
  let record: { errorCode?: unknown; requestParameters?: { roleArn?: unknown } };
  try {
    record = JSON.parse(event.CloudTrailEvent);
  } catch {
    return undefined;
  }
  const roleArn = record.requestParameters?.roleArn;
  return record.errorCode === undefined && typeof roleArn === 'string' ? roleArn : undefined;
}

/**
 * Moves each role's `RoleLastUsed` up to the latest assume of it that `events` logged (IAM never
 * reports a last use earlier than an assume CloudTrail logged), with that record's region.
 */
function lastUsedNotBefore(accounts: OrganizationAccount[], events: LookupEventItem[]): void {
  const latest = new Map<string, { time: number; region: string }>();
  for (const event of events) {
    const roleArn = assumedRole(event);
    if (!roleArn) continue;
    const time = Date.parse(event.EventTime);
    const region = (JSON.parse(event.CloudTrailEvent) as { awsRegion?: string }).awsRegion ?? '';
    if (time > (latest.get(roleArn)?.time ?? Number.NEGATIVE_INFINITY)) latest.set(roleArn, { time, region });
  }
  for (const account of accounts) {
    for (const role of account.roles) {
      const use = latest.get(role.arn);
      if (!use || accountOfArn(role.arn) !== account.accountId) continue;
      if (role.lastUsed && Date.parse(role.lastUsed.date) >= use.time) continue;
      role.lastUsed = { date: new Date(use.time).toISOString(), region: use.region };
    }
  }
}
