import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DescribePodIdentityAssociationCommand,
  EKSClient,
  EKSServiceException,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import { GetOpenIDConnectProviderCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  causeOfCode,
  causeOfError,
  errorCode,
  failureCause,
  isNotFound,
  toCollectionError,
} from '../../shared/aws/errors.js';
import { isNotFound as isS3NotFound } from '../../shared/aws/s3.js';
import { isTransient } from '../../shared/publish/retry.js';

function serviceError(name: string, status: number, message = 'denied'): EKSServiceException {
  return new EKSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });
}

describe('toCollectionError', () => {
  it('records the service, operation, AWS error code, message, resource and cause', () => {
    const error = serviceError(
      'AccessDeniedException',
      403,
      'User is not authorized to perform: eks:ListClusters',
    );

    expect(toCollectionError('eks', 'ListClusters', error, 'us-east-1')).toEqual({
      service: 'eks',
      operation: 'ListClusters',
      code: 'AccessDeniedException',
      message: 'User is not authorized to perform: eks:ListClusters',
      resource: 'us-east-1',
      cause: 'access-denied',
    });
  });

  it('uses the Node network code when there was no response', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(errorCode(refused)).toBe('ECONNREFUSED');
    const record = toCollectionError('iam', 'GetAccountAuthorizationDetails', refused);
    expect(record).not.toHaveProperty('resource');
    expect(record).toMatchObject({ code: 'ECONNREFUSED', cause: 'network' });
  });

  it('prefers the query-protocol Code over the exception class name', () => {
    const iamError = Object.assign(serviceError('NoSuchEntityException', 404), { Code: 'NoSuchEntity' });
    expect(errorCode(iamError)).toBe('NoSuchEntity');
    expect(toCollectionError('iam', 'GetRole', iamError).code).toBe('NoSuchEntity');
  });

  it('names something that is not an Error at all', () => {
    expect(toCollectionError('sts', 'AssumeRole', 'boom')).toMatchObject({
      code: 'UnknownError',
      message: 'boom',
      cause: 'unexpected-answer',
    });
  });

  it('records an XML answer without a <Code> as HTTP<status>, not under the class the SDK guessed', () => {
    // The SDK turns a code-less SNS 404 into NotFoundException: SNS itself said nothing.
    const guessed = new EKSServiceException({
      name: 'NotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
      message: 'Unknown',
    });
    expect(toCollectionError('sns', 'Publish', guessed)).toMatchObject({
      code: 'HTTP404',
      message: 'HTTP 404 answer without an AWS error code',
      cause: 'unexpected-answer',
    });
  });
});

describe('isNotFound', () => {
  it("treats the service's documented not-found codes as absent", () => {
    const gone = new ResourceNotFoundException({
      $metadata: { httpStatusCode: 404 },
      message: 'No cluster found',
    });
    expect(isNotFound(gone, 'eks')).toBe(true);
    expect(
      isNotFound(Object.assign(serviceError('NoSuchEntityException', 404), { Code: 'NoSuchEntity' }), 'iam'),
    ).toBe(true);
    expect(
      isNotFound(Object.assign(serviceError('NotFoundException', 404), { Code: 'NotFound' }), 'sns'),
    ).toBe(true);
  });

  it('near miss: AccessDenied, a 404 without a code and another service’s code are not absence', () => {
    expect(isNotFound(serviceError('AccessDeniedException', 403), 'eks')).toBe(false);
    expect(isNotFound(serviceError('Unknown', 404), 'eks')).toBe(false);
    // IAM's code means nothing to EKS, and the SNS class name without SNS's <Code> is the SDK's guess.
    expect(isNotFound(Object.assign(serviceError('X', 404), { Code: 'NoSuchEntity' }), 'eks')).toBe(false);
    expect(isNotFound(serviceError('NotFoundException', 404), 'sns')).toBe(false);
  });

  it('reads a missing bucket as an error, not as a missing object', () => {
    const noKey = Object.assign(serviceError('NoSuchKey', 404), { Code: 'NoSuchKey' });
    const noBucket = Object.assign(serviceError('NoSuchBucket', 404), { Code: 'NoSuchBucket' });
    expect(isS3NotFound(noKey)).toBe(true);
    expect(isS3NotFound(noBucket)).toBe(false);
  });
});

describe('failure causes', () => {
  it.each([
    ['CredentialsProviderError', undefined, 'credentials'],
    ['ExpiredToken', 403, 'credentials'],
    ['InvalidClientTokenId', 403, 'credentials'],
    ['AccessDenied', 403, 'access-denied'],
    ['AuthorizationError', 403, 'access-denied'],
    ['ECONNREFUSED', undefined, 'network'],
    ['ENOTFOUND', undefined, 'network'],
    ['TimeoutError', undefined, 'timeout'],
    ['Throttling', 400, 'throttling'],
    ['Throttled', 429, 'throttling'],
    ['LimitExceededException', 429, 'throttling'],
    ['InvalidAction', 400, 'unsupported-api'],
    ['UnknownOperationException', 400, 'unsupported-api'],
    ['ServiceUnavailable', 503, 'server-error'],
    ['HTTP404', undefined, 'unexpected-answer'],
    ['HTTP502', undefined, 'server-error'],
    ['HTTP501', undefined, 'unsupported-api'],
    ['ValidationError', 400, 'unexpected-answer'],
  ] as const)('%s (HTTP %s) is %s', (code, status, cause) => {
    expect(causeOfCode(code, status)).toBe(cause);
  });

  it('derives the cause of a recorded error without one from its code', () => {
    expect(causeOfError({ code: 'AccessDeniedException' })).toBe('access-denied');
    expect(causeOfError({ code: 'AccessDeniedException', cause: 'throttling' })).toBe('throttling');
    expect(causeOfError({ code: 'AccessDenied', cause: 'a-cause-from-a-newer-version' })).toBe(
      'access-denied',
    );
  });

  it('retries a publish on throttling, server errors, timeouts and network failures only', () => {
    const snsThrottled = Object.assign(serviceError('ThrottledException', 429), { Code: 'Throttled' });
    expect(isTransient(snsThrottled)).toBe(true);
    expect(isTransient(serviceError('LimitExceededException', 429))).toBe(true);
    expect(isTransient(serviceError('InternalException', 500))).toBe(true);
    expect(isTransient(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(serviceError('AccessDeniedException', 403))).toBe(false);
    expect(isTransient(serviceError('Unknown', 404))).toBe(false);
    expect(isTransient(serviceError('NotImplemented', 501))).toBe(false);
  });

  it('reads a socket hang-up as a network failure', () => {
    expect(failureCause(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('network');
  });
});

/**
 * The real SDK clients against a local endpoint that answers what a proxy, an emulator or AWS itself
 * would: the classification is decided on what the SDK makes of the wire, not on hand-built errors.
 */
describe('answers on the wire', () => {
  let server: Server;
  let endpoint: string;
  let answer: { status: number; headers?: Record<string, string>; body?: string } = { status: 404 };

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(answer.status, answer.headers ?? {});
        response.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const config = () => ({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });

  async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
    try {
      await call();
    } catch (error) {
      return error;
    }
    throw new Error('the call succeeded');
  }

  const calls = {
    eks: () =>
      new EKSClient(config()).send(
        new DescribePodIdentityAssociationCommand({ clusterName: 'prod', associationId: 'a-0123456789' }),
      ),
    iam: () =>
      new IAMClient(config()).send(
        new GetOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn:
            'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AB',
        }),
      ),
    sns: () =>
      new SNSClient(config()).send(
        new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111122223333:audit', Message: 'm' }),
      ),
    s3: () =>
      new S3Client({ ...config(), forcePathStyle: true }).send(
        new GetObjectCommand({ Bucket: 'b', Key: 'k' }),
      ),
    cloudtrail: () => new CloudTrailClient(config()).send(new LookupEventsCommand({})),
  } as const;

  it.each([
    ['an empty body', undefined, undefined],
    ['an HTML page', { 'content-type': 'text/html' }, '<html><body>Not Found</body></html>'],
    ['JSON without an error type', { 'content-type': 'application/json' }, '{"message":"Not Found"}'],
  ])('a 404 with %s is never absence, and is recorded as HTTP404', async (_what, headers, body) => {
    answer = { status: 404, ...(headers ? { headers } : {}), ...(body ? { body } : {}) };
    for (const [service, call] of Object.entries(calls)) {
      const error = await failureOf(call);
      const notFound = service === 's3' ? isS3NotFound(error) : isNotFound(error, service as 'eks');
      expect(notFound, service).toBe(false);
      expect(toCollectionError(service, 'Operation', error), service).toMatchObject({
        code: 'HTTP404',
        cause: 'unexpected-answer',
      });
    }
  });

  it("reads each service's own not-found answer as absence", async () => {
    answer = {
      status: 404,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' },
      body: '{"message":"No association found for id a-0123456789"}',
    };
    expect(isNotFound(await failureOf(calls.eks), 'eks')).toBe(true);

    answer = {
      status: 404,
      headers: { 'content-type': 'text/xml' },
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>OpenIDConnect Provider not found</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    };
    expect(isNotFound(await failureOf(calls.iam), 'iam')).toBe(true);

    answer = {
      status: 404,
      headers: { 'content-type': 'text/xml' },
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    };
    expect(isNotFound(await failureOf(calls.sns), 'sns')).toBe(true);

    answer = {
      status: 404,
      headers: { 'content-type': 'application/xml' },
      body: '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>k</Key></Error>',
    };
    expect(isS3NotFound(await failureOf(calls.s3))).toBe(true);
  });

  it("classifies SNS's Throttled 429 as throttling", async () => {
    answer = {
      status: 429,
      headers: { 'content-type': 'text/xml' },
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttled</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    };
    expect(toCollectionError('sns', 'Publish', await failureOf(calls.sns))).toMatchObject({
      code: 'Throttled',
      cause: 'throttling',
    });
  });
});
