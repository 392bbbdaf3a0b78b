import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxResponse, WireProtocol } from './wire.js';
import type { Session, World } from './world.js';

/** The parts of an HTTP request a service needs to find the operation. */
export interface RawRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request routed to an operation, with its caller resolved. */
export interface RequestContext extends RawRequest {
  service: string;
  region: string;
  operation: string;
  /** Path parameters of REST operations (`clusterName`, `bucket`, `key`, ...). */
  pathParams: Record<string, string>;
  session: Session;
  world: World;
  now: Date;
  requestId: string;
  /** A fault rule's partial failure of this request (see `FaultRule.failFindings`). */
  failFindings?: { every: number; code: string };
}

/** Wire error codes a service uses for the sandbox's generic failures. */
export interface ServiceErrorCodes {
  accessDenied: { status: number; code: string };
  throttle: { status: number; code: string; message: string };
  internal: { status: number; code: string };
  invalidClientToken: { status: number; code: string };
  unknownOperation: { status: number; code: string };
}

/** One AWS service: how to find the operation of a request and how to answer it. */
export interface ServiceModule {
  protocol: WireProtocol;
  codes: ServiceErrorCodes;
  /** The operation and path parameters of a request, or undefined when unknown. */
  resolve(request: RawRequest): { operation: string; pathParams?: Record<string, string> } | undefined;
  handle(context: RequestContext): SandboxResponse | Promise<SandboxResponse>;
  /** IAM action prefix for AccessDenied messages when it differs from the signing name. */
  actionPrefix?: string;
  /** The account an operation reaches into when it is not the caller's (fault rules' `targetAccount`). */
  targetAccount?(request: RawRequest, operation: string): string | undefined;
}

/** Query-protocol parameters: the form body, or the URL query for GET requests. */
export function formParams(request: RawRequest): URLSearchParams {
  if (request.body.length > 0) return new URLSearchParams(request.body.toString('utf8'));
  return request.query;
}

/** Resolves query-protocol operations from the `Action` parameter. */
export function queryOperation(operations: readonly string[]) {
  return (request: RawRequest) => {
    const action = formParams(request).get('Action');
    return action && operations.includes(action) ? { operation: action } : undefined;
  };
}

/** The JSON body of a request (an empty body reads as `{}`). */
export function jsonBody(request: RawRequest): Record<string, unknown> {
  if (request.body.length === 0) return {};
  const parsed: unknown = JSON.parse(request.body.toString('utf8'));
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
}

/**
 * Resolves a JSON 1.1 request by its `X-Amz-Target`: a POST whose target matches `target` (the
 * operation in its first group) and names one of `operations`.
 */
export function resolveJsonTarget(
  request: RawRequest,
  target: RegExp,
  operations: readonly string[],
): { operation: string } | undefined {
  const header = request.headers['x-amz-target'];
  if (request.method !== 'POST' || typeof header !== 'string') return undefined;
  const operation = target.exec(header)?.[1];
  return operation && operations.includes(operation) ? { operation } : undefined;
}

/**
 * Matches a REST path template such as `/clusters/{name}/addons/{addonName}`; returns the decoded
 * path parameters or undefined.
 */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const templateParts = template.split('/');
  const pathParts = path.split('/');
  if (templateParts.length !== pathParts.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < templateParts.length; index += 1) {
    const expected = templateParts[index];
    const actual = pathParts[index];
    if (expected.startsWith('{') && expected.endsWith('}')) {
      if (actual === '') return undefined;
      params[expected.slice(1, -1)] = decodeURIComponent(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

/** Query-protocol service error codes (STS, IAM, SNS). */
export const QUERY_CODES: ServiceErrorCodes = {
  accessDenied: { status: 403, code: 'AccessDenied' },
  throttle: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
  internal: { status: 500, code: 'InternalFailure' },
  invalidClientToken: { status: 403, code: 'InvalidClientTokenId' },
  unknownOperation: { status: 400, code: 'InvalidAction' },
};
