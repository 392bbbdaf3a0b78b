import { describe, expect, it } from 'vitest';
import { evaluateCheck, toFinding } from '../../shared/checks/evaluate.js';
import type { Check, FindingDraft, UnknownOutcome } from '../../shared/checks/types.js';
import { findingId } from '../../shared/model/finding.js';
import { type ScopeRef, scopeRef } from '../../shared/model/scope.js';
import { collectionError, snapshot } from '../support/snapshot-builder.js';
import { contextOf } from './trust/harness.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const REGION = 'eu-west-1';

/** A check that makes one claim per given basis, as an absence check would. */
function claims(bases: Array<{ restsOn?: ScopeRef[]; doubts?: string[] }>, restsOn?: string): Check {
  return {
    meta: {
      id: 'TEST_ABSENCE',
      title: 'test',
      severity: 'LOW',
      category: 'drift',
      description: 'test',
      remediation: 'test',
      docsUrl: 'https://docs.aws.amazon.com/',
      ...(restsOn ? { restsOn } : {}),
    },
    evaluate: () =>
      bases.map(
        (basis, index): FindingDraft => ({
          severity: 'LOW',
          message: `claim ${index}.`,
          accountId: ACCOUNT,
          resource: { type: 'AwsIamRole', id: `arn:aws:iam::${ACCOUNT}:role/r${index}` },
          identity: ['extra'],
          evidence: {},
          ...basis,
        }),
      ),
  };
}

/** Account ACCOUNT fully collected in REGION (with CloudTrail); OTHER could not be assumed. */
function run(check: Check) {
  const builder = snapshot()
    .account(ACCOUNT, (account) =>
      account
        .region(REGION, (region) => region.cluster('apps'))
        .region('us-east-1', (region) =>
          region.cloudTrailError(collectionError('cloudtrail', 'LookupEvents')),
        ),
    )
    .failedAccount(OTHER);
  const unknowns: UnknownOutcome[] = [];
  const drafts = evaluateCheck(check, { ...contextOf(builder), recordUnknown: (u) => unknowns.push(u) });
  return { drafts, unknowns };
}

describe('evaluateCheck', () => {
  it('makes a claim whose scopes were all completely collected, keeping them on the finding', () => {
    const complete = [
      scopeRef.iam(ACCOUNT),
      scopeRef.region(ACCOUNT, REGION),
      scopeRef.cluster(ACCOUNT, REGION, 'apps'),
      scopeRef.cluster(ACCOUNT, REGION, 'gone'),
      scopeRef.cloudTrail(ACCOUNT, REGION),
    ];
    const { drafts, unknowns } = run(claims([{ restsOn: complete, doubts: [] }], 'everything'));
    expect(unknowns).toEqual([]);
    expect(drafts).toHaveLength(1);
    expect(drafts[0].restsOn).toHaveLength(5);
    expect(drafts[0]).not.toHaveProperty('doubts');
  });

  it('withholds a claim resting on an incomplete scope in another account, naming it', () => {
    const { drafts, unknowns } = run(
      claims([{ restsOn: [scopeRef.region(ACCOUNT, REGION), scopeRef.region(OTHER, REGION)] }], 'x'),
    );
    expect(drafts).toEqual([]);
    expect(unknowns).toEqual([
      {
        kind: 'absence',
        checkId: 'TEST_ABSENCE',
        resourceId: `arn:aws:iam::${ACCOUNT}:role/r0 extra`,
        reason: `account ${OTHER} could not be read`,
        findingId: findingId('TEST_ABSENCE', `arn:aws:iam::${ACCOUNT}:role/r0`, 'extra'),
        incompleteScopes: [scopeRef.region(OTHER, REGION)],
      },
    ]);
  });

  it.each([
    [scopeRef.region(ACCOUNT, 'ap-south-1'), `region ap-south-1 of account ${ACCOUNT} was not collected`],
    [scopeRef.iam('999988887777'), 'account 999988887777 was not collected'],
    [
      scopeRef.cloudTrail(ACCOUNT, 'us-east-1'),
      `CloudTrail collection for ${ACCOUNT} us-east-1 was incomplete`,
    ],
    [
      scopeRef.cloudTrail(ACCOUNT, 'ap-south-1'),
      `no CloudTrail evidence was collected for ${ACCOUNT} ap-south-1`,
    ],
  ])('withholds a claim resting on %o: %s', (scope, reason) => {
    const { drafts, unknowns } = run(claims([{ restsOn: [scope] }], 'x'));
    expect(drafts).toEqual([]);
    expect(unknowns[0].reason).toBe(reason);
  });

  it('withholds a claim with doubts even when its scopes are complete', () => {
    const { drafts, unknowns } = run(
      claims([{ restsOn: [scopeRef.iam(ACCOUNT)], doubts: ['the role is younger than the window'] }], 'x'),
    );
    expect(drafts).toEqual([]);
    expect(unknowns[0]).toMatchObject({ reason: 'the role is younger than the window' });
    expect(unknowns[0]).not.toHaveProperty('incompleteScopes');
  });

  it('counts a withheld claim of a usage check as usage', () => {
    const check = claims([{ restsOn: [scopeRef.region(OTHER, REGION)] }], 'x');
    check.meta.category = 'usage';
    expect(run(check).unknowns[0].kind).toBe('usage');
  });

  it('rejects a claim of an absence check that names no scope', () => {
    expect(() => run(claims([{}], 'the IAM data'))).toThrow(
      /TEST_ABSENCE claims an absence for arn:aws:iam::111122223333:role\/r0 without naming the scopes/,
    );
  });

  it('passes the drafts of other checks through', () => {
    const { drafts, unknowns } = run(claims([{}, {}]));
    expect(drafts).toHaveLength(2);
    expect(unknowns).toEqual([]);
  });
});

describe('toFinding', () => {
  const meta = {
    id: 'TEST_ORDER',
    title: 'test title',
    severity: 'LOW',
    category: 'drift',
    description: 'test',
    remediation: 'the default remediation',
    docsUrl: 'https://docs.aws.amazon.com/',
  } as const;

  it('writes the id, check and title first, then the draft fields in its order, then severity, remediation and location', () => {
    const draft: FindingDraft = {
      message: 'm.',
      accountId: ACCOUNT,
      region: REGION,
      resource: { type: 'AwsIamRole', id: `arn:aws:iam::${ACCOUNT}:role/app` },
      identity: ['0', 'extra'],
      evidence: { statementIndex: 0 },
      remediation: 'do this',
      baselineLocation: { file: 'baseline.yaml', line: 3, column: 5 },
      doubts: [],
    };
    const finding = toFinding({ meta }, draft);
    expect(Object.keys(finding)).toEqual([
      'id',
      'checkId',
      'title',
      'message',
      'accountId',
      'region',
      'resource',
      'evidence',
      'severity',
      'remediation',
      'baselineLocation',
    ]);
    expect(finding).toMatchObject({
      id: findingId('TEST_ORDER', `arn:aws:iam::${ACCOUNT}:role/app`, '0', 'extra'),
      severity: 'LOW',
      remediation: 'do this',
    });
  });

  it("keeps a draft's own severity where the draft puts it, and the metadata's remediation when it has none", () => {
    const draft: FindingDraft = {
      message: 'm.',
      severity: 'HIGH',
      accountId: ACCOUNT,
      resource: { type: 'AwsIamRole', id: 'r' },
      evidence: {},
    };
    const finding = toFinding({ meta }, draft);
    expect(Object.keys(finding)).toEqual([
      'id',
      'checkId',
      'title',
      'message',
      'severity',
      'accountId',
      'resource',
      'evidence',
      'remediation',
    ]);
    expect(finding.severity).toBe('HIGH');
    expect(finding.remediation).toBe('the default remediation');
    expect(JSON.stringify(finding)).toBe(
      JSON.stringify({
        id: findingId('TEST_ORDER', 'r'),
        checkId: 'TEST_ORDER',
        title: 'test title',
        message: 'm.',
        severity: 'HIGH',
        accountId: ACCOUNT,
        resource: { type: 'AwsIamRole', id: 'r' },
        evidence: {},
        remediation: 'the default remediation',
      }),
    );
  });
});
