import { spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { awsCliAvailable, runAwsCli } from './aws-cli.js';

const REGION = 'eu-west-1';

if (!awsCliAvailable())
  console.warn('skipping the aws CLI helper tests: the Python `aws` CLI is not on PATH');

describe.skipIf(!awsCliAvailable())('runAwsCli', () => {
  let sandbox: SandboxHandle;
  let silent: Server;
  let silentUrl: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, scenario: 'demo' });
    // Accepts connections and reads requests, but never answers: a hung endpoint.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    silentUrl = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await sandbox.close();
  });

  it('reads an answer from the in-process sandbox', async () => {
    const { stdout, stderr } = await runAwsCli(['sts', 'get-caller-identity'], {
      endpointUrl: sandbox.url,
      credentials: sandbox.credentials,
      region: REGION,
    });

    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toMatchObject({ Account: sandbox.credentials.accountId });
  });

  it('fails with the read timeout and a hint when the endpoint never answers', async () => {
    const failure = runAwsCli(['sts', 'get-caller-identity'], {
      endpointUrl: silentUrl,
      credentials: sandbox.credentials,
      region: REGION,
      readTimeoutSeconds: 1,
      maxAttempts: 1,
    });

    await expect(failure).rejects.toThrow(/aws sts get-caller-identity .* exited with status \d+/);
    await expect(failure).rejects.toThrow(/no answer within 1 s: is the endpoint's process blocked/);
    await expect(failure).rejects.toThrow(/Read timeout on endpoint URL/);
  });

  it('shows why it is asynchronous: a synchronous spawn cannot be answered by the sandbox in this process', () => {
    const { credentials } = sandbox;

    // Blocks this worker's event loop, so the sandbox cannot answer until the CLI gives up.
    const blocked = spawnSync(
      'aws',
      ['sts', 'get-caller-identity', '--endpoint-url', sandbox.url, '--cli-read-timeout', '1'],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
          AWS_DEFAULT_REGION: REGION,
          AWS_MAX_ATTEMPTS: '1',
          AWS_CONFIG_FILE: '/nonexistent/aws-config',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
        },
      },
    );

    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toContain(`Read timeout on endpoint URL: "${sandbox.url}/"`);
  });
});
