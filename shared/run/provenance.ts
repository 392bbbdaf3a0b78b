import type { Baseline } from '../baseline/types.js';

/**
 * Where a run's baseline came from, as report v1 `baseline` carries it: the file path or
 * `s3://bucket/key`, the S3 object's ETag and version id when read from S3, and the SHA-256 of
 * the text that was judged.
 */
export interface BaselineProvenance {
  source: string;
  etag?: string;
  versionId?: string;
  sha256: string;
}

/** The provenance of a loaded baseline (what the report's `baseline` field carries). */
export function provenanceOf(baseline: Pick<Baseline, 'source'>): BaselineProvenance {
  return {
    source: baseline.source.name,
    sha256: baseline.source.sha256,
    ...(baseline.source.etag ? { etag: baseline.source.etag } : {}),
    ...(baseline.source.versionId ? { versionId: baseline.source.versionId } : {}),
  };
}
