import { createHash } from 'node:crypto';
import type { RawRequest, RequestContext, ServiceModule } from '../context.js';
import {
  AwsError,
  decodeToken,
  encodeToken,
  Flattened,
  md5Etag,
  renderError,
  type SandboxResponse,
  stableId,
  toXml,
  XML_NAMESPACES,
} from '../wire.js';
import type { BucketState, MultipartUploadState, ObjectVersion } from '../world.js';

/** Splits a path-style request path into bucket and key. */
function bucketAndKey(path: string): { bucket: string; key?: string } {
  const rest = path.replace(/^\//, '');
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: decodeURIComponent(rest) };
  const key = rest.slice(slash + 1);
  return {
    bucket: decodeURIComponent(rest.slice(0, slash)),
    key: key === '' ? undefined : decodeURIComponent(key),
  };
}

/** S3 (REST-XML, path-style addressing): buckets, conditional object writes, versioning, listing. */
export const s3: ServiceModule = {
  protocol: 'rest-xml',
  codes: {
    accessDenied: { status: 403, code: 'AccessDenied' },
    throttle: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
    internal: { status: 500, code: 'InternalError' },
    invalidClientToken: { status: 403, code: 'InvalidAccessKeyId' },
    unknownOperation: { status: 501, code: 'NotImplemented' },
  },
  resolve(request: RawRequest) {
    const { bucket, key } = bucketAndKey(request.path);
    if (bucket === '') return undefined;
    const pathParams: Record<string, string> = key === undefined ? { bucket } : { bucket, key };
    const has = (name: string) => request.query.has(name);
    if (key === undefined) {
      switch (request.method) {
        case 'PUT':
          return { operation: has('versioning') ? 'PutBucketVersioning' : 'CreateBucket', pathParams };
        case 'HEAD':
          return { operation: 'HeadBucket', pathParams };
        case 'GET':
          if (has('versioning')) return { operation: 'GetBucketVersioning', pathParams };
          if (request.query.get('list-type') === '2') return { operation: 'ListObjectsV2', pathParams };
          return undefined;
        default:
          return undefined;
      }
    }
    if (request.headers['x-amz-copy-source'] !== undefined) return undefined;
    const multipart = multipartOperation(request);
    if (multipart) return { operation: multipart, pathParams };
    const operations: Record<string, string> = {
      PUT: 'PutObject',
      GET: 'GetObject',
      HEAD: 'HeadObject',
      DELETE: 'DeleteObject',
    };
    const operation = operations[request.method];
    return operation ? { operation, pathParams } : undefined;
  },
  handle(context) {
    const bucketName = context.pathParams.bucket;
    if (context.operation === 'CreateBucket') return createBucket(context, bucketName);
    const elsewhere = otherRegion(context, bucketName);
    if (elsewhere) return elsewhere;
    const bucket = ownedBucket(context, bucketName);
    switch (context.operation) {
      case 'HeadBucket':
        return { status: 200, headers: { 'x-amz-bucket-region': bucket.region, ...requestHeaders(context) } };
      case 'PutBucketVersioning': {
        const status = /<Status>(Enabled|Suspended)<\/Status>/.exec(context.body.toString('utf8'))?.[1];
        if (!status)
          throw new AwsError(
            400,
            'MalformedXML',
            'The XML you provided was not well-formed or did not validate against our published schema.',
          );
        bucket.versioning = status as 'Enabled' | 'Suspended';
        return { status: 200, headers: requestHeaders(context) };
      }
      case 'GetBucketVersioning':
        return xml(
          context,
          toXml('VersioningConfiguration', bucket.versioning ? { Status: bucket.versioning } : {}),
          'VersioningConfiguration',
        );
      case 'ListObjectsV2':
        return listObjects(context, bucket);
      default: {
        const write = OBJECT_WRITES[context.operation];
        if (write) return write(context, bucket, context.pathParams.key);
        return getObject(context, bucket, context.pathParams.key, context.operation === 'HeadObject');
      }
    }
  },
};

type ObjectOperation = (context: RequestContext, bucket: BucketState, key: string) => SandboxResponse;

/** Operations that change an object or an upload of it, by name (reads are `getObject`). */
const OBJECT_WRITES: Record<string, ObjectOperation> = {
  PutObject: putObject,
  DeleteObject: deleteObject,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
};

function requestHeaders(context: RequestContext): Record<string, string> {
  return { 'x-amz-request-id': context.requestId, 'x-amz-id-2': stableId(32, 'lower', context.requestId) };
}

/** Adds the S3 namespace to the root element of a serialized document. */
function xml(context: RequestContext, body: string, root: string): SandboxResponse {
  const withNamespace = body.replace(`<${root}>`, `<${root} xmlns="${XML_NAMESPACES.s3}">`);
  return {
    status: 200,
    headers: { 'content-type': 'application/xml', ...requestHeaders(context) },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${withNamespace}`,
  };
}

/**
 * A request for a bucket of another region than the endpoint's (the signing region, here: one
 * endpoint serves every region) is answered as the regional endpoint answers it: 301
 * `PermanentRedirect` naming the bucket's endpoint, with the `x-amz-bucket-region` header (no body
 * for HEAD). Clients must send it to the bucket's region.
 */
function otherRegion(context: RequestContext, name: string): SandboxResponse | undefined {
  const bucket = context.world.buckets.get(name);
  if (!bucket || bucket.region === context.region) return undefined;
  const redirect = renderError(
    'rest-xml',
    's3',
    new AwsError(
      301,
      'PermanentRedirect',
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
      { Endpoint: `s3.${bucket.region}.amazonaws.com`, Bucket: name },
    ),
    context.requestId,
  );
  return { ...redirect, headers: { ...redirect.headers, 'x-amz-bucket-region': bucket.region } };
}

function ownedBucket(context: RequestContext, name: string): BucketState {
  const bucket = context.world.buckets.get(name);
  if (!bucket)
    throw new AwsError(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });
  if (bucket.accountId !== context.session.accountId)
    throw new AwsError(403, 'AccessDenied', 'Access Denied');
  return bucket;
}

function createBucket(context: RequestContext, name: string): SandboxResponse {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..')) {
    throw new AwsError(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
  }
  const existing = context.world.buckets.get(name);
  if (existing) {
    if (existing.accountId === context.session.accountId) {
      throw new AwsError(
        409,
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        { BucketName: name },
      );
    }
    throw new AwsError(409, 'BucketAlreadyExists', 'The requested bucket name is not available.', {
      BucketName: name,
    });
  }
  const constraint = /<LocationConstraint>([^<]+)<\/LocationConstraint>/.exec(
    context.body.toString('utf8'),
  )?.[1];
  context.world.buckets.set(name, {
    name,
    accountId: context.session.accountId,
    region: constraint ?? context.region,
    createdAt: context.now,
    objects: new Map(),
  });
  return { status: 200, headers: { location: `/${name}`, ...requestHeaders(context) } };
}

function isChunked(context: RawRequest): boolean {
  const encoding = String(context.headers['content-encoding'] ?? '');
  const sha = String(context.headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((part) => part.trim() === 'aws-chunked') || sha.startsWith('STREAMING-');
}

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0\r\n`, then
 * trailing headers such as a streaming checksum).
 */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let position = 0;
  const readLine = (): string | undefined => {
    const end = body.indexOf('\r\n', position);
    if (end < 0) return undefined;
    const line = body.subarray(position, end).toString('latin1');
    position = end + 2;
    return line;
  };
  for (;;) {
    const header = readLine();
    if (header === undefined)
      throw new AwsError(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    const size = Number.parseInt(header.split(';')[0], 16);
    if (Number.isNaN(size))
      throw new AwsError(400, 'InvalidRequest', 'Invalid chunk header in aws-chunked body');
    if (size === 0) break;
    chunks.push(body.subarray(position, position + size));
    position += size + 2;
  }
  for (let line = readLine(); line !== undefined && line !== ''; line = readLine()) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(chunks), trailers };
}

function currentVersion(bucket: BucketState, key: string): ObjectVersion | undefined {
  const versions = bucket.objects.get(key);
  return versions?.[versions.length - 1];
}

function preconditionFailed(condition: string): AwsError {
  return new AwsError(
    412,
    'PreconditionFailed',
    'At least one of the pre-conditions you specified did not hold',
    {
      Condition: condition,
    },
  );
}

function noSuchKey(key: string): AwsError {
  return new AwsError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
}

/** The body and the checksums of a write: an `aws-chunked` body decoded, its trailing checksums kept. */
function writtenBody(context: RequestContext): { body: Buffer; checksums: Record<string, string> } {
  let body = context.body;
  const checksums: Record<string, string> = {};
  if (isChunked(context)) {
    const decoded = decodeAwsChunked(context.body);
    body = decoded.data;
    for (const [name, value] of Object.entries(decoded.trailers))
      if (name.startsWith('x-amz-checksum-')) checksums[name] = value;
  }
  for (const [name, value] of Object.entries(context.headers)) {
    if (
      name.startsWith('x-amz-checksum-') &&
      name !== 'x-amz-checksum-type' &&
      name !== 'x-amz-checksum-algorithm' &&
      typeof value === 'string'
    )
      checksums[name] = value;
  }
  return { body, checksums };
}

/**
 * `If-None-Match: *` (no object at the key) and `If-Match: ETAG` (the current object has it), as
 * PutObject and CompleteMultipartUpload check them before the object is written.
 */
function checkWriteConditions(context: RequestContext, bucket: BucketState, key: string): void {
  const current = currentVersion(bucket, key);
  const exists = current !== undefined && !current.deleteMarker;
  const ifNoneMatch = context.headers['if-none-match'];
  const ifMatch = context.headers['if-match'];
  if (ifNoneMatch === '*' && exists) throw preconditionFailed('If-None-Match');
  if (typeof ifMatch === 'string') {
    if (!exists) throw noSuchKey(key);
    if (ifMatch !== current.etag && ifMatch !== '*') throw preconditionFailed('If-Match');
  }
}

/** User metadata (`x-amz-meta-*`) of a write request. */
function metadataOf(headers: RawRequest['headers']): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice(11)] = value;
  }
  return metadata;
}

/** Makes `version` the key's current version (the only one, unless the bucket is versioned). */
function storeVersion(
  context: RequestContext,
  bucket: BucketState,
  key: string,
  written: Omit<ObjectVersion, 'versionId' | 'lastModified' | 'deleteMarker'> & {
    checksums?: Record<string, string>;
  },
): ObjectVersion {
  context.world.sequence += 1;
  const versioned = bucket.versioning === 'Enabled';
  const version: ObjectVersion & { checksums?: Record<string, string> } = {
    ...written,
    versionId: versioned
      ? stableId(32, 'lower', 'version', bucket.name, key, context.world.sequence)
      : 'null',
    lastModified: context.now,
    deleteMarker: false,
  };
  const versions = versioned
    ? (bucket.objects.get(key) ?? [])
    : (bucket.objects.get(key) ?? []).filter((v) => v.versionId !== 'null');
  versions.push(version);
  bucket.objects.set(key, versions);
  return version;
}

function putObject(context: RequestContext, bucket: BucketState, key: string): SandboxResponse {
  const { body, checksums } = writtenBody(context);
  checkWriteConditions(context, bucket, key);
  const version = storeVersion(context, bucket, key, {
    body: Buffer.from(body),
    etag: md5Etag(body),
    contentType: String(context.headers['content-type'] ?? 'binary/octet-stream'),
    metadata: metadataOf(context.headers),
    checksums,
  });
  return {
    status: 200,
    headers: {
      etag: version.etag,
      ...(bucket.versioning ? { 'x-amz-version-id': version.versionId } : {}),
      ...checksums,
      ...requestHeaders(context),
    },
  };
}

function getObject(
  context: RequestContext,
  bucket: BucketState,
  key: string,
  head: boolean,
): SandboxResponse {
  const versionId = context.query.get('versionId');
  const versions = bucket.objects.get(key) ?? [];
  const version = versionId
    ? versions.find((candidate) => candidate.versionId === versionId)
    : versions[versions.length - 1];
  if (!version) {
    if (versionId)
      throw new AwsError(404, 'NoSuchVersion', 'The specified version does not exist.', {
        Key: key,
        VersionId: versionId,
      });
    throw noSuchKey(key);
  }
  if (version.deleteMarker) {
    const error = noSuchKey(key);
    throw error;
  }
  const ifMatch = context.headers['if-match'];
  const ifNoneMatch = context.headers['if-none-match'];
  if (typeof ifMatch === 'string' && ifMatch !== version.etag && ifMatch !== '*')
    throw preconditionFailed('If-Match');
  const headers: Record<string, string> = {
    etag: version.etag,
    'last-modified': version.lastModified.toUTCString(),
    'content-type': version.contentType,
    'content-length': String(version.body.length),
    'accept-ranges': 'bytes',
    ...(bucket.versioning ? { 'x-amz-version-id': version.versionId } : {}),
    ...requestHeaders(context),
  };
  for (const [name, value] of Object.entries(version.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (typeof ifNoneMatch === 'string' && (ifNoneMatch === version.etag || ifNoneMatch === '*')) {
    return { status: 304, headers: { etag: version.etag, ...requestHeaders(context) } };
  }
  const checksums = (version as ObjectVersion & { checksums?: Record<string, string> }).checksums ?? {};
  if (context.headers['x-amz-checksum-mode'] === 'ENABLED') Object.assign(headers, checksums);
  return { status: 200, headers, body: head ? undefined : version.body };
}

function deleteObject(context: RequestContext, bucket: BucketState, key: string): SandboxResponse {
  if (bucket.versioning === 'Enabled') {
    context.world.sequence += 1;
    const marker: ObjectVersion = {
      body: Buffer.alloc(0),
      etag: '',
      versionId: stableId(32, 'lower', 'version', bucket.name, key, context.world.sequence),
      lastModified: context.now,
      contentType: '',
      metadata: {},
      deleteMarker: true,
    };
    const versions = bucket.objects.get(key) ?? [];
    versions.push(marker);
    bucket.objects.set(key, versions);
    return {
      status: 204,
      headers: {
        'x-amz-delete-marker': 'true',
        'x-amz-version-id': marker.versionId,
        ...requestHeaders(context),
      },
    };
  }
  bucket.objects.delete(key);
  return { status: 204, headers: requestHeaders(context) };
}

function listObjects(context: RequestContext, bucket: BucketState): SandboxResponse {
  const prefix = context.query.get('prefix') ?? '';
  const delimiter = context.query.get('delimiter') ?? undefined;
  const startAfter = context.query.get('start-after') ?? '';
  const maxKeysText = context.query.get('max-keys');
  const maxKeys = maxKeysText === null ? 1000 : Number(maxKeysText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw new AwsError(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
  const keys = [...bucket.objects.entries()]
    .filter(
      ([key, versions]) =>
        key.startsWith(prefix) && key > startAfter && !versions[versions.length - 1].deleteMarker,
    )
    .map(([key]) => key)
    .sort();
  // With a delimiter, keys below the next delimiter roll up into one common prefix entry.
  const entries: Array<{ key: string; commonPrefix: boolean }> = [];
  for (const key of keys) {
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const commonPrefix = key.slice(0, cut + (delimiter?.length ?? 0));
      if (!entries.some((entry) => entry.commonPrefix && entry.key === commonPrefix))
        entries.push({ key: commonPrefix, commonPrefix: true });
    } else {
      entries.push({ key, commonPrefix: false });
    }
  }
  const scope = `${bucket.name}/${prefix}/${delimiter ?? ''}/${startAfter}`;
  const token = context.query.get('continuation-token');
  const offset = token === null ? 0 : decodeToken(scope, token);
  if (offset === undefined)
    throw new AwsError(400, 'InvalidArgument', 'The continuation token provided is incorrect');
  const page = entries.slice(offset, offset + maxKeys);
  const truncated = offset + maxKeys < entries.length;
  const body = toXml('ListBucketResult', {
    Name: bucket.name,
    Prefix: prefix,
    Delimiter: delimiter,
    StartAfter: startAfter === '' ? undefined : startAfter,
    KeyCount: page.length,
    MaxKeys: maxKeys,
    IsTruncated: truncated,
    ContinuationToken: token ?? undefined,
    NextContinuationToken: truncated ? encodeToken(scope, offset + maxKeys) : undefined,
    Contents: new Flattened(
      page
        .filter((entry) => !entry.commonPrefix)
        .map((entry) => {
          const version = currentVersion(bucket, entry.key) as ObjectVersion;
          return {
            Key: entry.key,
            LastModified: version.lastModified,
            ETag: version.etag,
            Size: version.body.length,
            StorageClass: 'STANDARD',
          };
        }),
    ),
    CommonPrefixes: new Flattened(
      page.filter((entry) => entry.commonPrefix).map((entry) => ({ Prefix: entry.key })),
    ),
  });
  return xml(context, body, 'ListBucketResult');
}

/** S3's smallest part but the last (5 MiB), and the part numbers it accepts. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

/** The multipart operation a request to an object names by its query (`?uploads`, `?uploadId=`). */
function multipartOperation(request: RawRequest): string | undefined {
  const has = (name: string) => request.query.has(name);
  if (request.method === 'POST') {
    if (has('uploads')) return 'CreateMultipartUpload';
    if (has('uploadId')) return 'CompleteMultipartUpload';
    return undefined;
  }
  if (!has('uploadId')) return undefined;
  if (request.method === 'PUT' && has('partNumber')) return 'UploadPart';
  if (request.method === 'DELETE') return 'AbortMultipartUpload';
  return undefined;
}

function uploadsOf(bucket: BucketState): Map<string, MultipartUploadState> {
  bucket.uploads ??= new Map();
  return bucket.uploads;
}

/** The upload a request names; `NoSuchUpload` (404) when it was never started, or was completed or aborted. */
function namedUpload(context: RequestContext, bucket: BucketState, key: string): MultipartUploadState {
  const uploadId = context.query.get('uploadId') ?? '';
  const upload = bucket.uploads?.get(uploadId);
  if (!upload || upload.key !== key)
    throw new AwsError(
      404,
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    );
  return upload;
}

function createMultipartUpload(context: RequestContext, bucket: BucketState, key: string): SandboxResponse {
  context.world.sequence += 1;
  const uploadId = stableId(64, 'lower', 'upload', bucket.name, key, context.world.sequence);
  const algorithm = context.headers['x-amz-checksum-algorithm'];
  const checksumType = context.headers['x-amz-checksum-type'];
  uploadsOf(bucket).set(uploadId, {
    uploadId,
    key,
    initiated: context.now,
    contentType: String(context.headers['content-type'] ?? 'binary/octet-stream'),
    metadata: metadataOf(context.headers),
    parts: new Map(),
  });
  const response = xml(
    context,
    toXml('InitiateMultipartUploadResult', { Bucket: bucket.name, Key: key, UploadId: uploadId }),
    'InitiateMultipartUploadResult',
  );
  if (typeof algorithm === 'string') {
    Object.assign(response.headers ?? {}, {
      'x-amz-checksum-algorithm': algorithm.toUpperCase(),
      // S3's default for CRC32, CRC32C, SHA-1 and SHA-256: a checksum of the parts' checksums.
      'x-amz-checksum-type': typeof checksumType === 'string' ? checksumType : 'COMPOSITE',
    });
  }
  return response;
}

function uploadPart(context: RequestContext, bucket: BucketState, key: string): SandboxResponse {
  const partNumber = Number(context.query.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER)
    throw new AwsError(
      400,
      'InvalidArgument',
      `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`,
      { ArgumentName: 'partNumber', ArgumentValue: String(context.query.get('partNumber')) },
    );
  const upload = namedUpload(context, bucket, key);
  const { body, checksums } = writtenBody(context);
  const etag = md5Etag(body);
  // A part uploaded again under the same number replaces the earlier one.
  upload.parts.set(partNumber, { body: Buffer.from(body), etag });
  return { status: 200, headers: { etag, ...checksums, ...requestHeaders(context) } };
}

/** The `<Part>` entries of a CompleteMultipartUpload body, in the order given. */
function completedParts(body: string): Array<{ partNumber: number; etag: string }> {
  if (!/<CompleteMultipartUpload[\s>]/.test(body)) throw malformedXml();
  const parts: Array<{ partNumber: number; etag: string }> = [];
  for (const match of body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const partNumber = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(match[1])?.[1];
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(match[1])?.[1];
    if (partNumber === undefined || etag === undefined) throw malformedXml();
    parts.push({ partNumber: Number(partNumber), etag: unquote(decodeXmlText(etag.trim())) });
  }
  if (parts.length === 0) throw malformedXml();
  return parts;
}

function malformedXml(): AwsError {
  return new AwsError(
    400,
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );
}

function decodeXmlText(text: string): string {
  return text.replace(/&(quot|amp|lt|gt|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name, dec, hex) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
    return { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" }[name as 'quot'];
  });
}

/** S3 takes a part's ETag with or without its quotes. */
function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

/**
 * Assembles the listed parts into the object, as S3 does: part numbers ascending
 * (`InvalidPartOrder`), each uploaded with that ETag (`InvalidPart`), every part but the last at
 * least 5 MiB (`EntityTooSmall`), then the write conditions; the ETag is the MD5 of the parts'
 * MD5s and `-N`. Until this succeeds nothing is visible at the key.
 */
function completeMultipartUpload(context: RequestContext, bucket: BucketState, key: string): SandboxResponse {
  const upload = namedUpload(context, bucket, key);
  const listed = completedParts(context.body.toString('utf8'));
  const bodies: Buffer[] = [];
  const digests: Buffer[] = [];
  if (listed.some((entry, index) => index > 0 && entry.partNumber <= listed[index - 1].partNumber))
    throw new AwsError(
      400,
      'InvalidPartOrder',
      'The list of parts was not in ascending order. Parts must be ordered by part number.',
      { UploadId: upload.uploadId },
    );
  listed.forEach((entry, index) => {
    const part = upload.parts.get(entry.partNumber);
    if (!part || unquote(part.etag) !== entry.etag)
      throw new AwsError(
        400,
        'InvalidPart',
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { UploadId: upload.uploadId, PartNumber: String(entry.partNumber), ETag: entry.etag },
      );
    if (index < listed.length - 1 && part.body.length < MIN_PART_BYTES)
      throw new AwsError(
        400,
        'EntityTooSmall',
        'Your proposed upload is smaller than the minimum allowed size',
        {
          ProposedSize: String(part.body.length),
          MinSizeAllowed: String(MIN_PART_BYTES),
          PartNumber: String(entry.partNumber),
          ETag: part.etag,
        },
      );
    bodies.push(part.body);
    digests.push(Buffer.from(unquote(part.etag), 'hex'));
  });
  checkWriteConditions(context, bucket, key);
  const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${listed.length}"`;
  const version = storeVersion(context, bucket, key, {
    body: Buffer.concat(bodies),
    etag,
    contentType: upload.contentType,
    metadata: upload.metadata,
  });
  bucket.uploads?.delete(upload.uploadId);
  const host = String(context.headers.host ?? 's3.amazonaws.com');
  const path = key.split('/').map(encodeURIComponent).join('/');
  const response = xml(
    context,
    toXml('CompleteMultipartUploadResult', {
      Location: `http://${host}/${encodeURIComponent(bucket.name)}/${path}`,
      Bucket: bucket.name,
      Key: key,
      ETag: etag,
    }),
    'CompleteMultipartUploadResult',
  );
  if (bucket.versioning) Object.assign(response.headers ?? {}, { 'x-amz-version-id': version.versionId });
  return response;
}

function abortMultipartUpload(context: RequestContext, bucket: BucketState, key: string): SandboxResponse {
  const upload = namedUpload(context, bucket, key);
  bucket.uploads?.delete(upload.uploadId);
  return { status: 204, headers: requestHeaders(context) };
}
