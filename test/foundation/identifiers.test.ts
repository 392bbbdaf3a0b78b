import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_ID_PATTERN,
  isRecord,
  partitionOf,
  REGION_NAME,
  REGION_PATTERN,
  ROLE_ARN_PATTERN,
  roleNameOf,
  SNS_TOPIC_ARN_PATTERN,
} from '../../shared/model/identity.js';

describe('identifier patterns', () => {
  it('accepts the region names of every partition of the AWS SDKs, with one- or two-digit numbers', () => {
    for (const region of [
      'us-east-1',
      'ap-southeast-7',
      'eu-central-2',
      'il-central-1',
      'mx-central-1',
      'us-gov-west-1',
      'cn-northwest-1',
      'us-iso-east-1',
      'us-isob-east-1',
      'eu-isoe-west-1',
      'eusc-de-east-1',
      'ap-southeast-10',
    ])
      expect(REGION_PATTERN.test(region), region).toBe(true);
  });

  it('rejects what is not a region name: availability zones, upper case, missing parts', () => {
    for (const text of [
      'us-east-1a',
      'US-EAST-1',
      'us-east',
      'useast1',
      'us-east-1 ',
      'bad region 1',
      '',
      'x-east-1',
    ])
      expect(REGION_PATTERN.test(text), text).toBe(false);
  });

  it('takes account ids as exactly 12 digits, leading zeros kept', () => {
    expect(ACCOUNT_ID_PATTERN.test('012345678901')).toBe(true);
    expect(ACCOUNT_ID_PATTERN.test('12345678901')).toBe(false);
    expect(ACCOUNT_ID_PATTERN.test('1234567890123')).toBe(false);
    expect(ACCOUNT_ID_PATTERN.test('12345678901a')).toBe(false);
  });

  it('reads the partition of an ARN, aws when it names none', () => {
    expect(partitionOf('arn:aws-cn:iam::111122223333:role/app')).toBe('aws-cn');
    expect(partitionOf('arn:aws-us-gov:eks:us-gov-west-1:111122223333:cluster/prod')).toBe('aws-us-gov');
    expect(partitionOf('arn::iam::111122223333:role/app')).toBe('aws');
    expect(partitionOf('not-an-arn')).toBe('aws');
  });

  it('knows a JSON object from null, arrays and scalars', () => {
    expect(isRecord({ Version: '2012-10-17' })).toBe(true);
    for (const value of [null, undefined, [], 'text', 12, true]) expect(isRecord(value)).toBe(false);
  });
});

describe('ARN patterns', () => {
  it('names a role by the last part of its ARN, past any path', () => {
    expect(roleNameOf('arn:aws:iam::111122223333:role/app')).toBe('app');
    expect(roleNameOf('arn:aws-cn:iam::111122223333:role/teams/payments/app')).toBe('app');
  });

  it('takes role ARNs of every partition with paths, and nothing else', () => {
    expect(ROLE_ARN_PATTERN.exec('arn:aws-us-gov:iam::111122223333:role/teams/app')?.[1]).toBe(
      '111122223333',
    );
    for (const text of [
      'arn:aws:iam::111122223333:user/app',
      'arn:aws:iam::11112222333:role/app',
      'arn:aws:sts::111122223333:assumed-role/app/session',
    ])
      expect(ROLE_ARN_PATTERN.test(text), text).toBe(false);
  });

  it('takes SNS topic ARNs, FIFO ones included', () => {
    expect(SNS_TOPIC_ARN_PATTERN.test('arn:aws:sns:eu-west-1:111122223333:audit-findings')).toBe(true);
    expect(SNS_TOPIC_ARN_PATTERN.test('arn:aws:sns:eu-west-1:111122223333:audit.fifo')).toBe(true);
    expect(SNS_TOPIC_ARN_PATTERN.test('arn:aws:sqs:eu-west-1:111122223333:audit')).toBe(false);
  });
});

describe('REGION_NAME', () => {
  it('is the region pattern without its anchors, for patterns built around a region', () => {
    const externalId = new RegExp(`^${REGION_NAME}/\\d{12}$`);
    expect(externalId.test('eu-west-1/111122223333')).toBe(true);
    expect(externalId.test('eu-west-1a/111122223333')).toBe(false);
  });
});
