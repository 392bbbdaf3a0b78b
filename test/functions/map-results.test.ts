import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { MapRunOutputSchema, readMapResults } from '../../functions/lib/map-results.js';

/**
 * The Map state output the Step Functions Developer Guide prints under "ResultWriter (Map)",
 * "Exporting to Amazon S3" (its `account-id` placeholder written as an account id).
 */
const DOCUMENTED_MAP_OUTPUT = `{
  "MapRunArn": "arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:ad9b5f27-090b-3ac6-9beb-243cd77144a7",
  "ResultWriterDetails": {
    "Bucket": "amzn-s3-demo-destination-bucket",
    "Key": "csvProcessJobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/manifest.json"
  }
}`;

const RUN = 'csvProcessJobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7';

/**
 * The guide describes `manifest.json` (the export location, the Map Run ARN and the result files)
 * and names the files `SUCCEEDED_n.json`, `FAILED_n.json` and `PENDING_n.json`, n from 0, a new one
 * past 5 GB; it prints no manifest. This one has the key names and the `ResultFiles` shape of the
 * manifests Step Functions writes: each status a list of `{Key, Size}`, empty when none.
 */
const MANIFEST = `{
  "DestinationBucket": "amzn-s3-demo-destination-bucket",
  "MapRunArn": "arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:ad9b5f27-090b-3ac6-9beb-243cd77144a7",
  "ResultFiles": {
    "FAILED": [
      {
        "Key": "${RUN}/FAILED_0.json",
        "Size": 2270
      }
    ],
    "PENDING": [
      {
        "Key": "${RUN}/PENDING_0.json",
        "Size": 615
      }
    ],
    "SUCCEEDED": [
      {
        "Key": "${RUN}/SUCCEEDED_0.json",
        "Size": 5368709120
      },
      {
        "Key": "${RUN}/SUCCEEDED_1.json",
        "Size": 1094
      }
    ]
  }
}`;

/**
 * Failed children in the guide's `Transformation: NONE` record shape (the execution's metadata,
 * `Input` and `Output` as JSON text), with the execution's `Error` and `Cause`.
 */
const FAILED_0 = JSON.stringify([
  {
    ExecutionArn:
      'arn:aws:states:us-east-2:123456789012:execution:csvProcess/Map:da4e9fc7-abab-3b27-9a77-a277e463b709',
    Input: JSON.stringify({
      runId: 'run-1',
      startedAt: '2026-12-07T02:00:00.000Z',
      accountId: '111122223333',
    }),
    InputDetails: { Included: true },
    Name: 'da4e9fc7-abab-3b27-9a77-a277e463b709',
    RedriveCount: 0,
    RedriveStatus: 'REDRIVABLE',
    StartDate: '2026-12-07T02:01:50.099Z',
    StateMachineArn: 'arn:aws:states:us-east-2:123456789012:stateMachine:csvProcess/Map',
    Status: 'FAILED',
    StopDate: '2026-12-07T02:16:50.163Z',
    Error: 'States.Timeout',
    Cause: 'The task timed out.',
  },
  {
    ExecutionArn:
      'arn:aws:states:us-east-2:123456789012:execution:csvProcess/Map:f43a56f7-d21e-3fe9-a40c-9b9b8d0adf5a',
    Input: JSON.stringify({ runId: 'run-1', accountId: '444455556666', batch: 2 }),
    InputDetails: { Included: true },
    Name: 'f43a56f7-d21e-3fe9-a40c-9b9b8d0adf5a',
    Status: 'TIMED_OUT',
    StartDate: '2026-12-07T02:01:50.135Z',
    StopDate: '2026-12-07T03:01:50.227Z',
  },
]);

/** An S3 client that answers GetObject from a map of `bucket/key` → text, NoSuchKey otherwise. */
function s3Of(objects: Record<string, string>): { s3: S3Client; reads: string[] } {
  const reads: string[] = [];
  const s3 = {
    send: async (command: unknown) => {
      if (!(command instanceof GetObjectCommand)) throw new Error('only GetObject is served');
      const where = `${command.input.Bucket}/${command.input.Key}`;
      reads.push(where);
      const text = objects[where];
      if (text === undefined)
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => text } };
    },
  } as unknown as S3Client;
  return { s3, reads };
}

describe('the ResultWriter reader on the shapes the Step Functions guide documents', () => {
  it("takes the Map state's documented output as where the manifest is", () => {
    const output = MapRunOutputSchema.parse(JSON.parse(DOCUMENTED_MAP_OUTPUT));
    expect(output.ResultWriterDetails).toEqual({
      Bucket: 'amzn-s3-demo-destination-bucket',
      Key: `${RUN}/manifest.json`,
    });
  });

  it('counts the result files by status and names each failed item with its error, reading no succeeded or pending file', async () => {
    // Prepare
    const bucket = 'amzn-s3-demo-destination-bucket';
    const { s3, reads } = s3Of({
      [`${bucket}/${RUN}/manifest.json`]: MANIFEST,
      [`${bucket}/${RUN}/FAILED_0.json`]: FAILED_0,
    });

    // Act
    const results = await readMapResults(s3, MapRunOutputSchema.parse(JSON.parse(DOCUMENTED_MAP_OUTPUT)));

    // Assess
    expect(results.mapRunArn).toBe(
      'arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:ad9b5f27-090b-3ac6-9beb-243cd77144a7',
    );
    expect(results.files).toEqual({
      succeeded: { count: 2, bytes: 5368709120 + 1094 },
      failed: { count: 1, bytes: 2270 },
      pending: { count: 1, bytes: 615 },
    });
    expect(results.failed).toEqual([
      { accountId: '111122223333', error: 'States.Timeout', cause: 'The task timed out.' },
      { accountId: '444455556666', batch: 2, error: 'unknown', cause: '' },
    ]);
    expect(reads).toEqual([`${bucket}/${RUN}/manifest.json`, `${bucket}/${RUN}/FAILED_0.json`]);
  });

  it('rejects a manifest whose result files are not grouped under ResultFiles (near miss)', async () => {
    const bucket = 'amzn-s3-demo-destination-bucket';
    const flat = JSON.parse(MANIFEST) as Record<string, unknown>;
    const { ResultFiles, ...rest } = flat as { ResultFiles: Record<string, unknown> };
    const { s3 } = s3Of({ [`${bucket}/${RUN}/manifest.json`]: JSON.stringify({ ...rest, ...ResultFiles }) });
    await expect(
      readMapResults(s3, MapRunOutputSchema.parse(JSON.parse(DOCUMENTED_MAP_OUTPUT))),
    ).rejects.toThrow(/ResultFiles/);
  });
});
