import { describe, expect, it } from 'vitest';
import {
  BUCKET_PREFIXES,
  LEDGER_PREFIX,
  latestKey,
  ledgerKey,
  partKey,
  reportKeys,
  runBaselineKey,
} from '../../shared/bucket.js';

/** Deployed buckets keep years of history under these keys: each is asserted byte for byte. */
describe('the audit bucket layout', () => {
  it('keeps a run under runs/RUN_ID/: the validated baseline and one part per account', () => {
    expect(runBaselineKey('20261129T020000Z-1a2b3c4d')).toBe('runs/20261129T020000Z-1a2b3c4d/baseline.json');
    expect(partKey('20261129T020000Z-1a2b3c4d', '222233334444')).toBe(
      'runs/20261129T020000Z-1a2b3c4d/parts/222233334444.json',
    );
  });

  it('dates the reports by the run finish in UTC and keeps latest.json beside them', () => {
    expect(reportKeys('reports/', { runId: 'r-1', finishedAt: '2026-11-29T23:30:00-05:00' })).toEqual({
      json: 'reports/2026/11/30/r-1.json',
      markdown: 'reports/2026/11/30/r-1.md',
      html: 'reports/2026/11/30/r-1.html',
    });
    expect(latestKey()).toBe('reports/latest.json');
    expect(latestKey('history')).toBe('history/latest.json');
    expect(latestKey('')).toBe('latest.json');
  });

  it('makes a run id safe as one key segment and dates an unreadable finish at the epoch', () => {
    expect(reportKeys('reports', { runId: 'a/b c', finishedAt: 'not a date' }).json).toBe(
      'reports/1970/01/01/a-b-c.json',
    );
  });

  it('keeps the usage ledgers under state/usage/ACCOUNT/REGION/ledger.json, or under any --usage-ledger prefix', () => {
    expect(ledgerKey(LEDGER_PREFIX, '222233334444', 'eu-west-1')).toBe(
      'state/usage/222233334444/eu-west-1/ledger.json',
    );
    expect(ledgerKey('', '222233334444', 'eu-west-1')).toBe('usage/222233334444/eu-west-1/ledger.json');
    expect(`${LEDGER_PREFIX}/usage/`).toBe(BUCKET_PREFIXES.usageLedgers);
  });

  it('names the prefixes lifecycle rules and grants use', () => {
    expect(BUCKET_PREFIXES).toEqual({
      runs: 'runs/',
      reports: 'reports/',
      state: 'state/',
      usageLedgers: 'state/usage/',
    });
  });
});
