import { EKSServiceException, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { describe, expect, it } from 'vitest';
import { errorCode, isNotFound, toCollectionError } from '../../shared/aws/errors.js';

function serviceError(name: string, status: number, message = 'denied'): EKSServiceException {
  return new EKSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });
}

describe('toCollectionError', () => {
  it('records the service, operation, AWS error code, message and resource', () => {
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
    });
  });

  it('uses the Node network code when there was no response', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(errorCode(refused)).toBe('ECONNREFUSED');
    expect(toCollectionError('iam', 'GetAccountAuthorizationDetails', refused)).not.toHaveProperty(
      'resource',
    );
  });

  it('prefers the query-protocol Code over the exception class name', () => {
    const iamError = Object.assign(serviceError('NoSuchEntityException', 404), { Code: 'NoSuchEntity' });
    expect(errorCode(iamError)).toBe('NoSuchEntity');
  });

  it('names something that is not an Error at all', () => {
    expect(toCollectionError('sts', 'AssumeRole', 'boom')).toMatchObject({
      code: 'UnknownError',
      message: 'boom',
    });
  });
});

describe('isNotFound', () => {
  it('treats ResourceNotFound as absent, and AccessDenied as not absent', () => {
    const gone = new ResourceNotFoundException({
      $metadata: { httpStatusCode: 404 },
      message: 'No cluster found',
    });
    const denied = serviceError('AccessDeniedException', 403);

    expect(isNotFound(gone)).toBe(true);
    expect(isNotFound(denied)).toBe(false);
  });
});
