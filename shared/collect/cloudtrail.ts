import type { ClientFactory } from '../aws/clients.js';
import { toCollectionError } from '../aws/errors.js';
import type { CollectionError } from '../model/index.js';
import type { LookupEvent, SnapshotCloudTrail } from '../snapshot/index.js';
import { parseCloudTrailEvent } from './cloudtrail-lookups.js';
import { type RequestLane, UNPACED } from './pacing.js';
import { compareText, sortErrors, toPlain } from './plain.js';
import { listPages, type StepRuntime, type StepScope } from './step.js';
import { COLLECTION_STEPS } from './steps.js';

export interface CloudTrailCollectOptions {
  from: Date;
  to: Date;
  /**
   * The account-region's CloudTrail lane (`RequestPacer.lane('cloudtrail', …)`): every request,
   * every page, waits for its LookupEvents token and a slot of the pacer's in-flight cap.
   */
  lane?: Pick<RequestLane, 'run'>;
}

/**
 * Collects the workload-identity evidence of one account-region for the window: each lookup of the
 * table's CloudTrail step ({@link CLOUDTRAIL_LOOKUPS}) paged to the end, filtered, de-duplicated by
 * event id and sorted by time. A failed lookup is recorded; the records read before it are kept.
 */
export async function collectCloudTrail(
  factory: ClientFactory,
  accountId: string,
  region: string,
  options: CloudTrailCollectOptions,
): Promise<SnapshotCloudTrail> {
  const step = COLLECTION_STEPS.cloudTrail;
  const runtime: StepRuntime = { factory, lane: options.lane ?? UNPACED };
  const scope: StepScope = {
    accountId,
    region,
    partition: factory.options.partition ?? 'aws',
    window: { from: options.from, to: options.to },
  };
  const errors: CollectionError[] = [];
  // Kept records are copied to their plain form at once, so the SDK's objects die young.
  const events = new Map<string, LookupEvent>();
  // All lookups at once: each is a chain of pages, and one after another a lookup's round trips
  // would leave the lane's rate unused; the lane's bucket keeps them together to its rate.
  const lookupOne = async (lookup: (typeof step.queries)[number]) => {
    try {
      await listPages(step, runtime, scope, lookup, (page) => {
        for (const event of step.list.items(page) ?? []) {
          if (!event.EventId || events.has(event.EventId)) continue;
          // A lookup that keeps all its events needs no parse to decide.
          const record = lookup.keepsAll ? undefined : parseCloudTrailEvent(event);
          if (record === undefined || lookup.keep(record))
            events.set(event.EventId, toPlain<LookupEvent>(event));
        }
      });
    } catch (error) {
      errors.push(toCollectionError(step.service, step.list.operation, error, step.queryLabel(lookup)));
    }
  };
  await Promise.all(step.queries.map(lookupOne));
  const sorted = [...events.values()].sort(
    (a, b) => compareText(a.EventTime, b.EventTime) || compareText(a.EventId, b.EventId),
  );
  return {
    from: options.from.toISOString(),
    to: options.to.toISOString(),
    events: sorted,
    errors: sortErrors(errors),
  };
}
