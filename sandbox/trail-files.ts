/**
 * The organization trail's log files for the sandbox's generated CloudTrail history: the same
 * records `LookupEvents` serves, delivered as CloudTrail delivers them to S3 — gzip-compressed
 * `{"Records":[...]}` files, one per account-region and delivery, under
 * `[PREFIX/]AWSLogs/o-ORGID/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`.
 */
import { gzipSync } from 'node:zlib';
import type { TrailEvent } from './history.js';
import { md5Etag, stableId } from './wire.js';
import type { World } from './world.js';

/** CloudTrail delivers about every five minutes; a record lands in the next delivery after it is written. */
const DELIVERY_INTERVAL_MS = 5 * 60 * 1000;

/** Where the sandbox writes the organization trail's files. */
export interface OrganizationTrailOptions {
  bucket: string;
  organizationId: string;
  /** The trail's key prefix, without a trailing slash. Default none. */
  prefix?: string;
}

/** One log file: its key and gzip body. */
export interface TrailFile {
  key: string;
  body: Buffer;
}

function stamp(time: Date): string {
  const iso = time.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

/**
 * The log files of every account-region's history (`ACCOUNT/REGION` → events), delivered by `now`:
 * records written in one five-minute interval go into one file delivered at the interval's end.
 * Records whose file would be delivered after `now` are not in S3 yet.
 */
export function organizationTrailFiles(
  history: ReadonlyMap<string, readonly TrailEvent[]>,
  options: OrganizationTrailOptions,
  now: Date,
): TrailFile[] {
  const files: TrailFile[] = [];
  for (const [place, events] of [...history.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const [accountId, region] = place.split('/');
    const deliveries = new Map<number, Array<Record<string, unknown>>>();
    for (const event of events) {
      const delivered =
        Math.floor(event.EventTime.getTime() / DELIVERY_INTERVAL_MS) * DELIVERY_INTERVAL_MS +
        DELIVERY_INTERVAL_MS;
      if (delivered > now.getTime()) continue;
      const records = deliveries.get(delivered) ?? [];
      records.push(JSON.parse(event.CloudTrailEvent) as Record<string, unknown>);
      deliveries.set(delivered, records);
    }
    for (const [delivered, records] of [...deliveries.entries()].sort(([a], [b]) => a - b)) {
      const time = new Date(delivered);
      const day = time.toISOString().slice(0, 10).replaceAll('-', '/');
      const unique = stableId(16, 'upper', 'trail-file', place, delivered);
      const name = `${accountId}_CloudTrail_${region}_${stamp(time)}_${unique}.json.gz`;
      const path = `AWSLogs/${options.organizationId}/${accountId}/CloudTrail/${region}/${day}/${name}`;
      records.sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)));
      files.push({
        key: options.prefix ? `${options.prefix}/${path}` : path,
        body: gzipSync(JSON.stringify({ Records: records })),
      });
    }
  }
  return files;
}

/**
 * Puts the organization trail's files for the world's history into its bucket (created, in the
 * starting identity's account and region, when the scenario has no such bucket).
 */
export function writeOrganizationTrail(world: World, options: OrganizationTrailOptions): number {
  let bucket = world.buckets.get(options.bucket);
  if (!bucket) {
    bucket = {
      name: options.bucket,
      accountId: world.startSession.accountId,
      region: world.scenario.identity.region,
      createdAt: world.loadedAt,
      objects: new Map(),
    };
    world.buckets.set(options.bucket, bucket);
  }
  const files = organizationTrailFiles(world.cloudTrail, options, world.loadedAt);
  for (const file of files) {
    const delivered = parseStamp(file.key) ?? world.loadedAt;
    bucket.objects.set(file.key, [
      {
        body: file.body,
        etag: md5Etag(file.body),
        versionId: 'null',
        lastModified: delivered,
        contentType: 'application/octet-stream',
        metadata: {},
        deleteMarker: false,
      },
    ]);
  }
  return files.length;
}

function parseStamp(key: string): Date | undefined {
  const match = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[A-Z0-9]+\.json\.gz$/.exec(key);
  return match ? new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:00.000Z`) : undefined;
}
