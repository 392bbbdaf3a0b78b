import { z } from 'zod';
import { InputError } from '../errors.js';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../model/identity.js';
import { decodePolicyDocument } from '../model/policy-document.js';
import { CollectionErrorSchema } from '../model/scope.js';
import { rememberTrustPolicy, requireTrustPolicy } from '../trust/evaluate.js';
import { parsePolicy } from '../trust/parse.js';

/**
 * Snapshot format v1 (docs/architecture.md §4). The envelope (accounts, regions, clusters, errors) is this
 * project's own contract and rejects unknown keys, so a misspelt `podIdentityAssociation` cannot
 * silently empty a cluster. The AWS objects inside are API response shapes and keep every field
 * they carry; only the fields checks depend on are validated.
 */

export const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** True for an ISO-8601 date-time with a time zone, as `Date.prototype.toJSON` writes it. */
export function isIsoDateTime(value: string): boolean {
  return ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

const isoDateTime = z
  .string()
  .refine(isIsoDateTime, { message: 'expected an ISO-8601 date-time like 2026-11-29T02:00:00Z' });

export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const roleArn = z
  .string()
  .regex(ROLE_ARN, { message: 'expected an IAM role ARN like arn:aws:iam::123456789012:role/NAME' });

export const CLUSTER_ARN = /^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:cluster\/.+$/;
const clusterArn = z.string().regex(CLUSTER_ARN, {
  message: 'expected an EKS cluster ARN like arn:aws:eks:us-east-1:123456789012:cluster/NAME',
});

export const ASSOCIATION_ARN = /^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:podidentityassociation\/.+$/;
const associationArn = z.string().regex(ASSOCIATION_ARN, {
  message:
    'expected a Pod Identity association ARN like arn:aws:eks:us-east-1:123456789012:podidentityassociation/CLUSTER/a-abc',
});

export const ISSUER_URL = /^https:\/\/.+/;

export const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/;
const oidcProviderArnSchema = z.string().regex(OIDC_PROVIDER_ARN, {
  message: 'expected an IAM OIDC provider ARN like arn:aws:iam::123456789012:oidc-provider/HOST/PATH',
});

export const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/.+$/;
const policyArn = z.string().regex(POLICY_ARN, {
  message: 'expected an IAM policy ARN like arn:aws:iam::aws:policy/NAME',
});

const accountId = z.string().regex(ACCOUNT_ID_PATTERN, { message: 'expected a 12-digit AWS account id' });

/** An IAM policy document: URL-encoded JSON (as IAM returns it), a plain JSON string, or an object. */
export const PolicyDocumentSchema = z
  .unknown()
  .superRefine((value, context) => addPolicyDocumentIssue(value, context, false));

/** A role's trust policy: a valid policy document whose every statement names a principal. */
export const TrustPolicyDocumentSchema = z
  .unknown()
  .superRefine((value, context) => addPolicyDocumentIssue(value, context, true));

function addPolicyDocumentIssue(value: unknown, context: z.RefinementCtx, trust: boolean): void {
  const message = policyDocumentProblem(value, trust);
  if (message !== undefined) context.addIssue({ code: 'custom', message });
}

/**
 * The problem of a policy document, decoding and parsing it once (a trust policy is checked for
 * principals on the same parse); undefined when it is valid.
 */
export function policyDocumentProblem(value: unknown, trust: boolean): string | undefined {
  if (value === undefined) return 'required field is missing';
  // Roles across accounts often carry the same trust text: validating it once is enough.
  if (trust && typeof value === 'string' && validatedTrustPolicies.has(value)) return undefined;
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    return 'expected a policy document (URL-encoded JSON, a JSON string or an object)';
  }
  let decoded: unknown;
  try {
    decoded = decodePolicyDocument(value);
  } catch (error) {
    return (error as Error).message;
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    return 'policy document must decode to a JSON object';
  }
  // IAM never returns a policy its grammar rejects; the checks rely on every document parsing.
  let policy: ReturnType<typeof parsePolicy>;
  try {
    policy = parsePolicy(decoded);
  } catch (error) {
    return `not a valid IAM policy: ${(error as Error).message}`;
  }
  if (!trust) return undefined;
  try {
    requireTrustPolicy(policy);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return `not a valid trust policy: ${error.message}`;
  }
  if (typeof value === 'string') {
    rememberTrustPolicy(decoded, policy, value);
    // The oldest text goes first (a Map keeps insertion order), so a large account keeps the rest.
    if (validatedTrustPolicies.size >= VALIDATED_TRUST_POLICIES_KEPT)
      validatedTrustPolicies.delete(validatedTrustPolicies.keys().next().value as string);
    validatedTrustPolicies.set(value, decoded);
  }
  return undefined;
}

/**
 * Trust policies validation decoded and parsed, by the text they were read from, so normalization
 * takes the same object (and its parse) instead of decoding the text again. Entries are wanted
 * right after validation (the snapshot is read account by account); the bound only keeps a
 * validation without normalization from holding them.
 */
const validatedTrustPolicies = new Map<string, object>();
const VALIDATED_TRUST_POLICIES_KEPT = 10_000;

/**
 * A role's trust policy decoded: the object validation decoded from the same text when there is
 * one, else a fresh decode. Roles with the same trust text may share the object; it is not modified.
 *
 * @throws Error with a short reason when the text is not JSON after decoding.
 */
export function decodeTrustPolicy(document: unknown): unknown {
  if (typeof document === 'string') {
    const decoded = validatedTrustPolicies.get(document);
    if (decoded !== undefined) return decoded;
  }
  return decodePolicyDocument(document);
}

const iamTags = z.array(z.looseObject({ Key: z.string(), Value: z.string() }));
const eksTags = z.record(z.string(), z.string());
const errors = z.array(CollectionErrorSchema);

/** `GetAccountAuthorizationDetails` RoleDetail. */
export const RoleDetailSchema = z.looseObject({
  RoleName: z.string().min(1),
  Arn: roleArn,
  Path: z.string().optional(),
  RoleId: z.string().optional(),
  CreateDate: isoDateTime.optional(),
  AssumeRolePolicyDocument: TrustPolicyDocumentSchema,
  AttachedManagedPolicies: z
    .array(z.looseObject({ PolicyName: z.string().optional(), PolicyArn: policyArn }))
    .optional(),
  RolePolicyList: z
    .array(z.looseObject({ PolicyName: z.string(), PolicyDocument: PolicyDocumentSchema }))
    .optional(),
  RoleLastUsed: z
    .looseObject({ LastUsedDate: isoDateTime.optional(), Region: z.string().optional() })
    .optional(),
  Tags: iamTags.optional(),
});

/** `GetAccountAuthorizationDetails` ManagedPolicyDetail. */
export const ManagedPolicyDetailSchema = z.looseObject({
  PolicyName: z.string().min(1),
  Arn: policyArn,
  DefaultVersionId: z.string().optional(),
  PolicyVersionList: z
    .array(
      z.looseObject({
        Document: PolicyDocumentSchema.optional(),
        VersionId: z.string().optional(),
        IsDefaultVersion: z.boolean().optional(),
        CreateDate: isoDateTime.optional(),
      }),
    )
    .optional(),
});

/** `GetOpenIDConnectProvider` output plus the provider's `Arn`. */
export const OidcProviderSchema = z.looseObject({
  Arn: oidcProviderArnSchema,
  Url: z.string().min(1),
  ClientIDList: z.array(z.string()).optional(),
  ThumbprintList: z.array(z.string()).optional(),
  CreateDate: isoDateTime.optional(),
  Tags: iamTags.optional(),
});

/** `DescribeCluster.cluster`. */
export const ClusterSchema = z.looseObject({
  name: z.string().min(1),
  arn: clusterArn,
  createdAt: isoDateTime.optional(),
  version: z.string().optional(),
  status: z.string().optional(),
  identity: z
    .looseObject({
      oidc: z
        .looseObject({
          issuer: z
            .string()
            .regex(ISSUER_URL, { message: 'expected an issuer URL starting with https://' })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  computeConfig: z.looseObject({ enabled: z.boolean().optional() }).optional(),
  tags: eksTags.optional(),
});

/** `DescribePodIdentityAssociation.association`. */
export const PodIdentityAssociationSchema = z.looseObject({
  clusterName: z.string().min(1),
  namespace: z.string().min(1),
  serviceAccount: z.string().min(1),
  roleArn,
  associationArn,
  associationId: z.string().min(1),
  targetRoleArn: roleArn.optional(),
  externalId: z.string().optional(),
  disableSessionTags: z.boolean().optional(),
  ownerArn: z.string().optional(),
  createdAt: isoDateTime.optional(),
  modifiedAt: isoDateTime.optional(),
  tags: eksTags.optional(),
});

/** `DescribeAddon.addon`. */
export const AddonSchema = z.looseObject({
  addonName: z.string().min(1),
  clusterName: z.string().optional(),
  addonVersion: z.string().optional(),
  status: z.string().optional(),
  addonArn: z.string().optional(),
  serviceAccountRoleArn: roleArn.optional(),
  podIdentityAssociations: z.array(associationArn).optional(),
  createdAt: isoDateTime.optional(),
  modifiedAt: isoDateTime.optional(),
});

/** `DescribeNodegroup.nodegroup`. */
export const NodegroupSchema = z.looseObject({
  nodegroupName: z.string().min(1),
  clusterName: z.string().optional(),
  nodeRole: roleArn.optional(),
  status: z.string().optional(),
  amiType: z.string().optional(),
  createdAt: isoDateTime.optional(),
});

/** `DescribeFargateProfile.fargateProfile`. */
export const FargateProfileSchema = z.looseObject({
  fargateProfileName: z.string().min(1),
  clusterName: z.string().optional(),
  podExecutionRoleArn: roleArn.optional(),
  status: z.string().optional(),
  selectors: z.array(z.looseObject({ namespace: z.string().min(1), labels: eksTags.optional() })).optional(),
  createdAt: isoDateTime.optional(),
});

/** One `LookupEvents` `Events[]` item; `CloudTrailEvent` is the record as a JSON string. */
export const LookupEventSchema = z.looseObject({
  EventId: z.string().min(1),
  EventName: z.string().min(1),
  EventTime: isoDateTime,
  EventSource: z.string().min(1),
  Username: z.string().optional(),
  ReadOnly: z.string().optional(),
  AccessKeyId: z.string().optional(),
  Resources: z
    .array(z.looseObject({ ResourceType: z.string().optional(), ResourceName: z.string().optional() }))
    .optional(),
  CloudTrailEvent: z.string().optional(),
});

export const SnapshotClusterSchema = z.strictObject({
  cluster: ClusterSchema,
  podIdentityAssociations: z.array(PodIdentityAssociationSchema).optional(),
  addons: z.array(AddonSchema).optional(),
  nodegroups: z.array(NodegroupSchema).optional(),
  fargateProfiles: z.array(FargateProfileSchema).optional(),
  errors: errors.optional(),
});

export const CloudTrailSchema = z.strictObject({
  from: isoDateTime,
  to: isoDateTime,
  events: z.array(LookupEventSchema),
  errors: errors.optional(),
});

export const SnapshotRegionSchema = z.strictObject({
  region: z.string().regex(REGION_PATTERN, { message: 'expected an AWS region like us-east-1' }),
  errors: errors.optional(),
  clusters: z.array(SnapshotClusterSchema).optional(),
  cloudTrail: CloudTrailSchema.optional(),
});

export const SnapshotIamSchema = z.strictObject({
  roles: z.array(RoleDetailSchema),
  policies: z.array(ManagedPolicyDetailSchema).optional(),
  openIdConnectProviders: z.array(OidcProviderSchema).optional(),
  errors: errors.optional(),
});

export const SnapshotAccountSchema = z.strictObject({
  accountId,
  errors: errors.optional(),
  iam: SnapshotIamSchema.optional(),
  regions: z.array(SnapshotRegionSchema).optional(),
});

/** Snapshot format v1 (docs/architecture.md §4), validated with zod. */
export const SnapshotSchema = z.strictObject({
  snapshotVersion: z.literal(1),
  capturedAt: isoDateTime,
  accounts: z.array(SnapshotAccountSchema),
});

/** A snapshot in the v1 JSON shape. AWS objects keep every field they were collected with. */
export type Snapshot = z.output<typeof SnapshotSchema>;
export type SnapshotAccount = z.output<typeof SnapshotAccountSchema>;
export type SnapshotIam = z.output<typeof SnapshotIamSchema>;
export type SnapshotRegion = z.output<typeof SnapshotRegionSchema>;
export type SnapshotCluster = z.output<typeof SnapshotClusterSchema>;
export type SnapshotCloudTrail = z.output<typeof CloudTrailSchema>;
export type RoleDetail = z.output<typeof RoleDetailSchema>;
export type ManagedPolicyDetail = z.output<typeof ManagedPolicyDetailSchema>;
export type OidcProviderDetail = z.output<typeof OidcProviderSchema>;
export type ClusterDetail = z.output<typeof ClusterSchema>;
export type PodIdentityAssociationDetail = z.output<typeof PodIdentityAssociationSchema>;
export type AddonDetail = z.output<typeof AddonSchema>;
export type NodegroupDetail = z.output<typeof NodegroupSchema>;
export type FargateProfileDetail = z.output<typeof FargateProfileSchema>;
export type LookupEvent = z.output<typeof LookupEventSchema>;
