import { IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, it, vi } from 'vitest';
import { type ClientFactory, createClientFactory } from '../../shared/aws/clients.js';
import { collectIam } from '../../shared/collect/iam.js';
import { RequestPacer } from '../../shared/collect/pacing.js';

const ACCOUNT = '222233334444';
const ROLES = 2300;

function role(index: number) {
  const name = `role-${String(index).padStart(4, '0')}`;
  return {
    RoleName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    AssumeRolePolicyDocument: '%7B%7D',
    AttachedManagedPolicies: [],
  };
}

/** An IAM client answering from memory: 2,300 roles paged by MaxItems/Marker, no OIDC providers. */
function fakeIam(): { client: IAMClient; requests: Array<Record<string, unknown>> } {
  const client = new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  });
  const requests: Array<Record<string, unknown>> = [];
  vi.spyOn(client, 'send').mockImplementation((async (command: {
    constructor: { name: string };
    input: Record<string, unknown>;
  }) => {
    const operation = command.constructor.name.replace(/Command$/, '');
    if (operation === 'ListOpenIDConnectProviders') return { OpenIDConnectProviderList: [] };
    if (operation !== 'GetAccountAuthorizationDetails') throw new Error(`unexpected ${operation}`);
    requests.push(command.input);
    const offset = Number(command.input.Marker ?? 0);
    const size = Number(command.input.MaxItems ?? 100);
    const end = Math.min(ROLES, offset + size);
    return {
      RoleDetailList: Array.from({ length: end - offset }, (_, index) => role(offset + index)),
      Policies: [],
      IsTruncated: end < ROLES,
      ...(end < ROLES ? { Marker: String(end) } : {}),
    };
  }) as never);
  return { client, requests };
}

function factoryWith(client: IAMClient): ClientFactory {
  const real = createClientFactory({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  });
  return { ...real, iam: () => client };
}

describe('collectIam paging', () => {
  it('asks for 1,000 items a page and follows the markers to the last role', async () => {
    const { client, requests } = fakeIam();

    const iam = await collectIam(factoryWith(client), ACCOUNT);

    expect(iam.roles).toHaveLength(ROLES);
    expect(requests.map((request) => [request.MaxItems, request.Marker])).toEqual([
      [1000, undefined],
      [1000, '1000'],
      [1000, '2000'],
    ]);
  });

  it('sends every IAM call of the account through its lane', async () => {
    const { client } = fakeIam();
    const pacer = new RequestPacer({ iamPerSecond: 1000 });
    const lane = pacer.lane('iam', ACCOUNT, 'us-east-1');

    await collectIam(factoryWith(client), ACCOUNT, lane);

    // Three authorization-detail pages and the provider listing.
    expect(lane.bucket.grants()).toHaveLength(4);
  });
});
