import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';

/** The demo's fixed "now": every generated date is relative to it. */
export const NOW = new Date('2026-11-29T02:00:00Z');
export const AUDIT_ACCOUNT = '111122223333';
export const WORKLOAD_ACCOUNT = '222233334444';
export const DATA_ACCOUNT = '333344445555';
export const REGION = 'eu-west-1';
export const EXTERNAL_ID = 'eks-identity-audit-demo';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Starts the demo sandbox on a free port with the fixed clock. */
export function startDemo(options: { limits?: boolean } = {}): Promise<SandboxHandle> {
  return startSandbox({ scenario: 'demo', now: () => NOW, limits: options.limits ?? false });
}

/** SDK client settings for the sandbox. */
export function clientConfig(sandbox: SandboxHandle, credentials: Credentials, region = REGION) {
  return { endpoint: sandbox.url, region, credentials, maxAttempts: 1 };
}

/** Assumes the audit read-only role in a member account, as the collectors do. */
export async function memberCredentials(sandbox: SandboxHandle, accountId: string): Promise<Credentials> {
  const sts = new STSClient(clientConfig(sandbox, sandbox.credentials));
  const response = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/EksIdentityAuditReadOnly`,
      RoleSessionName: 'eks-identity-audit',
      ExternalId: EXTERNAL_ID,
    }),
  );
  const credentials = response.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey)
    throw new Error('AssumeRole returned no credentials');
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  };
}

/** Runs a promise that must reject and returns the error for assertions. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
