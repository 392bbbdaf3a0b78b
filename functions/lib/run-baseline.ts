import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { putObject } from '../../shared/aws/s3.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { runBaselineKey } from '../../shared/bucket.js';
import { InputError } from '../../shared/errors.js';
import type { BaselineRef } from './aws.js';
import { readRunJson } from './run-object.js';

/**
 * Where a run keeps the baseline plan-scopes validated, as JSON: the later steps judge against
 * exactly that version without parsing YAML again.
 */
export { runBaselineKey };

const LocationSchema = z.strictObject({
  file: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
});

/** The validated baseline (shared/baseline/types.ts `Baseline`) as plan-scopes writes it. */
export const RunBaselineSchema = z.strictObject({
  version: z.literal(1),
  settings: z.strictObject({ unusedAfterDays: z.number().int().positive() }),
  clusters: z.array(
    z.strictObject({
      name: z.string(),
      account: z.string(),
      region: z.string(),
      members: z.array(z.string()),
      location: LocationSchema.optional(),
    }),
  ),
  podIdentity: z.array(
    z.strictObject({
      cluster: z.string(),
      namespace: z.string(),
      serviceAccount: z.string(),
      roleArn: z.string(),
      targetRoleArn: z.string().optional(),
      disableSessionTags: z.boolean().optional(),
      location: LocationSchema.optional(),
    }),
  ),
  irsa: z.array(
    z.strictObject({
      cluster: z.string(),
      namespace: z.string(),
      serviceAccount: z.string(),
      roleArn: z.string(),
      location: LocationSchema.optional(),
    }),
  ),
  accounts: z.array(z.string()),
  organization: z
    .strictObject({ units: z.array(z.string()).optional(), exclude: z.array(z.string()) })
    .optional(),
  exceptions: z.array(
    z.strictObject({
      check: z.string(),
      resource: z.string(),
      reason: z.string(),
      expires: z.string().optional(),
      location: LocationSchema.optional(),
    }),
  ),
  source: z.strictObject({
    name: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    etag: z.string().optional(),
    versionId: z.string().optional(),
  }),
});

/** Writes the validated baseline of a run under its prefix. */
export async function writeRunBaseline(
  s3: S3Client,
  location: { bucket: string; runId: string },
  baseline: Baseline,
): Promise<string> {
  const key = runBaselineKey(location.runId);
  await putObject(s3, {
    bucket: location.bucket,
    key,
    body: JSON.stringify(baseline),
    contentType: 'application/json',
  });
  return key;
}

/**
 * Reads the baseline plan-scopes validated for this run and checks that it is the planned version.
 *
 * @throws InputError when it is missing, not a valid baseline, or another version than planned;
 * the S3 error otherwise.
 */
export async function readRunBaseline(
  s3: S3Client,
  location: { bucket: string; runId: string },
  planned: BaselineRef,
): Promise<Baseline> {
  const key = runBaselineKey(location.runId);
  const uri = `s3://${location.bucket}/${key}`;
  const value = await readRunJson(
    s3,
    { bucket: location.bucket, key },
    "the run's validated baseline is missing (plan-scopes writes it)",
  );
  const checked = RunBaselineSchema.safeParse(value);
  if (!checked.success) {
    throw new InputError(
      `${uri}: not a validated baseline`,
      checked.error.issues
        .slice(0, 20)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  if (checked.data.source.sha256 !== planned.sha256) {
    throw new InputError(
      `${uri} holds baseline SHA-256 ${checked.data.source.sha256}, not the planned ${planned.sha256}`,
    );
  }
  // The parsed text, not zod's copy: the key order (and so every rendering) stays as plan-scopes wrote it.
  return value as Baseline;
}
