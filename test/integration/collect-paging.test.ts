import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { createClientFactory } from '../../shared/aws/clients.js';
import { accountErrors, collectSnapshot } from '../../shared/collect/index.js';
import type { Snapshot } from '../../shared/snapshot/index.js';

const ACCOUNT = '444455556666';
// More roles than one GetAccountAuthorizationDetails page holds at MaxItems 1,000.
const ROLES = 1_030;
const ASSOCIATIONS = 150;

const podIdentityTrust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
    },
  ],
};

/** One account with more roles, associations and CloudTrail records than a single page holds. */
function bigScenario(): string {
  const workloadRoles = Array.from({ length: ROLES }, (_, index) => ({
    name: `workload-${String(index).padStart(3, '0')}`,
    trust: podIdentityTrust,
  }));
  const associations = Array.from({ length: ASSOCIATIONS }, (_, index) => ({
    namespace: `team-${index % 7}`,
    serviceAccount: `app-${String(index).padStart(3, '0')}`,
    role: workloadRoles[index % ROLES].name,
  }));
  return stringify(
    {
      name: 'paging',
      seed: 7,
      identity: { account: ACCOUNT, role: 'Operator', region: 'us-east-1' },
      accounts: [
        {
          id: ACCOUNT,
          alias: 'big',
          roles: [
            {
              name: 'Operator',
              trust: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                    Action: 'sts:AssumeRole',
                  },
                ],
              },
            },
            ...workloadRoles,
          ],
          regions: {
            'us-east-1': {
              clusters: [
                {
                  name: 'big',
                  oidcId: '0123456789ABCDEF0123456789ABCDEF',
                  associations,
                  addons: [{ name: 'eks-pod-identity-agent', version: 'v1.3.4-eksbuild.1' }],
                },
              ],
              usage: [
                {
                  cluster: 'big',
                  namespace: 'team-0',
                  serviceAccount: 'app-000',
                  via: 'pod-identity',
                  perDay: 2,
                  lastDaysAgo: 0,
                  firstDaysAgo: 60,
                },
              ],
            },
          },
        },
      ],
    },
    { aliasDuplicateObjects: false },
  );
}

describe('collection of an account larger than one page', () => {
  let sandbox: SandboxHandle;
  let snapshot: Snapshot;
  let calls: ReturnType<SandboxHandle['calls']>;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, scenario: bigScenario() });
    const factory = createClientFactory({
      region: 'us-east-1',
      endpointUrl: sandbox.url,
      credentials: sandbox.credentials,
    });
    snapshot = await collectSnapshot({ factory, regions: ['us-east-1'] });
    calls = sandbox.calls();
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('follows IAM markers to every role', () => {
    const [account] = snapshot.accounts;
    expect(accountErrors(account)).toEqual([]);
    expect(account.iam?.roles).toHaveLength(ROLES + 1);
    expect(calls[ACCOUNT].iam.GetAccountAuthorizationDetails).toBe(2);
  });

  it('follows EKS next tokens to every association and describes each once', () => {
    const cluster = snapshot.accounts[0].regions?.[0].clusters?.[0];
    expect(cluster?.podIdentityAssociations).toHaveLength(ASSOCIATIONS);
    expect(new Set(cluster?.podIdentityAssociations?.map((a) => a.associationId)).size).toBe(ASSOCIATIONS);
    expect(calls[ACCOUNT].eks.ListPodIdentityAssociations).toBe(2);
    expect(calls[ACCOUNT].eks.DescribePodIdentityAssociation).toBe(ASSOCIATIONS);
  });

  it('follows CloudTrail next tokens across pages of 50', () => {
    const trail = snapshot.accounts[0].regions?.[0].cloudTrail;
    expect(trail?.errors).toEqual([]);
    const assumeRoles = trail?.events.filter((event) => event.EventName === 'AssumeRole') ?? [];
    expect(assumeRoles.length).toBeGreaterThan(50);
    expect(calls[ACCOUNT].cloudtrail.LookupEvents).toBeGreaterThan(3);
  });
});
