/** Where the caller's region came from, for messages. */
export type RegionSource = '--region' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile';

/** The caller's region and where it was found. */
export interface CallerRegion {
  region: string;
  source: RegionSource;
}

/**
 * The region of the caller as the AWS CLI resolves it: `--region`, then `AWS_REGION`, then
 * `AWS_DEFAULT_REGION`, then the `region` of the profile (`--profile`, else `AWS_PROFILE`, else
 * `default`) in the shared config file (`AWS_CONFIG_FILE`, default `~/.aws/config`). Undefined when
 * none is set. Clients that do not collect one particular region (S3 reports and ledgers, SNS,
 * Security Hub) use it.
 *
 * @example await resolveCallerRegion({ profile: 'audit' }) // { region: 'eu-west-1', source: 'profile' }
 */
export async function resolveCallerRegion(
  options: { region?: string; profile?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<CallerRegion | undefined> {
  if (options.region) return { region: options.region, source: '--region' };
  if (env.AWS_REGION) return { region: env.AWS_REGION, source: 'AWS_REGION' };
  if (env.AWS_DEFAULT_REGION) return { region: env.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION' };
  // The SDK's own loader reads the profile's region from the shared config file, as the CLI does.
  // Loaded only here: a run whose region is given, or that needs none, does not load the SDK.
  const { STSClient } = await import('@aws-sdk/client-sts');
  const client = new STSClient(options.profile ? { profile: options.profile } : {});
  try {
    const region = await client.config.region();
    return region ? { region, source: 'profile' } : undefined;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/** The message for a run that needs the caller's region and has none. */
export const NO_CALLER_REGION =
  'no region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or give the profile a region (aws configure set region REGION)';
