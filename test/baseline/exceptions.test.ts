import { describe, expect, it } from 'vitest';
import {
  applyExceptions,
  expiredExceptions,
  globMatches,
  matchesException,
} from '../../shared/baseline/exceptions.js';
import type { BaselineException } from '../../shared/baseline/types.js';
import type { Finding } from '../../shared/model/finding.js';

function finding(checkId: string, resourceId: string): Finding {
  return {
    id: `${checkId}-0000000000000000`,
    checkId,
    severity: 'HIGH',
    title: checkId,
    message: `Role ${resourceId} trusts a wildcard subject.`,
    accountId: '111122223333',
    resource: { type: 'AwsIamRole', id: resourceId },
    evidence: {},
    remediation: 'Pin the subject.',
  };
}

const crossplane: BaselineException = {
  check: 'IRSA_SUBJECT_WILDCARD',
  resource: 'arn:aws:iam::111122223333:role/crossplane-*',
  reason: 'provider service account names change per revision',
  expires: '2027-03-31',
};

const midRun = new Date('2026-11-29T02:00:00Z');

describe('globMatches', () => {
  it.each([
    [
      'arn:aws:iam::111122223333:role/crossplane-*',
      'arn:aws:iam::111122223333:role/crossplane-provider-aws',
      true,
    ],
    ['arn:aws:iam::111122223333:role/crossplane-*', 'arn:aws:iam::111122223333:role/crossplane-', true],
    ['arn:aws:iam::111122223333:role/crossplane-*', 'arn:aws:iam::111122223333:role/Crossplane-aws', false],
    ['arn:aws:iam::111122223333:role/crossplane-*', 'arn:aws:iam::444455556666:role/crossplane-aws', false],
    ['arn:aws:iam::*:role/crossplane-*', 'arn:aws:iam::444455556666:role/crossplane-aws', true],
    [
      'arn:aws:eks:*:cluster/prod-*/serviceaccount/kube-system/*',
      'arn:aws:eks:us-east-1:111122223333:cluster/prod-blue/serviceaccount/kube-system/ebs-csi-controller-sa',
      true,
    ],
    ['arn:aws:iam::111122223333:role/app-?', 'arn:aws:iam::111122223333:role/app-1', true],
    ['arn:aws:iam::111122223333:role/app-?', 'arn:aws:iam::111122223333:role/app-12', false],
    ['arn:aws:iam::111122223333:role/a.b', 'arn:aws:iam::111122223333:role/aXb', false],
    ['arn:aws:iam::111122223333:role/(x)+', 'arn:aws:iam::111122223333:role/(x)+', true],
    ['*', '', true],
  ])('%s on %s → %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });
});

describe('matchesException', () => {
  it('suppresses a finding of the same check on a resource the glob matches', () => {
    expect(
      matchesException(
        crossplane,
        finding('IRSA_SUBJECT_WILDCARD', 'arn:aws:iam::111122223333:role/crossplane-aws'),
        midRun,
      ),
    ).toBe(true);
  });

  it('does not suppress another check on the same resource (near-miss)', () => {
    expect(
      matchesException(
        crossplane,
        finding('IRSA_NO_AUDIENCE_CONDITION', 'arn:aws:iam::111122223333:role/crossplane-aws'),
        midRun,
      ),
    ).toBe(false);
  });

  it('still applies at the last instant of its expiry day, UTC', () => {
    const lastMillisecond = new Date('2027-03-31T23:59:59.999Z');
    expect(
      matchesException(
        crossplane,
        finding('IRSA_SUBJECT_WILDCARD', 'arn:aws:iam::111122223333:role/crossplane-aws'),
        lastMillisecond,
      ),
    ).toBe(true);
  });

  it('stops applying at UTC midnight after its expiry day', () => {
    const nextDay = new Date('2027-04-01T00:00:00.000Z');
    expect(
      matchesException(
        crossplane,
        finding('IRSA_SUBJECT_WILDCARD', 'arn:aws:iam::111122223333:role/crossplane-aws'),
        nextDay,
      ),
    ).toBe(false);
  });

  it('applies forever when it has no expiry', () => {
    const { expires: _expires, ...permanent } = crossplane;
    expect(
      matchesException(
        permanent,
        finding('IRSA_SUBJECT_WILDCARD', 'arn:aws:iam::111122223333:role/crossplane-aws'),
        new Date('2099-01-01T00:00:00Z'),
      ),
    ).toBe(true);
  });
});

describe('applyExceptions', () => {
  it('marks matching findings suppressed with the reason and leaves the others and the input untouched', () => {
    // Prepare
    const findings = [
      finding('IRSA_SUBJECT_WILDCARD', 'arn:aws:iam::111122223333:role/crossplane-aws'),
      finding('IRSA_SUBJECT_WILDCARD', 'arn:aws:iam::111122223333:role/external-dns'),
    ];

    // Act
    const result = applyExceptions(findings, { exceptions: [crossplane] }, midRun);

    // Assess
    expect(result[0]).toMatchObject({
      suppressed: true,
      suppressionReason: 'provider service account names change per revision',
    });
    expect(result[1]).not.toHaveProperty('suppressed');
    expect(findings[0]).not.toHaveProperty('suppressed');
    expect(result).toHaveLength(2);
  });

  it('no longer suppresses once the exception has expired', () => {
    const result = applyExceptions(
      [finding('IRSA_SUBJECT_WILDCARD', 'arn:aws:iam::111122223333:role/crossplane-aws')],
      { exceptions: [crossplane] },
      new Date('2027-04-01T00:00:00Z'),
    );
    expect(result[0].suppressed).toBeUndefined();
  });
});

describe('expiredExceptions', () => {
  it('lists exceptions whose expiry day is over, and not those still running or without expiry', () => {
    // Prepare
    const stillRunning = { ...crossplane, expires: '2027-04-01' };
    const permanent = { check: 'CLUSTER_UNDECLARED', resource: '*', reason: 'sandbox accounts' };

    // Act
    const expired = expiredExceptions(
      { exceptions: [crossplane, stillRunning, permanent] },
      new Date('2027-04-01T08:00:00Z'),
    );

    // Assess
    expect(expired).toEqual([crossplane]);
  });
});
