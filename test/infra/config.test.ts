import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, DeploymentConfigError, readDeploymentConfig } from '../../infra/config.js';
import { cdkJsonContext } from './support.js';

const lookup = (context: Record<string, unknown>) => (key: string) => context[key];

describe('readDeploymentConfig', () => {
  it('applies the documented defaults when no context is given', () => {
    const config = readDeploymentConfig(lookup({}));
    expect(config).toMatchObject({
      accounts: [],
      regions: [],
      schedule: 'cron(0 2 * * ? *)',
      timeZone: 'Asia/Tokyo',
      maxConcurrency: 10,
      analyzeMemoryMiB: 3008,
      windowDays: 90,
      memberRoleName: 'EksIdentityAuditReadOnly',
      baselineKey: 'baseline.yaml',
      securityHubMode: 'audit-account',
      summary: 'always',
      usageSource: 'lookup',
      orgTrailPrefix: '',
    });
    expect(config.slackWorkspaceId).toBeUndefined();
  });

  it('reads -c values given as text: comma lists and numbers', () => {
    const config = readDeploymentConfig(
      lookup({
        accounts: '222233334444, 333344445555',
        regions: 'eu-west-1,us-east-1',
        maxConcurrency: '25',
        analyzeMemoryMiB: '10240',
      }),
    );
    expect(config.analyzeMemoryMiB).toBe(10_240);
    expect(config.accounts).toEqual(['222233334444', '333344445555']);
    expect(config.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(config.maxConcurrency).toBe(25);
  });

  it('treats empty strings in cdk.json as unset', () => {
    const config = readDeploymentConfig(lookup(cdkJsonContext()));
    expect(config.auditAccountId).toBeUndefined();
    expect(config.orgId).toBeUndefined();
  });

  it('names every invalid key', () => {
    const read = () =>
      readDeploymentConfig(
        lookup({
          accounts: ['12345'],
          maxConcurrency: 0,
          analyzeMemoryMiB: 10_241,
          orgId: 'org-1',
          timeZone: 'Tokyo time',
          usageSource: 'cloudtrail',
        }),
      );
    expect(read).toThrow(DeploymentConfigError);
    expect(read).toThrow(/context "accounts.0"/);
    expect(read).toThrow(/context "maxConcurrency"/);
    expect(read).toThrow(/context "analyzeMemoryMiB"/);
    expect(read).toThrow(/context "orgId"/);
    expect(read).toThrow(/context "timeZone"/);
    expect(read).toThrow(/context "usageSource"/);
  });

  it('documents every context key in cdk.json', () => {
    expect(Object.keys(cdkJsonContext())).toEqual(expect.arrayContaining([...CONTEXT_KEYS]));
  });
});
