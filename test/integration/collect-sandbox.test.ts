import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { CALLER_ACCOUNT, type ClientFactoryOptions, createClientFactory } from '../../shared/aws/clients.js';
import {
  accountErrors,
  CloudTrailRateLimiters,
  collectAccount,
  collectSnapshot,
  MEMBER_ROLE_ACTIONS,
} from '../../shared/collect/index.js';
import { iamActionName } from '../../shared/collect/operations.js';
import { decodePolicyDocument } from '../../shared/model/index.js';
import type { Snapshot, SnapshotAccount } from '../../shared/snapshot/index.js';
import { normalizeSnapshot, SnapshotSchema, writeSnapshot } from '../../shared/snapshot/index.js';

const SECURITY = '111122223333';
const WORKLOADS = '222233334444';
const DATA = '333344445555';
const ACCOUNTS = [SECURITY, WORKLOADS, DATA];
const REGIONS = ['eu-west-1', 'us-east-1'];

let sandbox: SandboxHandle;

function factory(overrides: Partial<ClientFactoryOptions> = {}) {
  return createClientFactory({
    region: 'eu-west-1',
    endpointUrl: sandbox.url,
    credentials: sandbox.credentials,
    roleName: 'EksIdentityAuditReadOnly',
    externalId: 'eks-identity-audit-demo',
    // Fast retries keep fault tests short; adaptive retry still backs off on throttling.
    maxAttempts: 6,
    ...overrides,
  });
}

function account(snapshot: Snapshot, accountId: string): SnapshotAccount {
  const found = snapshot.accounts.find((entry) => entry.accountId === accountId);
  if (!found) throw new Error(`account ${accountId} missing from the snapshot`);
  return found;
}

function region(snapshot: Snapshot, accountId: string, name: string) {
  const found = account(snapshot, accountId).regions?.find((entry) => entry.region === name);
  if (!found) throw new Error(`region ${name} of ${accountId} missing from the snapshot`);
  return found;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo' });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => {
  sandbox.setFaults([]);
  sandbox.resetCalls();
});

describe('collectSnapshot against the demo organization', () => {
  let snapshot: Snapshot;
  let counted: ReturnType<ReturnType<typeof factory>['apiCalls']>;
  let limiters: CloudTrailRateLimiters;
  let received: ReturnType<SandboxHandle['calls']>;

  beforeAll(async () => {
    sandbox.setFaults([]);
    sandbox.resetCalls();
    const clients = factory();
    limiters = new CloudTrailRateLimiters();
    snapshot = await collectSnapshot({
      factory: clients,
      accounts: [DATA, SECURITY, WORKLOADS],
      regions: REGIONS,
      now: new Date(),
      pacer: limiters.pacer,
    });
    counted = clients.apiCalls();
    received = sandbox.calls();
  });

  it('writes a valid snapshot v1 that survives a JSON round trip unchanged', () => {
    const roundTripped = JSON.parse(JSON.stringify(snapshot));
    expect(roundTripped).toEqual(snapshot);
    expect(SnapshotSchema.safeParse(roundTripped).success).toBe(true);
    expect(snapshot.snapshotVersion).toBe(1);
  });

  it('collects every account in account order with no errors anywhere', () => {
    expect(snapshot.accounts.map((entry) => entry.accountId)).toEqual(ACCOUNTS);
    for (const entry of snapshot.accounts) expect(accountErrors(entry)).toEqual([]);
    expect(account(snapshot, WORKLOADS).regions?.map((entry) => entry.region)).toEqual(REGIONS);
  });

  it('collects the clusters with their associations, add-ons, node groups and Fargate profiles', () => {
    const clusters = region(snapshot, WORKLOADS, 'eu-west-1').clusters ?? [];
    expect(clusters.map((entry) => entry.cluster.name)).toEqual(['prod-blue', 'prod-green', 'staging']);
    const blue = clusters[0];
    expect(blue.cluster.identity?.oidc?.issuer).toMatch(
      /^https:\/\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\//,
    );
    expect(blue.podIdentityAssociations?.length).toBeGreaterThan(0);
    for (const association of blue.podIdentityAssociations ?? []) {
      expect(association.roleArn).toMatch(/^arn:aws:iam::222233334444:role\//);
      expect(association.clusterName).toBe('prod-blue');
    }
    const keys = (blue.podIdentityAssociations ?? []).map(
      (a) => `${a.namespace}/${a.serviceAccount}/${a.associationArn}`,
    );
    expect(keys).toEqual([...keys].sort());
    expect(blue.addons?.map((addon) => addon.addonName)).toContain('eks-pod-identity-agent');
    expect(blue.nodegroups?.[0].nodeRole).toMatch(/^arn:aws:iam::222233334444:role\//);
    expect(blue.fargateProfiles?.[0].selectors?.length).toBeGreaterThan(0);
    expect(region(snapshot, WORKLOADS, 'us-east-1').clusters).toEqual([]);
  });

  it('collects roles with decodable trust, the managed policies they attach, and OIDC providers', () => {
    const iam = account(snapshot, WORKLOADS).iam;
    expect(iam?.roles.length).toBeGreaterThan(20);
    const arns = iam?.roles.map((role) => role.Arn) ?? [];
    expect(arns).toEqual([...arns].sort());
    for (const role of iam?.roles ?? []) {
      expect(decodePolicyDocument(role.AssumeRolePolicyDocument)).toHaveProperty('Statement');
    }
    const attached = new Set(
      iam?.roles.flatMap((role) => role.AttachedManagedPolicies?.map((p) => p.PolicyArn)),
    );
    expect(iam?.policies?.length).toBeGreaterThan(0);
    for (const policy of iam?.policies ?? []) {
      expect(attached.has(policy.Arn)).toBe(true);
      expect(policy.PolicyVersionList?.every((version) => version.IsDefaultVersion)).toBe(true);
    }
    expect(iam?.openIdConnectProviders?.map((provider) => provider.Url)).toContain(
      'oidc.eks.eu-west-1.amazonaws.com/id/5E1D0C8B7A6F4E3D2C1B0A9F8E7D6C5B',
    );
    for (const provider of iam?.openIdConnectProviders ?? []) {
      expect(provider.Arn).toBe(`arn:aws:iam::${WORKLOADS}:oidc-provider/${provider.Url}`);
    }
  });

  it('keeps only workload-identity evidence from CloudTrail, sorted by time', () => {
    const trail = region(snapshot, WORKLOADS, 'eu-west-1').cloudTrail;
    const events = trail?.events ?? [];
    const names = new Set(events.map((event) => event.EventName));
    expect(names).toContain('AssumeRoleWithWebIdentity');
    expect(names).toContain('AssumeRoleForPodIdentity');
    expect(names).toContain('AssumeRole');
    for (const event of events.filter((e) => e.EventName === 'AssumeRole')) {
      const record = JSON.parse(event.CloudTrailEvent ?? '{}');
      expect(record.userIdentity?.invokedBy ?? record.requestParameters?.tags).toBeTruthy();
    }
    const times = events.map((event) => event.EventTime);
    expect(times).toEqual([...times].sort());
    expect(new Set(events.map((event) => event.EventId)).size).toBe(events.length);
    expect(Date.parse(trail?.to ?? '') - Date.parse(trail?.from ?? '')).toBe(90 * 86_400_000);
  });

  it('calls in member accounts exactly the actions the member role grants', () => {
    const memberActions = new Set(
      counted
        .filter((entry) => entry.account !== CALLER_ACCOUNT)
        .map((entry) => iamActionName(entry.service, entry.operation)),
    );
    expect([...memberActions].sort()).toEqual([...MEMBER_ROLE_ACTIONS].sort());
  });

  it('counts the same calls the sandbox received', () => {
    const calls = received;
    for (const entry of counted.filter((e) => e.account !== CALLER_ACCOUNT)) {
      expect(
        calls[entry.account]?.[entry.service]?.[entry.operation],
        `${entry.account} ${entry.operation}`,
      ).toBe(entry.count);
    }
    const assumeRoles = counted.find((e) => e.service === 'sts' && e.operation === 'AssumeRole');
    expect(assumeRoles?.count).toBe(ACCOUNTS.length);
  });

  it('keeps LookupEvents within 2 requests per second per account-region', () => {
    const calls = received;
    expect(limiters.entries()).toHaveLength(ACCOUNTS.length * REGIONS.length);
    let granted = 0;
    for (const [, bucket] of limiters.entries()) {
      expect(bucket.maxGrantsInWindow(1000)).toBeLessThanOrEqual(2);
      granted += bucket.grants().length;
    }
    const lookups = ACCOUNTS.reduce((sum, id) => sum + (calls[id]?.cloudtrail?.LookupEvents ?? 0), 0);
    expect(lookups).toBe(granted);
    expect(calls.throttled.total).toBe(0);
  });
});

describe('determinism', () => {
  it('gives byte-identical snapshots for the same organization and the same now', async () => {
    const now = new Date();
    const collect = () =>
      collectSnapshot({ factory: factory(), accounts: [WORKLOADS, DATA], regions: ['eu-west-1'], now });

    const first = await collect();
    const second = await collect();

    expect(writeSnapshot(second)).toBe(writeSnapshot(first));
  });
});

describe('collection under faults', () => {
  it('AccessDenied on one account leaves that account incomplete and the others complete', async () => {
    sandbox.setFaults([{ account: DATA, service: 'eks', accessDenied: true }]);

    const snapshot = await collectSnapshot({
      factory: factory(),
      accounts: ACCOUNTS,
      regions: ['eu-west-1'],
      cloudTrail: false,
    });

    const broken = region(snapshot, DATA, 'eu-west-1');
    expect(broken.errors).toEqual([
      expect.objectContaining({ service: 'eks', operation: 'ListClusters', code: 'AccessDeniedException' }),
    ]);
    expect(account(snapshot, DATA).iam?.errors).toEqual([]);
    expect(accountErrors(account(snapshot, WORKLOADS))).toEqual([]);
    expect(region(snapshot, WORKLOADS, 'eu-west-1').clusters).toHaveLength(3);
  });

  it('AccessDenied on one service records it at that level and collects the other services', async () => {
    sandbox.setFaults([{ account: WORKLOADS, service: 'cloudtrail', accessDenied: true }]);

    const snapshot = await collectSnapshot({
      factory: factory(),
      accounts: [WORKLOADS],
      regions: ['eu-west-1'],
    });

    const workloads = region(snapshot, WORKLOADS, 'eu-west-1');
    expect(workloads.cloudTrail?.errors?.map((error) => error.code)).toEqual([
      'AccessDeniedException',
      'AccessDeniedException',
      'AccessDeniedException',
    ]);
    expect(workloads.errors).toEqual([]);
    expect(workloads.clusters?.every((cluster) => cluster.errors?.length === 0)).toBe(true);
    expect(account(snapshot, WORKLOADS).iam?.errors).toEqual([]);
  });

  it('AccessDenied on one cluster sub-resource marks only the clusters, not the region', async () => {
    sandbox.setFaults([{ account: WORKLOADS, service: 'eks', operation: 'ListAddons', accessDenied: true }]);

    const snapshot = await collectSnapshot({
      factory: factory(),
      accounts: [WORKLOADS],
      regions: ['eu-west-1'],
      cloudTrail: false,
    });

    const workloads = region(snapshot, WORKLOADS, 'eu-west-1');
    expect(workloads.errors).toEqual([]);
    for (const cluster of workloads.clusters ?? []) {
      expect(cluster.errors).toEqual([
        expect.objectContaining({ operation: 'ListAddons', resource: cluster.cluster.name }),
      ]);
      expect(cluster.podIdentityAssociations?.length).toBeGreaterThan(0);
    }
  });

  it('completes under throttling by retrying', async () => {
    sandbox.setFaults([{ account: WORKLOADS, service: 'eks', throttle: { firstCalls: 2 } }]);

    const snapshot = await collectSnapshot({
      factory: factory(),
      accounts: [WORKLOADS],
      regions: ['eu-west-1'],
      cloudTrail: false,
    });

    expect(accountErrors(account(snapshot, WORKLOADS))).toEqual([]);
    expect(region(snapshot, WORKLOADS, 'eu-west-1').clusters).toHaveLength(3);
    expect(sandbox.calls().throttled.total).toBe(2);
  });

  it('retries server errors', async () => {
    sandbox.setFaults([
      {
        account: WORKLOADS,
        service: 'iam',
        operation: 'GetAccountAuthorizationDetails',
        error: { status: 503, firstCalls: 2 },
      },
    ]);

    const snapshot = await collectSnapshot({
      factory: factory(),
      accounts: [WORKLOADS],
      regions: ['eu-west-1'],
      cloudTrail: false,
    });

    expect(account(snapshot, WORKLOADS).iam?.errors).toEqual([]);
    expect(account(snapshot, WORKLOADS).iam?.roles.length).toBeGreaterThan(20);
    expect(sandbox.calls()[WORKLOADS].iam.GetAccountAuthorizationDetails).toBeGreaterThanOrEqual(3);
  });

  it('records a server error that outlasts the retries, at the IAM level only', async () => {
    sandbox.setFaults([
      {
        account: WORKLOADS,
        service: 'iam',
        operation: 'GetAccountAuthorizationDetails',
        error: { status: 500 },
      },
    ]);

    const snapshot = await collectSnapshot({
      factory: factory({ maxAttempts: 2 }),
      accounts: [WORKLOADS],
      regions: ['eu-west-1'],
      cloudTrail: false,
    });

    expect(account(snapshot, WORKLOADS).iam?.errors).toEqual([
      expect.objectContaining({ service: 'iam', operation: 'GetAccountAuthorizationDetails' }),
    ]);
    expect(account(snapshot, WORKLOADS).iam?.openIdConnectProviders?.length).toBeGreaterThan(0);
    expect(region(snapshot, WORKLOADS, 'eu-west-1').clusters).toHaveLength(3);
  });

  it('a wrong external id leaves each account with only its id and the AssumeRole error', async () => {
    const snapshot = await collectSnapshot({
      factory: factory({ externalId: 'not-the-right-one' }),
      accounts: [WORKLOADS, DATA],
      regions: ['eu-west-1'],
    });

    for (const entry of snapshot.accounts) {
      expect(Object.keys(entry).sort()).toEqual(['accountId', 'errors']);
      expect(entry.errors).toEqual([
        expect.objectContaining({
          service: 'sts',
          operation: 'AssumeRole',
          code: 'AccessDenied',
          resource: `arn:aws:iam::${entry.accountId}:role/EksIdentityAuditReadOnly`,
        }),
      ]);
    }
    expect(SnapshotSchema.safeParse(snapshot).success).toBe(true);
  });

  it('AccessDenied on AssumeRole into one account leaves that account incomplete and the others whole', async () => {
    sandbox.setFaults([{ targetAccount: DATA, service: 'sts', operation: 'AssumeRole', accessDenied: true }]);

    const snapshot = await collectSnapshot({
      factory: factory(),
      accounts: [WORKLOADS, DATA],
      regions: ['eu-west-1'],
      cloudTrail: false,
    });

    expect(account(snapshot, DATA)).toEqual({
      accountId: DATA,
      errors: [
        expect.objectContaining({
          service: 'sts',
          operation: 'AssumeRole',
          code: 'AccessDenied',
          resource: `arn:aws:iam::${DATA}:role/EksIdentityAuditReadOnly`,
        }),
      ],
    });
    const { completeness } = normalizeSnapshot(snapshot);
    expect(completeness.iamComplete(DATA)).toBe(false);
    expect(completeness.regionComplete(DATA, 'eu-west-1')).toBe(false);
    expect(accountErrors(account(snapshot, WORKLOADS))).toEqual([]);
    expect(completeness.iamComplete(WORKLOADS)).toBe(true);
    expect(completeness.regionComplete(WORKLOADS, 'eu-west-1')).toBe(true);
    expect(region(snapshot, WORKLOADS, 'eu-west-1').clusters).toHaveLength(3);
  });

  it('an account without the member role fails alone', async () => {
    const snapshot = await collectSnapshot({
      factory: factory(),
      accounts: [WORKLOADS, '999988887777'],
      regions: ['eu-west-1'],
      cloudTrail: false,
    });

    expect(account(snapshot, '999988887777').errors?.[0]).toMatchObject({ operation: 'AssumeRole' });
    expect(accountErrors(account(snapshot, WORKLOADS))).toEqual([]);
  });
});

describe('single-account mode and the Lambda entry point', () => {
  it('collects the caller account with the starting identity when no role name is given', async () => {
    const clients = factory({ roleName: undefined, externalId: undefined });

    const snapshot = await collectSnapshot({ factory: clients, regions: ['eu-west-1'], cloudTrail: false });

    expect(snapshot.accounts.map((entry) => entry.accountId)).toEqual([SECURITY]);
    expect(accountErrors(snapshot.accounts[0])).toEqual([]);
    expect(clients.apiCalls().some((entry) => entry.operation === 'AssumeRole')).toBe(false);
  });

  it('refuses to collect another account under the starting identity', async () => {
    const part = await collectAccount({
      factory: factory({ roleName: undefined }),
      accountId: WORKLOADS,
      regions: ['eu-west-1'],
    });

    expect(part).toEqual({
      accountId: WORKLOADS,
      errors: [expect.objectContaining({ service: 'sts', code: 'AccountMismatch' })],
    });
  });

  it('collectAccount returns one account part without a CloudTrail window when CloudTrail is off', async () => {
    const part = await collectAccount({
      factory: factory(),
      accountId: WORKLOADS,
      regions: ['eu-west-1'],
      cloudTrail: false,
    });

    expect(part.accountId).toBe(WORKLOADS);
    expect(part.regions?.[0]).not.toHaveProperty('cloudTrail');
    expect(part.regions?.[0].clusters).toHaveLength(3);
  });

  it('rejects a CloudTrail window beyond what LookupEvents keeps', async () => {
    await expect(
      collectSnapshot({
        factory: factory(),
        accounts: [WORKLOADS],
        regions: ['eu-west-1'],
        cloudTrailDays: 91,
      }),
    ).rejects.toThrow(RangeError);
  });
});
