import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { MapRunOutput } from '../../functions/lib/map-results.js';
import { MAP_ITEM_SELECTOR } from '../../functions/lib/run-plan.js';
import { SHARD_ITEM_SELECTOR } from '../../functions/lib/shards.js';
import { getObjectText, putObject } from '../../shared/aws/s3.js';
import { applySelector } from '../infra/support.js';

/** The parts of a Distributed Map state this emulator follows (as synthesized, or the project's own). */
export interface DistributedMapState {
  ItemSelector: Record<string, unknown>;
  /** `Parameters.Key.$` (a path into the state input) or `Parameters.Key`. */
  ItemReader: { Parameters: Record<string, unknown> };
  /** `Parameters.Prefix.$` or `Parameters.Prefix`. */
  ResultWriter: { Parameters: Record<string, unknown> };
}

/** The project's Map state: the selector the stack synthesizes, items and results under the run's prefix. */
export const PROJECT_MAP_STATE: DistributedMapState = {
  ItemSelector: { ...MAP_ITEM_SELECTOR },
  ItemReader: { Parameters: { 'Key.$': '$.items.key' } },
  ResultWriter: { Parameters: { 'Prefix.$': '$.results.prefix' } },
};

/** The project's shard Map state: the shards plan-scopes wrote, results under the run's shard-results prefix. */
export const PROJECT_SHARD_MAP_STATE: DistributedMapState = {
  ItemSelector: { ...SHARD_ITEM_SELECTOR },
  ItemReader: { Parameters: { 'Key.$': '$.shards.key' } },
  ResultWriter: { Parameters: { 'Prefix.$': '$.shards.results.prefix' } },
};

/** A failed child execution, as the Map records it. */
export interface FailedChild {
  Error: string;
  Cause: string;
}

/** What one emulated Map Run did. */
export interface MapRun<T> {
  /** The Map's state output: the ResultWriter's manifest location, nothing else. */
  output: MapRunOutput;
  /** Each child's output (or error), in item order. */
  results: Array<T | FailedChild>;
  /** Each child execution's input. */
  inputs: Array<Record<string, unknown>>;
}

function value(parameters: Record<string, unknown>, field: string, input: unknown): string {
  const path = parameters[`${field}.$`];
  if (typeof path === 'string') return String(applySelector({ 'v.$': path }, input, {}).v);
  return String(parameters[field]);
}

/**
 * Runs a Distributed Map as Step Functions does with an S3 JSON `ItemReader` and a `ResultWriter`
 * (Transformation NONE, JSON output): reads the item array from S3, builds each child's input with
 * the `ItemSelector`, runs the children (at most `concurrency` at once), writes `SUCCEEDED_0.json` /
 * `FAILED_0.json` and `manifest.json` under `<prefix>/<map run id>/`, and returns the Map's output.
 */
export async function runDistributedMap<T>(options: {
  s3: S3Client;
  bucket: string;
  input: Record<string, unknown>;
  process: (childInput: Record<string, unknown>) => Promise<T>;
  state?: DistributedMapState;
  concurrency?: number;
  /**
   * Reads the items file another way than through `s3` (the Step Functions service's own access,
   * which the faults a test injects into the functions' calls do not reach).
   */
  readObject?: (key: string) => Promise<string>;
  /** False: no ResultWriter (the results only come back in `results`; `output` is then undefined). */
  resultWriter?: boolean;
}): Promise<MapRun<T>> {
  const state = options.state ?? PROJECT_MAP_STATE;
  const { s3, bucket, input } = options;
  const itemsKey = value(state.ItemReader.Parameters, 'Key', input);
  const text = options.readObject
    ? await options.readObject(itemsKey)
    : (await getObjectText(s3, { bucket, key: itemsKey })).text;
  const items = JSON.parse(text) as unknown[];
  if (!Array.isArray(items)) throw new Error(`s3://${bucket}/${itemsKey}: the ItemReader needs a JSON array`);
  const mapRunId = randomUUID();
  const stateMachineArn = 'arn:aws:states:eu-west-1:111122223333:stateMachine:eks-identity-audit-nightly';
  const mapRunArn = `arn:aws:states:eu-west-1:111122223333:mapRun:eks-identity-audit-nightly/CollectAccounts:${mapRunId}`;
  const limit = pLimit(options.concurrency ?? 16);
  const inputs = items.map((item, index) =>
    applySelector(state.ItemSelector, input, { Map: { Item: { Index: index, Value: item } } }),
  );
  const succeeded: unknown[] = [];
  const failed: unknown[] = [];
  const results = await Promise.all(
    inputs.map((childInput, index) =>
      limit(async (): Promise<T | FailedChild> => {
        const started = new Date().toISOString();
        const execution = {
          ExecutionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}/CollectAccounts:${mapRunId}-${index}`,
          Input: JSON.stringify(childInput),
          InputDetails: { Included: true },
          Name: `${mapRunId}-${index}`,
          RedriveCount: 0,
          RedriveStatus: 'NOT_REDRIVABLE',
          StartDate: started,
          StateMachineArn: stateMachineArn,
        };
        try {
          const output = await options.process(childInput);
          succeeded.push({
            ...execution,
            Output: JSON.stringify(output),
            OutputDetails: { Included: true },
            Status: 'SUCCEEDED',
            StopDate: new Date().toISOString(),
          });
          return output;
        } catch (error) {
          const failure = {
            Error: error instanceof Error ? error.name : 'Error',
            Cause: error instanceof Error ? error.message : String(error),
          };
          failed.push({ ...execution, ...failure, Status: 'FAILED', StopDate: new Date().toISOString() });
          return failure;
        }
      }),
    ),
  );
  if (options.resultWriter === false)
    return { output: undefined as unknown as MapRunOutput, results, inputs };
  const prefix = `${value(state.ResultWriter.Parameters, 'Prefix', input)}/${mapRunId}`;
  const files: Record<string, Array<{ Key: string; Size: number }>> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const [status, entries] of [
    ['SUCCEEDED', succeeded],
    ['FAILED', failed],
  ] as const) {
    if (entries.length === 0) continue;
    const key = `${prefix}/${status}_0.json`;
    const body = JSON.stringify(entries);
    await putObject(s3, { bucket, key, body, contentType: 'application/json' });
    files[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${prefix}/manifest.json`;
  await putObject(s3, {
    bucket,
    key: manifestKey,
    body: JSON.stringify({ DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files }),
    contentType: 'application/json',
  });
  return {
    output: { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } },
    results,
    inputs,
  };
}
