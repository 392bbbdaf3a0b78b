/**
 * Test support: a fluent builder for snapshot format v1 JSON with realistic AWS response shapes
 * and sensible defaults, plus factories for trust policies, managed policy documents and
 * CloudTrail LookupEvents items. Everything is deterministic: ids derive from names by hashing.
 *
 * @example
 * const json = snapshot({ capturedAt: '2026-11-29T02:00:00Z' })
 *   .account('111122223333', (a) => a
 *     .role('s3-reader', { trust: podIdentityTrust() })
 *     .region('ap-northeast-1', (r) => r
 *       .cluster('prod-blue', { oidcId: 'A1B2' }, (c) => c
 *         .association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3-reader' })
 *         .addon('eks-pod-identity-agent'))))
 *   .build();
 */
import { createHash } from 'node:crypto';
import { AWS_MANAGED_POLICIES } from '../../sandbox/managed-policies.js';
import { eksClusterArn, oidcProviderArn, serviceAccountSubject } from '../../shared/model/identity.js';
import type { CollectionError } from '../../shared/model/scope.js';

type Json = Record<string, unknown>;

/** A policy document as an object (`{ Version, Statement }`). */
export type PolicyDocument = { Version: string; Statement: Json[] } & Json;

/** How a policy document is written into the snapshot: as IAM returns it (`url`), a JSON string, or an object. */
export type PolicyEncoding = 'url' | 'json' | 'object';

/** The snapshot JSON the builder produces (contract format v1, loosely typed). */
export interface SnapshotJson {
  snapshotVersion: 1;
  capturedAt: string;
  accounts: Json[];
}

const DAY_MS = 86_400_000;

function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** Deterministic upper-case alphanumeric id of `length` characters derived from `parts`. */
function alnumId(length: number, ...parts: string[]): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let id = '';
  for (let index = 0; index < length; index++)
    id += alphabet[digest[index % digest.length] % alphabet.length];
  return id;
}

/** A UUID-shaped deterministic id. */
function uuidOf(...parts: string[]): string {
  const h = hash(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The OIDC id EKS would show for a cluster name (32 upper-case hex characters), deterministic. */
export function oidcIdFor(clusterName: string): string {
  return hash('oidc', clusterName).slice(0, 32).toUpperCase();
}

function plusDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString().replace('.000Z', 'Z');
}

/** Encodes a policy document as the snapshot stores it. */
export function encodePolicy(document: unknown, encoding: PolicyEncoding = 'url'): unknown {
  if (encoding === 'object') return structuredClone(document);
  const text = JSON.stringify(document);
  return encoding === 'json' ? text : encodeURIComponent(text);
}

/** `arn:aws:iam::aws:policy/NAME`. */
export function awsManagedPolicyArn(name: string): string {
  return `arn:aws:iam::aws:policy/${name}`;
}

/** `arn:aws:iam::ACCOUNT:role/NAME` */
export function roleArnOf(accountId: string, roleName: string, path = '/'): string {
  return `arn:aws:iam::${accountId}:role${path}${roleName}`;
}

/** A collection error as recorded in `errors[]`. */
export function collectionError(
  service: string,
  operation: string,
  code = 'AccessDeniedException',
  message = `User is not authorized to perform: ${service}:${operation}`,
  resource?: string,
): CollectionError {
  return resource === undefined
    ? { service, operation, code, message }
    : { service, operation, code, message, resource };
}

// ---------------------------------------------------------------------------------------------
// Policy factories

export interface IrsaTrustOptions {
  accountId: string;
  region: string;
  oidcId: string;
  /** Allowed subject(s) `system:serviceaccount:NS:SA`; null for no `:sub` condition at all. */
  subject: string | string[] | null;
  /** Operator of the subject condition; default StringEquals. */
  subjectOperator?: 'StringEquals' | 'StringLike';
  /** Required audience; default `sts.amazonaws.com`; null for no `:aud` condition. */
  audience?: string | null;
  sid?: string;
}

/** The IRSA trust policy EKS documents: `Federated` OIDC provider, `:aud` and `:sub` conditions. */
export function irsaTrust(options: IrsaTrustOptions): PolicyDocument {
  const hostPath = `oidc.eks.${options.region}.amazonaws.com/id/${options.oidcId}`;
  const audience = options.audience === undefined ? 'sts.amazonaws.com' : options.audience;
  const operator = options.subjectOperator ?? 'StringEquals';
  const condition: Record<string, Record<string, unknown>> = {};
  if (audience !== null) condition.StringEquals = { [`${hostPath}:aud`]: audience };
  if (options.subject !== null) {
    condition[operator] = { ...(condition[operator] ?? {}), [`${hostPath}:sub`]: options.subject };
  }
  const statement: Json = {
    ...(options.sid === undefined ? {} : { Sid: options.sid }),
    Effect: 'Allow',
    Principal: { Federated: oidcProviderArn(options.accountId, hostPath) },
    Action: 'sts:AssumeRoleWithWebIdentity',
  };
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return { Version: '2012-10-17', Statement: [statement] };
}

export interface PodIdentityTrustOptions {
  /** IAM condition block, e.g. `{ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'default' } }`. */
  conditions?: Record<string, Record<string, unknown>>;
  /** Allow `sts:TagSession` (Pod Identity needs it unless the association disables session tags); default true. */
  tagSession?: boolean;
  sid?: string;
}

/** The Pod Identity trust policy EKS documents: `pods.eks.amazonaws.com`, AssumeRole + TagSession. */
export function podIdentityTrust(options: PodIdentityTrustOptions = {}): PolicyDocument {
  const statement: Json = {
    Sid: options.sid ?? 'AllowEksAuthToAssumeRoleForPodIdentity',
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: options.tagSession === false ? ['sts:AssumeRole'] : ['sts:AssumeRole', 'sts:TagSession'],
  };
  if (options.conditions !== undefined) statement.Condition = structuredClone(options.conditions);
  return { Version: '2012-10-17', Statement: [statement] };
}

export interface CrossAccountTargetTrustOptions {
  /** The cluster's account, trusted as `:root`. */
  sourceAccountId: string;
  /** Pins the caller with `ArnEquals aws:PrincipalARN`, when given. */
  associationRoleArn?: string;
  /** Requires `sts:ExternalId`, when given. */
  externalId?: string;
  /** Allow `sts:TagSession`; default true (role chaining with session tags fails without it). */
  tagSession?: boolean;
  /** Extra condition operators merged in. */
  conditions?: Record<string, Record<string, unknown>>;
}

/** A cross-account target role's trust: the cluster account's root, narrowed by conditions. */
export function crossAccountTargetTrust(options: CrossAccountTargetTrustOptions): PolicyDocument {
  const condition: Record<string, Record<string, unknown>> = structuredClone(options.conditions ?? {});
  if (options.associationRoleArn !== undefined) {
    condition.ArnEquals = { ...(condition.ArnEquals ?? {}), 'aws:PrincipalARN': options.associationRoleArn };
  }
  if (options.externalId !== undefined) {
    condition.StringEquals = { ...(condition.StringEquals ?? {}), 'sts:ExternalId': options.externalId };
  }
  const statement: Json = {
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${options.sourceAccountId}:root` },
    Action: options.tagSession === false ? 'sts:AssumeRole' : ['sts:AssumeRole', 'sts:TagSession'],
  };
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return { Version: '2012-10-17', Statement: [statement] };
}

/** A policy whose statements are those of all `policies` in order (e.g. a dual IRSA + Pod Identity trust). */
export function mergePolicies(...policies: PolicyDocument[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: policies.flatMap((policy) => structuredClone(policy.Statement)),
  };
}

/**
 * `managedPolicy` options for an AWS managed policy as the sandbox serves it (its published default
 * version), so tests, fixtures and the sandbox share one copy of each document.
 */
export function awsManagedPolicy(name: string): ManagedPolicyOptions {
  const policy = AWS_MANAGED_POLICIES.get(name);
  if (!policy)
    throw new Error(`${name} is not among the AWS managed policies of sandbox/managed-policies.ts`);
  return {
    name,
    aws: true,
    versionId: policy.versionId,
    document: structuredClone(policy.document) as PolicyDocument,
  };
}

/** The AmazonEKSWorkerNodePolicy document (its current version grants `eks-auth:AssumeRoleForPodIdentity`). */
export function workerNodePolicy(): PolicyDocument {
  return awsManagedPolicy('AmazonEKSWorkerNodePolicy').document;
}

/** A plain permissions policy allowing `actions` on `resource`. */
export function allowPolicy(actions: string[], resource: string | string[] = '*'): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] };
}

// ---------------------------------------------------------------------------------------------
// CloudTrail event factories (LookupEvents `Events[]` items with the record as a JSON string)

function lookupEvent(record: Json, username: string | undefined, resources: Json[]): Json {
  const item: Json = {
    EventId: record.eventID,
    EventName: record.eventName,
    ReadOnly: String(record.readOnly ?? true),
    EventTime: record.eventTime,
    EventSource: record.eventSource,
    Resources: resources,
    CloudTrailEvent: JSON.stringify(record),
  };
  const accessKeyId = (record.userIdentity as Json | undefined)?.accessKeyId;
  if (typeof accessKeyId === 'string') item.AccessKeyId = accessKeyId;
  if (username !== undefined) item.Username = username;
  return item;
}

function credentials(seed: string, eventTime: string, hours: number): Json {
  return {
    accessKeyId: `ASIA${alnumId(16, 'key', seed)}`,
    sessionToken: `IQoJb3JpZ2luX2VjE${alnumId(40, 'token', seed)}`,
    expiration: new Date(Date.parse(eventTime) + hours * 3_600_000).toUTCString(),
  };
}

function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

function podIdentityTags(options: {
  accountId: string;
  region: string;
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  podName: string;
  podUid: string;
}): Array<{ key: string; value: string }> {
  return [
    { key: 'eks-cluster-arn', value: eksClusterArn(options.accountId, options.region, options.clusterName) },
    { key: 'eks-cluster-name', value: options.clusterName },
    { key: 'kubernetes-namespace', value: options.namespace },
    { key: 'kubernetes-service-account', value: options.serviceAccount },
    { key: 'kubernetes-pod-name', value: options.podName },
    { key: 'kubernetes-pod-uid', value: options.podUid },
  ];
}

export interface PodIdentityAssumeRoleEventOptions {
  /** The cluster's (and the role's) account. */
  accountId: string;
  region: string;
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  eventTime: string;
  podName?: string;
  /** The association disables session tags: no `tags`/`transitiveTagKeys` in the request. */
  disableSessionTags?: boolean;
}

/** `sts:AssumeRole` made by EKS Pod Identity (`pods.eks.amazonaws.com`) with the six session tags. */
export function podIdentityAssumeRoleEvent(options: PodIdentityAssumeRoleEventOptions): Json {
  const seed = JSON.stringify(['pi', options]);
  const podName =
    options.podName ?? `${options.serviceAccount}-7d9f8b6c5-${alnumId(5, 'pod', seed).toLowerCase()}`;
  const podUid = uuidOf('pod-uid', seed);
  const sessionName = `eks-${options.clusterName}-${podName}-${uuidOf('session', seed)}`.slice(0, 64);
  const requestParameters: Json = {
    roleArn: options.roleArn,
    roleSessionName: sessionName,
    durationSeconds: 21600,
  };
  if (options.disableSessionTags !== true) {
    const tags = podIdentityTags({ ...options, podName, podUid });
    requestParameters.tags = tags;
    requestParameters.transitiveTagKeys = tags.map((tag) => tag.key);
  }
  const record: Json = {
    eventVersion: '1.08',
    userIdentity: { type: 'AWSService', invokedBy: 'pods.eks.amazonaws.com' },
    eventTime: options.eventTime,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: options.region,
    sourceIPAddress: 'pods.eks.amazonaws.com',
    userAgent: 'pods.eks.amazonaws.com',
    requestParameters,
    responseElements: {
      credentials: credentials(seed, options.eventTime, 6),
      assumedRoleUser: {
        assumedRoleId: `AROA${alnumId(17, 'role', options.roleArn)}:${sessionName}`,
        arn: `arn:aws:sts::${options.accountId}:assumed-role/${roleNameOf(options.roleArn)}/${sessionName}`,
      },
      packedPolicySize: options.disableSessionTags === true ? undefined : 46,
    },
    requestID: uuidOf('request', seed),
    eventID: uuidOf('event', seed),
    readOnly: true,
    resources: [{ accountId: options.accountId, type: 'AWS::IAM::Role', ARN: options.roleArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: options.accountId,
    sharedEventID: uuidOf('shared', seed),
    eventCategory: 'Management',
  };
  return lookupEvent(record, undefined, [{ ResourceType: 'AWS::IAM::Role', ResourceName: options.roleArn }]);
}

export interface IrsaWebIdentityEventOptions {
  /** The role's account (where the event is recorded). */
  accountId: string;
  /** The region of the STS endpoint called (usually the cluster's). */
  region: string;
  /** The cluster's issuer OIDC id. */
  oidcId: string;
  /** The region of the cluster issuer; default `region`. */
  issuerRegion?: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  eventTime: string;
  audience?: string;
}

/** `sts:AssumeRoleWithWebIdentity` by an EKS service-account token (IRSA). */
export function irsaWebIdentityEvent(options: IrsaWebIdentityEventOptions): Json {
  const seed = JSON.stringify(['irsa', options]);
  const hostPath = `oidc.eks.${options.issuerRegion ?? options.region}.amazonaws.com/id/${options.oidcId}`;
  const providerArn = oidcProviderArn(options.accountId, hostPath);
  const subject = serviceAccountSubject(options.namespace, options.serviceAccount);
  const audience = options.audience ?? 'sts.amazonaws.com';
  const sessionName = `botocore-session-${Math.floor(Date.parse(options.eventTime) / 1000)}`;
  const record: Json = {
    eventVersion: '1.08',
    userIdentity: {
      type: 'WebIdentityUser',
      principalId: `${providerArn}:${audience}:${subject}`,
      userName: subject,
      identityProvider: providerArn,
    },
    eventTime: options.eventTime,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRoleWithWebIdentity',
    awsRegion: options.region,
    sourceIPAddress: '10.0.12.34',
    userAgent: 'Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.7',
    requestParameters: { roleArn: options.roleArn, roleSessionName: sessionName },
    responseElements: {
      credentials: credentials(seed, options.eventTime, 1),
      subjectFromWebIdentityToken: subject,
      assumedRoleUser: {
        assumedRoleId: `AROA${alnumId(17, 'role', options.roleArn)}:${sessionName}`,
        arn: `arn:aws:sts::${options.accountId}:assumed-role/${roleNameOf(options.roleArn)}/${sessionName}`,
      },
      provider: providerArn,
      audience,
    },
    requestID: uuidOf('request', seed),
    eventID: uuidOf('event', seed),
    readOnly: true,
    resources: [{ accountId: options.accountId, type: 'AWS::IAM::Role', ARN: options.roleArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: options.accountId,
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `sts.${options.region}.amazonaws.com`,
    },
  };
  return lookupEvent(record, subject, [
    { ResourceType: 'AWS::IAM::Role', ResourceName: options.roleArn },
    { ResourceType: 'AWS::IAM::OIDCProvider', ResourceName: providerArn },
  ]);
}

export interface TargetRoleAssumeRoleEventOptions {
  /** The target role's account (where the event is recorded). */
  targetAccountId: string;
  region: string;
  targetRoleArn: string;
  /** The association role whose Pod Identity session chains into the target role. */
  associationRoleArn: string;
  clusterName: string;
  /** The cluster's account; default the association role's account. */
  clusterAccountId?: string;
  namespace: string;
  serviceAccount: string;
  eventTime: string;
  /** `sts:ExternalId` passed; EKS passes one when session tags are disabled. */
  externalId?: string;
  /** Session tags passed along; default true. */
  sessionTags?: boolean;
}

/** The second `sts:AssumeRole`, in the target account, made by the association role's session. */
export function targetRoleAssumeRoleEvent(options: TargetRoleAssumeRoleEventOptions): Json {
  const seed = JSON.stringify(['target', options]);
  const sourceAccount = options.clusterAccountId ?? options.associationRoleArn.split(':')[4];
  const podName = `${options.serviceAccount}-6c8d7f9b4-${alnumId(5, 'pod', seed).toLowerCase()}`;
  const callerSession = `eks-${options.clusterName}-${podName}-${uuidOf('session', seed)}`.slice(0, 64);
  const sessionName = `eks-${options.clusterName}-${podName}`.slice(0, 64);
  const requestParameters: Json = {
    roleArn: options.targetRoleArn,
    roleSessionName: sessionName,
    durationSeconds: 3600,
  };
  if (options.externalId !== undefined) requestParameters.externalId = options.externalId;
  if (options.sessionTags !== false) {
    const tags = podIdentityTags({
      accountId: sourceAccount,
      region: options.region,
      clusterName: options.clusterName,
      namespace: options.namespace,
      serviceAccount: options.serviceAccount,
      podName,
      podUid: uuidOf('pod-uid', seed),
    });
    requestParameters.tags = tags;
    requestParameters.transitiveTagKeys = tags.map((tag) => tag.key);
  }
  const associationRoleName = roleNameOf(options.associationRoleArn);
  const record: Json = {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROA${alnumId(17, 'role', options.associationRoleArn)}:${callerSession}`,
      arn: `arn:aws:sts::${sourceAccount}:assumed-role/${associationRoleName}/${callerSession}`,
      accountId: sourceAccount,
      accessKeyId: `ASIA${alnumId(16, 'caller-key', seed)}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROA${alnumId(17, 'role', options.associationRoleArn)}`,
          arn: options.associationRoleArn,
          accountId: sourceAccount,
          userName: associationRoleName,
        },
        attributes: { creationDate: options.eventTime, mfaAuthenticated: 'false' },
      },
    },
    eventTime: options.eventTime,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: options.region,
    sourceIPAddress: '10.0.12.34',
    userAgent: 'aws-sdk-go-v2/1.32.0 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/sts#1.33.0',
    requestParameters,
    responseElements: {
      credentials: credentials(seed, options.eventTime, 1),
      assumedRoleUser: {
        assumedRoleId: `AROA${alnumId(17, 'role', options.targetRoleArn)}:${sessionName}`,
        arn: `arn:aws:sts::${options.targetAccountId}:assumed-role/${roleNameOf(options.targetRoleArn)}/${sessionName}`,
      },
    },
    requestID: uuidOf('request', seed),
    eventID: uuidOf('event', seed),
    readOnly: true,
    resources: [{ accountId: options.targetAccountId, type: 'AWS::IAM::Role', ARN: options.targetRoleArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: options.targetAccountId,
    sharedEventID: uuidOf('shared', seed),
    eventCategory: 'Management',
  };
  return lookupEvent(record, callerSession, [
    { ResourceType: 'AWS::IAM::Role', ResourceName: options.targetRoleArn },
  ]);
}

export interface AssumeRoleForPodIdentityEventOptions {
  accountId: string;
  region: string;
  clusterName: string;
  /** The node role whose instance session calls the Pod Identity agent's API. */
  nodeRoleArn: string;
  instanceId?: string;
  eventTime: string;
  /** Record `errorCode: AccessDenied` (the role's trust rejected the association). */
  denied?: boolean;
}

/** `eks-auth:AssumeRoleForPodIdentity` from the Pod Identity agent on a node: no role, namespace or SA. */
export function assumeRoleForPodIdentityEvent(options: AssumeRoleForPodIdentityEventOptions): Json {
  const seed = JSON.stringify(['eks-auth', options]);
  const instanceId =
    options.instanceId ?? `i-0${hash('instance', options.nodeRoleArn, options.clusterName).slice(0, 16)}`;
  const nodeRoleName = roleNameOf(options.nodeRoleArn);
  const record: Json = {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROA${alnumId(17, 'role', options.nodeRoleArn)}:${instanceId}`,
      arn: `arn:aws:sts::${options.accountId}:assumed-role/${nodeRoleName}/${instanceId}`,
      accountId: options.accountId,
      accessKeyId: `ASIA${alnumId(16, 'node-key', seed)}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROA${alnumId(17, 'role', options.nodeRoleArn)}`,
          arn: options.nodeRoleArn,
          accountId: options.accountId,
          userName: nodeRoleName,
        },
        attributes: { creationDate: plusDays(options.eventTime, -0.25), mfaAuthenticated: 'false' },
        ec2RoleDelivery: '2.0',
      },
    },
    eventTime: options.eventTime,
    eventSource: 'eks-auth.amazonaws.com',
    eventName: 'AssumeRoleForPodIdentity',
    awsRegion: options.region,
    sourceIPAddress: '10.0.45.67',
    userAgent: 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/eksauth#1.5.3',
    requestParameters: { clusterName: options.clusterName, token: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
    responseElements: null,
    requestID: uuidOf('request', seed),
    eventID: uuidOf('event', seed),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: options.accountId,
    eventCategory: 'Management',
  };
  if (options.denied === true) {
    record.errorCode = 'AccessDenied';
    record.errorMessage = `Failed to assume role for pod identity: the role trust policy does not allow pods.eks.amazonaws.com for cluster ${options.clusterName}`;
  }
  return lookupEvent(record, instanceId, []);
}

// ---------------------------------------------------------------------------------------------
// The builder

export interface RoleOptions {
  /** Trust policy (object); default a Pod Identity trust. */
  trust?: PolicyDocument;
  /** How documents are written; default `url` (what IAM returns). */
  encoding?: PolicyEncoding;
  path?: string;
  createDate?: string;
  /** `RoleLastUsed.LastUsedDate`; omitted means never used in IAM's 400-day window. */
  lastUsed?: string;
  lastUsedRegion?: string;
  /** Inline policies by name. */
  inlinePolicies?: Record<string, PolicyDocument>;
  /** Attached managed policy ARNs (see {@link awsManagedPolicyArn}). */
  managedPolicyArns?: string[];
  tags?: Record<string, string>;
  description?: string;
}

export interface ManagedPolicyOptions {
  name: string;
  document: PolicyDocument;
  /** AWS managed (`arn:aws:iam::aws:policy/...`); default false (customer managed in this account). */
  aws?: boolean;
  versionId?: string;
  encoding?: PolicyEncoding;
}

export interface OidcProviderOptions {
  /** EKS issuer region and id; or give `url` for any provider. */
  region?: string;
  oidcId?: string;
  /** Host path without `https://`. */
  url?: string;
  clientIds?: string[];
  createDate?: string;
  tags?: Record<string, string>;
}

export interface ClusterOptions {
  /** The issuer's OIDC id; default derived from the name; null for a cluster without an issuer. */
  oidcId?: string | null;
  autoMode?: boolean;
  version?: string;
  platformVersion?: string;
  status?: string;
  createdAt?: string;
  tags?: Record<string, string>;
  authenticationMode?: 'API' | 'API_AND_CONFIG_MAP' | 'CONFIG_MAP';
}

export interface AssociationOptions {
  namespace: string;
  serviceAccount: string;
  /** Role in the cluster's account by name, or give `roleArn`. */
  roleName?: string;
  roleArn?: string;
  targetRoleArn?: string;
  /** Default: generated by EKS when a target role is set. */
  externalId?: string;
  disableSessionTags?: boolean;
  ownerArn?: string;
  createdAt?: string;
  modifiedAt?: string;
  tags?: Record<string, string>;
}

export interface AddonOptions {
  version?: string;
  status?: string;
  /** IRSA role of the add-on, by ARN. */
  serviceAccountRoleArn?: string;
  /** Associations the add-on owns: created on the cluster with `ownerArn` = the add-on ARN. */
  associations?: Array<Omit<AssociationOptions, 'ownerArn'>>;
  createdAt?: string;
}

export interface NodegroupOptions {
  /** Node role in the cluster's account by name, or give `nodeRoleArn`. */
  nodeRoleName?: string;
  nodeRoleArn?: string;
  amiType?: string;
  instanceTypes?: string[];
  status?: string;
  createdAt?: string;
}

export interface FargateProfileOptions {
  podExecutionRoleName?: string;
  status?: string;
  createdAt?: string;
}

interface Context {
  capturedAt: string;
  accountId: string;
  region: string;
}

const DEFAULT_CREATED = '2025-06-01T00:00:00Z';

const ADDON_VERSIONS: Record<string, string> = {
  'eks-pod-identity-agent': 'v1.3.8-eksbuild.2',
  'aws-ebs-csi-driver': 'v1.48.0-eksbuild.1',
  'vpc-cni': 'v1.20.1-eksbuild.3',
  coredns: 'v1.12.2-eksbuild.4',
  'kube-proxy': 'v1.33.3-eksbuild.6',
  'aws-efs-csi-driver': 'v2.1.10-eksbuild.1',
};

/** Builds one `clusters[]` entry of a region. */
export class ClusterBuilder {
  private readonly associations: Json[] = [];
  private readonly addons: Json[] = [];
  private readonly nodegroups: Json[] = [];
  private readonly fargateProfiles: Json[] = [];
  private readonly errors: CollectionError[] = [];
  private readonly clusterObject: Json;

  constructor(
    private readonly context: Context,
    readonly name: string,
    options: ClusterOptions,
  ) {
    const { accountId, region } = context;
    const oidcId = options.oidcId === undefined ? oidcIdFor(name) : options.oidcId;
    const vpcSeed = hash('vpc', accountId, region);
    const cluster: Json = {
      name,
      arn: eksClusterArn(accountId, region, name),
      createdAt: options.createdAt ?? DEFAULT_CREATED,
      version: options.version ?? '1.33',
      endpoint: `https://${hash('endpoint', accountId, region, name).slice(0, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
      roleArn: roleArnOf(accountId, `${name}-cluster-role`),
      resourcesVpcConfig: {
        subnetIds: [`subnet-0${vpcSeed.slice(0, 16)}`, `subnet-0${vpcSeed.slice(16, 32)}`],
        securityGroupIds: [],
        clusterSecurityGroupId: `sg-0${hash('sg', name).slice(0, 16)}`,
        vpcId: `vpc-0${vpcSeed.slice(32, 48)}`,
        endpointPublicAccess: false,
        endpointPrivateAccess: true,
        publicAccessCidrs: [],
      },
      kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
      logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: true }] },
      status: options.status ?? 'ACTIVE',
      certificateAuthority: { data: Buffer.from(`ca-${name}`).toString('base64') },
      platformVersion: options.platformVersion ?? 'eks.9',
      tags: { ...(options.tags ?? {}) },
      accessConfig: { authenticationMode: options.authenticationMode ?? 'API_AND_CONFIG_MAP' },
      upgradePolicy: { supportType: 'STANDARD' },
    };
    if (oidcId !== null) {
      cluster.identity = { oidc: { issuer: `https://oidc.eks.${region}.amazonaws.com/id/${oidcId}` } };
    }
    if (options.autoMode === true) {
      cluster.computeConfig = {
        enabled: true,
        nodePools: ['general-purpose', 'system'],
        nodeRoleArn: roleArnOf(accountId, `${name}-auto-node-role`),
      };
      cluster.storageConfig = { blockStorage: { enabled: true } };
      (cluster.kubernetesNetworkConfig as Json).elasticLoadBalancing = { enabled: true };
    }
    this.clusterObject = cluster;
  }

  private roleArn(roleName: string | undefined, roleArn: string | undefined, what: string): string {
    if (roleArn !== undefined) return roleArn;
    if (roleName === undefined) throw new Error(`${what} needs roleName or roleArn`);
    return roleArnOf(this.context.accountId, roleName);
  }

  /** A Pod Identity association (DescribePodIdentityAssociation.association). */
  association(options: AssociationOptions): this {
    const { accountId, region } = this.context;
    const associationId = `a-${hash('association', accountId, region, this.name, options.namespace, options.serviceAccount).slice(0, 17)}`;
    const association: Json = {
      clusterName: this.name,
      namespace: options.namespace,
      serviceAccount: options.serviceAccount,
      roleArn: this.roleArn(options.roleName, options.roleArn, 'association'),
      associationArn: `arn:aws:eks:${region}:${accountId}:podidentityassociation/${this.name}/${associationId}`,
      associationId,
      tags: { ...(options.tags ?? {}) },
      createdAt: options.createdAt ?? DEFAULT_CREATED,
      modifiedAt: options.modifiedAt ?? options.createdAt ?? DEFAULT_CREATED,
      disableSessionTags: options.disableSessionTags ?? false,
    };
    if (options.targetRoleArn !== undefined) {
      association.targetRoleArn = options.targetRoleArn;
      association.externalId = options.externalId ?? uuidOf('external-id', associationId);
    } else if (options.externalId !== undefined) association.externalId = options.externalId;
    if (options.ownerArn !== undefined) association.ownerArn = options.ownerArn;
    this.associations.push(association);
    return this;
  }

  /** An EKS add-on (DescribeAddon.addon); `associations` become add-on-owned associations. */
  addon(name: string, options: AddonOptions = {}): this {
    const { accountId, region } = this.context;
    const addonArn = `arn:aws:eks:${region}:${accountId}:addon/${this.name}/${name}/${uuidOf('addon', accountId, region, this.name, name).slice(0, 36)}`;
    const owned: string[] = [];
    for (const association of options.associations ?? []) {
      this.association({ ...association, ownerArn: addonArn });
      owned.push(this.associations[this.associations.length - 1].associationArn as string);
    }
    const addon: Json = {
      addonName: name,
      clusterName: this.name,
      status: options.status ?? 'ACTIVE',
      addonVersion: options.version ?? ADDON_VERSIONS[name] ?? 'v1.0.0-eksbuild.1',
      health: { issues: [] },
      addonArn,
      createdAt: options.createdAt ?? DEFAULT_CREATED,
      modifiedAt: options.createdAt ?? DEFAULT_CREATED,
      tags: {},
      podIdentityAssociations: owned,
    };
    if (options.serviceAccountRoleArn !== undefined)
      addon.serviceAccountRoleArn = options.serviceAccountRoleArn;
    this.addons.push(addon);
    return this;
  }

  /** A managed node group (DescribeNodegroup.nodegroup). */
  nodegroup(name: string, options: NodegroupOptions = {}): this {
    const { accountId, region } = this.context;
    const nodeRole =
      options.nodeRoleArn ??
      (options.nodeRoleName === undefined ? undefined : roleArnOf(accountId, options.nodeRoleName));
    const subnetSeed = hash('vpc', accountId, region);
    const nodegroup: Json = {
      nodegroupName: name,
      nodegroupArn: `arn:aws:eks:${region}:${accountId}:nodegroup/${this.name}/${name}/${uuidOf('ng', this.name, name).slice(0, 36)}`,
      clusterName: this.name,
      version: this.clusterObject.version,
      releaseVersion: '1.33.4-20250904',
      createdAt: options.createdAt ?? DEFAULT_CREATED,
      modifiedAt: options.createdAt ?? DEFAULT_CREATED,
      status: options.status ?? 'ACTIVE',
      capacityType: 'ON_DEMAND',
      scalingConfig: { minSize: 2, maxSize: 6, desiredSize: 3 },
      instanceTypes: options.instanceTypes ?? ['m6i.large'],
      subnets: [`subnet-0${subnetSeed.slice(0, 16)}`, `subnet-0${subnetSeed.slice(16, 32)}`],
      amiType: options.amiType ?? 'AL2023_x86_64_STANDARD',
      labels: {},
      resources: {
        autoScalingGroups: [{ name: `eks-${name}-${uuidOf('asg', this.name, name).slice(0, 36)}` }],
      },
      health: { issues: [] },
      updateConfig: { maxUnavailable: 1 },
      tags: {},
    };
    if (nodeRole !== undefined) nodegroup.nodeRole = nodeRole;
    this.nodegroups.push(nodegroup);
    return this;
  }

  /** A Fargate profile (DescribeFargateProfile.fargateProfile) with its selectors. */
  fargateProfile(
    name: string,
    selectors: Array<{ namespace: string; labels?: Record<string, string> }>,
    options: FargateProfileOptions = {},
  ): this {
    const { accountId, region } = this.context;
    const subnetSeed = hash('vpc', accountId, region);
    this.fargateProfiles.push({
      fargateProfileName: name,
      fargateProfileArn: `arn:aws:eks:${region}:${accountId}:fargateprofile/${this.name}/${name}/${uuidOf('fp', this.name, name).slice(0, 36)}`,
      clusterName: this.name,
      createdAt: options.createdAt ?? DEFAULT_CREATED,
      podExecutionRoleArn: roleArnOf(
        accountId,
        options.podExecutionRoleName ?? 'AmazonEKSFargatePodExecutionRole',
      ),
      subnets: [`subnet-0${subnetSeed.slice(0, 16)}`],
      selectors: selectors.map((selector) => ({
        namespace: selector.namespace,
        labels: { ...(selector.labels ?? {}) },
      })),
      status: options.status ?? 'ACTIVE',
      tags: {},
    });
    return this;
  }

  /** Records a collection error on this cluster (it and its sub-resources become incomplete). */
  error(error: CollectionError): this {
    this.errors.push(error);
    return this;
  }

  /** @internal */
  toJson(): Json {
    return {
      cluster: this.clusterObject,
      podIdentityAssociations: this.associations,
      addons: this.addons,
      nodegroups: this.nodegroups,
      fargateProfiles: this.fargateProfiles,
      errors: this.errors,
    };
  }
}

/** Builds one `regions[]` entry of an account. */
export class RegionBuilder {
  private readonly clusters: ClusterBuilder[] = [];
  private readonly events: Json[] = [];
  private readonly errors: CollectionError[] = [];
  private readonly cloudTrailErrors: CollectionError[] = [];
  private cloudTrailEnabled = true;
  private window: { from: string; to: string };

  constructor(private readonly context: Context) {
    this.window = { from: plusDays(context.capturedAt, -90), to: context.capturedAt };
  }

  get region(): string {
    return this.context.region;
  }

  /** An EKS cluster; `build` adds associations, add-ons, node groups and Fargate profiles. */
  cluster(name: string, options: ClusterOptions = {}, build?: (cluster: ClusterBuilder) => unknown): this {
    const cluster = new ClusterBuilder(this.context, name, options);
    build?.(cluster);
    this.clusters.push(cluster);
    return this;
  }

  /** A LookupEvents item (see the event factories) in this region's CloudTrail window. */
  event(...events: Json[]): this {
    this.events.push(...events.map((event) => structuredClone(event)));
    return this;
  }

  /** Sets the CloudTrail window; default the 90 days before `capturedAt`. */
  cloudTrailWindow(from: string, to: string = this.context.capturedAt): this {
    this.window = { from, to };
    return this;
  }

  /** Omits the `cloudTrail` object, as when CloudTrail was not collected for this region. */
  withoutCloudTrail(): this {
    this.cloudTrailEnabled = false;
    return this;
  }

  /** Records an error at the CloudTrail level of this region. */
  cloudTrailError(error: CollectionError): this {
    this.cloudTrailErrors.push(error);
    return this;
  }

  /** Records an error at the region level (e.g. ListClusters failed). */
  error(error: CollectionError): this {
    this.errors.push(error);
    return this;
  }

  /** @internal */
  toJson(): Json {
    const json: Json = {
      region: this.context.region,
      errors: this.errors,
      clusters: this.clusters.map((cluster) => cluster.toJson()),
    };
    if (this.cloudTrailEnabled) {
      json.cloudTrail = { ...this.window, events: this.events, errors: this.cloudTrailErrors };
    }
    return json;
  }
}

/** Builds one `accounts[]` entry. */
export class AccountBuilder {
  private readonly roles: Json[] = [];
  private readonly policies: Json[] = [];
  private readonly providers: Json[] = [];
  private readonly regions: RegionBuilder[] = [];
  private readonly errors: CollectionError[] = [];
  private readonly iamErrors: CollectionError[] = [];
  private iamEnabled = true;

  constructor(
    readonly accountId: string,
    private readonly capturedAt: string,
  ) {}

  /** The ARN of a role of this account. */
  roleArn(roleName: string, path = '/'): string {
    return roleArnOf(this.accountId, roleName, path);
  }

  /** An IAM role (GetAccountAuthorizationDetails RoleDetail). */
  role(name: string, options: RoleOptions = {}): this {
    const encoding = options.encoding ?? 'url';
    const path = options.path ?? '/';
    const lastUsed: Json = {};
    if (options.lastUsed !== undefined) {
      lastUsed.LastUsedDate = options.lastUsed;
      lastUsed.Region = options.lastUsedRegion ?? 'us-east-1';
    }
    const managed = options.managedPolicyArns ?? [];
    const role: Json = {
      Path: path,
      RoleName: name,
      RoleId: `AROA${alnumId(17, 'role', this.roleArn(name, path))}`,
      Arn: this.roleArn(name, path),
      CreateDate: options.createDate ?? '2025-01-15T09:30:00Z',
      AssumeRolePolicyDocument: encodePolicy(options.trust ?? podIdentityTrust(), encoding),
      InstanceProfileList: [],
      RolePolicyList: Object.entries(options.inlinePolicies ?? {}).map(([policyName, document]) => ({
        PolicyName: policyName,
        PolicyDocument: encodePolicy(document, encoding),
      })),
      AttachedManagedPolicies: managed.map((arn) => ({
        PolicyName: arn.slice(arn.lastIndexOf('/') + 1),
        PolicyArn: arn,
      })),
      Tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      RoleLastUsed: lastUsed,
    };
    if (options.description !== undefined) role.Description = options.description;
    this.roles.push(role);
    return this;
  }

  /** A managed policy (GetAccountAuthorizationDetails ManagedPolicyDetail) with its default version. */
  managedPolicy(options: ManagedPolicyOptions): this {
    const arn =
      options.aws === true
        ? awsManagedPolicyArn(options.name)
        : `arn:aws:iam::${this.accountId}:policy/${options.name}`;
    const versionId = options.versionId ?? 'v1';
    this.policies.push({
      PolicyName: options.name,
      PolicyId: `ANPA${alnumId(17, 'policy', arn)}`,
      Arn: arn,
      Path: '/',
      DefaultVersionId: versionId,
      AttachmentCount: 1,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      CreateDate: '2024-01-10T00:00:00Z',
      UpdateDate: '2024-01-10T00:00:00Z',
      PolicyVersionList: [
        {
          Document: encodePolicy(options.document, options.encoding ?? 'url'),
          VersionId: versionId,
          IsDefaultVersion: true,
          CreateDate: '2024-01-10T00:00:00Z',
        },
      ],
    });
    return this;
  }

  /** An IAM OIDC provider (GetOpenIDConnectProvider output plus `Arn`). */
  oidcProvider(options: OidcProviderOptions): this {
    const url =
      options.url ??
      (options.region !== undefined && options.oidcId !== undefined
        ? `oidc.eks.${options.region}.amazonaws.com/id/${options.oidcId}`
        : undefined);
    if (url === undefined) throw new Error('oidcProvider needs region and oidcId, or url');
    this.providers.push({
      Arn: oidcProviderArn(this.accountId, url),
      Url: url,
      ClientIDList: options.clientIds ?? ['sts.amazonaws.com'],
      ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
      CreateDate: options.createDate ?? '2025-06-01T00:05:00Z',
      Tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    });
    return this;
  }

  /** A region with its clusters and CloudTrail window. */
  region(region: string, build?: (region: RegionBuilder) => unknown): this {
    const builder = new RegionBuilder({ capturedAt: this.capturedAt, accountId: this.accountId, region });
    build?.(builder);
    this.regions.push(builder);
    return this;
  }

  /** Records an account-level error: everything in the account becomes incomplete. */
  error(error: CollectionError): this {
    this.errors.push(error);
    return this;
  }

  /** Records an error on the account's IAM collection. */
  iamError(error: CollectionError): this {
    this.iamErrors.push(error);
    return this;
  }

  /** Omits the `iam` object (IAM was not collected). */
  withoutIam(): this {
    this.iamEnabled = false;
    return this;
  }

  /** @internal */
  toJson(): Json {
    const json: Json = { accountId: this.accountId, errors: this.errors };
    if (this.iamEnabled) {
      json.iam = {
        roles: this.roles,
        policies: this.policies,
        openIdConnectProviders: this.providers,
        errors: this.iamErrors,
      };
    }
    json.regions = this.regions.map((region) => region.toJson());
    return json;
  }
}

/** Builds a whole snapshot; obtain one with {@link snapshot}. */
export class SnapshotBuilder {
  private readonly accounts: Array<AccountBuilder | Json> = [];

  constructor(readonly capturedAt: string) {}

  /** An account that was collected; `build` adds IAM data and regions. */
  account(accountId: string, build?: (account: AccountBuilder) => unknown): this {
    const builder = new AccountBuilder(accountId, this.capturedAt);
    build?.(builder);
    this.accounts.push(builder);
    return this;
  }

  /** An account whose AssumeRole failed: only `accountId` and `errors`. */
  failedAccount(
    accountId: string,
    error: CollectionError = collectionError(
      'sts',
      'AssumeRole',
      'AccessDenied',
      `User: arn:aws:sts::999988887777:assumed-role/eks-identity-audit-collector/collect is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${accountId}:role/eks-identity-audit-read`,
    ),
  ): this {
    this.accounts.push({ accountId, errors: [error] });
    return this;
  }

  /** The snapshot as plain JSON in contract format v1 (a fresh copy each call). */
  build(): SnapshotJson {
    return structuredClone({
      snapshotVersion: 1 as const,
      capturedAt: this.capturedAt,
      accounts: this.accounts.map((account) =>
        account instanceof AccountBuilder ? account.toJson() : account,
      ),
    });
  }
}

/** Starts a snapshot; `capturedAt` is "now" for every time-based rule (default 2026-11-29T02:00:00Z). */
export function snapshot(options: { capturedAt?: string } = {}): SnapshotBuilder {
  return new SnapshotBuilder(options.capturedAt ?? '2026-11-29T02:00:00Z');
}
