import { compareText } from '../../shared/model/compare.js';
import {
  formParams,
  QUERY_CODES,
  queryOperation,
  type RequestContext,
  type ServiceModule,
} from '../context.js';
import { AWS_MANAGED_POLICIES, awsManagedPolicyArn } from '../managed-policies.js';
import {
  AwsError,
  decodeToken,
  encodeToken,
  iamEncodePolicy,
  queryList,
  queryResponse,
  stableId,
  type XmlValue,
} from '../wire.js';
import type { AccountState, RoleState } from '../world.js';

const OPERATIONS = [
  'GetAccountAuthorizationDetails',
  'ListRoles',
  'GetRole',
  'ListOpenIDConnectProviders',
  'GetOpenIDConnectProvider',
] as const;

const ENTITY_FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'];

/** IAM (query protocol): the read operations the audit uses. Policy documents are URL-encoded. */
export const iam: ServiceModule = {
  protocol: 'query',
  codes: QUERY_CODES,
  resolve: queryOperation(OPERATIONS),
  handle(context) {
    const account = context.world.accounts.get(context.session.accountId);
    if (!account)
      throw new AwsError(403, 'AccessDenied', `account ${context.session.accountId} is not in the scenario`);
    switch (context.operation) {
      case 'GetAccountAuthorizationDetails':
        return accountAuthorizationDetails(context, account);
      case 'ListRoles':
        return listRoles(context, account);
      case 'GetRole':
        return getRole(context, account);
      case 'ListOpenIDConnectProviders':
        return queryResponse(
          'iam',
          'ListOpenIDConnectProviders',
          {
            OpenIDConnectProviderList: [...account.oidcProviders.keys()].sort().map((arn) => ({ Arn: arn })),
          },
          context.requestId,
        );
      default:
        return getOpenIdConnectProvider(context, account);
    }
  },
};

function maxItems(params: URLSearchParams): number {
  const text = params.get('MaxItems');
  if (text === null) return 100;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new AwsError(
      400,
      'ValidationError',
      `1 validation error detected: Value '${text}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  }
  return value;
}

function startOffset(params: URLSearchParams, scope: string): number {
  const marker = params.get('Marker');
  if (marker === null) return 0;
  const offset = decodeToken(scope, marker);
  if (offset === undefined) throw new AwsError(400, 'ValidationError', 'Invalid Marker.');
  return offset;
}

function tagList(tags: Record<string, string>): XmlValue {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function sortedRoles(account: AccountState): RoleState[] {
  return [...account.roles.values()].sort((a, b) => compareText(a.name, b.name));
}

function instanceProfiles(role: RoleState): XmlValue {
  if (!role.instanceProfile) return [];
  return [
    {
      Path: role.path,
      InstanceProfileName: role.name,
      InstanceProfileId: `AIPA${stableId(17, 'upper', 'profile', role.arn)}`,
      Arn: `arn:aws:iam::${role.accountId}:instance-profile${role.path}${role.name}`,
      CreateDate: role.createDate,
      Roles: [baseRole(role)],
    },
  ];
}

function baseRole(role: RoleState): { [key: string]: XmlValue } {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: iamEncodePolicy(role.trust),
  };
}

function managedPolicyName(arn: string, account: AccountState): string {
  return account.policies.get(arn)?.name ?? arn.split('/').pop() ?? arn;
}

function roleLastUsed(role: RoleState): XmlValue {
  return role.lastUsed ? { LastUsedDate: role.lastUsed.date, Region: role.lastUsed.region } : {};
}

function permissionsBoundary(role: RoleState): XmlValue {
  return role.permissionsBoundary
    ? {
        PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
        PermissionsBoundaryArn: role.permissionsBoundary,
      }
    : undefined;
}

function roleDetail(role: RoleState, account: AccountState): XmlValue {
  return {
    ...baseRole(role),
    InstanceProfileList: instanceProfiles(role),
    RolePolicyList: Object.entries(role.inlinePolicies).map(([PolicyName, document]) => ({
      PolicyName,
      PolicyDocument: iamEncodePolicy(document),
    })),
    AttachedManagedPolicies: role.managedPolicyArns.map((PolicyArn) => ({
      PolicyName: managedPolicyName(PolicyArn, account),
      PolicyArn,
    })),
    PermissionsBoundary: permissionsBoundary(role),
    Tags: tagList(role.tags),
    RoleLastUsed: roleLastUsed(role),
  };
}

function attachmentCount(arn: string, account: AccountState): number {
  return [...account.roles.values()].filter((role) => role.managedPolicyArns.includes(arn)).length;
}

/**
 * Managed policies as GetAccountAuthorizationDetails lists them: customer managed policies, and
 * AWS managed policies only when something in the account has them attached.
 */
function policyDetails(account: AccountState, local: boolean, awsManaged: boolean): XmlValue[] {
  const details: XmlValue[] = [];
  if (local) {
    for (const policy of [...account.policies.values()].sort((a, b) => compareText(a.name, b.name))) {
      details.push({
        PolicyName: policy.name,
        PolicyId: policy.policyId,
        Arn: policy.arn,
        Path: policy.path,
        DefaultVersionId: 'v1',
        AttachmentCount: attachmentCount(policy.arn, account),
        PermissionsBoundaryUsageCount: 0,
        IsAttachable: true,
        Description: policy.description,
        CreateDate: policy.createDate,
        UpdateDate: policy.createDate,
        PolicyVersionList: [
          {
            Document: iamEncodePolicy(policy.document),
            VersionId: 'v1',
            IsDefaultVersion: true,
            CreateDate: policy.createDate,
          },
        ],
      });
    }
  }
  if (awsManaged) {
    const attached = new Set([...account.roles.values()].flatMap((role) => role.managedPolicyArns));
    for (const policy of [...AWS_MANAGED_POLICIES.values()].sort((a, b) => compareText(a.name, b.name))) {
      const arn = awsManagedPolicyArn(policy);
      if (!attached.has(arn)) continue;
      details.push({
        PolicyName: policy.name,
        PolicyId: `ANPA${stableId(17, 'upper', arn)}`,
        Arn: arn,
        Path: policy.path,
        DefaultVersionId: policy.versionId,
        AttachmentCount: attachmentCount(arn, account),
        PermissionsBoundaryUsageCount: 0,
        IsAttachable: true,
        CreateDate: new Date(policy.createDate),
        UpdateDate: new Date(policy.updateDate),
        PolicyVersionList: [
          {
            Document: iamEncodePolicy(policy.document),
            VersionId: policy.versionId,
            IsDefaultVersion: true,
            CreateDate: new Date(policy.updateDate),
          },
        ],
      });
    }
  }
  return details;
}

function accountAuthorizationDetails(context: RequestContext, account: AccountState) {
  const params = formParams(context);
  const filters = queryList(params, 'Filter');
  for (const filter of filters) {
    if (!ENTITY_FILTERS.includes(filter)) {
      throw new AwsError(
        400,
        'ValidationError',
        `1 validation error detected: Value '[${filters.join(', ')}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${ENTITY_FILTERS.join(', ')}]]`,
      );
    }
  }
  const wants = (filter: string) => filters.length === 0 || filters.includes(filter);
  // One ordered item list across the entity kinds, so a page boundary may fall anywhere.
  const items: Array<{ kind: 'role' | 'policy'; value: XmlValue }> = [
    ...(wants('Role')
      ? sortedRoles(account).map((role) => ({ kind: 'role' as const, value: roleDetail(role, account) }))
      : []),
    ...policyDetails(account, wants('LocalManagedPolicy'), wants('AWSManagedPolicy')).map((value) => ({
      kind: 'policy' as const,
      value,
    })),
  ];
  const scope = `gaad/${account.id}/${filters.join(',')}`;
  const offset = startOffset(params, scope);
  const limit = maxItems(params);
  const page = items.slice(offset, offset + limit);
  const truncated = offset + limit < items.length;
  return queryResponse(
    'iam',
    'GetAccountAuthorizationDetails',
    {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: page.filter((item) => item.kind === 'role').map((item) => item.value),
      Policies: page.filter((item) => item.kind === 'policy').map((item) => item.value),
      IsTruncated: truncated,
      Marker: truncated ? encodeToken(scope, offset + limit) : undefined,
    },
    context.requestId,
  );
}

function listRoles(context: RequestContext, account: AccountState) {
  const params = formParams(context);
  const prefix = params.get('PathPrefix') ?? '/';
  const roles = sortedRoles(account).filter((role) => role.path.startsWith(prefix));
  const scope = `roles/${account.id}/${prefix}`;
  const offset = startOffset(params, scope);
  const limit = maxItems(params);
  const truncated = offset + limit < roles.length;
  return queryResponse(
    'iam',
    'ListRoles',
    {
      Roles: roles.slice(offset, offset + limit).map((role) => ({
        ...baseRole(role),
        Description: role.description,
        MaxSessionDuration: role.maxSessionDuration,
      })),
      IsTruncated: truncated,
      Marker: truncated ? encodeToken(scope, offset + limit) : undefined,
    },
    context.requestId,
  );
}

function getRole(context: RequestContext, account: AccountState) {
  const name = formParams(context).get('RoleName') ?? '';
  const role = account.roles.get(name);
  if (!role) throw new AwsError(404, 'NoSuchEntity', `The role with name ${name} cannot be found.`);
  return queryResponse(
    'iam',
    'GetRole',
    {
      Role: {
        ...baseRole(role),
        Description: role.description,
        MaxSessionDuration: role.maxSessionDuration,
        PermissionsBoundary: permissionsBoundary(role),
        Tags: tagList(role.tags),
        RoleLastUsed: roleLastUsed(role),
      },
    },
    context.requestId,
  );
}

function getOpenIdConnectProvider(context: RequestContext, account: AccountState) {
  const arn = formParams(context).get('OpenIDConnectProviderArn') ?? '';
  if (!/^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/.+$/.test(arn)) {
    throw new AwsError(400, 'InvalidInput', `ARN ${arn} is not valid.`);
  }
  const provider = account.oidcProviders.get(arn);
  if (!provider) throw new AwsError(404, 'NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`);
  return queryResponse(
    'iam',
    'GetOpenIDConnectProvider',
    {
      Url: provider.url,
      ClientIDList: provider.clientIds,
      ThumbprintList: provider.thumbprints,
      CreateDate: provider.createDate,
      Tags: tagList(provider.tags),
    },
    context.requestId,
  );
}
