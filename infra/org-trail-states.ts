import { TRAIL_BATCH_SIZE } from '../shared/collect/usage/org-trail.js';

/**
 * The Amazon States Language states of the organization-trail usage source, for the state machine
 * to run before `AnalyzePublish` when `usageSource` is `org-trail`:
 *
 *   PlanTrailDays (Lambda: the day folders each account-region lists tonight, written to
 *                  runs/RUN_ID/trail-listings.json; the state gets only {bucket, key, count})
 *   → ReadTrailDays (Distributed Map over the folders: ItemReader s3:getObject of that JSON array,
 *                    one child workflow each)
 *       → ReadTrailDay (Distributed Map: ItemReader s3:listObjectsV2 with the folder as Prefix,
 *                       ItemBatcher of log files, each batch to the Lambda)
 *       → SealTrailDay (Lambda: the folder's span becomes coverage)
 *
 * A folder whose batch fails (an unreadable file) is caught inside its iteration: it is not sealed,
 * so coverage does not advance past it and the next night reads its unread files again; the other
 * folders go on. No folder list travels in the state payload (a first night lists up to 91 folders
 * per account-region; a payload holds 256 KiB): the outer Map reads them from S3 like the account
 * Map reads items.json. Checked with asl-validator; the nested Distributed Maps have not yet run in
 * AWS.
 */
export function orgTrailStates(options: {
  /** The `collect-trail-usage` function's ARN. */
  functionArn: string;
  /** The organization trail's bucket. */
  trailBucket: string;
  /** The state to go to afterwards. */
  next: string;
  /** Folders read at once, and batches per folder at once. */
  maxConcurrency?: number;
}): Record<string, unknown> {
  const invoke = (payload: Record<string, unknown>) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: options.functionArn, Payload: payload },
    OutputPath: '$.Payload',
    Retry: [
      {
        ErrorEquals: [
          'Lambda.ServiceException',
          'Lambda.TooManyRequestsException',
          'Lambda.SdkClientException',
        ],
        IntervalSeconds: 2,
        MaxAttempts: 4,
        BackoffRate: 2,
      },
    ],
  });
  const concurrency = options.maxConcurrency ?? 10;
  return {
    PlanTrailDays: {
      // The accounts are in the run's plan in S3 (runs/RUN_ID/plan.json) and the folders go to
      // runs/RUN_ID/trail-listings.json: neither list is ever in the state.
      ...invoke({ plan: { 'startedAt.$': '$.startedAt', 'runId.$': '$.runId' } }),
      ResultPath: '$.trail',
      Next: 'ReadTrailDays',
    },
    ReadTrailDays: {
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.trail.bucket', 'Key.$': '$.trail.key' },
      },
      MaxConcurrency: concurrency,
      // Each folder is a child workflow of its own (a standard execution), in which the folder's
      // Distributed Map runs as it would at the top level.
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'ReadTrailDay',
        States: {
          ReadTrailDay: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:listObjectsV2',
              Parameters: { Bucket: options.trailBucket, 'Prefix.$': '$.prefix' },
            },
            ItemBatcher: {
              MaxItemsPerBatch: TRAIL_BATCH_SIZE,
              BatchInput: { 'startedAt.$': '$.listedAt' },
            },
            MaxConcurrency: concurrency,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'FoldTrailFiles',
              States: {
                FoldTrailFiles: {
                  ...invoke({ 'Items.$': '$.Items', 'BatchInput.$': '$.BatchInput' }),
                  End: true,
                },
              },
            },
            ResultPath: null,
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'TrailDayUnsealed' }],
            Next: 'SealTrailDay',
          },
          SealTrailDay: {
            ...invoke({
              seal: {
                'accountId.$': '$.accountId',
                'region.$': '$.region',
                'day.$': '$.day',
                'listedAt.$': '$.listedAt',
              },
            }),
            End: true,
          },
          TrailDayUnsealed: { Type: 'Pass', End: true },
        },
      },
      ResultPath: null,
      Next: options.next,
    },
  };
}
