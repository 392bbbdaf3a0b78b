import type { RawRequest, RequestContext, ServiceModule } from '../context.js';
import { jsonBody, resolveJsonTarget } from '../context.js';
import type { TrailEvent } from '../history.js';
import { AwsError, decodeToken, encodeToken, jsonResponse } from '../wire.js';

/**
 * The JSON 1.1 target: SDK v3 sends `CloudTrail_20131101.LookupEvents`, botocore the fully
 * qualified `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`.
 */
const TARGET = /^(?:com\.amazonaws\.cloudtrail\.v20131101\.)?CloudTrail_20131101\.(\w+)$/;
const ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;
type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];

/** CloudTrail Event history keeps management events for 90 days. */
const RETENTION_MS = 90 * 86_400_000;

/** CloudTrail (JSON 1.1): `LookupEvents` over the scenario's generated event history. */
export const cloudtrail: ServiceModule = {
  protocol: 'json',
  codes: {
    accessDenied: { status: 400, code: 'AccessDeniedException' },
    throttle: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    internal: { status: 500, code: 'InternalFailure' },
    invalidClientToken: { status: 400, code: 'UnrecognizedClientException' },
    unknownOperation: { status: 400, code: 'UnknownOperationException' },
  },
  resolve: (request: RawRequest) => resolveJsonTarget(request, TARGET, ['LookupEvents']),
  handle: lookupEvents,
};

function toDate(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
  if (Number.isNaN(date.getTime()))
    throw new AwsError(400, 'InvalidTimeRangeException', `${field} is not a valid time.`);
  return date;
}

function matchesAttribute(event: TrailEvent, key: AttributeKey, value: string): boolean {
  switch (key) {
    case 'ResourceType':
      return event.Resources.some((resource) => resource.ResourceType === value);
    case 'ResourceName':
      return event.Resources.some((resource) => resource.ResourceName === value);
    default:
      return event[key] === value;
  }
}

function lookupEvents(context: RequestContext) {
  const body = jsonBody(context);
  const attributes =
    (body.LookupAttributes as Array<{ AttributeKey?: string; AttributeValue?: string }> | undefined) ?? [];
  if (!Array.isArray(attributes) || attributes.length > 1) {
    throw new AwsError(
      400,
      'InvalidLookupAttributesException',
      'You cannot specify more than one lookup attribute.',
    );
  }
  const attribute = attributes[0];
  if (attribute && !ATTRIBUTE_KEYS.includes(attribute.AttributeKey as AttributeKey)) {
    throw new AwsError(
      400,
      'InvalidLookupAttributesException',
      `The attribute key ${attribute.AttributeKey} is not valid. Valid keys: ${ATTRIBUTE_KEYS.join(', ')}.`,
    );
  }
  const maxResults = body.MaxResults === undefined ? 50 : Number(body.MaxResults);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50) {
    throw new AwsError(400, 'InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
  }
  const start = toDate(body.StartTime, 'StartTime');
  const end = toDate(body.EndTime, 'EndTime');
  if (start && end && start.getTime() > end.getTime()) {
    throw new AwsError(400, 'InvalidTimeRangeException', 'The StartTime must be before the EndTime.');
  }
  if (body.EventCategory !== undefined && body.EventCategory !== 'insight') {
    throw new AwsError(
      400,
      'InvalidEventCategoryException',
      `EventCategory ${String(body.EventCategory)} is not valid.`,
    );
  }
  const oldest = context.now.getTime() - RETENTION_MS;
  const events = (
    context.world.cloudTrail.get(`${context.session.accountId}/${context.region}`) ?? []
  ).filter(
    (event) =>
      body.EventCategory === undefined &&
      event.EventTime.getTime() >= oldest &&
      event.EventTime.getTime() <= context.now.getTime() &&
      (!start || event.EventTime.getTime() >= start.getTime()) &&
      (!end || event.EventTime.getTime() <= end.getTime()) &&
      (!attribute ||
        matchesAttribute(event, attribute.AttributeKey as AttributeKey, attribute.AttributeValue ?? '')),
  );
  const scope = JSON.stringify([
    context.session.accountId,
    context.region,
    attribute ?? null,
    body.StartTime,
    body.EndTime,
  ]);
  const token = typeof body.NextToken === 'string' ? body.NextToken : undefined;
  const offset = token === undefined ? 0 : decodeToken(scope, token);
  if (offset === undefined) {
    throw new AwsError(400, 'InvalidNextTokenException', 'The token provided is not valid for this request.');
  }
  const page = events.slice(offset, offset + maxResults);
  const more = offset + maxResults < events.length;
  return jsonResponse(
    {
      Events: page.map((event) => ({ ...event, EventTime: event.EventTime.getTime() / 1000 })),
      ...(more ? { NextToken: encodeToken(scope, offset + maxResults) } : {}),
    },
    context.requestId,
  );
}
