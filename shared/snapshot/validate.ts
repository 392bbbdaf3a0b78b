import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../model/identity.js';
import {
  ASSOCIATION_ARN,
  CLUSTER_ARN,
  ISSUER_URL,
  isIsoDateTime,
  OIDC_PROVIDER_ARN,
  POLICY_ARN,
  policyDocumentProblem,
  ROLE_ARN,
  type SnapshotAccount,
} from './schema.js';

/**
 * The snapshot account schema (`SnapshotAccountSchema`) as plain predicates: true exactly when zod
 * accepts the value, without building zod's copy of it. Valid input, the common case, is checked
 * in one pass and used as it is; invalid input goes to zod, which locates and words every problem.
 * A differential test keeps the two in agreement.
 */

type Check = (value: unknown) => boolean;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString: Check = (value) => typeof value === 'string';
const isBoolean: Check = (value) => typeof value === 'boolean';
const nonEmpty: Check = (value) => typeof value === 'string' && value.length > 0;
const isoDateTime: Check = (value) => typeof value === 'string' && isIsoDateTime(value);

function matching(pattern: RegExp): Check {
  return (value) => typeof value === 'string' && pattern.test(value);
}

function optional(check: Check): Check {
  return (value) => value === undefined || check(value);
}

function arrayOf(check: Check): Check {
  return (value) => {
    if (!Array.isArray(value)) return false;
    for (const item of value) if (!check(item)) return false;
    return true;
  };
}

/** `z.record(z.string(), z.string())`. */
const stringRecord: Check = (value) => {
  if (!isObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
};

/** `z.looseObject(shape)`: the listed fields are checked, any others kept. */
function looseObject(shape: Record<string, Check>): Check {
  const fields = Object.entries(shape);
  return (value) => {
    if (!isObject(value)) return false;
    for (const [key, check] of fields) if (!check(value[key])) return false;
    return true;
  };
}

/** `z.strictObject(shape)`: the listed fields are checked, and no other is allowed. */
function strictObject(shape: Record<string, Check>): Check {
  const loose = looseObject(shape);
  return (value) => {
    if (!loose(value)) return false;
    for (const key in value as object) if (!Object.hasOwn(shape, key)) return false;
    return true;
  };
}

const roleArn = matching(ROLE_ARN);
const associationArn = matching(ASSOCIATION_ARN);
const policyDocument: Check = (value) => policyDocumentProblem(value, false) === undefined;
const trustPolicyDocument: Check = (value) => policyDocumentProblem(value, true) === undefined;
const iamTags = arrayOf(looseObject({ Key: isString, Value: isString }));

const errors = arrayOf(
  strictObject({
    service: nonEmpty,
    operation: nonEmpty,
    code: nonEmpty,
    message: isString,
    resource: optional(isString),
    cause: optional(nonEmpty),
  }),
);

const role = looseObject({
  RoleName: nonEmpty,
  Arn: roleArn,
  Path: optional(isString),
  RoleId: optional(isString),
  CreateDate: optional(isoDateTime),
  AssumeRolePolicyDocument: trustPolicyDocument,
  AttachedManagedPolicies: optional(
    arrayOf(looseObject({ PolicyName: optional(isString), PolicyArn: matching(POLICY_ARN) })),
  ),
  RolePolicyList: optional(arrayOf(looseObject({ PolicyName: isString, PolicyDocument: policyDocument }))),
  RoleLastUsed: optional(looseObject({ LastUsedDate: optional(isoDateTime), Region: optional(isString) })),
  Tags: optional(iamTags),
});

const managedPolicy = looseObject({
  PolicyName: nonEmpty,
  Arn: matching(POLICY_ARN),
  DefaultVersionId: optional(isString),
  PolicyVersionList: optional(
    arrayOf(
      looseObject({
        Document: optional(policyDocument),
        VersionId: optional(isString),
        IsDefaultVersion: optional(isBoolean),
        CreateDate: optional(isoDateTime),
      }),
    ),
  ),
});

const oidcProvider = looseObject({
  Arn: matching(OIDC_PROVIDER_ARN),
  Url: nonEmpty,
  ClientIDList: optional(arrayOf(isString)),
  ThumbprintList: optional(arrayOf(isString)),
  CreateDate: optional(isoDateTime),
  Tags: optional(iamTags),
});

const cluster = looseObject({
  name: nonEmpty,
  arn: matching(CLUSTER_ARN),
  createdAt: optional(isoDateTime),
  version: optional(isString),
  status: optional(isString),
  identity: optional(
    looseObject({ oidc: optional(looseObject({ issuer: optional(matching(ISSUER_URL)) })) }),
  ),
  computeConfig: optional(looseObject({ enabled: optional(isBoolean) })),
  tags: optional(stringRecord),
});

const association = looseObject({
  clusterName: nonEmpty,
  namespace: nonEmpty,
  serviceAccount: nonEmpty,
  roleArn,
  associationArn,
  associationId: nonEmpty,
  targetRoleArn: optional(roleArn),
  externalId: optional(isString),
  disableSessionTags: optional(isBoolean),
  ownerArn: optional(isString),
  createdAt: optional(isoDateTime),
  modifiedAt: optional(isoDateTime),
  tags: optional(stringRecord),
});

const addon = looseObject({
  addonName: nonEmpty,
  clusterName: optional(isString),
  addonVersion: optional(isString),
  status: optional(isString),
  addonArn: optional(isString),
  serviceAccountRoleArn: optional(roleArn),
  podIdentityAssociations: optional(arrayOf(associationArn)),
  createdAt: optional(isoDateTime),
  modifiedAt: optional(isoDateTime),
});

const nodegroup = looseObject({
  nodegroupName: nonEmpty,
  clusterName: optional(isString),
  nodeRole: optional(roleArn),
  status: optional(isString),
  amiType: optional(isString),
  createdAt: optional(isoDateTime),
});

const fargateProfile = looseObject({
  fargateProfileName: nonEmpty,
  clusterName: optional(isString),
  podExecutionRoleArn: optional(roleArn),
  status: optional(isString),
  selectors: optional(arrayOf(looseObject({ namespace: nonEmpty, labels: optional(stringRecord) }))),
  createdAt: optional(isoDateTime),
});

const lookupEvent = looseObject({
  EventId: nonEmpty,
  EventName: nonEmpty,
  EventTime: isoDateTime,
  EventSource: nonEmpty,
  Username: optional(isString),
  ReadOnly: optional(isString),
  AccessKeyId: optional(isString),
  Resources: optional(
    arrayOf(looseObject({ ResourceType: optional(isString), ResourceName: optional(isString) })),
  ),
  CloudTrailEvent: optional(isString),
});

const snapshotCluster = strictObject({
  cluster,
  podIdentityAssociations: optional(arrayOf(association)),
  addons: optional(arrayOf(addon)),
  nodegroups: optional(arrayOf(nodegroup)),
  fargateProfiles: optional(arrayOf(fargateProfile)),
  errors: optional(errors),
});

const cloudTrail = strictObject({
  from: isoDateTime,
  to: isoDateTime,
  events: arrayOf(lookupEvent),
  errors: optional(errors),
});

const snapshotRegion = strictObject({
  region: matching(REGION_PATTERN),
  errors: optional(errors),
  clusters: optional(arrayOf(snapshotCluster)),
  cloudTrail: optional(cloudTrail),
});

const snapshotIam = strictObject({
  roles: arrayOf(role),
  policies: optional(arrayOf(managedPolicy)),
  openIdConnectProviders: optional(arrayOf(oidcProvider)),
  errors: optional(errors),
});

const snapshotAccount = strictObject({
  accountId: matching(ACCOUNT_ID_PATTERN),
  errors: optional(errors),
  iam: optional(snapshotIam),
  regions: optional(arrayOf(snapshotRegion)),
});

/**
 * True when `SnapshotAccountSchema` accepts the value: the value can then be used as the parsed
 * account itself. Like the schema, it records the trust policies it validated for normalization.
 *
 * @example if (!isValidSnapshotAccount(json)) SnapshotAccountSchema.safeParse(json) // locate the problems
 */
export function isValidSnapshotAccount(value: unknown): value is SnapshotAccount {
  return snapshotAccount(value);
}
