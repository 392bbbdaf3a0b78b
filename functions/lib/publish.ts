import { AuditError } from '../../shared/errors.js';
import {
  type PublishRunResult,
  type PublishSettingsInput,
  unsentSnsMessages,
} from '../../shared/publish/index.js';
import type { FunctionConfig } from './config.js';

/** Publishing did not fully go out (SNS or Security Hub); the reports and run record were stored. */
export class PublishError extends AuditError {
  override name = 'PublishError';
}

/** The publisher's settings from the function configuration (Security Hub `off` disables the import). */
export function publishSettings(
  config: Pick<
    FunctionConfig,
    'bucket' | 'topicArn' | 'summary' | 'alertThreshold' | 'securityHubMode' | 'region'
  > &
    Partial<Pick<FunctionConfig, 'language'>>,
): PublishSettingsInput {
  return {
    ...(config.language ? { language: config.language } : {}),
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

/** Failed findings named in a {@link PublishError} message; the log holds the full list. */
const NAMED_FAILURES = 20;

/** SNS messages and Security Hub findings of a publish that did not go out (the `PublishFailures` metric). */
export function publishFailureCount(result: PublishRunResult): number {
  return unsentSnsMessages(result.sns) + result.securityHub.failed;
}

/**
 * What did not go out, for the error that fails the run: the SNS error, and the Security Hub
 * findings by id with their error codes (the first {@link NAMED_FAILURES}).
 */
export function describePublishFailures(result: PublishRunResult): string {
  const parts: string[] = [];
  const failed = unsentSnsMessages(result.sns);
  if (failed > 0) {
    parts.push(
      `SNS: ${failed} of ${result.sns.messages.length} messages not sent (${result.sns.error ?? 'unknown error'})`,
    );
  }
  const hub = result.securityHub;
  if (hub.failed > 0) {
    const named = hub.failures
      .slice(0, NAMED_FAILURES)
      .map((failure) => `${failure.id} (${failure.code})`)
      .join(', ');
    const more =
      hub.failures.length > NAMED_FAILURES ? ` and ${hub.failures.length - NAMED_FAILURES} more` : '';
    parts.push(`Security Hub: ${hub.failed} findings not imported: ${named}${more}`);
  }
  return parts.join('; ');
}
