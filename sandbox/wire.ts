import { createHash, randomUUID } from 'node:crypto';
import { AuditError } from '../shared/errors.js';

/** The wire protocols the sandbox speaks; each service uses exactly one (SDK v3 and botocore agree). */
export type WireProtocol = 'query' | 'json' | 'rest-json' | 'rest-xml';

/** A response ready to be written to the socket. */
export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/**
 * An error as an AWS service reports it. `code` is the wire error code (`AccessDenied`,
 * `ResourceNotFoundException`, ...); the protocol decides how it is rendered.
 */
export class AwsError extends AuditError {
  override name = 'AwsError';
  readonly code: string;
  readonly status: number;
  /** Extra top-level members for JSON errors or elements for XML errors (e.g. S3 `Key`). */
  readonly extra: Record<string, string>;
  /** Query-protocol `Type`: `Sender` for client faults, `Receiver` for server faults. */
  readonly faultType: 'Sender' | 'Receiver';

  constructor(status: number, code: string, message: string, extra: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.faultType = status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** XML namespaces of the query-protocol services, as the real services send them. */
export const XML_NAMESPACES: Record<string, string> = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  s3: 'http://s3.amazonaws.com/doc/2006-03-01/',
};

/** Escapes text for an XML element body or attribute. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Marks a list that S3 serializes as repeated sibling elements instead of `<member>` items. */
export class Flattened {
  constructor(readonly items: XmlValue[]) {}
}

export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | Flattened
  | XmlValue[]
  | { [key: string]: XmlValue };

/** Serializes a value as the children of element `name` (query lists use `<member>`). */
export function toXml(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Flattened) return value.items.map((item) => toXml(name, item)).join('');
  if (Array.isArray(value))
    return `<${name}>${value.map((item) => toXml('member', item)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') return `<${name}>${xmlChildren(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** Serializes an object's members as sibling elements. */
export function xmlChildren(value: { [key: string]: XmlValue }): string {
  return Object.entries(value)
    .map(([key, child]) => toXml(key, child))
    .join('');
}

/** A successful query-protocol response: `<ActionResponse><ActionResult>…` plus the request id. */
export function queryResponse(
  service: string,
  action: string,
  result: { [key: string]: XmlValue } | undefined,
  requestId: string,
): SandboxResponse {
  const resultXml = result === undefined ? '' : toXml(`${action}Result`, result);
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XML_NAMESPACES[service]}">` +
    `${resultXml}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** A JSON response (REST-JSON and JSON 1.1 services). */
export function jsonResponse(value: unknown, requestId: string, status = 200): SandboxResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
    body: JSON.stringify(value),
  };
}

/** Renders an error in the shape of the service's protocol. */
export function renderError(
  protocol: WireProtocol,
  service: string,
  error: AwsError,
  requestId: string,
): SandboxResponse {
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
  if (protocol === 'query') {
    const namespace = XML_NAMESPACES[service] ?? '';
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error><Type>${error.faultType}</Type>` +
      `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`;
    return { status: error.status, headers: { ...headers, 'content-type': 'text/xml' }, body };
  }
  if (protocol === 'rest-xml') {
    const extra = Object.entries(error.extra)
      .map(([key, value]) => toXml(key, value))
      .join('');
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code>` +
      `<Message>${escapeXml(error.message)}</Message>${extra}<RequestId>${requestId}</RequestId></Error>`;
    return {
      status: error.status,
      headers: { ...headers, 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body,
    };
  }
  if (protocol === 'json') {
    return {
      status: error.status,
      headers: { ...headers, 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ __type: error.code, message: error.message, ...error.extra }),
    };
  }
  return {
    status: error.status,
    headers: { ...headers, 'content-type': 'application/json', 'x-amzn-errortype': error.code },
    body: JSON.stringify({ message: error.message, ...error.extra }),
  };
}

/** Reads `Prefix.member.N` query parameters into a list, in index order. */
export function queryList(params: URLSearchParams, prefix: string): string[] {
  const items: Array<[number, string]> = [];
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)$`);
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) items.push([Number(match[1]), value]);
  }
  return items.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/** Reads `Prefix.member.N.Field` query parameters into a list of records. */
export function queryStructList(
  params: URLSearchParams,
  prefix: string,
  tag = 'member',
): Array<Record<string, string>> {
  const items = new Map<number, Record<string, string>>();
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.${tag}\\.(\\d+)\\.(.+)$`);
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    const item = items.get(index) ?? {};
    item[match[2]] = value;
    items.set(index, item);
  }
  return [...items.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
}

/** A new request id in the UUID form AWS uses. */
export function newRequestId(): string {
  return randomUUID();
}

/** Hex SHA-256 of the parts: the root of every deterministic id the sandbox makes. */
export function stableHash(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A deterministic identifier of `length` characters from `alphabet`, derived from the parts. */
export function stableId(
  length: number,
  alphabet: 'upper' | 'lower',
  ...parts: Array<string | number>
): string {
  const chars = alphabet === 'upper' ? UPPER_ALNUM : LOWER_ALNUM;
  let digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let out = '';
  let counter = 0;
  while (out.length < length) {
    for (const byte of digest) {
      if (out.length >= length) break;
      out += chars[byte % chars.length];
    }
    counter += 1;
    digest = createHash('sha256').update(digest).update(String(counter)).digest();
  }
  return out;
}

/** An S3 ETag: the quoted hex MD5 of the body. */
export function md5Etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** A deterministic UUID (v4 layout) derived from the parts. */
export function stableUuid(...parts: Array<string | number>): string {
  const hex = stableHash(...parts);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((Number.parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A small seeded PRNG (mulberry32): reproducible randomness for generated history and faults. */
export function seededRandom(seed: string | number): () => number {
  let state = Number.parseInt(stableHash('seed', seed).slice(0, 8), 16) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Encodes a policy document as IAM returns it: URL-encoded JSON (RFC 3986). */
export function iamEncodePolicy(document: unknown): string {
  return encodeURIComponent(JSON.stringify(document)).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Opaque paging token for an offset (what real services hand back is equally opaque). */
export function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString('base64url');
}

/** Decodes a paging token made by `encodeToken` for the same scope; undefined when invalid. */
export function decodeToken(scope: string, token: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: string; o?: number };
    return parsed.s === scope && Number.isInteger(parsed.o) && (parsed.o ?? -1) >= 0 ? parsed.o : undefined;
  } catch {
    return undefined;
  }
}
