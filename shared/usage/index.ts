import { compareText } from '../model/compare.js';
import type { Inventory } from '../model/inventory.js';
import { PartsMap } from '../parts-map.js';
import { type EvidenceSource, isEvidence, parseEvidence } from './evidence.js';
import { clustersByIssuer, irsaWorkloads, type WorkloadIdentity, workloadKey } from './workloads.js';

export * from './evidence.js';
export type { WorkloadIdentity } from './workloads.js';

/** How often, and when last, something was seen in the evidence. */
export interface UsageSummary {
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** CloudTrail event ids, sorted. */
  eventIds: string[];
  sources: EvidenceSource[];
}

/** One workload identity seen using a role: cluster, namespace and service account → role, with its usage. */
export interface WorkloadUsage extends WorkloadIdentity {
  usage: UsageSummary;
}

/** Refused `AssumeRoleForPodIdentity` calls of one cluster. */
export interface DeniedAttempts {
  accountId: string;
  region: string;
  clusterName: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** Node role sessions that asked, sorted. */
  callers: string[];
  errorCodes: string[];
  eventIds: string[];
}

/** Which time span the CloudTrail evidence of one account-region covers. */
export interface Coverage {
  accountId: string;
  region: string;
  from: string;
  to: string;
  /** False when collecting this window recorded errors: absence of evidence then proves nothing. */
  complete: boolean;
}

/**
 * Usage evidence of one audit, looked up by role, workload identity and cluster. Built from the
 * inventory's CloudTrail windows; the same interface can later be served by a persisted ledger.
 */
export interface UsageIndex {
  /** Successful assumes of the role, by any mechanism. */
  roleUsage(roleArn: string): UsageSummary | undefined;
  /** Pod Identity sessions for this cluster, namespace and service account with this role. */
  podIdentityUsage(
    accountId: string,
    region: string,
    clusterName: string,
    namespace: string,
    serviceAccount: string,
    roleArn: string,
  ): UsageSummary | undefined;
  /** Pod Identity sessions of the role that carried no session tags (associations with tags disabled). */
  untaggedPodIdentityUsage(roleArn: string): UsageSummary | undefined;
  /** Web-identity assumes of the role by this issuer's service account. */
  irsaUsage(
    issuerHostPath: string,
    namespace: string,
    serviceAccount: string,
    roleArn: string,
  ): UsageSummary | undefined;
  /** Every workload identity seen, sorted. */
  workloads(): WorkloadUsage[];
  /** AccessDenied `AssumeRoleForPodIdentity` attempts per cluster, sorted. */
  deniedAttempts(): DeniedAttempts[];
  /** Coverage of one account-region, undefined when its CloudTrail was not collected. */
  coverage(accountId: string, region: string): Coverage | undefined;
  /** Coverage of every collected account-region, sorted. */
  coverages(): Coverage[];
  /** Records that carried no evidence, counted by reason. */
  skipped: Record<string, number>;
}

/** Limits which events count. */
export interface UsageIndexOptions {
  /** Only events at or after this time count (the start of the unused window). */
  since?: Date;
  /** Only events at or before this time count (the snapshot's capturedAt). */
  until?: Date;
}

/** Every evidence source, sorted: a summary lists the ones it saw in this order. */
const SOURCES_SORTED: readonly EvidenceSource[] = [
  'cloudtrail:AssumeRole',
  'cloudtrail:AssumeRoleForPodIdentity',
  'cloudtrail:AssumeRoleWithWebIdentity',
  'iam:RoleLastUsed',
];

class SummaryBuilder {
  count = 0;
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  firstSeen = '';
  lastSeen = '';
  /**
   * Every event id added, repeats included, sorted and deduplicated once, when built. Most
   * identities have one event: its id is kept alone, without a list.
   */
  private eventIds: string | string[] | undefined;
  /** The sources seen, one bit each (the position in {@link SOURCES_SORTED}). */
  private sources = 0;

  /** `time` is `Date.parse(eventTime)`, parsed once per event by the caller. */
  add(eventId: string, eventTime: string, time: number, source: EvidenceSource): void {
    this.count += 1;
    if (this.built !== undefined) {
      // The built summary owns its list; later events start from a copy.
      this.eventIds = [...this.built.eventIds];
      this.built = undefined;
    }
    const ids = this.eventIds;
    if (ids === undefined) this.eventIds = eventId;
    else if (typeof ids === 'string') this.eventIds = [ids, eventId];
    else ids.push(eventId);
    this.sources |= 1 << SOURCES_SORTED.indexOf(source);
    if (time < this.first) {
      this.first = time;
      this.firstSeen = eventTime;
    }
    if (time > this.last) {
      this.last = time;
      this.lastSeen = eventTime;
    }
  }

  private built: UsageSummary | undefined;

  /** The summary; built once, as checks look the same identity up many times after indexing ends. */
  build(): UsageSummary {
    if (this.built === undefined) {
      const ids = this.eventIds;
      this.eventIds = undefined;
      this.built = {
        count: this.count,
        firstSeen: this.firstSeen,
        lastSeen: this.lastSeen,
        eventIds: ids === undefined ? [] : typeof ids === 'string' ? [ids] : sortedUnique(ids),
        sources: SOURCES_SORTED.filter((_, bit) => (this.sources & (1 << bit)) !== 0),
      };
    }
    return this.built;
  }
}

/** The texts sorted (as `Array.prototype.sort` orders them), each once; sorts `texts` in place. */
function sortedUnique(texts: string[]): string[] {
  texts.sort();
  let kept = 0;
  for (let index = 0; index < texts.length; index++) {
    if (kept === 0 || texts[index] !== texts[kept - 1]) texts[kept++] = texts[index];
  }
  texts.length = kept;
  return texts;
}

/** A workload identity with the summary of its events. */
interface WorkloadEntry {
  workload: WorkloadIdentity;
  summary: SummaryBuilder;
}

function summaryFor<K>(map: Map<K, SummaryBuilder>, key: K): SummaryBuilder {
  let builder = map.get(key);
  if (!builder) {
    builder = new SummaryBuilder();
    map.set(key, builder);
  }
  return builder;
}

const SEP = '\u0000';

/**
 * The parts joined with {@link SEP}, as `Array.prototype.join` would (a missing part is empty), without
 * the array: the checks look identities up once per association.
 */
function keyOf(...parts: Array<string | undefined>): string {
  let key = parts[0] ?? '';
  for (let index = 1; index < parts.length; index++) key += SEP + (parts[index] ?? '');
  return key;
}

/**
 * Parses every CloudTrail record of the inventory once and indexes the evidence. Events outside
 * `options.since`..`options.until` are ignored; records without evidence are counted in `skipped`.
 */
export function buildUsageIndex(inventory: Inventory, options: UsageIndexOptions = {}): UsageIndex {
  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const until = options.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const byIssuer = clustersByIssuer(inventory.clusters);

  const byRole = new Map<string, SummaryBuilder>();
  const byPodIdentity = new PartsMap<SummaryBuilder>();
  const untagged = new Map<string, SummaryBuilder>();
  const byIrsa = new PartsMap<SummaryBuilder>();
  /** Every workload identity seen, by its key; a Pod Identity one shares its `byPodIdentity` summary. */
  const workloads = new Map<string, WorkloadEntry>();
  /** The workload entries an IRSA subject stands for, by the subject's key and the event's account-region. */
  const irsaTargets = new Map<string, WorkloadEntry[]>();
  const denied = new Map<
    string,
    { summary: SummaryBuilder; callers: Set<string>; codes: Set<string>; where: [string, string, string] }
  >();
  const skipped: Record<string, number> = {};
  const coverageList: Coverage[] = [];
  const coverageByKey = new Map<string, Coverage>();

  const workloadEntry = (workload: WorkloadIdentity, summary?: SummaryBuilder): WorkloadEntry => {
    const key = workloadKey(workload);
    let entry = workloads.get(key);
    if (!entry) {
      entry = { workload, summary: summary ?? new SummaryBuilder() };
      workloads.set(key, entry);
    }
    return entry;
  };

  for (const window of inventory.cloudTrail) {
    const coverage: Coverage = {
      accountId: window.accountId,
      region: window.region,
      from: window.from,
      to: window.to,
      complete: window.complete,
    };
    coverageList.push(coverage);
    coverageByKey.set(`${window.accountId}/${window.region}`, coverage);
    for (const record of window.events) {
      const time = Date.parse(record.eventTime);
      if (Number.isNaN(time)) {
        skipped['event time is not a date'] = (skipped['event time is not a date'] ?? 0) + 1;
        continue;
      }
      if (time < since || time > until) continue;
      const parsed = parseEvidence(record);
      if (!isEvidence(parsed)) {
        skipped[parsed.skipped] = (skipped[parsed.skipped] ?? 0) + 1;
        continue;
      }
      const { eventId, eventTime } = parsed;
      switch (parsed.kind) {
        case 'pod-identity': {
          summaryFor(byRole, parsed.roleArn).add(eventId, eventTime, time, parsed.source);
          const workload = parsed.workload;
          if (!workload) {
            summaryFor(untagged, parsed.roleArn).add(eventId, eventTime, time, parsed.source);
            break;
          }
          const { accountId, region, clusterName, namespace, serviceAccount } = workload;
          const key = [accountId, region, clusterName, namespace, serviceAccount, parsed.roleArn];
          let summary = byPodIdentity.get(key);
          if (!summary) {
            // The workload identity has the same events as this key: one summary serves both.
            summary = workloadEntry(
              {
                via: 'pod-identity',
                accountId,
                region,
                clusterName,
                namespace,
                serviceAccount,
                roleArn: parsed.roleArn,
              },
              new SummaryBuilder(),
            ).summary;
            byPodIdentity.set(key, summary);
          }
          summary.add(eventId, eventTime, time, parsed.source);
          break;
        }
        case 'irsa': {
          summaryFor(byRole, parsed.roleArn).add(eventId, eventTime, time, parsed.source);
          if (parsed.namespace === undefined || parsed.serviceAccount === undefined) break;
          const { namespace, serviceAccount, issuerHostPath, roleArn } = parsed;
          const key = [issuerHostPath, namespace, serviceAccount, roleArn];
          let summary = byIrsa.get(key);
          if (!summary) {
            summary = new SummaryBuilder();
            byIrsa.set(key, summary);
          }
          summary.add(eventId, eventTime, time, parsed.source);
          const targetKey = keyOf(...key, parsed.accountId, parsed.region);
          let targets = irsaTargets.get(targetKey);
          if (!targets) {
            const unowned = { accountId: parsed.accountId, region: parsed.region };
            const subject = { issuerHostPath, namespace, serviceAccount, roleArn };
            targets = irsaWorkloads(byIssuer, subject, unowned).map((workload) => workloadEntry(workload));
            irsaTargets.set(targetKey, targets);
          }
          for (const target of targets) target.summary.add(eventId, eventTime, time, parsed.source);
          break;
        }
        case 'assume-role':
          summaryFor(byRole, parsed.roleArn).add(eventId, eventTime, time, parsed.source);
          break;
        case 'pod-identity-denied': {
          const clusterName = parsed.clusterName ?? '(unknown cluster)';
          const key = keyOf(parsed.accountId, parsed.region, clusterName);
          let entry = denied.get(key);
          if (!entry) {
            entry = {
              summary: new SummaryBuilder(),
              callers: new Set(),
              codes: new Set(),
              where: [parsed.accountId, parsed.region, clusterName],
            };
            denied.set(key, entry);
          }
          entry.summary.add(eventId, eventTime, time, parsed.source);
          if (parsed.callerArn) entry.callers.add(parsed.callerArn);
          entry.codes.add(parsed.errorCode);
          break;
        }
      }
    }
  }

  const get = (map: Map<string, SummaryBuilder>, key: string) => map.get(key)?.build();
  const workloadList: WorkloadUsage[] = [...workloads.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([, { workload, summary }]) => ({ ...workload, usage: summary.build() }));
  // The lookups returned below share this function's scope: what only indexing needed goes now.
  workloads.clear();
  irsaTargets.clear();
  const deniedList: DeniedAttempts[] = [...denied.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([, entry]) => {
      const summary = entry.summary.build();
      const [accountId, region, clusterName] = entry.where;
      return {
        accountId,
        region,
        clusterName,
        count: summary.count,
        firstSeen: summary.firstSeen,
        lastSeen: summary.lastSeen,
        callers: [...entry.callers].sort(),
        errorCodes: [...entry.codes].sort(),
        eventIds: summary.eventIds,
      };
    });
  const sortedCoverages = [...coverageList].sort((a, b) =>
    compareText(`${a.accountId}/${a.region}`, `${b.accountId}/${b.region}`),
  );

  return {
    roleUsage: (roleArn) => get(byRole, roleArn),
    podIdentityUsage: (accountId, region, clusterName, namespace, serviceAccount, roleArn) =>
      byPodIdentity.get([accountId, region, clusterName, namespace, serviceAccount, roleArn])?.build(),
    untaggedPodIdentityUsage: (roleArn) => get(untagged, roleArn),
    irsaUsage: (issuerHostPath, namespace, serviceAccount, roleArn) =>
      byIrsa.get([issuerHostPath, namespace, serviceAccount, roleArn])?.build(),
    workloads: () => workloadList,
    deniedAttempts: () => deniedList,
    coverage: (accountId, region) => coverageByKey.get(`${accountId}/${region}`),
    coverages: () => sortedCoverages,
    skipped,
  };
}
