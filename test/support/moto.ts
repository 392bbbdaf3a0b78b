import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { createClientFactory } from '../../shared/aws/clients.js';

/**
 * moto (a Python AWS emulator) implements IAM, STS and the EKS cluster APIs independently of this
 * project; it does not implement Pod Identity associations, add-ons or CloudTrail LookupEvents.
 * Tests that use it skip with a message where it is not installed.
 */
export const motoInstalled = spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

/** The suffix of a `describe` title that says why it was skipped. */
export const motoSkipNote = motoInstalled ? '' : ' (skipped: moto_server is not installed)';

/** A running `moto_server` on 127.0.0.1 and a free port. */
export interface MotoServer {
  process: ChildProcess;
  url: string;
}

/** Starts `moto_server` on 127.0.0.1 on a free port; stop it with `server.process.kill()`. */
export async function startMoto(): Promise<MotoServer> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const look = (chunk: Buffer) => {
      const match = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString());
      if (match) resolve(match[1]);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => reject(new Error(`moto_server exited with ${code}`)));
  });
  return { process: child, url };
}

/** The starting identity the tests give moto (any key pair works; these are AWS's documented examples). */
export const MOTO_STARTING_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/** The read-only member role the collectors assume (moto does not check its trust). */
export const MOTO_MEMBER_ROLE = 'EksIdentityAuditReadOnly';

/**
 * The collectors' client factory for moto, and clients in `accountId` through the same assumed
 * session the collectors use, to seed that account.
 */
export async function motoMember(moto: MotoServer, accountId: string, region: string) {
  const factory = createClientFactory({
    region,
    endpointUrl: moto.url,
    credentials: MOTO_STARTING_CREDENTIALS,
    roleName: MOTO_MEMBER_ROLE,
    maxAttempts: 2,
  });
  const session = { region, endpoint: moto.url, credentials: await factory.accountCredentials(accountId) };
  return { factory, iam: new IAMClient(session), eks: new EKSClient(session) };
}
