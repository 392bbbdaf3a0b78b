import type { Event, LookupAttribute } from '@aws-sdk/client-cloudtrail';
import { REGION_NAME } from '../model/identity.js';
import { parseCloudTrailEventText } from '../snapshot/index.js';

/** The session tags EKS Pod Identity adds to the role session. */
export const EKS_SESSION_TAG_KEYS: ReadonlySet<string> = new Set([
  'eks-cluster-arn',
  'eks-cluster-name',
  'kubernetes-namespace',
  'kubernetes-service-account',
  'kubernetes-pod-name',
  'kubernetes-pod-uid',
]);

/** The external id EKS sets when session tags are disabled: `REGION/ACCOUNT/CLUSTER/NAMESPACE/SA`. */
const POD_IDENTITY_EXTERNAL_ID = new RegExp(`^${REGION_NAME}/\\d{12}/[^/]+/[^/]+/[^/]+$`);

/** An EKS cluster OIDC issuer, as it appears in provider ARNs and URLs. */
const EKS_ISSUER = /oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\//;

/** The service principal that makes Pod Identity's `sts:AssumeRole` calls. */
const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';

/**
 * One LookupEvents query (CloudTrail accepts a single lookup attribute per call) and which of its
 * records count as workload-identity evidence.
 */
export interface CloudTrailLookup {
  attribute: LookupAttribute;
  keep: (record: Record<string, unknown>) => boolean;
  /** Every record of the lookup is kept, so none needs parsing to decide. */
  keepsAll?: boolean;
}

/**
 * The queries whose results feed the usage checks. Kept records:
 * - `AssumeRoleWithWebIdentity`: only IRSA ones (an EKS issuer as identity provider, or a
 *   `system:serviceaccount:` subject); other web-identity federation (CI systems) is dropped.
 * - every `eks-auth.amazonaws.com` record (`AssumeRoleForPodIdentity`, including AccessDenied).
 * - `AssumeRole`: only Pod Identity evidence: made by `pods.eks.amazonaws.com`, or carrying EKS
 *   session tags, or an external id of the form `REGION/ACCOUNT/CLUSTER/NAMESPACE/SA` (cross-account
 *   target roles). Every other AssumeRole in the account is dropped so the snapshot stays small.
 * A record whose `CloudTrailEvent` is not readable JSON is kept: dropping it could turn a used role
 * into an "unused" one.
 */
export const CLOUDTRAIL_LOOKUPS: readonly CloudTrailLookup[] = [
  {
    attribute: { AttributeKey: 'EventName', AttributeValue: 'AssumeRoleWithWebIdentity' },
    keep: isIrsaEvidence,
  },
  {
    attribute: { AttributeKey: 'EventSource', AttributeValue: 'eks-auth.amazonaws.com' },
    keep: () => true,
    keepsAll: true,
  },
  { attribute: { AttributeKey: 'EventName', AttributeValue: 'AssumeRole' }, keep: isPodIdentityAssumeRole },
];

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function object(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** True for an `AssumeRoleWithWebIdentity` record made with an EKS service-account token. */
export function isIrsaEvidence(record: Record<string, unknown>): boolean {
  const identity = object(record.userIdentity);
  const response = object(record.responseElements);
  const provider = text(identity.identityProvider) ?? text(response.provider) ?? '';
  const subject = text(identity.userName) ?? text(response.subjectFromWebIdentityToken) ?? '';
  return EKS_ISSUER.test(provider) || subject.startsWith('system:serviceaccount:');
}

/** True for an `sts:AssumeRole` record that Pod Identity made (directly or into a target role). */
export function isPodIdentityAssumeRole(record: Record<string, unknown>): boolean {
  const identity = object(record.userIdentity);
  if (
    text(identity.invokedBy) === POD_IDENTITY_PRINCIPAL ||
    text(record.sourceIPAddress) === POD_IDENTITY_PRINCIPAL ||
    text(record.userAgent) === POD_IDENTITY_PRINCIPAL
  ) {
    return true;
  }
  const request = object(record.requestParameters);
  const tags = Array.isArray(request.tags) ? request.tags : [];
  if (tags.some((tag) => EKS_SESSION_TAG_KEYS.has(text(object(tag).key) ?? text(object(tag).Key) ?? ''))) {
    return true;
  }
  return POD_IDENTITY_EXTERNAL_ID.test(text(request.externalId) ?? '');
}

/** Parses a LookupEvents item's `CloudTrailEvent`; undefined when it is missing or not a JSON object. */
export function parseCloudTrailEvent(
  event: Pick<Event, 'CloudTrailEvent'>,
): Record<string, unknown> | undefined {
  return parseCloudTrailEventText(event.CloudTrailEvent);
}
