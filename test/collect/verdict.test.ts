import { describe, expect, it } from 'vitest';
import {
  collectionHeadline,
  type JudgedScope,
  summarizeCollection,
  unreadLine,
} from '../../shared/collect/verdict.js';
import { buildReport, renderReport } from '../../shared/report/index.js';
import { CATALOGUE } from '../report/catalogue.js';
import { collectionError } from '../support/snapshot-builder.js';

const MEMBER = '222233334444';
const DATA = '333344445555';
const REGION = 'eu-west-1';

const complete = (
  scope: Omit<JudgedScope, 'status' | 'errors'>,
): JudgedScope & { errors: JudgedScope['errors'][number][] } => ({
  ...scope,
  status: 'complete',
  errors: [],
});

const assumeRoleDenied = collectionError(
  'sts',
  'AssumeRole',
  'AccessDenied',
  `User: arn:aws:iam::111122223333:user/ops is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${MEMBER}:role/EksIdentityAuditReadOnly`,
  `arn:aws:iam::${MEMBER}:role/EksIdentityAuditReadOnly`,
);

describe('summarizeCollection', () => {
  it('is complete when no scope recorded an error', () => {
    const summary = summarizeCollection([
      complete({ level: 'account', accountId: MEMBER }),
      complete({ level: 'region', accountId: MEMBER, region: REGION }),
    ]);
    expect(summary).toEqual({ status: 'complete', incompleteScopes: 0, causes: [], unread: [] });
    expect(collectionHeadline(summary)).toBeUndefined();
  });

  it('names an account it could not assume into, with the cause and what to check, on one line', () => {
    const summary = summarizeCollection([
      { level: 'account', accountId: MEMBER, status: 'incomplete', errors: [assumeRoleDenied] },
      complete({ level: 'account', accountId: DATA }),
    ]);
    expect(summary.unread).toEqual([
      {
        accountId: MEMBER,
        cause: 'access-denied',
        message: expect.stringMatching(
          /^AccessDenied on sts:AssumeRole — check --external-id and the member role's trust/,
        ),
      },
    ]);
    expect(unreadLine(summary.unread[0])).toMatch(
      /^222233334444: AccessDenied on sts:AssumeRole — check --external-id and the member role's trust/,
    );
    expect(collectionHeadline(summary)).toMatch(
      /^COLLECTION INCOMPLETE: 1 account could not be read at all; 1 scope incomplete \(access denied\)/,
    );
  });

  it('names a region whose EKS listing failed, with its region', () => {
    const summary = summarizeCollection([
      complete({ level: 'account', accountId: MEMBER }),
      {
        level: 'region',
        accountId: MEMBER,
        region: REGION,
        status: 'incomplete',
        errors: [collectionError('eks', 'ListClusters', 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')],
      },
    ]);
    expect(summary.unread.map(unreadLine)).toEqual([
      `${MEMBER} ${REGION}: ECONNREFUSED on eks:ListClusters — the endpoint could not be reached: check --endpoint-url, proxies and the network path to AWS`,
    ]);
  });

  it('near miss: a cluster or CloudTrail gap makes the collection incomplete without an unread account', () => {
    const summary = summarizeCollection([
      complete({ level: 'account', accountId: MEMBER }),
      {
        level: 'cluster',
        accountId: MEMBER,
        region: REGION,
        cluster: 'prod-blue',
        status: 'incomplete',
        errors: [
          collectionError(
            'eks',
            'DescribePodIdentityAssociation',
            'HTTP404',
            'HTTP 404 answer without an AWS error code',
          ),
        ],
      },
      {
        level: 'cloudtrail',
        accountId: MEMBER,
        region: REGION,
        status: 'incomplete',
        errors: [collectionError('cloudtrail', 'LookupEvents', 'ThrottlingException', 'Rate exceeded')],
      },
    ]);
    expect(summary).toEqual({
      status: 'incomplete',
      incompleteScopes: 2,
      causes: ['throttling', 'unexpected-answer'],
      unread: [],
    });
    expect(collectionHeadline(summary)).toBe(
      'COLLECTION INCOMPLETE: 2 scopes incomplete (throttling, unexpected answer); nothing inside an incomplete scope is reported as missing or unused',
    );
  });

  it('says credentials of another account need a member role', () => {
    const summary = summarizeCollection([
      {
        level: 'account',
        accountId: DATA,
        status: 'incomplete',
        errors: [
          collectionError(
            'sts',
            'GetCallerIdentity',
            'AccountMismatch',
            'the credentials belong to account 111122223333',
          ),
        ],
      },
    ]);
    expect(summary.unread[0]).toMatchObject({
      cause: 'credentials',
      message: expect.stringContaining('pass --role-name'),
    });
  });

  it('counts requested scopes the inventory does not hold, once per account', () => {
    const summary = summarizeCollection(
      [{ level: 'account', accountId: MEMBER, status: 'incomplete', errors: [assumeRoleDenied] }],
      [{ accountId: DATA }, { accountId: MEMBER, region: REGION }],
    );
    expect(summary.unread.map(unreadLine)).toEqual([
      expect.stringMatching(/^222233334444: AccessDenied on sts:AssumeRole/),
      '333344445555: not in the snapshot — collect this account',
    ]);
  });
});

describe('the collection at the top of every report format', () => {
  const base = {
    runId: 'run-1',
    startedAt: '2026-11-29T02:00:00.000Z',
    finishedAt: '2026-11-29T02:01:00.000Z',
    baseline: { source: 'baseline.yaml', sha256: 'c0ffee' },
    findings: [],
  };
  const blind = buildReport({
    ...base,
    scopes: [{ level: 'account', accountId: MEMBER, status: 'incomplete', errors: [assumeRoleDenied] }],
  });
  const clean = buildReport({ ...base, scopes: [complete({ level: 'account', accountId: MEMBER })] });

  it('puts the collection summary in the JSON right after the run times', () => {
    const json = JSON.parse(renderReport(blind, 'json', { checks: CATALOGUE }));
    expect(Object.keys(json).slice(0, 6)).toEqual([
      'reportVersion',
      'runId',
      'startedAt',
      'finishedAt',
      'collection',
      'baseline',
    ]);
    expect(json.collection).toMatchObject({ status: 'incomplete', unread: [{ accountId: MEMBER }] });
    expect(JSON.parse(renderReport(clean, 'json', { checks: CATALOGUE })).collection).toEqual({
      status: 'complete',
      incompleteScopes: 0,
      causes: [],
      unread: [],
    });
  });

  it.each(['table', 'markdown', 'html'] as const)(
    'says so before the findings in %s, and not for a complete run',
    (format) => {
      const rendered = renderReport(blind, format, { checks: CATALOGUE });
      const headline = rendered.indexOf('COLLECTION INCOMPLETE: 1 account could not be read at all');
      expect(headline).toBeGreaterThan(0);
      expect(headline).toBeLessThan(rendered.indexOf('Run '));
      expect(rendered).toContain(`${MEMBER}: AccessDenied on sts:AssumeRole`);
      expect(renderReport(clean, format, { checks: CATALOGUE })).not.toContain('COLLECTION INCOMPLETE');
    },
  );

  it('makes the SARIF run unsuccessful only when an account could not be read', () => {
    const sarif = (report: typeof blind) =>
      JSON.parse(renderReport(report, 'sarif', { checks: CATALOGUE })).runs[0].invocations[0];
    expect(sarif(blind).executionSuccessful).toBe(false);
    expect(sarif(blind).toolExecutionNotifications[0].message.text).toMatch(/^COLLECTION INCOMPLETE/);
    expect(sarif(clean).executionSuccessful).toBe(true);
    expect(sarif(clean).toolExecutionNotifications).toEqual([]);
  });
});
