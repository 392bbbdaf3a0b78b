import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { createClientFactory } from '../../shared/aws/clients.js';
import { type PublishSettingsInput, RunRecordSchema } from '../../shared/publish/index.js';
import { BUCKET, REGION, TOPIC_ARN } from './support.js';

/** The publishing scenario: the audit account's bucket, topic and Security Hub, nothing in them. */
export const PUBLISH_FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'publish.yaml');

/** The sandbox's clock in the publishing tests. */
export const SANDBOX_NOW = new Date('2026-11-29T02:00:00Z');

/** Publish settings for the fixture's bucket, topic and Security Hub region. */
export const PUBLISH_SETTINGS: PublishSettingsInput = {
  bucket: BUCKET,
  topicArn: TOPIC_ARN,
  securityHubRegion: REGION,
  summary: 'always',
  alertThreshold: 'HIGH',
};

/**
 * Starts the sandbox with the publishing scenario for a test file (each test starts from the
 * fixture again) and gives what the publishing tests read from it. `limits: false` turns the
 * documented rate limits off.
 */
export function usePublishSandbox(options: { limits?: false } = {}) {
  let started: SandboxHandle | undefined;
  const sandbox = () => {
    if (!started) throw new Error('the sandbox is not started yet');
    return started;
  };
  beforeAll(async () => {
    started = await startSandbox({
      port: 0,
      scenario: PUBLISH_FIXTURE,
      now: () => SANDBOX_NOW,
      ...(options.limits === false ? { limits: false } : {}),
    });
  });
  afterAll(async () => {
    await started?.close();
  });
  beforeEach(() => {
    sandbox().loadScenario(PUBLISH_FIXTURE);
  });
  return {
    sandbox,
    /** Clients into the sandbox without SDK retries: the publishers' own retries and pacing are under test. */
    factory: () =>
      createClientFactory({
        region: REGION,
        endpointUrl: sandbox().url,
        credentials: sandbox().credentials,
        roleName: 'EksIdentityAuditReadOnly',
        maxAttempts: 1,
      }),
    hubFindings: () => sandbox().securityHubFindings() as AwsSecurityFinding[],
    /** `reports/latest.json` as the schema reads it. */
    latestRecord: () => {
      const body = sandbox().s3Object(BUCKET, 'reports/latest.json');
      if (!body) throw new Error('reports/latest.json was not written');
      return RunRecordSchema.parse(JSON.parse(body.toString('utf8')));
    },
  };
}
