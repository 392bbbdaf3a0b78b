import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explainAwsFailure } from '../../cli/failures.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { runCli } from '../support/cli.js';
import { useSandboxCredentials } from '../support/sandbox.js';

/** What the SDK and Node say themselves: none of it may reach the user without the fix. */
const RAW_SDK_TEXT = [
  /Could not load credentials from any providers/,
  /connect ECONNREFUSED/,
  /getaddrinfo/,
  /Socket timed out/,
  /Connection timed out after/,
  /request got no answer within/,
  /Request timed out/,
];

function expectNoRawSdkText(stderr: string): void {
  for (const raw of RAW_SDK_TEXT) expect(stderr).not.toMatch(raw);
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

let sandbox: SandboxHandle;
let directory: string;
let restoreEnv: () => void = () => {};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo' });
  directory = await mkdtemp(join(tmpdir(), 'aws-failures-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(directory, { recursive: true, force: true });
});

afterEach(() => {
  restoreEnv();
  sandbox.setFaults([]);
});

/** No credentials anywhere the standard chain looks (no environment keys, no profile, no files). */
function noCredentials(): void {
  const saved = { ...process.env };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    delete process.env[name];
  process.env.AWS_CONFIG_FILE = join(directory, 'no-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(directory, 'no-credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  restoreEnv = () => {
    process.env = saved;
  };
}

describe('AWS failures say the cause and the fix in one line', () => {
  it('a closed port: connection refused, start the endpoint or check --endpoint-url', async () => {
    restoreEnv = useSandboxCredentials(sandbox);
    const port = await closedPort();

    const run = await runCli(
      'collect',
      '--region',
      'eu-west-1',
      '--endpoint-url',
      `http://127.0.0.1:${port}`,
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `error: the starting identity failed, nothing was collected: cannot connect to 127.0.0.1:${port} (connection refused): is the endpoint running? check --endpoint-url (or AWS_ENDPOINT_URL)`,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expectNoRawSdkText(run.stderr);
  });

  it('a host name that does not resolve: DNS, check --endpoint-url for a typo', async () => {
    restoreEnv = useSandboxCredentials(sandbox);

    const run = await runCli(
      'collect',
      '--region',
      'eu-west-1',
      '--endpoint-url',
      'http://nonexistent.invalid:4566',
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'cannot resolve the host name nonexistent.invalid (DNS): check --endpoint-url (or AWS_ENDPOINT_URL) for a typo',
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expectNoRawSdkText(run.stderr);
  });

  it('an endpoint that never answers: gives up after 3 attempts of the request timeout and says what to do', async () => {
    restoreEnv = useSandboxCredentials(sandbox);
    sandbox.setFaults([{ service: 'sts', hang: {} }]);
    sandbox.resetCalls();

    const run = await runCli(
      'collect',
      '--region',
      'eu-west-1',
      '--endpoint-url',
      sandbox.url,
      '--request-timeout',
      '2',
    );

    expect(run.code).toBe(1);
    const host = new URL(sandbox.url).host;
    expect(run.stderr).toContain(
      `error: the starting identity failed, nothing was collected: ${host} did not answer within 2 s, after every attempt: check --endpoint-url (or AWS_ENDPOINT_URL); raise --request-timeout if it is only slow`,
    );
    // Not the eight attempts of a throttled call: a dead endpoint is given up on sooner.
    expect(sandbox.calls().total).toBe(3);
    expectNoRawSdkText(run.stderr);
  });

  it('no credentials, one account: exit 1 before collecting, saying how to provide them', async () => {
    noCredentials();

    const run = await runCli('collect', '--region', 'eu-west-1', '--endpoint-url', sandbox.url);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error: no AWS credentials for live collection: no AWS credentials found (environment, shared config, SSO, instance role): pass --profile NAME or set AWS_PROFILE',
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expectNoRawSdkText(run.stderr);
  });

  it('no credentials, member accounts: one line per account with the cause and the fix', async () => {
    noCredentials();

    const run = await runCli(
      'collect',
      '--region',
      'eu-west-1',
      '--endpoint-url',
      sandbox.url,
      '--accounts',
      '222233334444,333344445555',
      '--role-name',
      'EksIdentityAuditReadOnly',
      '--output',
      join(directory, 'snapshot.json'),
    );

    expect(run.code).toBe(1);
    for (const account of ['222233334444', '333344445555']) {
      expect(run.stderr).toMatch(
        new RegExp(
          `${account}: CredentialsProviderError on sts:AssumeRole — the starting identity has no valid credentials: check --profile`,
        ),
      );
    }
    expectNoRawSdkText(run.stderr);
  });

  it('an s3:// baseline behind a closed port names the endpoint and the fix', async () => {
    restoreEnv = useSandboxCredentials(sandbox);
    const port = await closedPort();

    const run = await runCli(
      'audit',
      '--baseline',
      's3://bucket/baseline.yaml',
      '--region',
      'eu-west-1',
      '--endpoint-url',
      `http://127.0.0.1:${port}`,
      '--max-attempts',
      '1',
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `--baseline s3://bucket/baseline.yaml: cannot read the baseline (cannot connect to 127.0.0.1:${port} (connection refused)`,
    );
    expectNoRawSdkText(run.stderr);
  });
});

describe('explainAwsFailure', () => {
  it('leaves errors it does not know to the caller', () => {
    expect(explainAwsFailure(Object.assign(new Error('denied'), { name: 'AccessDenied' }))).toBeUndefined();
    expect(explainAwsFailure(new Error('plain'))).toBeUndefined();
  });

  it('finds the cause inside a wrapper and names the profile', () => {
    const chainError = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const wrapped = new Error('cannot assume', { cause: chainError });

    expect(explainAwsFailure(wrapped, { profile: 'audit' })).toMatch(
      /^no AWS credentials from profile audit: .*aws sso login --profile audit/,
    );
  });

  it('without an endpoint URL, points at the region and the network path to AWS', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
      code: 'ECONNREFUSED',
      address: '10.0.0.1',
      port: 443,
    });

    expect(explainAwsFailure(refused)).toBe(
      'cannot connect to 10.0.0.1:443 (connection refused): is the endpoint running? check --region, HTTPS_PROXY/NO_PROXY and the network path to AWS',
    );
  });
});
