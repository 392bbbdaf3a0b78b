import { type Event, type LookupAttribute, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { ClientFactory } from '../aws/clients.js';
import { toCollectionError } from '../aws/errors.js';
import type { CollectionError } from '../model/index.js';
import { type LookupEvent, parseCloudTrailEventText, type SnapshotCloudTrail } from '../snapshot/index.js';
import { compareText, toPlain } from './plain.js';
import type { TokenBucket } from './rate-limit.js';

/** LookupEvents page size: the documented maximum. */
const PAGE_SIZE = 50;

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
const POD_IDENTITY_EXTERNAL_ID = /^[a-z]{2}(-[a-z]+)+-\d+\/\d{12}\/[^/]+\/[^/]+\/[^/]+$/;

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

export interface CloudTrailCollectOptions {
  from: Date;
  to: Date;
  /** The account-region's LookupEvents bucket: every request, every page, waits for a token. */
  limiter: TokenBucket;
  /** A limit on requests in flight shared with the rest of the collection; each page takes a slot. */
  inFlight?: <T>(call: () => Promise<T>) => Promise<T>;
}

/**
 * Collects the workload-identity evidence of one account-region for the window: each lookup in
 * {@link CLOUDTRAIL_LOOKUPS} paged to the end, filtered, de-duplicated by event id and sorted by time.
 */
export async function collectCloudTrail(
  factory: ClientFactory,
  accountId: string,
  region: string,
  options: CloudTrailCollectOptions,
): Promise<SnapshotCloudTrail> {
  const client = factory.cloudTrail(accountId, region);
  const errors: CollectionError[] = [];
  // Kept records are copied to their plain form at once, so the SDK's objects die young.
  const events = new Map<string, LookupEvent>();
  // The lookups share the bucket, so running them one after another costs no throughput.
  for (const lookup of CLOUDTRAIL_LOOKUPS) {
    // Paged by hand rather than with the SDK paginator so every page waits for a token.
    try {
      let nextToken: string | undefined;
      do {
        await options.limiter.acquire();
        const command = new LookupEventsCommand({
          LookupAttributes: [lookup.attribute],
          StartTime: options.from,
          EndTime: options.to,
          MaxResults: PAGE_SIZE,
          NextToken: nextToken,
        });
        const page = await (options.inFlight
          ? options.inFlight(() => client.send(command))
          : client.send(command));
        for (const event of page.Events ?? []) {
          if (!event.EventId || events.has(event.EventId)) continue;
          // A lookup that keeps all its events needs no parse to decide.
          const record = lookup.keepsAll ? undefined : parseCloudTrailEvent(event);
          if (record === undefined || lookup.keep(record))
            events.set(event.EventId, toPlain<LookupEvent>(event));
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      errors.push(
        toCollectionError(
          'cloudtrail',
          'LookupEvents',
          error,
          `${lookup.attribute.AttributeKey}=${lookup.attribute.AttributeValue}`,
        ),
      );
    }
  }
  const sorted = [...events.values()].sort(
    (a, b) => compareText(a.EventTime, b.EventTime) || compareText(a.EventId, b.EventId),
  );
  return { from: options.from.toISOString(), to: options.to.toISOString(), events: sorted, errors };
}
