import type { PublishSettingsInput } from '../../shared/publish/index.js';
import type { FunctionConfig } from './config.js';

/** Publishing did not fully go out (SNS or Security Hub); the reports and run record were stored. */
export class PublishError extends Error {
  override name = 'PublishError';
}

/** The publisher's settings from the function configuration (Security Hub `off` disables the import). */
export function publishSettings(
  config: Pick<
    FunctionConfig,
    'bucket' | 'topicArn' | 'summary' | 'alertThreshold' | 'securityHubMode' | 'region'
  >,
): PublishSettingsInput {
  return {
    bucket: config.bucket,
    topicArn: config.topicArn,
    summary: config.summary,
    alertThreshold: config.alertThreshold,
    securityHubRegion: config.region,
    ...(config.securityHubMode === 'off'
      ? { enabled: { reports: true, sns: true, securityHub: false } }
      : { securityHubMode: config.securityHubMode }),
  };
}
