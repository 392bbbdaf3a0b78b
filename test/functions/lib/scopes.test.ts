import { describe, expect, it } from 'vitest';
import { planAccountScopes } from '../../../functions/lib/scopes.js';

const cluster = (name: string, account: string, region: string) => ({
  name,
  account,
  region,
  members: [name],
});

describe('planAccountScopes', () => {
  it('gives each declared account the configured regions plus its clusters regions', () => {
    const plan = planAccountScopes(
      {
        clusters: [
          cluster('prod', '222233334444', 'eu-west-1'),
          cluster('dr', '222233334444', 'ap-northeast-1'),
        ],
        accounts: ['333344445555'],
      },
      { accounts: [], regions: ['us-east-1'] },
    );
    expect(plan).toEqual([
      { accountId: '222233334444', regions: ['ap-northeast-1', 'eu-west-1', 'us-east-1'] },
      { accountId: '333344445555', regions: ['us-east-1'] },
    ]);
  });

  it('adds configured accounts once, sorted, and leaves regions empty when nothing names one', () => {
    const plan = planAccountScopes(
      { clusters: [], accounts: ['444455556666'] },
      { accounts: ['444455556666', '111122223333'], regions: [] },
    );
    expect(plan).toEqual([
      { accountId: '111122223333', regions: [] },
      { accountId: '444455556666', regions: [] },
    ]);
  });
});
