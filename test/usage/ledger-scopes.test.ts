import { describe, expect, it } from 'vitest';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { DAY_MS, emptyLedger, foldRecords, type Ledger } from '../../shared/usage/ledger.js';
import { withLedgerCoverage } from '../../shared/usage/ledger-scopes.js';

const ACCOUNT = '222233334444';
const CAPTURED_AT = '2026-11-29T02:00:00.000Z';
const NOW = Date.parse(CAPTURED_AT);

/** An account collected without CloudTrail: eu-west-1 read fine, us-east-1's ListClusters was denied. */
function inventory() {
  return normalizeSnapshot(
    parseSnapshot(
      {
        snapshotVersion: 1,
        capturedAt: CAPTURED_AT,
        accounts: [
          {
            accountId: ACCOUNT,
            errors: [],
            iam: { roles: [], openIdConnectProviders: [], errors: [] },
            regions: [
              { region: 'eu-west-1', errors: [], clusters: [] },
              {
                region: 'us-east-1',
                errors: [
                  {
                    service: 'eks',
                    operation: 'ListClusters',
                    code: 'AccessDeniedException',
                    message: 'denied',
                  },
                ],
                clusters: [],
              },
            ],
          },
        ],
      },
      'snapshot.json',
    ),
  );
}

/** A ledger that read `[NOW - days, NOW]`, completely or not. */
function ledgerOver(days: number, complete = true, region = 'eu-west-1'): Ledger {
  return foldRecords(emptyLedger(ACCOUNT, region), [], {
    read: {
      from: new Date(NOW - days * DAY_MS),
      to: new Date(NOW),
      complete,
      ...(complete ? {} : { reason: 'LookupEvents ThrottlingException' }),
    },
  });
}

const trailScope = (scopes: ReturnType<typeof inventory>['scopes'], region: string) =>
  scopes.find((scope) => scope.level === 'cloudtrail' && scope.region === region);

describe('withLedgerCoverage', () => {
  it('marks a region complete when its ledger covers the whole usage window', () => {
    const judged = withLedgerCoverage(inventory(), [ledgerOver(90)], { days: 90 });
    expect(trailScope(judged.scopes, 'eu-west-1')).toMatchObject({ status: 'complete', errors: [] });
    expect(judged.completeness.cloudTrailComplete(ACCOUNT, 'eu-west-1')).toBe(true);
  });

  it('keeps a region incomplete, naming where the ledger should be, when there is none', () => {
    const judged = withLedgerCoverage(inventory(), [], {
      days: 90,
      describe: (account, region) => `s3://audit/state/usage/${account}/${region}/ledger.json`,
    });
    expect(trailScope(judged.scopes, 'eu-west-1')).toMatchObject({
      status: 'incomplete',
      errors: [
        {
          service: 'cloudtrail',
          operation: 'UsageLedger',
          code: 'LedgerMissing',
          resource: `s3://audit/state/usage/${ACCOUNT}/eu-west-1/ledger.json`,
        },
      ],
    });
    expect(judged.completeness.cloudTrailComplete(ACCOUNT, 'eu-west-1')).toBe(false);
  });

  it('keeps a region incomplete when the ledger starts inside the window or its read failed', () => {
    const short = withLedgerCoverage(inventory(), [ledgerOver(30)], { days: 90 });
    expect(trailScope(short.scopes, 'eu-west-1')?.errors).toEqual([
      expect.objectContaining({
        code: 'CoverageGap',
        message: expect.stringContaining('after the window start'),
      }),
    ]);
    const failed = withLedgerCoverage(inventory(), [ledgerOver(90, false)], { days: 90 });
    expect(trailScope(failed.scopes, 'eu-west-1')).toMatchObject({
      status: 'incomplete',
      errors: [expect.objectContaining({ message: expect.stringContaining('ThrottlingException') })],
    });
  });

  it('leaves a region whose EKS listing failed as the collection judged it, ledger or not', () => {
    const before = trailScope(inventory().scopes, 'us-east-1');
    const judged = withLedgerCoverage(inventory(), [ledgerOver(90, true, 'us-east-1')], { days: 90 });
    expect(trailScope(judged.scopes, 'us-east-1')).toEqual(before);
    expect(before?.status).toBe('incomplete');
  });
});
