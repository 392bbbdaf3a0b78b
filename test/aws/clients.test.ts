import { ListClustersCommand } from '@aws-sdk/client-eks';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import {
  AssumeRoleError,
  CALLER_ACCOUNT,
  type ClientFactoryOptions,
  createClientFactory,
} from '../../shared/aws/clients.js';
import {
  getObjectText,
  isNotFound,
  isPreconditionFailed,
  parseS3Uri,
  putObject,
} from '../../shared/aws/s3.js';
import { systemClock, VirtualClock } from '../../shared/clock.js';
import { InputError } from '../../shared/errors.js';
import { latestKey, loadLatest, RunRecordError } from '../../shared/publish/report-store.js';

const WORKLOADS = '222233334444';
const BUCKET = 'eks-identity-audit-demo-111122223333';

/**
 * The factory and the sandbox as production runs them, on the system clock: these tests are about
 * the SDK configuration itself and about real socket timeouts.
 */
const REAL_TIME = { clock: systemClock };

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', ...REAL_TIME });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => {
  sandbox.setFaults([]);
  sandbox.resetCalls();
});

function factory(now?: () => number) {
  return createClientFactory({
    region: 'eu-west-1',
    endpointUrl: sandbox.url,
    credentials: sandbox.credentials,
    roleName: 'EksIdentityAuditReadOnly',
    externalId: 'eks-identity-audit-demo',
    ...(now ? { now } : {}),
    ...REAL_TIME,
  });
}

function assumeRoleCalls(clients: ReturnType<typeof factory>): number {
  return clients.apiCalls().find((entry) => entry.operation === 'AssumeRole')?.count ?? 0;
}

describe('createClientFactory', () => {
  it('hands out one cached client per service, account and region', () => {
    const clients = factory();

    expect(clients.eks(WORKLOADS, 'eu-west-1')).toBe(clients.eks(WORKLOADS, 'eu-west-1'));
    expect(clients.eks(WORKLOADS, 'us-east-1')).not.toBe(clients.eks(WORKLOADS, 'eu-west-1'));
    expect(clients.eks('333344445555', 'eu-west-1')).not.toBe(clients.eks(WORKLOADS, 'eu-west-1'));
    expect(clients.iam(WORKLOADS)).toBe(clients.iam(WORKLOADS));
    expect(clients.s3()).toBe(clients.s3('eu-west-1'));
  });

  it('configures adaptive retry, the endpoint and path-style S3 with checksums only when required', async () => {
    const clients = factory();
    const eks = clients.eks(WORKLOADS, 'eu-west-1');
    const s3 = clients.s3();

    const retry = await eks.config.retryStrategy();
    expect((retry as { mode?: string }).mode).toBe('adaptive');
    expect(await eks.config.maxAttempts()).toBe(8);
    expect(s3.config.forcePathStyle).toBe(true);
    expect(await s3.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await s3.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    const endpoint = await eks.config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe(sandbox.url);
  });

  it('assumes the member role once and reuses the session while it is fresh', async () => {
    const clients = factory();

    const [first, second] = await Promise.all([
      clients.accountCredentials(WORKLOADS),
      clients.accountCredentials(WORKLOADS),
    ]);
    const third = await clients.accountCredentials(WORKLOADS);

    expect(first).toBe(second);
    expect(third).toBe(first);
    expect(assumeRoleCalls(clients)).toBe(1);
    expect(first.expiration).toBeInstanceOf(Date);
  });

  it('assumes the role again when the session is within ten minutes of expiring', async () => {
    let now = Date.now();
    const clients = factory(() => now);
    const first = await clients.accountCredentials(WORKLOADS);
    const expiresAt = first.expiration?.getTime() ?? 0;

    now = expiresAt - 11 * 60 * 1000;
    await clients.accountCredentials(WORKLOADS);
    expect(assumeRoleCalls(clients)).toBe(1);

    now = expiresAt - 9 * 60 * 1000;
    const refreshed = await clients.accountCredentials(WORKLOADS);
    expect(assumeRoleCalls(clients)).toBe(2);
    expect(refreshed).not.toBe(first);
  });

  it('signs member-account calls with the assumed session, so they act in that account', async () => {
    const clients = factory();

    const listed = await clients.eks(WORKLOADS, 'eu-west-1').send(new ListClustersCommand({}));

    expect(listed.clusters).toEqual(['prod-blue', 'prod-green', 'staging']);
    expect(sandbox.calls()[WORKLOADS].eks.ListClusters).toBe(1);
  });

  it('reports a refused AssumeRole as AssumeRoleError with the STS error as cause, and does not cache it', async () => {
    const clients = createClientFactory({
      region: 'eu-west-1',
      endpointUrl: sandbox.url,
      credentials: sandbox.credentials,
      roleName: 'EksIdentityAuditReadOnly',
      externalId: 'wrong',
      ...REAL_TIME,
    });

    const failure = await clients.accountCredentials(WORKLOADS).catch((error: unknown) => error);
    await clients.accountCredentials(WORKLOADS).catch(() => undefined);

    expect(failure).toBeInstanceOf(AssumeRoleError);
    expect((failure as AssumeRoleError).roleArn).toBe(
      'arn:aws:iam::222233334444:role/EksIdentityAuditReadOnly',
    );
    expect(((failure as AssumeRoleError).cause as Error).name).toBe('AccessDenied');
    expect(assumeRoleCalls(clients)).toBe(2);
  });

  it('counts every attempt, retries included, and tells the onApiCall hook', async () => {
    const seen: string[] = [];
    sandbox.setFaults([
      {
        account: WORKLOADS,
        service: 'eks',
        operation: 'ListClusters',
        error: { status: 503, firstCalls: 1 },
      },
    ]);
    const clients = createClientFactory({
      region: 'eu-west-1',
      endpointUrl: sandbox.url,
      credentials: sandbox.credentials,
      roleName: 'EksIdentityAuditReadOnly',
      externalId: 'eks-identity-audit-demo',
      onApiCall: (account, service, operation) => seen.push(`${account} ${service}:${operation}`),
      ...REAL_TIME,
    });

    await clients.eks(WORKLOADS, 'eu-west-1').send(new ListClustersCommand({}));

    expect(seen).toEqual([
      `${CALLER_ACCOUNT} sts:AssumeRole`,
      `${WORKLOADS} eks:ListClusters`,
      `${WORKLOADS} eks:ListClusters`,
    ]);
    expect(clients.apiCallCount()).toBe(3);
  });

  it('gives up on a response that does not come within the request timeout', async () => {
    sandbox.setFaults([{ account: WORKLOADS, service: 'eks', operation: 'ListClusters', latencyMs: 5_000 }]);
    const clients = createClientFactory({
      region: 'eu-west-1',
      endpointUrl: sandbox.url,
      credentials: sandbox.credentials,
      roleName: 'EksIdentityAuditReadOnly',
      externalId: 'eks-identity-audit-demo',
      requestTimeoutMs: 200,
      maxAttempts: 1,
      ...REAL_TIME,
    });

    const failure = await clients
      .eks(WORKLOADS, 'eu-west-1')
      .send(new ListClustersCommand({}))
      .catch((error: unknown) => error);

    expect((failure as Error).name).toBe('TimeoutError');
  });

  it('uses the starting identity directly when no role name is given', async () => {
    const clients = createClientFactory({
      region: 'eu-west-1',
      endpointUrl: sandbox.url,
      credentials: sandbox.credentials,
      ...REAL_TIME,
    });

    const caller = await clients.callerIdentity();
    const credentials = await clients.accountCredentials(caller.accountId);

    expect(caller).toEqual({ accountId: '111122223333', arn: sandbox.credentials.principalArn });
    expect(credentials.accessKeyId).toBe(sandbox.credentials.accessKeyId);
    expect(assumeRoleCalls(clients)).toBe(0);
  });
});

describe('createClientFactory on a virtual clock', () => {
  /** A sandbox and a factory sharing one virtual clock. */
  async function onVirtualTime(overrides: Partial<ClientFactoryOptions> = {}) {
    const clock = new VirtualClock();
    const local = await startSandbox({ port: 0, scenario: 'demo', limits: false, clock });
    const clients = createClientFactory({
      region: 'eu-west-1',
      endpointUrl: local.url,
      credentials: local.credentials,
      roleName: 'EksIdentityAuditReadOnly',
      externalId: 'eks-identity-audit-demo',
      clock,
      ...overrides,
    });
    return { clock, local, clients };
  }

  it('keeps the adaptive mode, the attempts and the retry decisions, and backs off on the clock', async () => {
    // Prepare: the first three ListClusters calls are throttled.
    const { clock, local, clients } = await onVirtualTime();
    try {
      local.setFaults([
        { account: WORKLOADS, service: 'eks', operation: 'ListClusters', throttle: { firstCalls: 3 } },
      ]);
      const eks = clients.eks(WORKLOADS, 'eu-west-1');

      // Act
      const listed = await eks.send(new ListClustersCommand({}));

      // Assess: three throttled attempts, then the answer, after backoff that passed on the clock.
      expect(((await eks.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
      expect(await eks.config.maxAttempts()).toBe(8);
      expect(listed.$metadata.attempts).toBe(4);
      expect(local.calls().throttled.total).toBe(3);
      expect(clock.now()).toBeGreaterThan(0);
    } finally {
      await local.close();
    }
  });

  it('paces later calls after a throttle, as adaptive mode does, on the clock', async () => {
    // Prepare: the first ListClusters is throttled; nothing else is.
    const { clock, local, clients } = await onVirtualTime();
    try {
      await clients.accountCredentials(WORKLOADS);
      local.setFaults([
        { account: WORKLOADS, service: 'eks', operation: 'ListClusters', throttle: { firstCalls: 1 } },
      ]);
      const eks = clients.eks(WORKLOADS, 'eu-west-1');
      await eks.send(new ListClustersCommand({}));
      const afterThrottle = clock.now();

      // Act: five more calls the sandbox would answer at once.
      for (let call = 0; call < 5; call += 1) await eks.send(new ListClustersCommand({}));

      // Assess: the client-side rate limiter, enabled by the throttle, spaced them out on the clock
      // (without it they would take no time at all).
      expect(local.calls().throttled.total).toBe(1);
      expect(clock.now() - afterThrottle).toBeGreaterThan(500);
    } finally {
      await local.close();
    }
  });

  it('stands still while a request is out, so injected latency is all the time a call takes', async () => {
    // Prepare: 5 s of latency, within the default 30 s request timeout, on the virtual clock.
    const { clock, local, clients } = await onVirtualTime();
    try {
      await clients.accountCredentials(WORKLOADS);
      local.setFaults([{ account: WORKLOADS, service: 'eks', operation: 'ListClusters', latencyMs: 5_000 }]);
      const before = clock.now();

      // Act
      const listed = await clients.eks(WORKLOADS, 'eu-west-1').send(new ListClustersCommand({}));

      // Assess: answered, exactly the latency later on the clock.
      expect(listed.clusters).toEqual(['prod-blue', 'prod-green', 'staging']);
      expect(clock.now() - before).toBe(5_000);
    } finally {
      await local.close();
    }
  });

  it('stands still until a streaming body read after the call has ended, however many turns the reading takes', async () => {
    // Prepare: a 4 MiB object, and a sleeper 100 ms ahead that must not wake while the body is read.
    const { clock, local, clients } = await onVirtualTime();
    try {
      const s3 = clients.s3();
      const body = 'x'.repeat(4 * 1024 * 1024);
      await putObject(s3, { bucket: BUCKET, key: 'runs/big.txt', body, contentType: 'text/plain' });
      const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'runs/big.txt' }));
      const sleeper = clock.sleep(100);

      // Act: read the body a chunk at a time, with idle event-loop turns after each chunk (as a
      // consumer that parses as it reads would leave), noting the time each chunk came at.
      let read = 0;
      const times = new Set<number>();
      for await (const chunk of response.Body as AsyncIterable<Buffer>) {
        read += chunk.length;
        times.add(clock.now());
        for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      }

      // Assess: every chunk came while the clock stood still; once the body ended, time moves on.
      expect(read).toBe(body.length);
      expect([...times]).toEqual([0]);
      await sleeper;
      expect(clock.now()).toBe(100);
    } finally {
      await local.close();
    }
  });

  it('moves on once a reader gives up on a body part-way (a run record that is not JSON)', async () => {
    // Prepare: a 4 MiB latest.json whose first finding is not JSON, so the reader stops there.
    const { clock, local, clients } = await onVirtualTime();
    try {
      const location = { bucket: BUCKET, prefix: 'reports/' };
      const body = `{"recordVersion":1,"findings":[\nnot json,\n${'{"id":"x"},\n'.repeat(400_000)}]}\n`;
      await putObject(clients.s3(), {
        bucket: BUCKET,
        key: latestKey(location),
        body,
        contentType: 'application/json',
      });

      // Act
      await expect(loadLatest(clients.s3(), location)).rejects.toThrow(RunRecordError);
      const moved = clock.sleep(100).then(() => 'moved');
      const stuck = new Promise((resolve) => setTimeout(() => resolve('stuck'), 2_000).unref());

      // Assess: the unread rest of the body does not hold the clock.
      expect(await Promise.race([moved, stuck])).toBe('moved');
    } finally {
      await local.close();
    }
  });

  it('gives up on a response that does not come within the request timeout on the clock', async () => {
    // Prepare: 5 s of latency against a 200 ms request timeout, one attempt.
    const { clock, local, clients } = await onVirtualTime({ requestTimeoutMs: 200, maxAttempts: 1 });
    try {
      await clients.accountCredentials(WORKLOADS);
      local.setFaults([{ account: WORKLOADS, service: 'eks', operation: 'ListClusters', latencyMs: 5_000 }]);
      const before = clock.now();

      // Act
      const failure = await clients
        .eks(WORKLOADS, 'eu-west-1')
        .send(new ListClustersCommand({}))
        .catch((error: unknown) => error);

      // Assess: the same TimeoutError as on the wall clock, when the timeout passed on the clock.
      expect((failure as Error).name).toBe('TimeoutError');
      expect(clock.now() - before).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('times out a request the server never answers, and the retry gets the answer', async () => {
    // Prepare: the first ListClusters hangs; the 1 s request timeout runs on the clock.
    const { clock, local, clients } = await onVirtualTime({ requestTimeoutMs: 1_000 });
    try {
      await clients.accountCredentials(WORKLOADS);
      local.setFaults([
        { account: WORKLOADS, service: 'eks', operation: 'ListClusters', hang: { firstCalls: 1 } },
      ]);
      const before = clock.now();

      // Act
      const listed = await clients.eks(WORKLOADS, 'eu-west-1').send(new ListClustersCommand({}));

      // Assess
      expect(listed.$metadata.attempts).toBe(2);
      expect(clock.now() - before).toBeGreaterThanOrEqual(1_000);
    } finally {
      await local.close();
    }
  });
});

describe('S3 helpers', () => {
  it('parses s3:// URIs and rejects anything else', () => {
    expect(parseS3Uri('s3://audit-config/baselines/prod.yaml')).toEqual({
      bucket: 'audit-config',
      key: 'baselines/prod.yaml',
    });
    expect(() => parseS3Uri('s3://audit-config')).toThrow(InputError);
    expect(() => parseS3Uri('https://audit-config.s3.amazonaws.com/x')).toThrow(InputError);
  });

  it('reads an object with its ETag and version id', async () => {
    const s3 = factory().s3();

    const read = await getObjectText(s3, `s3://${BUCKET}/baseline.yaml`);

    expect(read.text).toContain('version: 1');
    expect(read.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(read.versionId).toBeTruthy();
  });

  it('writes conditionally and tells a lost race from other failures', async () => {
    const s3 = factory().s3();
    const key = `state/${Date.now()}.json`;

    const created = await putObject(s3, {
      bucket: BUCKET,
      key,
      body: '{"run":1}',
      contentType: 'application/json',
      ifNoneMatch: '*',
    });
    const secondCreate = await putObject(s3, {
      bucket: BUCKET,
      key,
      body: '{"run":2}',
      contentType: 'application/json',
      ifNoneMatch: '*',
    }).catch((error: unknown) => error);
    const staleUpdate = await putObject(s3, {
      bucket: BUCKET,
      key,
      body: '{"run":3}',
      contentType: 'application/json',
      ifMatch: '"0123456789abcdef0123456789abcdef"',
    }).catch((error: unknown) => error);
    const update = await putObject(s3, {
      bucket: BUCKET,
      key,
      body: '{"run":4}',
      contentType: 'application/json',
      ifMatch: created.etag,
    });
    const missing = await getObjectText(s3, { bucket: BUCKET, key: 'no/such/key' }).catch(
      (error: unknown) => error,
    );

    expect(isPreconditionFailed(secondCreate)).toBe(true);
    expect(isPreconditionFailed(staleUpdate)).toBe(true);
    expect(update.etag).not.toBe(created.etag);
    expect((await getObjectText(s3, { bucket: BUCKET, key })).text).toBe('{"run":4}');
    expect(isNotFound(missing)).toBe(true);
    expect(isPreconditionFailed(missing)).toBe(false);
  });

  it("follows a bucket's region redirect, as the AWS CLI does, and reads a missing bucket as an error", async () => {
    const elsewhere = createClientFactory({
      region: 'us-east-1',
      endpointUrl: sandbox.url,
      credentials: sandbox.credentials,
    });

    const read = await getObjectText(elsewhere.s3(), `s3://${BUCKET}/baseline.yaml`);
    const noBucket = await getObjectText(elsewhere.s3(), 's3://no-such-audit-bucket/latest.json').catch(
      (error: unknown) => error,
    );

    expect(read.text).toContain('version: 1');
    // The redirect costs one more call: the bucket (eu-west-1) answered 301 to the us-east-1 request.
    expect(elsewhere.apiCalls()).toEqual([
      { account: CALLER_ACCOUNT, service: 's3', operation: 'GetObject', count: 3 },
    ]);
    expect(isNotFound(noBucket)).toBe(false);
  });
});

describe('createClientFactoryFor', () => {
  it('builds only the service clients it was given, and says which one is missing', async () => {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const { createClientFactoryFor, ServiceNotConfiguredError } = await import('../../shared/aws/factory.js');
    const factory = createClientFactoryFor(
      { s3: S3Client },
      { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
    );
    expect(factory.s3()).toBeInstanceOf(S3Client);
    expect(factory.sts()).toBeDefined();
    expect(() => factory.eks('111122223333', 'eu-west-1')).toThrow(ServiceNotConfiguredError);
    expect(() => factory.securityHub()).toThrow(/without the securityhub client/);
  });
});
