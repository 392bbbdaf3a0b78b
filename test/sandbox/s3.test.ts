import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../sandbox/index.js';
import { decodeAwsChunked } from '../../sandbox/index.js';
import { uploadText } from '../../shared/publish/report-store.js';
import {
  AUDIT_ACCOUNT,
  clientConfig,
  memberCredentials,
  rejectionOf,
  startDemo,
  WORKLOAD_ACCOUNT,
} from './helpers.js';

let sandbox: SandboxHandle;
let s3: S3Client;
const demoBucket = `eks-identity-audit-demo-${AUDIT_ACCOUNT}`;

beforeAll(async () => {
  sandbox = await startDemo();
  s3 = new S3Client({ ...clientConfig(sandbox, sandbox.credentials), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'audit-reports' }));
});
afterAll(async () => {
  await sandbox.close();
});

function statusOf(error: unknown): number | undefined {
  return (error as S3ServiceException).$metadata?.httpStatusCode;
}

describe('S3', () => {
  it('serves the demo baseline the scenario put into the audit bucket', async () => {
    const object = await s3.send(new GetObjectCommand({ Bucket: demoBucket, Key: 'baseline.yaml' }));
    const text = await object.Body?.transformToString();
    expect(text).toContain('version: 1');
    expect(object.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(object.VersionId).toBeDefined();
    expect(sandbox.s3Object(demoBucket, 'baseline.yaml')?.toString('utf8')).toBe(text);
  });

  it('stores a string body and returns ETag = quoted MD5', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'audit-reports', Key: 'runs/a.json', Body: '{"ok":true}' }),
    );
    expect(put.ETag).toBe(`"${createHash('md5').update('{"ok":true}').digest('hex')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'audit-reports', Key: 'runs/a.json' }));
    expect(await got.Body?.transformToString()).toBe('{"ok":true}');
  });

  it('decodes an aws-chunked streaming upload sent with the default checksum settings', async () => {
    const content = 'line\n'.repeat(20_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'audit-reports',
        Key: 'runs/stream.txt',
        Body: Readable.from([Buffer.from(content.slice(0, 50_000)), Buffer.from(content.slice(50_000))]),
        ContentLength: Buffer.byteLength(content),
      }),
    );
    expect(sandbox.s3Object('audit-reports', 'runs/stream.txt')?.toString('utf8')).toBe(content);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'audit-reports', Key: 'runs/stream.txt' }));
    expect(await got.Body?.transformToString()).toBe(content);
  });

  it('decodes signed aws-chunked frames and keeps the trailing checksum', () => {
    const body = Buffer.from(
      '5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=fin\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n',
    );
    expect(decodeAwsChunked(body)).toEqual({
      data: Buffer.from('hello world'),
      trailers: { 'x-amz-checksum-crc32': 'DUoRhQ==' },
    });
  });

  it('answers NoSuchKey for a missing object and NoSuchBucket for a missing bucket', async () => {
    const key = await rejectionOf(s3.send(new GetObjectCommand({ Bucket: 'audit-reports', Key: 'nope' })));
    expect(key).toBeInstanceOf(NoSuchKey);
    expect(statusOf(key)).toBe(404);
    const bucket = await rejectionOf(
      s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'x' })),
    );
    expect(bucket).toBeInstanceOf(NoSuchBucket);
    const head = await rejectionOf(s3.send(new HeadObjectCommand({ Bucket: 'audit-reports', Key: 'nope' })));
    expect(statusOf(head)).toBe(404);
  });

  it('refuses a create-only write over an existing key with PreconditionFailed (412)', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'audit-reports', Key: 'state/lock', Body: 'one', IfNoneMatch: '*' }),
    );
    const error = await rejectionOf(
      s3.send(
        new PutObjectCommand({ Bucket: 'audit-reports', Key: 'state/lock', Body: 'two', IfNoneMatch: '*' }),
      ),
    );
    expect(error.name).toBe('PreconditionFailed');
    expect(statusOf(error)).toBe(412);
    expect(sandbox.s3Object('audit-reports', 'state/lock')?.toString()).toBe('one');
  });

  it('applies a compare-and-swap write only while the ETag still matches', async () => {
    const first = await s3.send(
      new PutObjectCommand({ Bucket: 'audit-reports', Key: 'state/ledger', Body: 'v1' }),
    );
    const second = await s3.send(
      new PutObjectCommand({ Bucket: 'audit-reports', Key: 'state/ledger', Body: 'v2', IfMatch: first.ETag }),
    );
    const stale = await rejectionOf(
      s3.send(
        new PutObjectCommand({
          Bucket: 'audit-reports',
          Key: 'state/ledger',
          Body: 'v3',
          IfMatch: first.ETag,
        }),
      ),
    );
    expect(second.ETag).not.toBe(first.ETag);
    expect(stale.name).toBe('PreconditionFailed');
    expect(sandbox.s3Object('audit-reports', 'state/ledger')?.toString()).toBe('v2');
  });

  it('answers conditional reads: 412 on If-Match mismatch, 304 on If-None-Match match', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'audit-reports', Key: 'cond.txt', Body: 'c' }));
    const mismatch = await rejectionOf(
      s3.send(new GetObjectCommand({ Bucket: 'audit-reports', Key: 'cond.txt', IfMatch: '"0000"' })),
    );
    const notModified = await rejectionOf(
      s3.send(new GetObjectCommand({ Bucket: 'audit-reports', Key: 'cond.txt', IfNoneMatch: put.ETag })),
    );
    expect(statusOf(mismatch)).toBe(412);
    expect(statusOf(notModified)).toBe(304);
  });

  it('keeps versions when versioning is enabled and hides deleted keys', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'audit-state' }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'audit-state',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'audit-state' }))).Status).toBe('Enabled');
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'audit-state', Key: 'k', Body: 'one' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'audit-state', Key: 'k', Body: 'two' }));
    expect(v1.VersionId).toBeDefined();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    const old = await s3.send(
      new GetObjectCommand({ Bucket: 'audit-state', Key: 'k', VersionId: v1.VersionId }),
    );
    expect(await old.Body?.transformToString()).toBe('one');
    await s3.send(new DeleteObjectCommand({ Bucket: 'audit-state', Key: 'k' }));
    expect(
      await rejectionOf(s3.send(new GetObjectCommand({ Bucket: 'audit-state', Key: 'k' }))),
    ).toBeInstanceOf(NoSuchKey);
  });

  it('lists keys by prefix and pages with continuation tokens', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'audit-list' }));
    for (const key of ['r/1', 'r/2', 'r/3', 'r/4', 'other']) {
      await s3.send(new PutObjectCommand({ Bucket: 'audit-list', Key: key, Body: key }));
    }
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'audit-list', Prefix: 'r/', MaxKeys: 3 }));
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'audit-list',
        Prefix: 'r/',
        MaxKeys: 3,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(first.IsTruncated).toBe(true);
    expect(first.Contents?.map((object) => object.Key)).toEqual(['r/1', 'r/2', 'r/3']);
    expect(second.Contents?.map((object) => object.Key)).toEqual(['r/4']);
    expect(second.IsTruncated).toBe(false);
  });

  it('checks bucket existence and keeps other accounts out', async () => {
    await s3.send(new HeadBucketCommand({ Bucket: demoBucket }));
    const missing = await rejectionOf(s3.send(new HeadBucketCommand({ Bucket: 'not-a-bucket-anywhere' })));
    expect(statusOf(missing)).toBe(404);
    const member = new S3Client({
      ...clientConfig(sandbox, await memberCredentials(sandbox, WORKLOAD_ACCOUNT)),
      forcePathStyle: true,
    });
    const denied = await rejectionOf(
      member.send(new GetObjectCommand({ Bucket: demoBucket, Key: 'baseline.yaml' })),
    );
    expect(denied.name).toBe('AccessDenied');
    expect(statusOf(denied)).toBe(403);
  });

  it("answers a request for a bucket of another region as the regional endpoint does: 301 PermanentRedirect naming the bucket's region", async () => {
    const elsewhere = new S3Client({
      ...clientConfig(sandbox, sandbox.credentials, 'us-east-1'),
      forcePathStyle: true,
    });

    const read = await rejectionOf(
      elsewhere.send(new GetObjectCommand({ Bucket: demoBucket, Key: 'baseline.yaml' })),
    );
    const write = await rejectionOf(
      elsewhere.send(new PutObjectCommand({ Bucket: demoBucket, Key: 'reports/latest.json', Body: '{}' })),
    );
    const head = await rejectionOf(elsewhere.send(new HeadBucketCommand({ Bucket: demoBucket })));

    expect(read.name).toBe('PermanentRedirect');
    expect(statusOf(read)).toBe(301);
    expect(read.Endpoint).toBe('s3.eu-west-1.amazonaws.com');
    expect(write.name).toBe('PermanentRedirect');
    // HEAD has no body: the region is in the header only, as with real S3.
    expect(statusOf(head)).toBe(301);
    const raw = await fetch(`${sandbox.url}/${demoBucket}`, {
      method: 'HEAD',
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${sandbox.credentials.accessKeyId}/20261129/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`,
      },
    });
    expect(raw.status).toBe(301);
    expect(raw.headers.get('x-amz-bucket-region')).toBe('eu-west-1');
    expect(sandbox.s3Object(demoBucket, 'reports/latest.json')).toBeUndefined();
  });
});

describe('S3 multipart uploads', () => {
  const MIB = 1024 * 1024;
  /** Deterministic bytes, different in every mebibyte, so a part out of place changes the object. */
  const bytes = (size: number, seed = 0) =>
    Buffer.from(
      Array.from({ length: size }, (_, index) => (index * 31 + Math.floor(index / MIB) + seed) % 251),
    );

  async function start(key: string): Promise<string> {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'audit-reports', Key: key }));
    expect(created.Bucket).toBe('audit-reports');
    expect(created.Key).toBe(key);
    return created.UploadId as string;
  }

  async function part(key: string, uploadId: string, partNumber: number, body: Buffer) {
    const uploaded = await s3.send(
      new UploadPartCommand({
        Bucket: 'audit-reports',
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
      }),
    );
    return { PartNumber: partNumber, ETag: uploaded.ETag as string };
  }

  it('assembles a streamed Upload from lib-storage into one object whose ETag is the MD5 of the parts’ MD5s', async () => {
    const content = bytes(12 * MIB + 123);
    const chunks = Array.from({ length: 13 }, (_, index) => content.subarray(index * MIB, (index + 1) * MIB));
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: 'audit-reports',
        Key: 'runs/big.bin',
        Body: Readable.from(chunks),
        ContentType: 'application/json',
      },
    });

    const done = await upload.done();

    const stored = sandbox.s3Object('audit-reports', 'runs/big.bin');
    expect(stored?.equals(content)).toBe(true);
    const partDigests = [0, 1, 2].map((index) =>
      createHash('md5')
        .update(content.subarray(index * 5 * MIB, (index + 1) * 5 * MIB))
        .digest(),
    );
    expect(done.ETag).toBe(`"${createHash('md5').update(Buffer.concat(partDigests)).digest('hex')}-3"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'audit-reports', Key: 'runs/big.bin' }));
    expect(head.ContentLength).toBe(content.length);
    expect(head.ContentType).toBe('application/json');
    expect(sandbox.s3Uploads('audit-reports')).toEqual([]);
  });

  it('shows nothing at the key until the upload completes, and nothing after it is aborted', async () => {
    const key = 'runs/aborted.bin';
    const uploadId = await start(key);
    await part(key, uploadId, 1, bytes(5 * MIB));
    expect(sandbox.s3Object('audit-reports', key)).toBeUndefined();
    expect(sandbox.s3Uploads('audit-reports')).toEqual([{ key, uploadId, parts: 1 }]);

    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'audit-reports', Key: key, UploadId: uploadId }));

    expect(sandbox.s3Uploads('audit-reports')).toEqual([]);
    const late = await rejectionOf(part(key, uploadId, 2, bytes(10)));
    expect(late.name).toBe('NoSuchUpload');
    expect(statusOf(late)).toBe(404);
    const again = await rejectionOf(
      s3.send(new AbortMultipartUploadCommand({ Bucket: 'audit-reports', Key: key, UploadId: uploadId })),
    );
    expect(again.name).toBe('NoSuchUpload');
    expect(sandbox.s3Object('audit-reports', key)).toBeUndefined();
  });

  it('aborts an Upload whose body fails half-way and leaves neither an object nor parts behind', async () => {
    async function* failing() {
      yield bytes(6 * MIB);
      throw new Error('rendering failed');
    }
    const upload = new Upload({
      client: s3,
      params: { Bucket: 'audit-reports', Key: 'runs/half.bin', Body: Readable.from(failing()) },
    });

    await expect(upload.done()).rejects.toThrow('rendering failed');

    expect(sandbox.s3Object('audit-reports', 'runs/half.bin')).toBeUndefined();
    expect(sandbox.s3Uploads('audit-reports')).toEqual([]);
  });

  it('answers a retried completion NoSuchUpload, and uploadText then finds its own object at the key', async () => {
    // The first CompleteMultipartUpload is done by S3 but its answer is lost (a timeout): the SDK
    // retries it, and the retry finds the upload used up.
    const losing = new S3Client({
      ...clientConfig(sandbox, sandbox.credentials),
      forcePathStyle: true,
      maxAttempts: 2,
    });
    let lost = 0;
    losing.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'CompleteMultipartUploadCommand' && lost === 0) {
          lost += 1;
          throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} });
        }
        return result;
      },
      { step: 'deserialize', name: 'loseFirstCompletion', priority: 'low' },
    );
    const content = `${'x'.repeat(9 * MIB)}tail`;
    const direct = await rejectionOf(
      new Upload({
        client: losing,
        params: { Bucket: 'audit-reports', Key: 'runs/lost-direct.txt', Body: Readable.from([content]) },
      }).done(),
    );
    expect(direct.name).toBe('NoSuchUpload');

    lost = 0;
    const stored = await uploadText(losing, {
      bucket: 'audit-reports',
      key: 'runs/lost-answer.txt',
      chunks: [content.slice(0, 5 * MIB), content.slice(5 * MIB)],
      contentType: 'text/plain',
    });

    expect(lost).toBe(1);
    expect(stored.etag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(sandbox.s3Object('audit-reports', 'runs/lost-answer.txt')?.toString('utf8')).toBe(content);
  });

  it('does not take another object at the key for its own after NoSuchUpload', async () => {
    const uploadId = await start('runs/gone.txt');
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: 'audit-reports', Key: 'runs/gone.txt', UploadId: uploadId }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: 'audit-reports', Key: 'runs/gone.txt', Body: 'someone else' }),
    );
    const failing = new S3Client({ ...clientConfig(sandbox, sandbox.credentials), forcePathStyle: true });
    failing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CompleteMultipartUploadCommand')
          throw Object.assign(new Error('The specified upload does not exist.'), {
            name: 'NoSuchUpload',
            Code: 'NoSuchUpload',
            $metadata: { httpStatusCode: 404 },
          });
        return next(args);
      },
      { step: 'initialize', name: 'noSuchUpload' },
    );

    const error = await rejectionOf(
      uploadText(failing, {
        bucket: 'audit-reports',
        key: 'runs/gone.txt',
        chunks: ['y'.repeat(9 * MIB), 'z'],
        contentType: 'text/plain',
      }),
    );

    expect(error.name).toBe('NoSuchUpload');
    expect(sandbox.s3Object('audit-reports', 'runs/gone.txt')?.toString('utf8')).toBe('someone else');
  });

  it('refuses to complete with parts out of order, an unknown part, or a small part before the last', async () => {
    const key = 'runs/refused.bin';
    const uploadId = await start(key);
    const first = await part(key, uploadId, 1, bytes(5 * MIB));
    const small = await part(key, uploadId, 2, bytes(1024));
    const last = await part(key, uploadId, 3, bytes(10));
    const complete = (parts: Array<{ PartNumber: number; ETag: string }>) =>
      rejectionOf(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: 'audit-reports',
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );

    const order = await complete([small, first]);
    const unknown = await complete([first, { PartNumber: 2, ETag: first.ETag }]);
    const tooSmall = await complete([first, small, last]);

    expect([order.name, statusOf(order)]).toEqual(['InvalidPartOrder', 400]);
    expect([unknown.name, statusOf(unknown)]).toEqual(['InvalidPart', 400]);
    expect([tooSmall.name, statusOf(tooSmall)]).toEqual(['EntityTooSmall', 400]);
    expect(tooSmall.ProposedSize).toBe('1024');
    expect(sandbox.s3Object('audit-reports', key)).toBeUndefined();
    // Parts not listed are dropped: the first and the last make the object.
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'audit-reports',
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [first, last] },
      }),
    );
    expect(sandbox.s3Object('audit-reports', key)?.equals(Buffer.concat([bytes(5 * MIB), bytes(10)]))).toBe(
      true,
    );
  });

  it('checks If-None-Match on completion, so a create-only multipart write never replaces an object', async () => {
    const key = 'runs/create-only.bin';
    await s3.send(new PutObjectCommand({ Bucket: 'audit-reports', Key: key, Body: 'first' }));
    const uploadId = await start(key);
    const only = await part(key, uploadId, 1, bytes(100));

    const lost = await rejectionOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'audit-reports',
          Key: key,
          UploadId: uploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [only] },
        }),
      ),
    );

    expect([lost.name, statusOf(lost)]).toEqual(['PreconditionFailed', 412]);
    expect(sandbox.s3Object('audit-reports', key)?.toString('utf8')).toBe('first');
  });
});
