/**
 * The offline rendering of the organization model: snapshot format v1 (`docs/snapshot.md`), whose
 * inner objects are the AWS API responses. What a collection would have recorded besides the
 * identity facts (endpoints, subnets, Auto Scaling groups) is derived from the names, so the same
 * description always renders the same bytes.
 */
import { alnumId, hashOf as hash, roleArnOf, uuidOf } from './ids.js';
import type {
  Addon,
  FargateProfile,
  ManagedPolicy,
  Nodegroup,
  OidcProvider,
  Organization,
  OrganizationAccount,
  OrganizationCluster,
  OrganizationRegion,
  OrganizationRole,
  PodIdentityAssociation,
} from './organization.js';
import { encodePolicy } from './policies.js';

type Json = Record<string, unknown>;

/** Snapshot JSON in format v1 (loosely typed: the AWS objects are kept as they are). */
export interface SnapshotJson {
  snapshotVersion: 1;
  capturedAt: string;
  accounts: Json[];
}

/** The snapshot (format v1) of an organization: what a complete collection at `capturedAt` records. */
export function snapshotOf(organization: Organization): SnapshotJson {
  return {
    snapshotVersion: 1,
    capturedAt: organization.capturedAt,
    accounts: organization.accounts.map(snapshotAccountOf),
  };
}

/** One `accounts[]` entry of a snapshot. */
export function snapshotAccountOf(account: OrganizationAccount): Json {
  if (!account.reached) return { accountId: account.accountId, errors: structuredClone(account.errors) };
  const json: Json = { accountId: account.accountId, errors: structuredClone(account.errors) };
  if (account.iamCollected) {
    json.iam = {
      roles: account.roles.map((role) => roleDetailOf(role, account.accountId)),
      policies: account.policies.map((policy) => policyDetailOf(policy, account)),
      openIdConnectProviders: account.oidcProviders.map(oidcProviderOf),
      errors: structuredClone(account.iamErrors),
    };
  }
  json.regions = account.regions.map((region) => regionOf(region, account.accountId));
  return json;
}

function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** `GetAccountAuthorizationDetails` `RoleDetailList` item. */
function roleDetailOf(role: OrganizationRole, accountId: string): Json {
  const encoding = role.documentEncoding ?? 'url';
  const json: Json = {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodePolicy(role.trust, encoding),
    InstanceProfileList: role.instanceProfile ? [instanceProfileOf(role, accountId)] : [],
    RolePolicyList: Object.entries(role.inlinePolicies).map(([policyName, document]) => ({
      PolicyName: policyName,
      PolicyDocument: encodePolicy(document, encoding),
    })),
    AttachedManagedPolicies: role.managedPolicyArns.map((arn) => ({
      PolicyName: arn.slice(arn.lastIndexOf('/') + 1),
      PolicyArn: arn,
    })),
    Tags: tagList(role.tags),
    RoleLastUsed: role.lastUsed ? { LastUsedDate: role.lastUsed.date, Region: role.lastUsed.region } : {},
  };
  if (role.permissionsBoundaryArn !== undefined) {
    json.PermissionsBoundary = {
      PermissionsBoundaryType: 'Policy',
      PermissionsBoundaryArn: role.permissionsBoundaryArn,
    };
  }
  if (role.description !== undefined) json.Description = role.description;
  return json;
}

/** The instance profile of a node role (same name and path as the role). */
function instanceProfileOf(role: OrganizationRole, accountId: string): Json {
  return {
    Path: role.path,
    InstanceProfileName: role.name,
    InstanceProfileId: `AIPA${alnumId(17, 'profile', role.arn)}`,
    Arn: `arn:aws:iam::${accountId}:instance-profile${role.path}${role.name}`,
    CreateDate: role.createDate,
    Roles: [
      {
        Path: role.path,
        RoleName: role.name,
        RoleId: role.roleId,
        Arn: role.arn,
        CreateDate: role.createDate,
        AssumeRolePolicyDocument: encodePolicy(role.trust, role.documentEncoding ?? 'url'),
      },
    ],
  };
}

/** `GetAccountAuthorizationDetails` `Policies` item, with the default version only. */
function policyDetailOf(policy: ManagedPolicy, account: OrganizationAccount): Json {
  const json: Json = {
    PolicyName: policy.name,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.versionId,
    AttachmentCount:
      policy.attachmentCount ??
      account.roles.filter((role) => role.managedPolicyArns.includes(policy.arn)).length,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
  };
  if (policy.description !== undefined) json.Description = policy.description;
  json.CreateDate = policy.createDate;
  json.UpdateDate = policy.updateDate;
  json.PolicyVersionList = [
    {
      Document: encodePolicy(policy.document, policy.documentEncoding ?? 'url'),
      VersionId: policy.versionId,
      IsDefaultVersion: true,
      CreateDate: policy.updateDate,
    },
  ];
  return json;
}

/** `GetOpenIDConnectProvider` output plus the provider's ARN. */
function oidcProviderOf(provider: OidcProvider): Json {
  return {
    Arn: provider.arn,
    Url: provider.url,
    ClientIDList: [...provider.clientIds],
    ThumbprintList: [...provider.thumbprints],
    CreateDate: provider.createDate,
    Tags: tagList(provider.tags),
  };
}

/** One `regions[]` entry: clusters, and the CloudTrail events inside the collection window. */
function regionOf(region: OrganizationRegion, accountId: string): Json {
  const json: Json = {
    region: region.region,
    errors: structuredClone(region.errors),
    clusters: region.clusters.map((cluster) => clusterEntryOf(cluster, accountId, region.region)),
  };
  if (region.cloudTrail.collected) {
    const { from, to } = region.cloudTrail;
    const start = Date.parse(from);
    const end = Date.parse(to);
    json.cloudTrail = {
      from,
      to,
      events: region.events
        // An event whose time cannot be read is kept: the snapshot's reader reports it.
        .filter((event) => {
          const time = Date.parse(event.EventTime);
          return Number.isNaN(time) || (time >= start && time <= end);
        })
        .map((event) => structuredClone(event)),
      errors: structuredClone(region.cloudTrail.errors),
    };
  }
  return json;
}

/** One `clusters[]` entry of a region. */
function clusterEntryOf(cluster: OrganizationCluster, accountId: string, region: string): Json {
  return {
    cluster: clusterOf(cluster, accountId, region),
    podIdentityAssociations: cluster.associations.map(associationOf),
    addons: cluster.addons.map((addon) => addonOf(addon, cluster.name)),
    nodegroups: cluster.nodegroups.map((nodegroup) => nodegroupOf(nodegroup, cluster, accountId, region)),
    fargateProfiles: cluster.fargateProfiles.map((profile) =>
      fargateProfileOf(profile, cluster.name, accountId, region),
    ),
    errors: structuredClone(cluster.errors),
  };
}

/** `DescribeCluster.cluster`. */
function clusterOf(cluster: OrganizationCluster, accountId: string, region: string): Json {
  const vpcSeed = hash('vpc', accountId, region);
  const json: Json = {
    name: cluster.name,
    arn: cluster.arn,
    createdAt: cluster.createdAt,
    version: cluster.version,
    endpoint: `https://${hash('endpoint', accountId, region, cluster.name).slice(0, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
    roleArn: cluster.serviceRoleArn,
    resourcesVpcConfig: {
      subnetIds: [`subnet-0${vpcSeed.slice(0, 16)}`, `subnet-0${vpcSeed.slice(16, 32)}`],
      securityGroupIds: [],
      clusterSecurityGroupId: `sg-0${hash('sg', cluster.name).slice(0, 16)}`,
      vpcId: `vpc-0${vpcSeed.slice(32, 48)}`,
      endpointPublicAccess: false,
      endpointPrivateAccess: true,
      publicAccessCidrs: [],
    },
    kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
    logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: true }] },
    status: cluster.status,
    certificateAuthority: { data: Buffer.from(`ca-${cluster.name}`).toString('base64') },
    platformVersion: cluster.platformVersion,
    tags: { ...cluster.tags },
    accessConfig: { authenticationMode: cluster.authenticationMode },
    upgradePolicy: { supportType: 'STANDARD' },
  };
  if (cluster.oidcId !== null) {
    json.identity = { oidc: { issuer: `https://oidc.eks.${region}.amazonaws.com/id/${cluster.oidcId}` } };
  }
  if (cluster.autoMode) {
    json.computeConfig = {
      enabled: true,
      nodePools: ['general-purpose', 'system'],
      nodeRoleArn: cluster.autoModeNodeRoleArn ?? roleArnOf(accountId, `${cluster.name}-auto-node-role`),
    };
    json.storageConfig = { blockStorage: { enabled: true } };
    (json.kubernetesNetworkConfig as Json).elasticLoadBalancing = { enabled: true };
  }
  return json;
}

/** `DescribePodIdentityAssociation.association`. */
function associationOf(association: PodIdentityAssociation): Json {
  const json: Json = {
    clusterName: association.clusterName,
    namespace: association.namespace,
    serviceAccount: association.serviceAccount,
    roleArn: association.roleArn,
    associationArn: association.associationArn,
    associationId: association.associationId,
    tags: { ...association.tags },
    createdAt: association.createdAt,
    modifiedAt: association.modifiedAt,
    disableSessionTags: association.disableSessionTags,
  };
  if (association.targetRoleArn !== undefined) json.targetRoleArn = association.targetRoleArn;
  if (association.externalId !== undefined) json.externalId = association.externalId;
  if (association.ownerArn !== undefined) json.ownerArn = association.ownerArn;
  return json;
}

/** `DescribeAddon.addon`. */
function addonOf(addon: Addon, clusterName: string): Json {
  const json: Json = {
    addonName: addon.name,
    clusterName,
    status: addon.status,
    addonVersion: addon.version,
    health: { issues: [] },
    addonArn: addon.arn,
    createdAt: addon.createdAt,
    modifiedAt: addon.modifiedAt,
    tags: {},
    podIdentityAssociations: [...addon.associationArns],
  };
  if (addon.serviceAccountRoleArn !== undefined) json.serviceAccountRoleArn = addon.serviceAccountRoleArn;
  return json;
}

/** `DescribeNodegroup.nodegroup`. */
function nodegroupOf(
  nodegroup: Nodegroup,
  cluster: OrganizationCluster,
  accountId: string,
  region: string,
): Json {
  const subnetSeed = hash('vpc', accountId, region);
  const json: Json = {
    nodegroupName: nodegroup.name,
    nodegroupArn: nodegroup.arn,
    clusterName: cluster.name,
    version: cluster.version,
    releaseVersion: nodegroup.releaseVersion ?? `${cluster.version}.0-20251112`,
    createdAt: nodegroup.createdAt,
    modifiedAt: nodegroup.createdAt,
    status: nodegroup.status,
    capacityType: nodegroup.capacityType,
    scalingConfig: { ...nodegroup.scaling },
    instanceTypes: [...nodegroup.instanceTypes],
    subnets: [`subnet-0${subnetSeed.slice(0, 16)}`, `subnet-0${subnetSeed.slice(16, 32)}`],
    amiType: nodegroup.amiType,
    labels: {},
    resources: {
      autoScalingGroups: [
        { name: `eks-${nodegroup.name}-${uuidOf('asg', cluster.name, nodegroup.name).slice(0, 36)}` },
      ],
    },
    health: { issues: [] },
    updateConfig: { maxUnavailable: 1 },
    tags: {},
  };
  if (nodegroup.nodeRoleArn !== undefined) json.nodeRole = nodegroup.nodeRoleArn;
  return json;
}

/** `DescribeFargateProfile.fargateProfile`. */
function fargateProfileOf(
  profile: FargateProfile,
  clusterName: string,
  accountId: string,
  region: string,
): Json {
  const subnetSeed = hash('vpc', accountId, region);
  return {
    fargateProfileName: profile.name,
    fargateProfileArn: profile.arn,
    clusterName,
    createdAt: profile.createdAt,
    podExecutionRoleArn: profile.podExecutionRoleArn,
    subnets: [`subnet-0${subnetSeed.slice(0, 16)}`],
    selectors: profile.selectors.map((selector) => ({
      namespace: selector.namespace,
      labels: { ...(selector.labels ?? {}) },
    })),
    status: profile.status,
    tags: {},
  };
}
