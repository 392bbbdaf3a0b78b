/**
 * CloudTrail records of workload identity as `LookupEvents` returns them (`Events[]` items with the
 * record as a JSON string): Pod Identity's `sts:AssumeRole` and its node-side
 * `eks-auth:AssumeRoleForPodIdentity`, IRSA's `AssumeRoleWithWebIdentity`, and the chained
 * `AssumeRole` into a cross-account target role. Ids derive from the options, so the same call
 * always gives the same record.
 */
import { eksClusterArn, oidcProviderArn, serviceAccountSubject } from '../../shared/model/identity.js';
import { alnumId, hashOf as hash, plusDays, roleNameOf, uuidOf } from './ids.js';
import type { LookupEventItem } from './organization.js';

type Json = Record<string, unknown>;

function lookupEvent(record: Json, username: string | undefined, resources: Json[]): LookupEventItem {
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
  return item as LookupEventItem;
}

function credentials(seed: string, eventTime: string, hours: number): Json {
  return {
    accessKeyId: `ASIA${alnumId(16, 'key', seed)}`,
    sessionToken: `IQoJb3JpZ2luX2VjE${alnumId(40, 'token', seed)}`,
    expiration: new Date(Date.parse(eventTime) + hours * 3_600_000).toUTCString(),
  };
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
export function podIdentityAssumeRoleEvent(options: PodIdentityAssumeRoleEventOptions): LookupEventItem {
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
export function irsaWebIdentityEvent(options: IrsaWebIdentityEventOptions): LookupEventItem {
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
export function targetRoleAssumeRoleEvent(options: TargetRoleAssumeRoleEventOptions): LookupEventItem {
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
  /** Record `errorCode: AccessDenied` (by default: the role's trust rejected the association). */
  denied?: boolean;
  /** The denial's `errorMessage`, when it is not the trust that refused (a node role without `eks-auth` permission). */
  errorMessage?: string;
}

/** `eks-auth:AssumeRoleForPodIdentity` from the Pod Identity agent on a node: no role, namespace or SA. */
export function assumeRoleForPodIdentityEvent(
  options: AssumeRoleForPodIdentityEventOptions,
): LookupEventItem {
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
    record.errorMessage =
      options.errorMessage ??
      `Failed to assume role for pod identity: the role trust policy does not allow pods.eks.amazonaws.com for cluster ${options.clusterName}`;
  }
  return lookupEvent(record, instanceId, []);
}
