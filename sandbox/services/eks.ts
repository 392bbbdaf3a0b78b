import { compareText } from '../../shared/model/compare.js';
import type { RawRequest, RequestContext, ServiceErrorCodes, ServiceModule } from '../context.js';
import { jsonBody, matchPath } from '../context.js';
import { AwsError, decodeToken, encodeToken, jsonResponse, stableHash } from '../wire.js';
import {
  type AddonState,
  type AssociationState,
  associationId,
  type ClusterState,
  type FargateProfileState,
  findRole,
  type NodegroupState,
} from '../world.js';

const ROUTES: Array<[method: string, template: string, operation: string]> = [
  ['GET', '/clusters', 'ListClusters'],
  ['GET', '/clusters/{name}', 'DescribeCluster'],
  ['GET', '/clusters/{clusterName}/pod-identity-associations', 'ListPodIdentityAssociations'],
  ['POST', '/clusters/{clusterName}/pod-identity-associations', 'CreatePodIdentityAssociation'],
  [
    'GET',
    '/clusters/{clusterName}/pod-identity-associations/{associationId}',
    'DescribePodIdentityAssociation',
  ],
  [
    'POST',
    '/clusters/{clusterName}/pod-identity-associations/{associationId}',
    'UpdatePodIdentityAssociation',
  ],
  [
    'DELETE',
    '/clusters/{clusterName}/pod-identity-associations/{associationId}',
    'DeletePodIdentityAssociation',
  ],
  ['GET', '/clusters/{clusterName}/addons', 'ListAddons'],
  ['GET', '/clusters/{clusterName}/addons/{addonName}', 'DescribeAddon'],
  ['GET', '/clusters/{clusterName}/node-groups', 'ListNodegroups'],
  ['GET', '/clusters/{clusterName}/node-groups/{nodegroupName}', 'DescribeNodegroup'],
  ['GET', '/clusters/{clusterName}/fargate-profiles', 'ListFargateProfiles'],
  ['GET', '/clusters/{clusterName}/fargate-profiles/{fargateProfileName}', 'DescribeFargateProfile'],
];

const CODES: ServiceErrorCodes = {
  accessDenied: { status: 403, code: 'AccessDeniedException' },
  throttle: { status: 429, code: 'ThrottlingException', message: 'Rate exceeded' },
  internal: { status: 500, code: 'ServerException' },
  invalidClientToken: { status: 403, code: 'UnrecognizedClientException' },
  unknownOperation: { status: 404, code: 'UnknownOperationException' },
};

/** EKS (REST-JSON): clusters and their identity-relevant sub-resources. Dates are epoch seconds. */
export const eks: ServiceModule = {
  protocol: 'rest-json',
  codes: CODES,
  resolve(request: RawRequest) {
    for (const [method, template, operation] of ROUTES) {
      if (method !== request.method) continue;
      const pathParams = matchPath(template, request.path);
      if (pathParams) return { operation, pathParams };
    }
    return undefined;
  },
  handle(context) {
    if (context.operation === 'ListClusters') {
      const clusters = regionClusters(context);
      return page(context, 'clusters', [...clusters.keys()].sort(), (name) => name);
    }
    const cluster = findCluster(context);
    switch (context.operation) {
      case 'DescribeCluster':
        return ok(context, { cluster: describeCluster(cluster) });
      case 'ListPodIdentityAssociations': {
        const namespace = context.query.get('namespace');
        const serviceAccount = context.query.get('serviceAccount');
        const associations = sortedAssociations(cluster).filter(
          (association) =>
            (namespace === null || association.namespace === namespace) &&
            (serviceAccount === null || association.serviceAccount === serviceAccount),
        );
        return page(
          context,
          'associations',
          associations,
          summarizeAssociation,
          `${namespace}/${serviceAccount}`,
        );
      }
      case 'DescribePodIdentityAssociation':
        return ok(context, { association: describeAssociation(findAssociation(context, cluster)) });
      case 'CreatePodIdentityAssociation':
        return createAssociation(context, cluster);
      case 'UpdatePodIdentityAssociation':
        return updateAssociation(context, cluster);
      case 'DeletePodIdentityAssociation': {
        const association = findAssociation(context, cluster);
        rejectOwned(association);
        cluster.associations.delete(association.associationId);
        return ok(context, { association: describeAssociation(association) });
      }
      case 'ListAddons':
        return page(context, 'addons', [...cluster.addons.keys()].sort(), (name) => name);
      case 'DescribeAddon': {
        const name = context.pathParams.addonName;
        const addon = cluster.addons.get(name);
        if (!addon)
          throw notFound(`No addon: ${name} found in cluster: ${cluster.name}`, {
            clusterName: cluster.name,
            addonName: name,
          });
        return ok(context, { addon: describeAddon(cluster, addon) });
      }
      case 'ListNodegroups':
        return page(context, 'nodegroups', [...cluster.nodegroups.keys()].sort(), (name) => name);
      case 'DescribeNodegroup': {
        const name = context.pathParams.nodegroupName;
        const nodegroup = cluster.nodegroups.get(name);
        if (!nodegroup)
          throw notFound(`No node group found for name: ${name}.`, {
            clusterName: cluster.name,
            nodegroupName: name,
          });
        return ok(context, { nodegroup: describeNodegroup(cluster, nodegroup) });
      }
      case 'ListFargateProfiles':
        return page(
          context,
          'fargateProfileNames',
          [...cluster.fargateProfiles.keys()].sort(),
          (name) => name,
        );
      default: {
        const name = context.pathParams.fargateProfileName;
        const profile = cluster.fargateProfiles.get(name);
        if (!profile) {
          throw notFound(`No Fargate Profile found with name: ${name}.`, {
            clusterName: cluster.name,
            fargateProfileName: name,
          });
        }
        return ok(context, { fargateProfile: describeFargateProfile(cluster, profile) });
      }
    }
  },
};

function ok(context: RequestContext, value: unknown) {
  return jsonResponse(value, context.requestId);
}

function notFound(message: string, extra: Record<string, string>): AwsError {
  return new AwsError(404, 'ResourceNotFoundException', message, extra);
}

function invalidParameter(message: string): AwsError {
  return new AwsError(400, 'InvalidParameterException', message);
}

function epoch(date: Date): number {
  return date.getTime() / 1000;
}

function regionClusters(context: RequestContext): Map<string, ClusterState> {
  return context.world.accounts.get(context.session.accountId)?.clusters.get(context.region) ?? new Map();
}

function findCluster(context: RequestContext): ClusterState {
  const name = context.pathParams.name ?? context.pathParams.clusterName;
  const cluster = regionClusters(context).get(name);
  if (!cluster) throw notFound(`No cluster found for name: ${name}.`, { clusterName: name });
  return cluster;
}

function findAssociation(context: RequestContext, cluster: ClusterState): AssociationState {
  const id = context.pathParams.associationId;
  const association = cluster.associations.get(id);
  if (!association) {
    throw notFound(`No Pod Identity Association found with id: ${id}`, { clusterName: cluster.name });
  }
  return association;
}

/** One page of a list operation: `maxResults` 1–100 (default 100), opaque `nextToken`. */
function page<T>(
  context: RequestContext,
  key: string,
  items: T[],
  render: (item: T) => unknown,
  filterScope = '',
) {
  const maxText = context.query.get('maxResults');
  const maxResults = maxText === null ? 100 : Number(maxText);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
    throw invalidParameter(
      `1 validation error detected: Value '${maxText}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100 and greater than or equal to 1`,
    );
  }
  const scope = `${context.session.accountId}/${context.region}/${context.path}/${filterScope}`;
  const token = context.query.get('nextToken');
  const offset = token === null ? 0 : decodeToken(scope, token);
  if (offset === undefined) throw invalidParameter('The nextToken provided is invalid.');
  const slice = items.slice(offset, offset + maxResults);
  const more = offset + maxResults < items.length;
  return ok(context, {
    [key]: slice.map(render),
    nextToken: more ? encodeToken(scope, offset + maxResults) : null,
  });
}

function sortedAssociations(cluster: ClusterState): AssociationState[] {
  return [...cluster.associations.values()].sort(
    (a, b) => compareText(a.namespace, b.namespace) || compareText(a.serviceAccount, b.serviceAccount),
  );
}

function summarizeAssociation(association: AssociationState) {
  return {
    clusterName: association.clusterName,
    namespace: association.namespace,
    serviceAccount: association.serviceAccount,
    associationArn: association.associationArn,
    associationId: association.associationId,
    ...(association.ownerArn ? { ownerArn: association.ownerArn } : {}),
  };
}

function describeAssociation(association: AssociationState) {
  return {
    clusterName: association.clusterName,
    namespace: association.namespace,
    serviceAccount: association.serviceAccount,
    roleArn: association.roleArn,
    associationArn: association.associationArn,
    associationId: association.associationId,
    tags: association.tags,
    createdAt: epoch(association.createdAt),
    modifiedAt: epoch(association.modifiedAt),
    ...(association.ownerArn ? { ownerArn: association.ownerArn } : {}),
    disableSessionTags: association.disableSessionTags,
    ...(association.targetRoleArn ? { targetRoleArn: association.targetRoleArn } : {}),
    ...(association.externalId ? { externalId: association.externalId } : {}),
  };
}

function describeCluster(cluster: ClusterState) {
  const hash = stableHash('cluster', cluster.arn);
  const subnets = [0, 1, 2].map(
    (index) => `subnet-0${stableHash('subnet', cluster.arn, index).slice(0, 16)}`,
  );
  return {
    name: cluster.name,
    arn: cluster.arn,
    createdAt: epoch(cluster.createdAt),
    version: cluster.version,
    endpoint: `https://${hash.slice(0, 32).toUpperCase()}.gr7.${cluster.region}.eks.amazonaws.com`,
    roleArn: cluster.serviceRoleArn,
    resourcesVpcConfig: {
      subnetIds: subnets,
      securityGroupIds: [],
      clusterSecurityGroupId: `sg-0${hash.slice(32, 48)}`,
      vpcId: `vpc-0${stableHash('vpc', cluster.accountId, cluster.region).slice(0, 16)}`,
      endpointPublicAccess: false,
      endpointPrivateAccess: true,
      publicAccessCidrs: [],
    },
    kubernetesNetworkConfig: {
      serviceIpv4Cidr: '172.20.0.0/16',
      ipFamily: 'ipv4',
      elasticLoadBalancing: { enabled: cluster.autoMode },
    },
    logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: true }] },
    identity: { oidc: { issuer: `https://oidc.eks.${cluster.region}.amazonaws.com/id/${cluster.oidcId}` } },
    status: cluster.status,
    certificateAuthority: {
      data: Buffer.from(`sandbox certificate authority for ${cluster.arn}`).toString('base64'),
    },
    platformVersion: cluster.platformVersion,
    tags: cluster.tags,
    health: { issues: [] },
    accessConfig: { authenticationMode: 'API' },
    upgradePolicy: { supportType: 'STANDARD' },
    computeConfig: cluster.autoMode
      ? { enabled: true, nodePools: ['general-purpose', 'system'], nodeRoleArn: cluster.nodeRoleArn }
      : { enabled: false },
    storageConfig: { blockStorage: { enabled: cluster.autoMode } },
  };
}

function describeAddon(cluster: ClusterState, addon: AddonState) {
  return {
    addonName: addon.name,
    clusterName: cluster.name,
    status: 'ACTIVE',
    addonVersion: addon.version,
    health: { issues: [] },
    addonArn: addon.arn,
    createdAt: epoch(addon.createdAt),
    modifiedAt: epoch(addon.createdAt),
    ...(addon.serviceAccountRoleArn ? { serviceAccountRoleArn: addon.serviceAccountRoleArn } : {}),
    tags: {},
    podIdentityAssociations: addon.associationArns.filter((arn) =>
      [...cluster.associations.values()].some((association) => association.associationArn === arn),
    ),
  };
}

function describeNodegroup(cluster: ClusterState, nodegroup: NodegroupState) {
  return {
    nodegroupName: nodegroup.name,
    nodegroupArn: nodegroup.arn,
    clusterName: cluster.name,
    version: cluster.version,
    releaseVersion: `${cluster.version}.0-20251112`,
    createdAt: epoch(nodegroup.createdAt),
    modifiedAt: epoch(nodegroup.createdAt),
    status: 'ACTIVE',
    capacityType: nodegroup.capacityType,
    scalingConfig: {
      minSize: 1,
      maxSize: Math.max(nodegroup.desiredSize, 1) * 2,
      desiredSize: nodegroup.desiredSize,
    },
    instanceTypes: nodegroup.instanceTypes,
    subnets: [0, 1, 2].map((index) => `subnet-0${stableHash('subnet', cluster.arn, index).slice(0, 16)}`),
    amiType: nodegroup.amiType,
    nodeRole: nodegroup.nodeRoleArn,
    labels: {},
    resources: {
      autoScalingGroups: [{ name: `eks-${nodegroup.name}-${stableHash(nodegroup.arn).slice(0, 36)}` }],
    },
    diskSize: 20,
    health: { issues: [] },
    updateConfig: { maxUnavailable: 1 },
    tags: {},
  };
}

function describeFargateProfile(cluster: ClusterState, profile: FargateProfileState) {
  return {
    fargateProfileName: profile.name,
    fargateProfileArn: profile.arn,
    clusterName: cluster.name,
    createdAt: epoch(profile.createdAt),
    podExecutionRoleArn: profile.podExecutionRoleArn,
    subnets: [0, 1].map((index) => `subnet-0${stableHash('subnet', cluster.arn, index).slice(0, 16)}`),
    selectors: profile.selectors.map((selector) => ({
      namespace: selector.namespace,
      labels: selector.labels ?? {},
    })),
    status: 'ACTIVE',
    tags: {},
    health: { issues: [] },
  };
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) throw invalidParameter(`${field} is required.`);
  return value;
}

/** The association role must exist in the cluster's account (EKS passes it with iam:PassRole). */
function validateRole(context: RequestContext, cluster: ClusterState, roleArn: string, field: string): void {
  if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(roleArn))
    throw invalidParameter(`${field} ${roleArn} is not a valid role ARN.`);
  if (field === 'roleArn' && roleArn.split(':')[4] !== cluster.accountId) {
    throw invalidParameter(
      `Role ${roleArn} must be in the same account as the cluster (${cluster.accountId}).`,
    );
  }
  if (!findRole(context.world, roleArn)) throw invalidParameter(`Role ${roleArn} does not exist.`);
}

function rejectOwned(association: AssociationState): void {
  if (association.ownerArn) {
    throw new AwsError(
      400,
      'InvalidRequestException',
      `Pod Identity association ${association.associationId} is owned by ${association.ownerArn} and must be changed through it.`,
    );
  }
}

function createAssociation(context: RequestContext, cluster: ClusterState) {
  const body = jsonBody(context);
  const namespace = requireString(body, 'namespace');
  const serviceAccount = requireString(body, 'serviceAccount');
  const roleArn = requireString(body, 'roleArn');
  validateRole(context, cluster, roleArn, 'roleArn');
  const targetRoleArn = typeof body.targetRoleArn === 'string' ? body.targetRoleArn : undefined;
  if (targetRoleArn) validateRole(context, cluster, targetRoleArn, 'targetRoleArn');
  const duplicate = [...cluster.associations.values()].find(
    (association) => association.namespace === namespace && association.serviceAccount === serviceAccount,
  );
  if (duplicate) {
    throw new AwsError(
      409,
      'ResourceInUseException',
      `Association already exists: ${duplicate.associationId}`,
      {
        clusterName: cluster.name,
      },
    );
  }
  context.world.sequence += 1;
  const id = associationId(cluster.arn, namespace, serviceAccount, String(context.world.sequence));
  const association: AssociationState = {
    associationId: id,
    associationArn: `arn:aws:eks:${cluster.region}:${cluster.accountId}:podidentityassociation/${cluster.name}/${id}`,
    clusterName: cluster.name,
    namespace,
    serviceAccount,
    roleArn,
    targetRoleArn,
    externalId: targetRoleArn
      ? `${cluster.region}/${cluster.accountId}/${cluster.name}/${namespace}/${serviceAccount}`
      : undefined,
    disableSessionTags: body.disableSessionTags === true,
    tags: (body.tags as Record<string, string> | undefined) ?? {},
    createdAt: context.now,
    modifiedAt: context.now,
  };
  cluster.associations.set(id, association);
  return ok(context, { association: describeAssociation(association) });
}

function updateAssociation(context: RequestContext, cluster: ClusterState) {
  const association = findAssociation(context, cluster);
  rejectOwned(association);
  const body = jsonBody(context);
  if (typeof body.roleArn === 'string') {
    validateRole(context, cluster, body.roleArn, 'roleArn');
    association.roleArn = body.roleArn;
  }
  if (typeof body.targetRoleArn === 'string') {
    if (body.targetRoleArn === '') {
      association.targetRoleArn = undefined;
      association.externalId = undefined;
    } else {
      validateRole(context, cluster, body.targetRoleArn, 'targetRoleArn');
      association.targetRoleArn = body.targetRoleArn;
      association.externalId = `${cluster.region}/${cluster.accountId}/${cluster.name}/${association.namespace}/${association.serviceAccount}`;
    }
  }
  if (typeof body.disableSessionTags === 'boolean') association.disableSessionTags = body.disableSessionTags;
  association.modifiedAt = context.now;
  return ok(context, { association: describeAssociation(association) });
}
