import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/lib/config.js';
import { InputError } from '../../../shared/errors.js';

const COMPLETE = {
  AUDIT_BUCKET: 'audit-bucket-111122223333',
  BASELINE_KEY: 'baseline.yaml',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:findings',
  MEMBER_ROLE_NAME: 'EksIdentityAuditReadOnly',
  EXTERNAL_ID: 'eks-identity-audit',
  AUDIT_REGIONS: 'eu-west-1, us-east-1',
  AWS_REGION: 'eu-west-1',
};

describe('loadConfig', () => {
  it('reads and types every requested setting, applying defaults', () => {
    const config = loadConfig(COMPLETE, [
      'bucket',
      'regions',
      'windowDays',
      'securityHubMode',
      'accounts',
      'endpointUrl',
    ]);
    expect(config).toEqual({
      bucket: 'audit-bucket-111122223333',
      regions: ['eu-west-1', 'us-east-1'],
      windowDays: 90,
      securityHubMode: 'audit-account',
      accounts: [],
    });
  });

  it('reads the report language, English when unset, and refuses one it has no catalogue for', () => {
    expect(loadConfig(COMPLETE, ['language'])).toEqual({ language: 'en' });
    expect(loadConfig({ ...COMPLETE, REPORT_LANGUAGE: 'ja' }, ['language'])).toEqual({ language: 'ja' });
    expect(() => loadConfig({ ...COMPLETE, REPORT_LANGUAGE: 'fr' }, ['language'])).toThrow(/REPORT_LANGUAGE/);
  });

  it('says which variable is required when one is missing', () => {
    const { AUDIT_BUCKET: _bucket, TOPIC_ARN: _topic, ...rest } = COMPLETE;
    const load = () => loadConfig(rest, ['bucket', 'topicArn', 'baselineKey']);
    expect(load).toThrow(InputError);
    expect(load).toThrow('AUDIT_BUCKET is required; TOPIC_ARN is required');
  });

  it('names the variable, the rule and the value when one is invalid', () => {
    expect(() => loadConfig({ ...COMPLETE, WINDOW_DAYS: '120' }, ['windowDays'])).toThrow(
      'WINDOW_DAYS must be from 1 to 90 (got "120")',
    );
    expect(() => loadConfig({ ...COMPLETE, SECURITY_HUB_MODE: 'everywhere' }, ['securityHubMode'])).toThrow(
      /SECURITY_HUB_MODE .*\(got "everywhere"\)/,
    );
    expect(() => loadConfig({ ...COMPLETE, AUDIT_ACCOUNTS: '1111' }, ['accounts'])).toThrow(
      /AUDIT_ACCOUNTS must list 12-digit account ids/,
    );
  });

  it('does not read settings the function did not ask for', () => {
    expect(loadConfig({ AWS_REGION: 'eu-west-1' }, ['region'])).toEqual({ region: 'eu-west-1' });
  });
});
