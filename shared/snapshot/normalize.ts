import { isRecord, issuerHostPath, oidcProviderArn, partitionOf } from '../model/identity.js';
import type {
  AccountInventory,
  AddonInventory,
  AssociationInventory,
  CloudTrailEventRecord,
  CloudTrailWindow,
  ClusterInventory,
  Completeness,
  FargateProfileInventory,
  Inventory,
  ManagedPolicyInventory,
  NodegroupInventory,
  OidcProviderInventory,
  PolicyDocumentRef,
  RoleInventory,
} from '../model/inventory.js';
import { decodePolicyDocument } from '../model/policy-document.js';
import type { CollectionError, ScopeStatus } from '../model/scope.js';
import { isEksIssuerHostPath } from '../trust/providers.js';
import type {
  LookupEvent,
  ManagedPolicyDetail,
  OidcProviderDetail,
  RoleDetail,
  Snapshot,
  SnapshotAccount,
  SnapshotCluster,
  SnapshotRegion,
} from './schema.js';
import { decodeTrustPolicy } from './schema.js';

/** IAM lists tags as `[{Key, Value}]`; checks read them as a record. */
function iamTagsToRecord(
  tags: ReadonlyArray<{ Key: string; Value: string }> | undefined,
): Record<string, string> {
  const record: Record<string, string> = {};
  for (const tag of tags ?? []) record[tag.Key] = tag.Value;
  return record;
}

function normalizeRole(accountId: string, role: RoleDetail): RoleInventory {
  const inlinePolicies: PolicyDocumentRef[] = (role.RolePolicyList ?? []).map((policy) => ({
    name: policy.PolicyName,
    document: decodePolicyDocument(policy.PolicyDocument),
  }));
  return {
    accountId,
    arn: role.Arn,
    name: role.RoleName,
    path: role.Path ?? '/',
    createDate: role.CreateDate,
    trustPolicy: decodeTrustPolicy(role.AssumeRolePolicyDocument),
    inlinePolicies,
    attachedManagedPolicyArns: (role.AttachedManagedPolicies ?? []).map((policy) => policy.PolicyArn),
    lastUsedDate: role.RoleLastUsed?.LastUsedDate,
    lastUsedRegion: role.RoleLastUsed?.Region,
    tags: iamTagsToRecord(role.Tags),
    raw: role,
  };
}

function normalizeManagedPolicy(policy: ManagedPolicyDetail): ManagedPolicyInventory {
  const versions = policy.PolicyVersionList ?? [];
  const defaultVersion =
    versions.find((version) => version.IsDefaultVersion === true) ??
    versions.find(
      (version) => policy.DefaultVersionId !== undefined && version.VersionId === policy.DefaultVersionId,
    );
  return {
    arn: policy.Arn,
    name: policy.PolicyName,
    defaultDocument:
      defaultVersion?.Document === undefined ? undefined : decodePolicyDocument(defaultVersion.Document),
  };
}

function normalizeOidcProvider(accountId: string, provider: OidcProviderDetail): OidcProviderInventory {
  const url = issuerHostPath(provider.Url);
  return {
    accountId,
    arn: provider.Arn,
    url,
    clientIds: provider.ClientIDList ?? [],
    isEksIssuer: isEksIssuerHostPath(url),
    createDate: provider.CreateDate,
    tags: iamTagsToRecord(provider.Tags),
  };
}

function normalizeCluster(accountId: string, region: string, entry: SnapshotCluster): ClusterInventory {
  const cluster = entry.cluster;
  const issuerUrl = cluster.identity?.oidc?.issuer;
  const hostPath = issuerUrl === undefined ? undefined : issuerHostPath(issuerUrl);
  const associations: AssociationInventory[] = (entry.podIdentityAssociations ?? []).map((association) => ({
    accountId,
    region,
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    namespace: association.namespace,
    serviceAccount: association.serviceAccount,
    roleArn: association.roleArn,
    targetRoleArn: association.targetRoleArn,
    externalId: association.externalId,
    disableSessionTags: association.disableSessionTags === true,
    associationArn: association.associationArn,
    associationId: association.associationId,
    ownerArn: association.ownerArn,
    createdAt: association.createdAt,
    modifiedAt: association.modifiedAt,
    tags: { ...(association.tags ?? {}) },
    raw: association,
  }));
  const addons: AddonInventory[] = (entry.addons ?? []).map((addon) => ({
    accountId,
    region,
    clusterName: cluster.name,
    name: addon.addonName,
    version: addon.addonVersion,
    status: addon.status,
    serviceAccountRoleArn: addon.serviceAccountRoleArn,
    podIdentityAssociationArns: [...(addon.podIdentityAssociations ?? [])],
    raw: addon,
  }));
  const nodegroups: NodegroupInventory[] = (entry.nodegroups ?? []).map((nodegroup) => ({
    accountId,
    region,
    clusterName: cluster.name,
    name: nodegroup.nodegroupName,
    nodeRoleArn: nodegroup.nodeRole,
    status: nodegroup.status,
    amiType: nodegroup.amiType,
    raw: nodegroup,
  }));
  const fargateProfiles: FargateProfileInventory[] = (entry.fargateProfiles ?? []).map((profile) => ({
    accountId,
    region,
    clusterName: cluster.name,
    name: profile.fargateProfileName,
    podExecutionRoleArn: profile.podExecutionRoleArn,
    status: profile.status,
    selectors: (profile.selectors ?? []).map((selector) =>
      selector.labels === undefined
        ? { namespace: selector.namespace }
        : { namespace: selector.namespace, labels: { ...selector.labels } },
    ),
    raw: profile,
  }));
  return {
    accountId,
    region,
    name: cluster.name,
    arn: cluster.arn,
    status: cluster.status,
    version: cluster.version,
    createdAt: cluster.createdAt,
    issuerUrl,
    issuerHostPath: hostPath,
    oidcProviderArn:
      hostPath === undefined ? undefined : oidcProviderArn(accountId, hostPath, partitionOf(cluster.arn)),
    autoMode: cluster.computeConfig?.enabled === true,
    associations,
    addons,
    nodegroups,
    fargateProfiles,
    tags: { ...(cluster.tags ?? {}) },
    raw: cluster,
  };
}

/**
 * Parses a LookupEvents item's `CloudTrailEvent` text.
 *
 * @returns the record, or undefined when the text is missing, empty or not a JSON object.
 */
export function parseCloudTrailEventText(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A LookupEvents item as the inventory and the evidence parser read it: the item's fields with the
 * `CloudTrailEvent` text parsed into `detail`.
 *
 * @example lookupEventRecord('111122223333', 'eu-west-1', snapshotEvent).detail?.eventName
 */
export function lookupEventRecord(
  accountId: string,
  region: string,
  event: LookupEvent,
): CloudTrailEventRecord {
  return {
    ...eventFields(accountId, region, event),
    detail: parseCloudTrailEventText(event.CloudTrailEvent),
  };
}

/** A LookupEvents item's fields as the inventory records them, all but the parsed `detail`. */
function eventFields(
  accountId: string,
  region: string,
  event: LookupEvent,
  pool: StringPool = NO_POOL,
): CloudTrailEventRecord {
  return {
    accountId,
    region,
    eventId: event.EventId,
    eventName: pool.get(event.EventName),
    eventTime: event.EventTime,
    eventSource: pool.get(event.EventSource),
    username: pool.get(event.Username),
    resources: (event.Resources ?? []).map((resource) => ({
      ResourceType: pool.get(resource.ResourceType),
      ResourceName: pool.get(resource.ResourceName),
    })),
  };
}

/**
 * One copy of each repeated string. `JSON.parse` makes a new string for every value, and a
 * CloudTrail window repeats the same services, roles, clusters and subjects in every record.
 */
class StringPool {
  private readonly strings = new Map<string, string>();

  get<T>(value: T): T {
    if (typeof value !== 'string') return value;
    const known = this.strings.get(value);
    if (known !== undefined) return known as T;
    this.strings.set(value, value);
    return value;
  }
}

const NO_POOL = { get: <T>(value: T): T => value } as StringPool;

/**
 * How much of each `CloudTrailEvent` an inventory keeps in `detail`:
 * - `full`: the whole record, parsed from the kept text each time `detail` is read;
 * - `evidence`: only {@link EVIDENCE_DETAIL_FIELDS}, parsed once while reading, so neither the text
 *   nor the rest of the record lives through the run (records are about half of a big snapshot).
 */
export type CloudTrailDetail = 'full' | 'evidence';

/**
 * What an `evidence` inventory keeps of a CloudTrail record: every field the usage evidence and the
 * cutover checks read. Top-level fields are kept as they are; of the objects named here only the
 * listed members are kept (a value that is not an object is kept as it is); of the session tags
 * (`requestParameters.tags`, a `[{key, value}]` list or a map) only those named here.
 */
export const EVIDENCE_DETAIL_FIELDS = {
  top: ['eventSource', 'eventName', 'errorCode', 'errorMessage', 'sourceIPAddress'],
  userIdentity: ['type', 'arn', 'invokedBy', 'identityProvider', 'userName'],
  requestParameters: ['roleArn', 'clusterName', 'tags'],
  responseElements: ['provider', 'subjectFromWebIdentityToken'],
  sessionTags: ['eks-cluster-arn', 'eks-cluster-name', 'kubernetes-namespace', 'kubernetes-service-account'],
} as const;

const EVIDENCE_OBJECTS = ['userIdentity', 'requestParameters', 'responseElements'] as const;
const EVIDENCE_TAGS: ReadonlySet<string> = new Set(EVIDENCE_DETAIL_FIELDS.sessionTags);

function pick(
  source: Record<string, unknown>,
  keys: readonly string[],
  pool: StringPool,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(source, key)) picked[key] = pool.get(source[key]);
  return picked;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The session tags evidence reads. A list keeps, in order, each `{key, value}` (or `{Key, Value}`)
 * entry whose key is named, duplicates included, so the first and the last of a key stay what they
 * were; entries without a key no reader uses are left out. A map keeps the named keys.
 */
function evidenceTags(tags: unknown, pool: StringPool): unknown {
  if (Array.isArray(tags)) {
    const kept: unknown[] = [];
    for (const entry of tags) {
      if (!isRecord(entry)) continue;
      const key = nonEmptyString(entry.key) ?? nonEmptyString(entry.Key);
      if (key === undefined || !EVIDENCE_TAGS.has(key)) continue;
      const copy: Record<string, unknown> = {};
      for (const field in entry) copy[field] = pool.get(entry[field]);
      kept.push(copy);
    }
    return kept;
  }
  return isRecord(tags) ? pick(tags, EVIDENCE_DETAIL_FIELDS.sessionTags, pool) : tags;
}

/** A CloudTrail record cut down to {@link EVIDENCE_DETAIL_FIELDS}; `pool` shares repeated strings. */
export function evidenceDetail(
  record: Record<string, unknown>,
  pool: StringPool = NO_POOL,
): Record<string, unknown> {
  const detail = pick(record, EVIDENCE_DETAIL_FIELDS.top, pool);
  for (const key of EVIDENCE_OBJECTS) {
    if (!Object.hasOwn(record, key)) continue;
    const value = record[key];
    detail[key] = isRecord(value) ? pick(value, EVIDENCE_DETAIL_FIELDS[key], pool) : value;
  }
  const request = detail.requestParameters;
  if (isRecord(request) && Object.hasOwn(request, 'tags')) request.tags = evidenceTags(request.tags, pool);
  return detail;
}

/**
 * {@link lookupEventRecord} for the inventory. With `full` detail, `detail` is parsed from the kept
 * `CloudTrailEvent` text each time it is read: the usage index reads it once and keeps only the
 * evidence, so the parsed records die young instead of living through the run. Given a `pool`
 * (`evidence` detail), the text is parsed here, once, and only the evidence fields are kept.
 */
function inventoryEventRecord(
  accountId: string,
  region: string,
  event: LookupEvent,
  pool: StringPool | undefined,
): CloudTrailEventRecord {
  const text = event.CloudTrailEvent;
  if (pool !== undefined) {
    const record = eventFields(accountId, region, event, pool);
    const parsed = parseCloudTrailEventText(text);
    record.detail = parsed === undefined ? undefined : evidenceDetail(parsed, pool);
    return record;
  }
  const record = eventFields(accountId, region, event);
  return Object.defineProperty(record, 'detail', { enumerable: true, get: detailReader(text) });
}

function detailReader(text: string | undefined): () => Record<string, unknown> | undefined {
  // Returned, not assigned: the CLI's TypeScript loader names every assigned closure as it is made.
  return () => parseCloudTrailEventText(text);
}

const regionKey = (accountId: string, region: string) => `${accountId}/${region}`;
const clusterKey = (accountId: string, region: string, cluster: string) =>
  `${accountId}/${region}/${cluster}`;

/** Completeness facts gathered while walking the snapshot; the answers apply the inheritance. */
class SnapshotCompleteness implements Completeness {
  readonly accountOk = new Map<string, boolean>();
  readonly iamOk = new Map<string, boolean>();
  readonly regionOk = new Map<string, boolean>();
  readonly clusterOk = new Map<string, boolean>();
  readonly cloudTrailOk = new Map<string, boolean>();

  hasAccount(accountId: string): boolean {
    return this.accountOk.has(accountId);
  }

  hasRegion(accountId: string, region: string): boolean {
    return this.regionOk.has(regionKey(accountId, region));
  }

  iamComplete(accountId: string): boolean {
    return this.accountOk.get(accountId) === true && this.iamOk.get(accountId) === true;
  }

  regionComplete(accountId: string, region: string): boolean {
    return this.accountOk.get(accountId) === true && this.regionOk.get(regionKey(accountId, region)) === true;
  }

  /**
   * A cluster absent from a fully collected region is known not to exist, so its absence is a
   * complete answer (that is what lets a missing cluster be reported).
   */
  clusterComplete(accountId: string, region: string, cluster: string): boolean {
    if (!this.regionComplete(accountId, region)) return false;
    return this.clusterOk.get(clusterKey(accountId, region, cluster)) ?? true;
  }

  cloudTrailComplete(accountId: string, region: string): boolean {
    return (
      this.regionComplete(accountId, region) && this.cloudTrailOk.get(regionKey(accountId, region)) === true
    );
  }
}

function scope(
  level: ScopeStatus['level'],
  accountId: string,
  complete: boolean,
  errors: CollectionError[] | undefined,
  where: { region?: string; cluster?: string } = {},
): ScopeStatus {
  return {
    level,
    accountId,
    ...(where.region === undefined ? {} : { region: where.region }),
    ...(where.cluster === undefined ? {} : { cluster: where.cluster }),
    status: complete ? 'complete' : 'incomplete',
    errors: orderedErrors(errors),
  };
}

/**
 * Copies of the errors with their fields in the schema's order, as zod's parse writes them, so a
 * snapshot used as parsed (see `isValidSnapshotAccount`) reports them in the same order.
 */
function orderedErrors(errors: CollectionError[] | undefined): CollectionError[] {
  return (errors ?? []).map(({ service, operation, code, message, resource, cause }) => ({
    service,
    operation,
    code,
    message,
    ...(resource === undefined ? {} : { resource }),
    ...(cause === undefined ? {} : { cause }),
  }));
}

function hasErrors(errors: CollectionError[] | undefined): boolean {
  return (errors?.length ?? 0) > 0;
}

/**
 * Builds an {@link Inventory} one snapshot account at a time, so a large snapshot can be read,
 * validated and normalized account by account without holding the whole document.
 *
 * @example const builder = new InventoryBuilder(); for (const account of snapshot.accounts) builder.add(account); builder.build(snapshot.capturedAt);
 */
export class InventoryBuilder {
  /** @param options.cloudTrailDetail how much of each CloudTrail record to keep (default `full`). */
  constructor(options: { cloudTrailDetail?: CloudTrailDetail } = {}) {
    if (options.cloudTrailDetail === 'evidence') this.eventStrings = new StringPool();
  }

  /** Set when only the evidence of CloudTrail records is kept; shares their repeated strings. */
  private readonly eventStrings: StringPool | undefined;

  private readonly completeness = new SnapshotCompleteness();
  private readonly accounts: AccountInventory[] = [];
  private readonly clusters: ClusterInventory[] = [];
  private readonly roles = new Map<string, RoleInventory>();
  private readonly oidcProviders: OidcProviderInventory[] = [];
  private readonly managedPolicies = new Map<string, ManagedPolicyInventory>();
  private readonly cloudTrail: CloudTrailWindow[] = [];
  private readonly scopes: ScopeStatus[] = [];

  /** Adds one validated snapshot account (accounts are added in snapshot order). */
  add(account: SnapshotAccount): void {
    const { accountId } = account;
    const { completeness, scopes } = this;
    const accountOk = !hasErrors(account.errors);
    completeness.accountOk.set(accountId, accountOk);
    scopes.push(scope('account', accountId, accountOk, account.errors));
    const regions = account.regions ?? [];
    this.accounts.push({
      accountId,
      errors: orderedErrors(account.errors),
      regions: regions.map((r) => r.region),
    });

    const iam = account.iam;
    const iamOk = iam !== undefined && !hasErrors(iam.errors);
    completeness.iamOk.set(accountId, iamOk);
    scopes.push(scope('iam', accountId, accountOk && iamOk, iam?.errors));
    for (const role of iam?.roles ?? []) this.roles.set(role.Arn, normalizeRole(accountId, role));
    for (const policy of iam?.policies ?? []) {
      // AWS managed policies repeat in every account; the first copy stands for all.
      if (!this.managedPolicies.has(policy.Arn))
        this.managedPolicies.set(policy.Arn, normalizeManagedPolicy(policy));
    }
    for (const provider of iam?.openIdConnectProviders ?? []) {
      this.oidcProviders.push(normalizeOidcProvider(accountId, provider));
    }

    for (const region of regions) this.addRegion(accountId, accountOk, region);
  }

  private addRegion(accountId: string, accountOk: boolean, region: SnapshotRegion): void {
    const { completeness, scopes } = this;
    const regionOk = !hasErrors(region.errors);
    const regionComplete = accountOk && regionOk;
    completeness.regionOk.set(regionKey(accountId, region.region), regionOk);
    scopes.push(scope('region', accountId, regionComplete, region.errors, { region: region.region }));

    for (const entry of region.clusters ?? []) {
      const cluster = normalizeCluster(accountId, region.region, entry);
      const clusterOk = !hasErrors(entry.errors);
      completeness.clusterOk.set(clusterKey(accountId, region.region, cluster.name), clusterOk);
      scopes.push(
        scope('cluster', accountId, regionComplete && clusterOk, entry.errors, {
          region: region.region,
          cluster: cluster.name,
        }),
      );
      this.clusters.push(cluster);
    }

    const trail = region.cloudTrail;
    const trailOk = trail !== undefined && !hasErrors(trail.errors);
    completeness.cloudTrailOk.set(regionKey(accountId, region.region), trailOk);
    scopes.push(
      scope('cloudtrail', accountId, regionComplete && trailOk, trail?.errors, { region: region.region }),
    );
    if (trail !== undefined) {
      this.cloudTrail.push({
        accountId,
        region: region.region,
        from: trail.from,
        to: trail.to,
        events: trail.events.map((event) =>
          inventoryEventRecord(accountId, region.region, event, this.eventStrings),
        ),
        complete: regionComplete && trailOk,
      });
    }
  }

  /** The inventory of every account added so far; `capturedAt` is the snapshot's. */
  build(capturedAt: string): Inventory {
    return {
      capturedAt,
      accounts: this.accounts,
      clusters: this.clusters,
      associations: this.clusters.flatMap((cluster) => cluster.associations),
      roles: this.roles,
      oidcProviders: this.oidcProviders,
      managedPolicies: this.managedPolicies,
      cloudTrail: this.cloudTrail,
      scopes: this.scopes,
      completeness: this.completeness,
    };
  }
}

/**
 * Turns a validated snapshot into the typed {@link Inventory} that checks judge: issuer URL ↔ IAM
 * OIDC provider ARN ↔ condition-key prefix per cluster, decoded policy documents, tag records,
 * parsed CloudTrail records and per-scope completeness. Pure: same snapshot, same inventory.
 * `options.cloudTrailDetail` chooses how much of each CloudTrail record is kept (default `full`).
 *
 * @example const inventory = normalizeSnapshot(parseSnapshot(json, 'snapshot.json'));
 */
export function normalizeSnapshot(
  snapshot: Snapshot,
  options: { cloudTrailDetail?: CloudTrailDetail } = {},
): Inventory {
  const builder = new InventoryBuilder(options);
  for (const account of snapshot.accounts) builder.add(account);
  return builder.build(snapshot.capturedAt);
}
