import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { getObjectText } from '../../shared/aws/s3.js';

/** What a Distributed Map with a `ResultWriter` puts in the state: where the manifest is, not the results. */
export const MapRunOutputSchema = z.object({
  MapRunArn: z.string(),
  ResultWriterDetails: z.object({ Bucket: z.string().min(3), Key: z.string().min(1) }),
});
export type MapRunOutput = z.infer<typeof MapRunOutputSchema>;

const ResultFileSchema = z.object({ Key: z.string(), Size: z.number().optional() });

/**
 * The `manifest.json` Step Functions writes at the end of a Map Run: the result files by status,
 * each a JSON array of child executions.
 */
const ManifestSchema = z.object({
  DestinationBucket: z.string(),
  MapRunArn: z.string(),
  ResultFiles: z.object({
    SUCCEEDED: z.array(ResultFileSchema).default([]),
    FAILED: z.array(ResultFileSchema).default([]),
    PENDING: z.array(ResultFileSchema).default([]),
  }),
});

/** A child execution in a `FAILED_n.json` result file (`Transformation: NONE`: metadata, `Input` as JSON text). */
const FailedExecutionSchema = z.looseObject({
  ExecutionArn: z.string().optional(),
  Input: z.string().optional(),
  Error: z.string().optional(),
  Cause: z.string().optional(),
});

/** A Map item that failed after its retries. */
interface FailedMapItem {
  accountId?: string;
  batch?: number;
  error: string;
  cause: string;
}

/** What the Map Run's result files say, without reading the succeeded results (the parts in S3 are the truth). */
interface MapRunResults {
  mapRunArn: string;
  /** Result files by status, with their total size in bytes. */
  files: Record<'succeeded' | 'failed' | 'pending', { count: number; bytes: number }>;
  failed: FailedMapItem[];
}

/**
 * Reads the Map Run's manifest and its FAILED result files.
 *
 * @throws the S3 error or a validation error when the manifest is not one Step Functions wrote.
 */
export async function readMapResults(s3: S3Client, output: MapRunOutput): Promise<MapRunResults> {
  const { Bucket: bucket, Key: key } = output.ResultWriterDetails;
  const manifest = ManifestSchema.parse(JSON.parse((await getObjectText(s3, { bucket, key })).text));
  const size = (files: Array<{ Size?: number }>) => ({
    count: files.length,
    bytes: files.reduce((sum, file) => sum + (file.Size ?? 0), 0),
  });
  const failed: FailedMapItem[] = [];
  for (const file of manifest.ResultFiles.FAILED) {
    const text = (await getObjectText(s3, { bucket: manifest.DestinationBucket, key: file.Key })).text;
    for (const execution of z.array(FailedExecutionSchema).parse(JSON.parse(text))) {
      failed.push({
        ...itemOf(execution.Input),
        error: execution.Error ?? 'unknown',
        cause: execution.Cause ?? '',
      });
    }
  }
  return {
    mapRunArn: manifest.MapRunArn,
    files: {
      succeeded: size(manifest.ResultFiles.SUCCEEDED),
      failed: size(manifest.ResultFiles.FAILED),
      pending: size(manifest.ResultFiles.PENDING),
    },
    failed,
  };
}

function itemOf(input: string | undefined): { accountId?: string; batch?: number } {
  try {
    const value = JSON.parse(input ?? '{}') as { accountId?: unknown; batch?: unknown };
    return {
      ...(typeof value.accountId === 'string' ? { accountId: value.accountId } : {}),
      ...(typeof value.batch === 'number' ? { batch: value.batch } : {}),
    };
  } catch {
    return {};
  }
}
