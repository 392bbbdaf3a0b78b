import { describe, expect, it } from 'vitest';
import { parseBaseline } from '../../../shared/baseline/index.js';
import { baselineInvalidFinding } from '../../../shared/checks/meta/BASELINE_INVALID.js';
import { check as COLLECTION_INCOMPLETE } from '../../../shared/checks/meta/COLLECTION_INCOMPLETE.js';
import { check as SUPPRESSION_EXPIRED } from '../../../shared/checks/meta/SUPPRESSION_EXPIRED.js';
import { InputError } from '../../../shared/errors.js';
import { FindingSchema } from '../../../shared/model/finding.js';
import {
  baselineOf,
  DATA,
  estate,
  inventoryOf,
  NOW,
  REGION,
  resources,
  runCheck,
  WORKLOADS,
} from '../../audit/world.js';
import { collectionError, snapshot } from '../../support/snapshot-builder.js';

describe('COLLECTION_INCOMPLETE', () => {
  it('fires once per scope that recorded errors, naming the failed operations and codes', () => {
    const inventory = inventoryOf(
      snapshot({ capturedAt: NOW })
        .account(WORKLOADS, (account) =>
          account.region(REGION, (region) =>
            region
              .cluster('prod-blue', {}, (cluster) =>
                cluster.error(collectionError('eks', 'ListPodIdentityAssociations', 'AccessDeniedException')),
              )
              .cloudTrailError(collectionError('cloudtrail', 'LookupEvents', 'ThrottlingException')),
          ),
        )
        .failedAccount(DATA),
    );
    const { drafts } = runCheck(COLLECTION_INCOMPLETE, inventory, baselineOf({ accounts: [DATA] }));
    expect(resources(drafts)).toEqual(
      [
        `account/${WORKLOADS}/region/${REGION}/cloudtrail`,
        `account/${WORKLOADS}/region/${REGION}/cluster/prod-blue`,
        `account/${DATA}`,
      ].sort(),
    );
    const cluster = drafts.find((draft) => draft.cluster === 'prod-blue')!;
    expect(cluster.message).toContain('eks:ListPodIdentityAssociations AccessDeniedException');
    expect(cluster.evidence).toMatchObject({
      level: 'cluster',
      operations: ['eks:ListPodIdentityAssociations'],
    });
    // The failed account's inherited IAM gap is not reported a second time.
    expect(drafts.filter((draft) => draft.accountId === DATA)).toHaveLength(1);
    // A blind account fails the default --fail-on HIGH; partial gaps stay MEDIUM.
    expect(drafts.find((draft) => draft.accountId === DATA)?.severity).toBe('HIGH');
    expect(cluster.severity).toBe('MEDIUM');
  });

  it('fires for a declared account or region that is not in the snapshot', () => {
    const inventory = inventoryOf(estate({ region: (region) => region.cluster('prod-blue') }));
    const baseline = baselineOf({
      accounts: [DATA],
      clusters: {
        prod: { account: WORKLOADS, region: REGION, members: ['prod-blue'] },
        dr: { account: WORKLOADS, region: 'us-west-2', members: ['dr-blue'] },
      },
    });
    expect(resources(runCheck(COLLECTION_INCOMPLETE, inventory, baseline))).toEqual([
      `account/${WORKLOADS}/region/us-west-2`,
      `account/${DATA}`,
    ]);
  });

  it.each([
    [
      'credentials',
      collectionError(
        'sts',
        'AssumeRole',
        'CredentialsProviderError',
        'Could not load credentials from any providers',
      ),
      /credentials/,
      /--profile/,
    ],
    [
      'access denied on AssumeRole',
      collectionError('sts', 'AssumeRole', 'AccessDenied'),
      /access denied/,
      /--external-id/,
    ],
    [
      'network',
      collectionError('sts', 'AssumeRole', 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
      /network/,
      /--endpoint-url/,
    ],
    [
      'timeout',
      collectionError('sts', 'AssumeRole', 'TimeoutError', 'Request timed out'),
      /timeout/,
      /--request-timeout/,
    ],
    [
      'throttling',
      collectionError('sts', 'AssumeRole', 'Throttling', 'Rate exceeded'),
      /throttling/,
      /--iam-rate/,
    ],
    [
      'unsupported API',
      collectionError('sts', 'AssumeRole', 'InvalidAction', 'not implemented'),
      /unsupported API/,
      /implements it/,
    ],
    [
      'a 404 without an AWS error code',
      collectionError('sts', 'AssumeRole', 'HTTP404', 'HTTP 404 answer without an AWS error code'),
      /unexpected answer/,
      /not taken as proof/,
    ],
  ])('names the cause class and its remediation: %s', (_cause, error, label, remedy) => {
    const inventory = inventoryOf(snapshot({ capturedAt: NOW }).failedAccount(DATA, error));
    const [draft] = runCheck(COLLECTION_INCOMPLETE, inventory, baselineOf({ accounts: [DATA] })).drafts;
    expect(draft.message).toMatch(label);
    expect(draft.remediation).toMatch(label);
    expect(draft.remediation).toMatch(remedy);
    // The generic advice no longer stands in for every cause.
    expect(draft.message).not.toContain("Fix the audit role's access");
  });

  it('near miss: a recorded cause wins over the code, and a scope with two causes gets both remediations', () => {
    const inventory = inventoryOf(
      snapshot({ capturedAt: NOW }).account(WORKLOADS, (account) =>
        account.region(REGION, (region) =>
          region.cluster('prod-blue', {}, (cluster) =>
            cluster
              .error({ ...collectionError('eks', 'DescribeAddon', 'Mystery'), cause: 'throttling' })
              .error(collectionError('eks', 'ListNodegroups', 'AccessDeniedException')),
          ),
        ),
      ),
    );
    const [draft] = runCheck(COLLECTION_INCOMPLETE, inventory, baselineOf()).drafts;
    expect(draft.evidence).toMatchObject({ causes: ['access-denied', 'throttling'] });
    expect(draft.remediation).toMatch(/^access denied: .* throttling: /);
  });

  it('does not fire when everything in scope was collected', () => {
    const inventory = inventoryOf(estate({ region: (region) => region.cluster('prod-blue') }));
    expect(runCheck(COLLECTION_INCOMPLETE, inventory, baselineOf()).drafts).toEqual([]);
  });
});

describe('SUPPRESSION_EXPIRED', () => {
  const inventory = inventoryOf(estate());
  const exception = (expires: string) => ({
    check: 'IRSA_SUBJECT_WILDCARD',
    resource: 'arn:aws:iam::111122223333:role/crossplane-*',
    reason: 'provider service account names change per revision',
    expires,
  });

  it('fires for an exception whose expiry day is over, pointing at its line', () => {
    const { drafts } = runCheck(
      SUPPRESSION_EXPIRED,
      inventory,
      baselineOf({ exceptions: [exception('2026-11-28')] }),
    );
    expect(drafts).toHaveLength(1);
    expect(drafts[0].message).toContain('expired on 2026-11-28');
    expect(drafts[0].baselineLocation?.line).toBeGreaterThan(1);
  });

  it('does not fire on the expiry day itself', () => {
    expect(
      runCheck(SUPPRESSION_EXPIRED, inventory, baselineOf({ exceptions: [exception('2026-11-29')] })).drafts,
    ).toEqual([]);
  });
});

describe('baselineInvalidFinding', () => {
  it('builds a CRITICAL finding that lists the located problems and keeps one id per source', () => {
    let error: unknown;
    try {
      parseBaseline('version: 2\n', 's3://audit-config/baseline.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    const finding = baselineInvalidFinding({
      source: 's3://audit-config/baseline.yaml',
      error,
      accountId: '999988887777',
    });
    expect(FindingSchema.parse(finding)).toEqual(finding);
    expect(finding).toMatchObject({
      checkId: 'BASELINE_INVALID',
      severity: 'CRITICAL',
      accountId: '999988887777',
    });
    expect(finding.message).toContain('unsupported baseline version 2');
    expect(finding.baselineLocation).toMatchObject({ file: 's3://audit-config/baseline.yaml', line: 1 });
    expect(
      baselineInvalidFinding({ source: 's3://audit-config/baseline.yaml', error: new Error('other') }).id,
    ).toBe(finding.id);
  });
});
