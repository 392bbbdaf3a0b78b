import { DEMO_SETTINGS } from '../../cli/demo.js';
import type { SandboxHandle } from '../../sandbox/index.js';

/**
 * Gives the SDK's default credential chain the sandbox's starting identity, as an operator's
 * environment would (and no profile), plus `extra` variables (`undefined` removes one).
 *
 * @returns a function that puts the environment back as it was before the call.
 * @example const restoreEnv = useSandboxCredentials(sandbox, { AWS_REGION: 'eu-west-1' });
 */
export function useSandboxCredentials(
  sandbox: SandboxHandle,
  extra: Record<string, string | undefined> = {},
): () => void {
  const saved = { ...process.env };
  const { accessKeyId, secretAccessKey, sessionToken } = sandbox.credentials;
  const variables: Record<string, string | undefined> = {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_SESSION_TOKEN: sessionToken,
    AWS_PROFILE: undefined,
    ...extra,
  };
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    process.env = saved;
  };
}

/** The live flags that reach the demo organization's member accounts through `sandbox`. */
export function demoLiveFlags(sandbox: SandboxHandle): string[] {
  return [
    '--endpoint-url',
    sandbox.url,
    '--role-name',
    DEMO_SETTINGS.memberRoleName,
    '--external-id',
    DEMO_SETTINGS.externalId,
  ];
}
