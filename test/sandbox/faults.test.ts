import { AccessDeniedException, EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CallCounts, type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { ClockedRetryStrategy } from '../../shared/aws/clocked.js';
import { defaultClock } from '../../shared/clock.js';
import {
  clientConfig,
  DATA_ACCOUNT,
  memberCredentials,
  rejectionOf,
  startDemo,
  WORKLOAD_ACCOUNT,
} from './helpers.js';

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startDemo();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.setFaults([]);
  sandbox.resetCalls();
});

/** An EKS client of a member account; its retries (the SDK's standard ones) wait on the process's clock. */
async function eksFor(accountId: string, maxAttempts = 1): Promise<EKSClient> {
  return new EKSClient({
    ...clientConfig(sandbox, await memberCredentials(sandbox, accountId)),
    maxAttempts,
    retryStrategy: new ClockedRetryStrategy(defaultClock(), 'standard', maxAttempts),
  });
}

describe('faults', () => {
  it('throttles the first N calls; the SDK retries and succeeds, and throttled calls are counted apart', async () => {
    const eks = await eksFor(WORKLOAD_ACCOUNT, 3);
    sandbox.resetCalls();
    sandbox.setFaults([{ service: 'eks', operation: 'ListClusters', throttle: { firstCalls: 2 } }]);
    const response = await eks.send(new ListClustersCommand({}));
    expect(response.clusters).toEqual(['prod-blue', 'prod-green', 'staging']);
    expect(response.$metadata.attempts).toBe(3);
    const calls = sandbox.calls();
    expect(calls[WORKLOAD_ACCOUNT].eks.ListClusters).toBe(3);
    expect(calls.throttled[WORKLOAD_ACCOUNT].eks.ListClusters).toBe(2);
    expect(calls.throttled.total).toBe(2);
  });

  it('surfaces ThrottlingException when throttling outlasts the retries', async () => {
    const eks = await eksFor(WORKLOAD_ACCOUNT, 1);
    sandbox.setFaults([{ service: 'eks', throttle: { probability: 1 } }]);
    const error = await rejectionOf(eks.send(new ListClustersCommand({})));
    expect(error.name).toBe('ThrottlingException');
  });

  it('denies one account and service while the others keep working', async () => {
    const workload = await eksFor(WORKLOAD_ACCOUNT);
    const data = await eksFor(DATA_ACCOUNT);
    const workloadIam = new IAMClient(
      clientConfig(sandbox, await memberCredentials(sandbox, WORKLOAD_ACCOUNT), 'us-east-1'),
    );
    sandbox.setFaults([{ account: WORKLOAD_ACCOUNT, service: 'eks', accessDenied: true }]);
    const denied = await rejectionOf(workload.send(new ListClustersCommand({})));
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(denied.message).toContain('is not authorized to perform: eks:ListClusters');
    expect((await data.send(new ListClustersCommand({}))).clusters).toEqual([]);
    const details = await workloadIam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
    expect(details.RoleDetailList?.length).toBeGreaterThan(0);
  });

  it('refuses AssumeRole into the target account of a rule while the caller assumes into the others', async () => {
    sandbox.setFaults([
      { targetAccount: DATA_ACCOUNT, service: 'sts', operation: 'AssumeRole', accessDenied: true },
    ]);
    const denied = await rejectionOf(memberCredentials(sandbox, DATA_ACCOUNT));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.message).toContain('is not authorized to perform: sts:AssumeRole');
    const workload = await memberCredentials(sandbox, WORKLOAD_ACCOUNT);
    expect(workload.accessKeyId).toMatch(/^ASIA/);
  });

  it('matches targetAccount on the caller account for calls that reach into no other account', async () => {
    const workload = await eksFor(WORKLOAD_ACCOUNT);
    const data = await eksFor(DATA_ACCOUNT);
    sandbox.setFaults([{ targetAccount: WORKLOAD_ACCOUNT, service: 'eks', accessDenied: true }]);
    expect(await rejectionOf(workload.send(new ListClustersCommand({})))).toBeInstanceOf(
      AccessDeniedException,
    );
    expect((await data.send(new ListClustersCommand({}))).clusters).toEqual([]);
  });

  it('answers IAM AccessDenied in the query error shape', async () => {
    const iam = new IAMClient(
      clientConfig(sandbox, await memberCredentials(sandbox, DATA_ACCOUNT), 'us-east-1'),
    );
    sandbox.setFaults([{ service: 'iam', accessDenied: true }]);
    const error = await rejectionOf(iam.send(new GetAccountAuthorizationDetailsCommand({})));
    expect(error.name).toBe('AccessDenied');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
  });

  it('fails the first call with a 5xx that the SDK retries', async () => {
    const eks = await eksFor(WORKLOAD_ACCOUNT, 2);
    sandbox.setFaults([
      { service: 'eks', error: { status: 503, code: 'ServiceUnavailableException', firstCalls: 1 } },
    ]);
    const response = await eks.send(new ListClustersCommand({}));
    expect(response.$metadata.attempts).toBe(2);
    const once = await eksFor(WORKLOAD_ACCOUNT, 1);
    sandbox.setFaults([{ service: 'eks', error: { status: 500 } }]);
    const error = await rejectionOf(once.send(new ListClustersCommand({})));
    expect(error.name).toBe('ServerException');
  });

  it('accepts fault rules over HTTP and reports call counts per account, service and operation', async () => {
    const eks = await eksFor(WORKLOAD_ACCOUNT);
    await fetch(`${sandbox.url}/_sandbox/reset-calls`, { method: 'POST' });
    const set = await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify([{ account: WORKLOAD_ACCOUNT, operation: 'ListClusters', accessDenied: true }]),
    });
    expect(set.status).toBe(200);
    await rejectionOf(eks.send(new ListClustersCommand({})));
    await rejectionOf(eks.send(new ListClustersCommand({})));
    const calls = (await (await fetch(`${sandbox.url}/_sandbox/calls`)).json()) as CallCounts;
    expect(calls[WORKLOAD_ACCOUNT]).toEqual({ eks: { ListClusters: 2 } });
    expect(calls.total).toBe(2);
  });

  it('applies faults declared in the scenario file', async () => {
    const scenario = `
identity: { account: "444455556666", user: operator }
accounts: [{ id: "444455556666", alias: solo }]
faults:
  - { service: sts, operation: GetCallerIdentity, accessDenied: true }
`;
    const local = await startSandbox({ scenario });
    try {
      const error = await rejectionOf(
        new STSClient(clientConfig(local, local.credentials)).send(new GetCallerIdentityCommand({})),
      );
      expect(error.name).toBe('AccessDenied');
    } finally {
      await local.close();
    }
  });
});
