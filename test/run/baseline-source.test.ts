import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/baseline/index.js';
import { InputError } from '../../shared/errors.js';
import {
  baselineLocation,
  baselineSourceName,
  loadBaseline,
  parseBaselineText,
  provenanceOf,
} from '../../shared/run/baseline-source.js';

const TEXT = `version: 1
clusters:
  prod:
    account: "222233334444"
    region: eu-west-1
    members: [prod-blue]
`;

describe('the baseline source', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'baseline-source-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads s3://BUCKET/KEY as an S3 object and anything else as a file', () => {
    expect(baselineLocation('s3://audit-config/team/baseline.yaml')).toEqual({
      kind: 's3',
      bucket: 'audit-config',
      key: 'team/baseline.yaml',
    });
    expect(baselineLocation('config/baseline.yaml')).toEqual({ kind: 'file', path: 'config/baseline.yaml' });
    expect(baselineSourceName({ kind: 's3', bucket: 'b', key: 'k.yaml', versionId: 'v1' })).toBe(
      's3://b/k.yaml',
    );
    expect(() => baselineLocation('s3://bucket-only')).toThrow(InputError);
  });

  it('loads a file without touching S3 and gives the provenance report v1 carries', async () => {
    const file = join(directory, 'baseline.yaml');
    await writeFile(file, TEXT);
    const baseline = await loadBaseline(baselineLocation(file), () => {
      throw new Error('a file baseline must not create an S3 client');
    });
    expect(provenanceOf(baseline)).toEqual({ source: file, sha256: sha256Hex(TEXT) });
  });

  it('keeps the S3 object identity of what was read, in the report field order', () => {
    const baseline = parseBaselineText({
      text: TEXT,
      provenance: { source: 's3://b/baseline.yaml', etag: '"abc"', versionId: 'v7', sha256: sha256Hex(TEXT) },
    });
    const provenance = provenanceOf(baseline);
    expect(provenance).toEqual({
      source: 's3://b/baseline.yaml',
      sha256: sha256Hex(TEXT),
      etag: '"abc"',
      versionId: 'v7',
    });
    expect(Object.keys(provenance)).toEqual(['source', 'sha256', 'etag', 'versionId']);
  });

  it('names the file and line of an invalid baseline', async () => {
    const file = join(directory, 'broken.yaml');
    await writeFile(file, 'version: 2\n');
    await expect(
      loadBaseline(baselineLocation(file), () => {
        throw new Error('unused');
      }),
    ).rejects.toThrow(file);
  });
});
