/**
 * A modelled CloudTrail for busy accounts: each account-region writes workload-identity records at a
 * steady rate (Pod Identity's `eks-auth` and `sts:AssumeRole` pair, IRSA's
 * `AssumeRoleWithWebIdentity`), generated on demand from the record shapes of the organization
 * model, so 100,000 records a day for 90 days need no memory. It answers `LookupEvents` as
 * CloudTrail does (one attribute, time range, newest first, 50 per page, NextToken, 90 days) and
 * lists and serves the organization trail's log files for the same records (one gzip file per
 * account-region and five-minute delivery). No HTTP: the rate limit is modelled by the caller's
 * token bucket on a virtual clock.
 */
import { gzipSync } from 'node:zlib';
import {
  assumeRoleForPodIdentityEvent,
  irsaWebIdentityEvent,
  podIdentityAssumeRoleEvent,
} from '../../sandbox/model/cloudtrail.js';
import { oidcIdFor } from '../../sandbox/model/ids.js';
import type { ClientFactory } from '../../shared/aws/clients.js';
import type { TrailObjectSource } from '../../shared/collect/usage/org-trail.js';

const DAY_MS = 86_400_000;
const RETENTION_MS = 90 * DAY_MS;
const DELIVERY_MS = 5 * 60 * 1000;
const PAGE = 50;
/** Workloads per account-region whose sessions the records spread over. */
const WORKLOADS = 10;

/** One account-region's steady traffic. */
export interface BusyRegion {
  accountId: string;
  region: string;
  /** Evidence records a day (every kind together). */
  perDay: number;
}

type Json = Record<string, unknown>;

/** Which lookup returns a record kind: 0 eks-auth, 1 Pod Identity AssumeRole, 2–4 IRSA. */
function kindOf(index: number): 'eks-auth' | 'pod-identity' | 'irsa' {
  const slot = index % 5;
  return slot === 0 ? 'eks-auth' : slot === 1 ? 'pod-identity' : 'irsa';
}

function matches(kind: ReturnType<typeof kindOf>, key: string, value: string): boolean {
  if (key === 'EventSource') return value === 'eks-auth.amazonaws.com' && kind === 'eks-auth';
  if (key === 'EventName' && value === 'AssumeRole') return kind === 'pod-identity';
  if (key === 'EventName' && value === 'AssumeRoleWithWebIdentity') return kind === 'irsa';
  return false;
}

/** Per account-region: the record templates and the time of record `i`. */
class RegionModel {
  readonly intervalMs: number;
  private readonly templates = new Map<string, { record: Json; item: Json }>();

  constructor(
    readonly spec: BusyRegion,
    readonly origin: number,
  ) {
    this.intervalMs = DAY_MS / spec.perDay;
  }

  /** Record `i`'s time, whole seconds as CloudTrail writes it. */
  timeOf(index: number): number {
    return Math.floor((this.origin + (index + 0.5) * this.intervalMs) / 1000) * 1000;
  }

  /** The first index whose time is at or after `time`. */
  firstAtOrAfter(time: number): number {
    let index = Math.max(0, Math.floor((time - this.origin) / this.intervalMs) - 2);
    while (this.timeOf(index) < time) index += 1;
    return index;
  }

  /** The last index whose time is at or before `time` (−1 when none). */
  lastAtOrBefore(time: number): number {
    let index = Math.floor((time - this.origin) / this.intervalMs) + 2;
    while (index >= 0 && this.timeOf(index) > time) index -= 1;
    return index;
  }

  private template(kind: ReturnType<typeof kindOf>, workload: number): { record: Json; item: Json } {
    const key = `${kind}/${workload}`;
    const cached = this.templates.get(key);
    if (cached) return cached;
    const { accountId, region } = this.spec;
    const clusterName = 'busy';
    const serviceAccount = `worker-${workload}`;
    const roleArn = `arn:aws:iam::${accountId}:role/busy-${workload}`;
    const eventTime = '2026-01-01T00:00:00Z';
    const item =
      kind === 'eks-auth'
        ? assumeRoleForPodIdentityEvent({
            accountId,
            region,
            clusterName,
            nodeRoleArn: `arn:aws:iam::${accountId}:role/busy-node`,
            eventTime,
          })
        : kind === 'pod-identity'
          ? podIdentityAssumeRoleEvent({
              accountId,
              region,
              clusterName,
              namespace: 'jobs',
              serviceAccount,
              roleArn,
              eventTime,
            })
          : irsaWebIdentityEvent({
              accountId,
              region,
              oidcId: oidcIdFor(`${accountId}-${clusterName}`),
              namespace: 'web',
              serviceAccount,
              roleArn,
              eventTime,
            });
    const built = { record: JSON.parse(item.CloudTrailEvent) as Json, item: item as unknown as Json };
    this.templates.set(key, built);
    return built;
  }

  /** Record `i` as a log file holds it. */
  record(index: number): Json {
    const template = this.template(kindOf(index), index % WORKLOADS);
    return {
      ...template.record,
      eventTime: new Date(this.timeOf(index)).toISOString().replace('.000Z', 'Z'),
      eventID: `${this.spec.accountId}-${this.spec.region}-${index}`,
    };
  }

  /** Record `i` as LookupEvents returns it (SDK output shape: `EventTime` a Date). */
  lookupItem(index: number): Json {
    const template = this.template(kindOf(index), index % WORKLOADS);
    const record = this.record(index);
    return {
      ...template.item,
      EventId: record.eventID,
      EventTime: new Date(this.timeOf(index)),
      CloudTrailEvent: JSON.stringify(record),
    };
  }
}

/** The modelled CloudTrail of an organization's busy (and quiet) account-regions. */
export class ModelledCloudTrail {
  private readonly regions = new Map<string, RegionModel>();
  /** LookupEvents requests per `ACCOUNT/REGION`. */
  readonly lookupCalls = new Map<string, number>();
  /** Log files served per `ACCOUNT/REGION`. */
  readonly filesServed = new Map<string, number>();

  /**
   * @param now the modelled present: records exist up to it, LookupEvents reaches 90 days before it.
   * @param historyStart when the traffic began (records exist from then on).
   */
  constructor(
    regions: readonly BusyRegion[],
    private readonly now: () => number,
    historyStart: number,
  ) {
    for (const spec of regions)
      this.regions.set(`${spec.accountId}/${spec.region}`, new RegionModel(spec, historyStart));
  }

  /** `LookupEvents` with the documented semantics (newest first, 50 a page, a token bound to the request). */
  lookupEvents(accountId: string, region: string, input: Json): Json {
    const key = `${accountId}/${region}`;
    this.lookupCalls.set(key, (this.lookupCalls.get(key) ?? 0) + 1);
    const model = this.regions.get(key);
    const [attribute] =
      (input.LookupAttributes as Array<{ AttributeKey: string; AttributeValue: string }>) ?? [];
    const now = this.now();
    const start = Math.max((input.StartTime as Date | undefined)?.getTime() ?? 0, now - RETENTION_MS);
    const end = Math.min((input.EndTime as Date | undefined)?.getTime() ?? now, now);
    if (!model || end < start) return { Events: [] };
    const scope = JSON.stringify([key, attribute, start, end]);
    let index = model.lastAtOrBefore(end);
    if (typeof input.NextToken === 'string') {
      const token = JSON.parse(Buffer.from(input.NextToken, 'base64').toString('utf8')) as {
        scope: string;
        index: number;
      };
      if (token.scope !== scope)
        throw Object.assign(new Error('The token is not valid'), { name: 'InvalidNextTokenException' });
      index = token.index;
    }
    const lowest = model.firstAtOrAfter(start);
    const events: Json[] = [];
    for (; index >= lowest && events.length < PAGE; index -= 1) {
      if (!attribute || matches(kindOf(index), attribute.AttributeKey, attribute.AttributeValue))
        events.push(model.lookupItem(index));
    }
    // A token only when a matching record remains (CloudTrail may also end a page early).
    let more = false;
    for (let probe = index; probe >= lowest && probe > index - 5; probe -= 1) {
      if (!attribute || matches(kindOf(probe), attribute.AttributeKey, attribute.AttributeValue)) more = true;
    }
    return {
      Events: events,
      ...(more ? { NextToken: Buffer.from(JSON.stringify({ scope, index })).toString('base64') } : {}),
    };
  }

  /** A client factory whose CloudTrail clients answer from the model (only `LookupEvents`). */
  factory(): ClientFactory {
    return {
      cloudTrail: (accountId: string, region: string) => ({
        send: async (command: { input: Json }) => this.lookupEvents(accountId, region, command.input),
      }),
    } as unknown as ClientFactory;
  }

  /** The day folder's log files delivered by now: one per five-minute delivery that holds a record. */
  private filesOf(model: RegionModel, day: string): Array<{ delivered: number; key: string }> {
    const dayStart = Date.parse(`${day}T00:00:00.000Z`);
    const { accountId, region } = model.spec;
    const files: Array<{ delivered: number; key: string }> = [];
    for (let delivered = dayStart + DELIVERY_MS; delivered <= dayStart + DAY_MS; delivered += DELIVERY_MS) {
      if (delivered > this.now()) break;
      const first = model.firstAtOrAfter(delivered - DELIVERY_MS);
      if (model.timeOf(first) >= delivered) continue;
      const iso = new Date(delivered).toISOString();
      const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
      const folder = iso.slice(0, 10).replaceAll('-', '/');
      files.push({
        delivered,
        key: `AWSLogs/ORG/${accountId}/CloudTrail/${region}/${folder}/${accountId}_CloudTrail_${region}_${stamp}_M0DELLED${String(delivered / DELIVERY_MS).slice(-8)}.json.gz`,
      });
    }
    return files;
  }

  /** The organization trail's bucket as a {@link TrailObjectSource} for organization `organizationId`. */
  trailSource(organizationId: string): TrailObjectSource {
    const parse = (key: string) => {
      const match =
        /AWSLogs\/o-[a-z0-9]+\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key);
      if (!match) return undefined;
      const model = this.regions.get(`${match[1]}/${match[2]}`);
      return model ? { model, day: `${match[3]}-${match[4]}-${match[5]}` } : undefined;
    };
    return {
      describe: (key) => `s3://modelled-trail/${key}`,
      list: async (prefix) => {
        const place = parse(prefix);
        if (!place) return [];
        return this.filesOf(place.model, place.day).map((file) =>
          file.key.replace('AWSLogs/ORG/', `AWSLogs/${organizationId}/`),
        );
      },
      get: async (key) => {
        const place = parse(key);
        const stamp = /_(\d{8}T\d{4}Z)_/.exec(key)?.[1];
        if (!place || !stamp) throw Object.assign(new Error(`no such key ${key}`), { name: 'NoSuchKey' });
        const delivered = Date.parse(
          `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:00.000Z`,
        );
        const { model } = place;
        const served = `${model.spec.accountId}/${model.spec.region}`;
        this.filesServed.set(served, (this.filesServed.get(served) ?? 0) + 1);
        const records: Json[] = [];
        const last = model.lastAtOrBefore(delivered - 1);
        for (let index = model.firstAtOrAfter(delivered - DELIVERY_MS); index <= last; index += 1)
          records.push(model.record(index));
        return gzipSync(JSON.stringify({ Records: records }), { level: 1 });
      },
    };
  }
}
