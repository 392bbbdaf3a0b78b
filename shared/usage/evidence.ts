import { accountOfArn, isRecord } from '../model/identity.js';
import type { CloudTrailEventRecord } from '../model/inventory.js';
import { parseProviderArn } from '../trust/providers.js';

/** Where a piece of usage evidence came from, as findings cite it. */
export type EvidenceSource =
  | 'cloudtrail:AssumeRole'
  | 'cloudtrail:AssumeRoleWithWebIdentity'
  | 'cloudtrail:AssumeRoleForPodIdentity'
  | 'iam:RoleLastUsed';

interface EvidenceBase {
  /** CloudTrail event id. */
  eventId: string;
  /** ISO-8601 event time. */
  eventTime: string;
  /** Account and region whose CloudTrail recorded the event. */
  accountId: string;
  region: string;
}

/** The workload a Pod Identity session was issued for, read from the session tags EKS adds. */
export interface PodIdentityWorkload {
  /** Cluster account and region, parsed from `eks-cluster-arn` (falling back to the event's). */
  accountId: string;
  region: string;
  clusterName: string;
  clusterArn?: string;
  namespace: string;
  serviceAccount: string;
}

/** `sts:AssumeRole` made by the EKS Pod Identity service for an association's role. */
export interface PodIdentitySessionEvidence extends EvidenceBase {
  kind: 'pod-identity';
  source: 'cloudtrail:AssumeRole';
  roleArn: string;
  /** Absent when the association disables session tags: then only the role is known. */
  workload?: PodIdentityWorkload;
}

/** `sts:AssumeRoleWithWebIdentity` with an OIDC token (IRSA). */
export interface WebIdentityEvidence extends EvidenceBase {
  kind: 'irsa';
  source: 'cloudtrail:AssumeRoleWithWebIdentity';
  roleArn: string;
  providerArn: string;
  /** `oidc.eks.R.amazonaws.com/id/ID`: the issuer the token came from. */
  issuerHostPath: string;
  /** Token subject, `system:serviceaccount:NS:SA` for Kubernetes service accounts. */
  subject: string;
  namespace?: string;
  serviceAccount?: string;
}

/** Any other successful `sts:AssumeRole` of a role (role chaining, cross-account target roles, people). */
export interface RoleSessionEvidence extends EvidenceBase {
  kind: 'assume-role';
  source: 'cloudtrail:AssumeRole';
  roleArn: string;
  /** The caller's ARN (`userIdentity.arn`), when recorded. */
  callerArn?: string;
}

/** `eks-auth:AssumeRoleForPodIdentity` refused: a pod asked for credentials and got AccessDenied. */
export interface PodIdentityDeniedEvidence extends EvidenceBase {
  kind: 'pod-identity-denied';
  source: 'cloudtrail:AssumeRoleForPodIdentity';
  /** `requestParameters.clusterName`; the record names no role, namespace or service account. */
  clusterName?: string;
  /** The node role session that called (`userIdentity.arn`). */
  callerArn?: string;
  errorCode: string;
  errorMessage?: string;
}

export type Evidence =
  | PodIdentitySessionEvidence
  | WebIdentityEvidence
  | RoleSessionEvidence
  | PodIdentityDeniedEvidence;

/** A record that carries no usable usage evidence, and why. */
export interface SkippedRecord {
  skipped: string;
}

const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException']);

/**
 * Reads one CloudTrail record as usage evidence (aws-facts "CloudTrail evidence"). Failed assume
 * calls are not usage; the `eks-auth` success record names no role and is skipped in favour of the
 * paired `sts` AssumeRole record; its AccessDenied failures are kept as denied attempts.
 *
 * @example parseEvidence(record) // { kind: 'irsa', roleArn, subject: 'system:serviceaccount:kube-system:ebs-csi', ... }
 */
export function parseEvidence(record: CloudTrailEventRecord): Evidence | SkippedRecord {
  const detail = record.detail;
  if (!detail) return { skipped: 'CloudTrailEvent is missing or not JSON' };
  const eventSource = str(detail.eventSource) ?? record.eventSource;
  const eventName = str(detail.eventName) ?? record.eventName;
  // The evidence objects are written out field by field (no spread of a shared base): the usage
  // index reads every record of a large organization.
  const { eventId, eventTime, accountId, region } = record;
  const errorCode = str(detail.errorCode);
  const userIdentity = obj(detail.userIdentity) ?? EMPTY;
  const request = obj(detail.requestParameters) ?? EMPTY;

  if (eventSource === 'eks-auth.amazonaws.com' && eventName === 'AssumeRoleForPodIdentity') {
    if (errorCode && ACCESS_DENIED.has(errorCode)) {
      return {
        eventId,
        eventTime,
        accountId,
        region,
        kind: 'pod-identity-denied',
        source: 'cloudtrail:AssumeRoleForPodIdentity',
        clusterName: str(request.clusterName),
        callerArn: str(userIdentity.arn),
        errorCode,
        errorMessage: str(detail.errorMessage),
      };
    }
    if (errorCode) return { skipped: `AssumeRoleForPodIdentity failed with ${errorCode}` };
    return { skipped: 'AssumeRoleForPodIdentity names no role; the paired sts AssumeRole record does' };
  }
  if (eventSource !== 'sts.amazonaws.com') return { skipped: `not an STS event (${eventSource})` };
  if (eventName !== 'AssumeRole' && eventName !== 'AssumeRoleWithWebIdentity') {
    return { skipped: `not an assume-role event (${eventName})` };
  }
  if (errorCode) return { skipped: `${eventName} failed with ${errorCode}` };
  const roleArn = str(request.roleArn) ?? roleFromResources(record);
  if (!roleArn) return { skipped: `${eventName} names no role` };

  if (eventName === 'AssumeRoleWithWebIdentity') {
    const response = obj(detail.responseElements) ?? EMPTY;
    const providerArn = str(userIdentity.identityProvider) ?? str(response.provider);
    const subject = str(userIdentity.userName) ?? str(response.subjectFromWebIdentityToken);
    if (!providerArn || !subject) return { skipped: 'AssumeRoleWithWebIdentity without provider or subject' };
    const serviceAccount = serviceAccountOfSubject(subject);
    return {
      eventId,
      eventTime,
      accountId,
      region,
      kind: 'irsa',
      source: 'cloudtrail:AssumeRoleWithWebIdentity',
      roleArn,
      providerArn,
      issuerHostPath: issuerOfProviderRemembered(providerArn),
      subject,
      namespace: serviceAccount?.namespace,
      serviceAccount: serviceAccount?.serviceAccount,
    };
  }

  const invokedByPods =
    str(userIdentity.invokedBy) === POD_IDENTITY_SERVICE ||
    str(detail.sourceIPAddress) === POD_IDENTITY_SERVICE;
  if (invokedByPods) {
    return {
      eventId,
      eventTime,
      accountId,
      region,
      kind: 'pod-identity',
      source: 'cloudtrail:AssumeRole',
      roleArn,
      workload: workloadFromTags(request.tags, accountId, region),
    };
  }
  return {
    eventId,
    eventTime,
    accountId,
    region,
    kind: 'assume-role',
    source: 'cloudtrail:AssumeRole',
    roleArn,
    callerArn: str(userIdentity.arn),
  };
}

const EMPTY: Record<string, unknown> = Object.freeze({});

/**
 * Answers of the pure string parsers below, by their input: the records of one organization name
 * the same subjects, providers and clusters over and over. Emptied when full, so a long-lived
 * process does not keep every string it ever saw.
 */
class Remembered<T> {
  private readonly answers = new Map<string, T>();
  constructor(private readonly compute: (text: string) => T) {}

  get(text: string): T {
    let answer = this.answers.get(text);
    if (answer === undefined && !this.answers.has(text)) {
      answer = this.compute(text);
      if (this.answers.size >= REMEMBERED_ANSWERS) this.answers.clear();
      this.answers.set(text, answer);
    }
    return answer as T;
  }
}

const REMEMBERED_ANSWERS = 50_000;

const serviceAccountsOfSubjects = new Remembered((subject) => {
  const parsed = parseServiceAccountSubject(subject);
  return parsed === undefined ? undefined : Object.freeze(parsed);
});
/** {@link parseServiceAccountSubject}, remembered; the answer is shared, so it is frozen. */
function serviceAccountOfSubject(
  subject: string,
): Readonly<{ namespace: string; serviceAccount: string }> | undefined {
  return serviceAccountsOfSubjects.get(subject);
}

const issuersOfProviders = new Remembered((provider) => issuerOfProvider(provider));
function issuerOfProviderRemembered(provider: string): string {
  return issuersOfProviders.get(provider);
}

const clusterArns = new Remembered((arn) => {
  const parsed = parseClusterArn(arn);
  return parsed === undefined ? undefined : Object.freeze(parsed);
});

/** True when `parseEvidence` returned evidence rather than a skip reason. */
export function isEvidence(result: Evidence | SkippedRecord): result is Evidence {
  return !('skipped' in result);
}

/** Splits `system:serviceaccount:NS:SA`; undefined for any other subject. */
export function parseServiceAccountSubject(
  subject: string,
): { namespace: string; serviceAccount: string } | undefined {
  const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject);
  return match ? { namespace: match[1], serviceAccount: match[2] } : undefined;
}

/** The issuer host path named by a provider ARN (or a bare issuer URL). */
export function issuerOfProvider(provider: string): string {
  const path = parseProviderArn(provider)?.hostPath ?? provider;
  return path.replace(/^https:\/\//, '').replace(/\/+$/, '');
}

function workloadFromTags(raw: unknown, accountId: string, region: string): PodIdentityWorkload | undefined {
  const tags = sessionTags(raw);
  const namespace = tags.namespace;
  const serviceAccount = tags.serviceAccount;
  const clusterArn = tags.clusterArn;
  const fromArn = clusterArn ? clusterArns.get(clusterArn) : undefined;
  const clusterName = tags.clusterName ?? fromArn?.name;
  if (!namespace || !serviceAccount || !clusterName) return undefined;
  return {
    accountId: fromArn?.accountId ?? accountId,
    region: fromArn?.region ?? region,
    clusterName,
    clusterArn,
    namespace,
    serviceAccount,
  };
}

function parseClusterArn(arn: string): { accountId: string; region: string; name: string } | undefined {
  const match = /^arn:[^:]+:eks:([^:]+):(\d{12}):cluster\/(.+)$/.exec(arn);
  return match ? { region: match[1], accountId: match[2], name: match[3] } : undefined;
}

/** The session tags a Pod Identity workload is read from. */
interface WorkloadTags {
  clusterArn?: string;
  clusterName?: string;
  namespace?: string;
  serviceAccount?: string;
}

/**
 * The workload's session tags. CloudTrail writes AssumeRole tags as `[{ key, value }]`; tolerate
 * `Key`/`Value` and a plain map. In a list the last entry of a key with a string value wins.
 */
function sessionTags(raw: unknown): WorkloadTags {
  const tags: WorkloadTags = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const entry = obj(item);
      if (entry === undefined) continue;
      const key = str(entry.key) ?? str(entry.Key);
      if (key === undefined) continue;
      const value = str(entry.value) ?? str(entry.Value);
      if (value !== undefined) setWorkloadTag(tags, key, value);
    }
  } else if (obj(raw)) {
    const map = raw as Record<string, unknown>;
    for (const [key, field] of WORKLOAD_TAG_FIELDS) {
      const value = Object.hasOwn(map, key) ? map[key] : undefined;
      if (typeof value === 'string') tags[field] = value;
    }
  }
  return tags;
}

const WORKLOAD_TAG_FIELDS: ReadonlyArray<readonly [string, keyof WorkloadTags]> = [
  ['eks-cluster-arn', 'clusterArn'],
  ['eks-cluster-name', 'clusterName'],
  ['kubernetes-namespace', 'namespace'],
  ['kubernetes-service-account', 'serviceAccount'],
];

function setWorkloadTag(tags: WorkloadTags, key: string, value: string): void {
  switch (key) {
    case 'eks-cluster-arn':
      tags.clusterArn = value;
      break;
    case 'eks-cluster-name':
      tags.clusterName = value;
      break;
    case 'kubernetes-namespace':
      tags.namespace = value;
      break;
    case 'kubernetes-service-account':
      tags.serviceAccount = value;
      break;
  }
}

function roleFromResources(record: CloudTrailEventRecord): string | undefined {
  for (const resource of record.resources) {
    const name = resource.ResourceName;
    if (name && /^arn:[^:]+:iam::\d{12}:role\//.test(name) && accountOfArn(name)) return name;
  }
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}
