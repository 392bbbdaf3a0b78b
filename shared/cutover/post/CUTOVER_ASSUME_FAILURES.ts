import { compareText } from '../../model/compare.js';
import { isRecord } from '../../model/identity.js';
import type { CloudTrailEventRecord } from '../../model/inventory.js';
import { issuerOfProvider, parseServiceAccountSubject } from '../../usage/index.js';
import { type CutoverCheck, type CutoverContext, type CutoverDraft, oncePerRun } from '../context.js';

const CHECK_ID = 'CUTOVER_ASSUME_FAILURES';

/** CloudTrail shows NEW's workloads failing to get credentials since `--since`. */
export const check: CutoverCheck = {
  meta: {
    id: CHECK_ID,
    phase: 'post',
    category: 'cutover',
    title: 'Workload credential failures on the new cluster',
    severity: 'HIGH',
    description:
      "CloudTrail shows credential failures on NEW since `--since`: `eks-auth:AssumeRoleForPodIdentity` AccessDenied, Pod Identity `sts:AssumeRole` refused, or failed `AssumeRoleWithWebIdentity` with a token from NEW's issuer.",
    remediation:
      'Read the error messages in the evidence; compare the role trust with `eks-identity-audit trust can-assume`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-troubleshooting.html',
  },
  evaluate: (context) => assumeFailures(context),
};

/**
 * The failures of one run, one draft per kind, role and subject (found once: this check reports
 * them, and the clean-up counts a workload that failed on NEW as not served).
 */
export const assumeFailures: (context: CutoverContext) => CutoverDraft[] = oncePerRun(findFailures);

interface FailureGroup {
  kind: 'pod-identity-agent' | 'pod-identity-assume-role' | 'web-identity';
  roleArn?: string;
  subject?: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  errorCodes: Set<string>;
  errorMessages: Set<string>;
  eventIds: string[];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function obj(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** The value of the first session tag named `key` in a request's `tags` (a list of pairs or a map). */
export function tagValue(tags: unknown, key: string): string | undefined {
  if (Array.isArray(tags)) {
    for (const item of tags) {
      const entry = obj(item);
      if ((str(entry.key) ?? str(entry.Key)) === key) return str(entry.value) ?? str(entry.Value);
    }
    return undefined;
  }
  return str(obj(tags)[key]);
}

/**
 * Classifies a failed credential request of NEW's workloads (cluster `newName`, issuer host path
 * `newHost`); undefined for anything else. Reads only the fields the audit-like commands keep of a
 * CloudTrail record (`EVIDENCE_DETAIL_FIELDS`).
 */
export function failureOf(
  record: CloudTrailEventRecord,
  newName: string,
  newHost: string | undefined,
): Pick<FailureGroup, 'kind' | 'roleArn' | 'subject'> | undefined {
  const detail = record.detail;
  if (!detail) return undefined;
  const errorCode = str(detail.errorCode);
  if (!errorCode) return undefined;
  const source = str(detail.eventSource) ?? record.eventSource;
  const name = str(detail.eventName) ?? record.eventName;
  const request = obj(detail.requestParameters);
  const identity = obj(detail.userIdentity);
  if (source === 'eks-auth.amazonaws.com' && name === 'AssumeRoleForPodIdentity') {
    return str(request.clusterName) === newName && /AccessDenied/.test(errorCode)
      ? { kind: 'pod-identity-agent' }
      : undefined;
  }
  if (source !== 'sts.amazonaws.com') return undefined;
  const roleArn = str(request.roleArn);
  if (name === 'AssumeRole') {
    const byPods =
      str(identity.invokedBy) === 'pods.eks.amazonaws.com' ||
      str(detail.sourceIPAddress) === 'pods.eks.amazonaws.com';
    if (!byPods) return undefined;
    const cluster =
      tagValue(request.tags, 'eks-cluster-name') ??
      tagValue(request.tags, 'eks-cluster-arn')?.split('/').pop();
    return cluster === newName
      ? { kind: 'pod-identity-assume-role', ...(roleArn ? { roleArn } : {}) }
      : undefined;
  }
  if (name === 'AssumeRoleWithWebIdentity' && newHost) {
    const provider = str(identity.identityProvider) ?? str(obj(detail.responseElements).provider);
    if (!provider || issuerOfProvider(provider) !== newHost) return undefined;
    const subject = str(identity.userName) ?? str(obj(detail.responseElements).subjectFromWebIdentityToken);
    return { kind: 'web-identity', ...(roleArn ? { roleArn } : {}), ...(subject ? { subject } : {}) };
  }
  return undefined;
}

function findFailures({ run, inventory }: CutoverContext): CutoverDraft[] {
  const { clusters, input } = run;
  const cluster = clusters.new;
  const since = input.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const until = Date.parse(inventory.capturedAt);
  const groups = new Map<string, FailureGroup>();
  for (const window of inventory.cloudTrail) {
    for (const record of window.events) {
      const time = Date.parse(record.eventTime);
      if (Number.isNaN(time) || time < since || time > until) continue;
      const failure = failureOf(record, cluster.name, cluster.issuerHostPath);
      if (!failure) continue;
      const key = [failure.kind, failure.roleArn ?? '', failure.subject ?? ''].join('\u0000');
      let group = groups.get(key);
      if (!group) {
        group = {
          ...failure,
          count: 0,
          firstSeen: record.eventTime,
          lastSeen: record.eventTime,
          errorCodes: new Set(),
          errorMessages: new Set(),
          eventIds: [],
        };
        groups.set(key, group);
      }
      group.count++;
      if (time < Date.parse(group.firstSeen)) group.firstSeen = record.eventTime;
      if (time > Date.parse(group.lastSeen)) group.lastSeen = record.eventTime;
      const code = str(record.detail?.errorCode);
      if (code) group.errorCodes.add(code);
      const message = str(record.detail?.errorMessage);
      if (message) group.errorMessages.add(message);
      group.eventIds.push(record.eventId);
    }
  }
  const window = input.since ? `since ${input.since.toISOString()}` : 'in the CloudTrail window';
  const drafts: CutoverDraft[] = [];
  for (const group of [...groups.values()].sort((a, b) =>
    compareText(
      a.kind + (a.roleArn ?? '') + (a.subject ?? ''),
      b.kind + (b.roleArn ?? '') + (b.subject ?? ''),
    ),
  )) {
    const subject = group.subject ? parseServiceAccountSubject(group.subject) : undefined;
    const affected = run.workloads
      .filter((workload) =>
        group.kind === 'web-identity'
          ? workload.mechanism === 'irsa' &&
            workload.roleArn === group.roleArn &&
            workload.namespace === subject?.namespace &&
            workload.serviceAccount === subject?.serviceAccount
          : workload.mechanism === 'pod-identity' &&
            (group.roleArn === undefined || workload.roleArn === group.roleArn),
      )
      .map((workload) => workload.key);
    const what =
      group.kind === 'pod-identity-agent'
        ? `eks-auth:AssumeRoleForPodIdentity was refused ${group.count} time(s) on ${cluster.name}`
        : group.kind === 'pod-identity-assume-role'
          ? `EKS Pod Identity could not assume ${group.roleArn ?? 'a role'} for ${cluster.name} ${group.count} time(s)`
          : `AssumeRoleWithWebIdentity of ${group.roleArn ?? 'a role'} by ${group.subject ?? 'a token'} from ${cluster.name}'s issuer failed ${group.count} time(s)`;
    drafts.push({
      message: `${what} ${window} (${[...group.errorCodes].sort().join(', ')}; last at ${group.lastSeen})`,
      accountId: cluster.accountId,
      region: cluster.region,
      cluster: cluster.name,
      resource: group.roleArn
        ? { type: 'AwsIamRole', id: group.roleArn }
        : { type: 'AwsEksCluster', id: cluster.arn },
      workloads: affected,
      identity: [group.kind, group.subject ?? ''],
      evidence: {
        kind: group.kind,
        count: group.count,
        firstSeen: group.firstSeen,
        lastSeen: group.lastSeen,
        errorCodes: [...group.errorCodes].sort(),
        errorMessages: [...group.errorMessages].sort().slice(0, 5),
        eventIds: group.eventIds.sort().slice(0, 20),
        ...(group.subject ? { subject: group.subject } : {}),
      },
    });
  }
  return drafts;
}
