import { describe, expect, it } from 'vitest';
import { parseUsageSource } from '../../cli/usage-source.js';
import { InputError } from '../../shared/errors.js';

describe('parseUsageSource', () => {
  it('reads lookups by default and the organization trail with its bucket, prefix and organization id', () => {
    expect(parseUsageSource({})).toEqual({ kind: 'lookup' });
    expect(
      parseUsageSource({
        usageSource: 'org-trail',
        usageLedger: 's3://audit-state/ledgers',
        orgTrail: 's3://org-trail-logs/trail/',
        organizationId: 'o-a1b2c3d4e5',
      }),
    ).toEqual({
      kind: 'org-trail',
      trail: { bucket: 'org-trail-logs', prefix: 'trail', organizationId: 'o-a1b2c3d4e5' },
    });
  });

  it('names the flag that is wrong or missing', () => {
    const org = { usageSource: 'org-trail', usageLedger: 's3://audit-state' };
    expect(() => parseUsageSource({ usageSource: 'cloudtrail' })).toThrow(
      /--usage-source must be lookup or org-trail/,
    );
    expect(() => parseUsageSource({ ...org, organizationId: 'o-a1b2c3d4e5' })).toThrow(
      /--org-trail must be s3:\/\/BUCKET/,
    );
    expect(() => parseUsageSource({ ...org, orgTrail: 's3://org-trail-logs' })).toThrow(
      /--organization-id must be/,
    );
    expect(() =>
      parseUsageSource({ usageSource: 'org-trail', orgTrail: 's3://b1', organizationId: 'o-a1b2c3d4e5' }),
    ).toThrow(/needs --usage-ledger/);
    expect(() => parseUsageSource({ orgTrail: 's3://org-trail-logs' })).toThrow(InputError);
  });
});
