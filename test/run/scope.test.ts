import { describe, expect, it } from 'vitest';
import { baselineScope, planScopes } from '../../shared/run/scope.js';

const cluster = (name: string, account: string, region: string) => ({
  name,
  account,
  region,
  members: [name],
});

const baseline = {
  clusters: [cluster('prod', '222233334444', 'eu-west-1'), cluster('dr', '333344445555', 'ap-northeast-1')],
  accounts: ['444455556666'],
};

describe('the scope planner', () => {
  it('puts the declared clusters accounts and regions and the extra accounts in the baseline scope', () => {
    expect(baselineScope(baseline)).toEqual({
      accounts: ['222233334444', '333344445555', '444455556666'],
      regions: ['ap-northeast-1', 'eu-west-1'],
    });
  });

  it('collects every baseline account in every baseline region when no flag names a scope (CLI)', () => {
    expect(planScopes(baseline, { mode: 'replace' })).toEqual({
      accounts: ['222233334444', '333344445555', '444455556666'],
      regions: ['ap-northeast-1', 'eu-west-1'],
    });
  });

  it('lets --accounts and --regions replace the baseline scope, each on its own (CLI)', () => {
    expect(planScopes(baseline, { mode: 'replace', accounts: ['111122223333'] })).toEqual({
      accounts: ['111122223333'],
      regions: ['ap-northeast-1', 'eu-west-1'],
    });
    expect(planScopes(baseline, { mode: 'replace', regions: ['us-east-1'] })).toEqual({
      accounts: ['222233334444', '333344445555', '444455556666'],
      regions: ['us-east-1'],
    });
  });

  it('leaves the account and region to the caller when neither a flag nor the baseline names one (CLI)', () => {
    expect(planScopes({ clusters: [], accounts: [] }, { mode: 'replace' })).toEqual({});
    expect(planScopes(undefined, { mode: 'replace', regions: ['eu-west-1'] })).toEqual({
      regions: ['eu-west-1'],
    });
  });

  it('adds the configured accounts and regions to the baseline, each account with its own clusters regions (nightly)', () => {
    expect(planScopes(baseline, { mode: 'add', accounts: ['111122223333'], regions: ['us-east-1'] })).toEqual(
      [
        { accountId: '111122223333', regions: ['us-east-1'] },
        { accountId: '222233334444', regions: ['eu-west-1', 'us-east-1'] },
        { accountId: '333344445555', regions: ['ap-northeast-1', 'us-east-1'] },
        { accountId: '444455556666', regions: ['us-east-1'] },
      ],
    );
  });
});
