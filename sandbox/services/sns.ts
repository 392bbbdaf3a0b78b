import {
  formParams,
  QUERY_CODES,
  queryOperation,
  type RequestContext,
  type ServiceModule,
} from '../context.js';
import type { PublishedMessage } from '../types.js';
import { AwsError, queryResponse, queryStructList, stableUuid } from '../wire.js';

/** SNS's message limit: 256 KB, message and attributes together. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

function invalid(detail: string): AwsError {
  return new AwsError(400, 'InvalidParameter', `Invalid parameter: ${detail}`);
}

/**
 * SNS (query protocol): CreateTopic, ListTopics and Publish with the real size, subject and region
 * rules. Error codes as botocore's SNS model has them: `AuthorizationError` 403, `NotFound` 404,
 * `InvalidParameter` 400, and `Throttled` 429 (not the query protocol's generic `Throttling` 400).
 */
export const sns: ServiceModule = {
  protocol: 'query',
  codes: {
    ...QUERY_CODES,
    accessDenied: { status: 403, code: 'AuthorizationError' },
    throttle: { status: 429, code: 'Throttled', message: 'Rate exceeded' },
  },
  resolve: queryOperation(['CreateTopic', 'ListTopics', 'Publish']),
  handle(context) {
    switch (context.operation) {
      case 'CreateTopic':
        return createTopic(context);
      case 'ListTopics':
        return queryResponse(
          'sns',
          'ListTopics',
          {
            Topics: [...context.world.topics.values()]
              .filter(
                (topic) => topic.accountId === context.session.accountId && topic.region === context.region,
              )
              .map((topic) => ({ TopicArn: topic.arn })),
          },
          context.requestId,
        );
      default:
        return publish(context);
    }
  },
};

function createTopic(context: RequestContext) {
  const name = formParams(context).get('Name') ?? '';
  if (!/^[\w-]{1,256}(\.fifo)?$/.test(name)) throw invalid('Topic Name');
  const arn = `arn:aws:sns:${context.region}:${context.session.accountId}:${name}`;
  if (!context.world.topics.has(arn)) {
    context.world.topics.set(arn, {
      arn,
      name,
      accountId: context.session.accountId,
      region: context.region,
    });
  }
  return queryResponse('sns', 'CreateTopic', { TopicArn: arn }, context.requestId);
}

function publish(context: RequestContext) {
  const params = formParams(context);
  const topicArn = params.get('TopicArn') ?? params.get('TargetArn') ?? '';
  if (topicArn === '') throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
  if (!/^arn:aws:sns:[a-z0-9-]+:\d{12}:[\w.-]+$/.test(topicArn)) throw invalid('TopicArn');
  // A topic lives in one region: SNS in any other region rejects its ARN (InvalidParameter, 400).
  if (topicArn.split(':')[3] !== context.region) throw invalid('TopicArn');
  const topic = context.world.topics.get(topicArn);
  if (!topic) throw new AwsError(404, 'NotFound', 'Topic does not exist');
  if (topic.accountId !== context.session.accountId) {
    throw new AwsError(
      403,
      'AuthorizationError',
      `User: ${context.session.arn} is not authorized to perform: SNS:Publish on resource: ${topicArn}`,
    );
  }
  const message = params.get('Message');
  if (message === null || message.length === 0) throw invalid('Empty message');
  const subject = params.get('Subject') ?? undefined;
  // Subjects must be ASCII text without line breaks, shorter than 100 characters.
  if (
    subject !== undefined &&
    (subject.length === 0 || subject.length >= 100 || !/^[\x20-\x7e]+$/.test(subject))
  ) {
    throw invalid('Subject');
  }
  const structure = params.get('MessageStructure') ?? undefined;
  if (structure !== undefined) {
    if (structure !== 'json') throw invalid('MessageStructure');
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw invalid('Message Structure - JSON message body failed to parse');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalid('Message Structure - JSON message body failed to parse');
    }
    if (!('default' in parsed)) throw invalid('Message Structure - No default entry in JSON message body');
  }
  const attributes: PublishedMessage['attributes'] = {};
  let size = Buffer.byteLength(message, 'utf8');
  const entries = queryStructList(params, 'MessageAttributes', 'entry');
  if (entries.length > 10) throw invalid('Too many message attributes (limit 10)');
  for (const entry of entries) {
    const name = entry.Name ?? '';
    const dataType = entry['Value.DataType'];
    const stringValue = entry['Value.StringValue'];
    const binaryValue = entry['Value.BinaryValue'];
    if (!dataType || !/^(String|Number|Binary|String\.Array)(\..+)?$/.test(dataType)) {
      throw new AwsError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if ((stringValue ?? binaryValue ?? '') === '') {
      throw new AwsError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    size +=
      Buffer.byteLength(name) +
      Buffer.byteLength(dataType) +
      Buffer.byteLength(stringValue ?? binaryValue ?? '');
    attributes[name] = {
      dataType,
      ...(stringValue !== undefined ? { stringValue } : {}),
      ...(binaryValue !== undefined ? { binaryValue } : {}),
    };
  }
  if (size > SNS_MAX_MESSAGE_BYTES) throw invalid('Message too long');
  context.world.sequence += 1;
  const messageId = stableUuid('sns', context.world.scenario.seed, context.world.sequence);
  context.world.snsMessages.push({
    messageId,
    topicArn,
    accountId: context.session.accountId,
    region: context.region,
    ...(subject !== undefined ? { subject } : {}),
    message,
    ...(structure !== undefined ? { messageStructure: structure } : {}),
    attributes,
    time: context.now.toISOString(),
  });
  return queryResponse('sns', 'Publish', { MessageId: messageId }, context.requestId);
}
