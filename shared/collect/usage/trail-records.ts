import { gunzipSync } from 'node:zlib';
import { AuditError } from '../../errors.js';
import type { CloudTrailEventRecord } from '../../model/inventory.js';
import { CLOUDTRAIL_LOOKUPS } from '../cloudtrail-lookups.js';

/**
 * CloudTrail records as a trail delivers them to S3, read with the same classifier the LookupEvents
 * path uses: a record is usage evidence when one of the lookups of `CLOUDTRAIL_LOOKUPS` would have
 * returned it (its `eventName` or `eventSource` matches the lookup's attribute) and that lookup keeps
 * it. So `lookup` and `org-trail` fold exactly the same records into the ledgers.
 */

type Json = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The record field a LookupEvents attribute key matches. */
const ATTRIBUTE_FIELDS: Readonly<Record<string, string>> = {
  EventName: 'eventName',
  EventSource: 'eventSource',
};

/** True when one of the usage lookups would return the record and keep it. */
export function isUsageEvidenceRecord(record: Json): boolean {
  return CLOUDTRAIL_LOOKUPS.some((lookup) => {
    const field = ATTRIBUTE_FIELDS[lookup.attribute.AttributeKey ?? ''];
    if (!field || text(record[field]) !== lookup.attribute.AttributeValue) return false;
    return lookup.keepsAll === true || lookup.keep(record);
  });
}

/**
 * A log-file record in the inventory's form, placed under the log file's account and region: the
 * record counts where the trail filed it, whatever its own `recipientAccountId` and `awsRegion` say.
 * Resources become the LookupEvents shape.
 */
export function trailRecordOf(
  record: Json,
  file: { accountId: string; region: string },
): CloudTrailEventRecord {
  const resources = Array.isArray(record.resources) ? record.resources : [];
  return {
    accountId: file.accountId,
    region: file.region,
    eventId: text(record.eventID) ?? '',
    eventName: text(record.eventName) ?? '',
    eventTime: text(record.eventTime) ?? '',
    eventSource: text(record.eventSource) ?? '',
    resources: resources
      .filter((resource): resource is Json => resource !== null && typeof resource === 'object')
      .map((resource) => ({
        ...(text(resource.type) ? { ResourceType: text(resource.type) } : {}),
        ...(text(resource.ARN) ? { ResourceName: text(resource.ARN) } : {}),
      })),
    detail: record,
  };
}

/** A log file that is not gzip-compressed `{"Records":[...]}`. */
export class TrailFileError extends AuditError {
  override name = 'TrailFileError';
}

/**
 * The records of one CloudTrail log file (`.json.gz` with `{"Records":[...]}`); plain JSON is
 * accepted too (S3 may serve it decompressed when the object carries `Content-Encoding: gzip`).
 *
 * @throws TrailFileError naming the file when it is not readable gzip, not JSON, or has no `Records` array.
 */
export function readTrailFile(body: Uint8Array, where: string): Json[] {
  let content: string;
  try {
    const bytes = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
    content = Buffer.from(bytes).toString('utf8');
  } catch (error) {
    throw new TrailFileError(`${where}: not readable gzip (${(error as Error).message})`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new TrailFileError(`${where}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const records = (parsed as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) throw new TrailFileError(`${where}: no "Records" array`);
  return records.filter((record): record is Json => record !== null && typeof record === 'object');
}
