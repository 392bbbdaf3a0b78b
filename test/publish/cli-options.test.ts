import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addPublishOptions,
  type PublishOptions,
  publishFromOptions,
  publishSettingsFromOptions,
} from '../../cli/publish-options.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { createClientFactory } from '../../shared/aws/clients.js';
import { InputError } from '../../shared/errors.js';
import { BUCKET, finding, REGION, report, TOPIC_ARN } from './support.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'publish.yaml');

function parse(args: string[]): PublishOptions {
  const command = addPublishOptions(new Command('audit').exitOverride());
  command.parse(args, { from: 'user' });
  return command.opts<PublishOptions>();
}

describe('publishing flags', () => {
  it('does nothing without --publish or --dry-run', () => {
    expect(publishSettingsFromOptions(parse(['--bucket', BUCKET]), REGION)).toBeUndefined();
  });

  it('turns the flags into validated settings with the defaults', () => {
    const settings = publishSettingsFromOptions(
      parse([
        '--publish',
        '--bucket',
        BUCKET,
        '--topic-arn',
        TOPIC_ARN,
        '--alert-threshold',
        'critical',
        '--summary',
        'on-change',
      ]),
      REGION,
    );
    expect(settings).toMatchObject({
      bucket: BUCKET,
      topicArn: TOPIC_ARN,
      summary: 'on-change',
      alertThreshold: 'CRITICAL',
      securityHubMode: 'audit-account',
      securityHubRegion: REGION,
      prefix: 'reports/',
    });
  });

  it('names every invalid flag before anything is sent', () => {
    let error: unknown;
    try {
      publishSettingsFromOptions(
        parse([
          '--publish',
          '--summary',
          'weekly',
          '--alert-threshold',
          'urgent',
          '--securityhub-mode',
          'org',
        ]),
        REGION,
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems).toEqual([
      '--bucket is required to publish (or set EKS_IDENTITY_AUDIT_BUCKET)',
      '--summary "weekly": expected always, on-change or never',
      '--alert-threshold "urgent": expected CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL',
      '--securityhub-mode "org": expected audit-account or member-accounts',
    ]);
  });

  it('names the flag of a malformed topic ARN', () => {
    expect(() =>
      publishSettingsFromOptions(parse(['--publish', '--bucket', BUCKET, '--topic-arn', 'my-topic']), REGION),
    ).toThrow(InputError);
    try {
      publishSettingsFromOptions(parse(['--publish', '--bucket', BUCKET, '--topic-arn', 'my-topic']), REGION);
    } catch (error) {
      expect((error as InputError).problems).toEqual(['--topic-arn: expected an SNS topic ARN']);
    }
  });
});

describe('publishFromOptions against the sandbox', () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, scenario: FIXTURE, limits: false });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => sandbox.loadScenario(FIXTURE));

  const factory = () =>
    createClientFactory({
      region: REGION,
      endpointUrl: sandbox.url,
      credentials: sandbox.credentials,
      maxAttempts: 1,
    });
  const run = report('run-1', [finding({ severity: 'CRITICAL' })]);

  it('prints the plan of a dry run and sends nothing', async () => {
    const lines: string[] = [];
    const outcome = await publishFromOptions(
      parse(['--publish', '--dry-run', '--bucket', BUCKET, '--topic-arn', TOPIC_ARN]),
      {
        report: run,
        factory: factory(),
        print: (line) => lines.push(line),
      },
    );
    expect(outcome.exitCode).toBe(0);
    expect(lines[0]).toMatch(/^dry run: would publish: 1 new, 0 resolved/);
    // Every message and every finding, readable, one line at a time: no line is a JSON blob to cut.
    const headers = lines.filter((line) => line.startsWith('  SNS message '));
    expect(headers).toHaveLength(4);
    expect(headers[0]).toMatch(/^ {2}SNS message 1 of 4 to arn:aws:sns:.*: subject ".+"/);
    expect(lines).toContain('    [default]');
    expect(lines.some((line) => line.includes('EKS workload identity audit'))).toBe(true);
    expect(lines.filter((line) => line.startsWith('  Security Hub finding '))).toEqual([
      expect.stringMatching(/^ {2}Security Hub finding 1 of 1: CRITICAL .+ \(account \d{12}, id .+\)$/),
    ]);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(4096);
    expect(outcome.result?.sns.messages).toHaveLength(4);
    expect(sandbox.snsMessages()).toEqual([]);
    expect(sandbox.s3Object(BUCKET, 'reports/latest.json')).toBeUndefined();
  });

  it('writes the whole plan as JSON to --dry-run-output, and sends nothing', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'dry-run-'));
    const file = join(directory, 'plan.json');
    try {
      const lines: string[] = [];
      const outcome = await publishFromOptions(
        parse(['--dry-run', '--dry-run-output', file, '--bucket', BUCKET, '--topic-arn', TOPIC_ARN]),
        { report: run, factory: factory(), print: (line) => lines.push(line) },
      );

      expect(outcome.exitCode).toBe(0);
      expect(lines.at(-1)).toBe(`  plan written to ${file}`);
      expect(lines.some((line) => line.startsWith('  SNS message '))).toBe(false);
      const plan = JSON.parse(await readFile(file, 'utf8'));
      expect(plan.sns).toHaveLength(4);
      expect(plan.sns[0].Message.default).toContain('EKS workload identity audit');
      expect(plan.securityHub).toHaveLength(1);
      expect(plan.securityHub[0].Severity.Label).toBe('CRITICAL');
      expect(sandbox.snsMessages()).toEqual([]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('refuses --dry-run-output without --dry-run', () => {
    expect(() =>
      publishSettingsFromOptions(
        parse(['--publish', '--dry-run-output', 'plan.json', '--bucket', BUCKET]),
        REGION,
      ),
    ).toThrow('--dry-run-output needs --dry-run');
  });

  it('exits 1 when SNS cannot be reached, after storing the report', async () => {
    sandbox.setFaults([{ service: 'sns', operation: 'Publish', error: { status: 500 } }]);
    const lines: string[] = [];
    const outcome = await publishFromOptions(
      parse(['--publish', '--bucket', BUCKET, '--topic-arn', TOPIC_ARN]),
      {
        report: run,
        factory: factory(),
        print: (line) => lines.push(line),
      },
    );
    expect(outcome.exitCode).toBe(1);
    expect(lines.join('\n')).toContain('SNS: FAILED after retries');
    expect(sandbox.s3Object(BUCKET, 'reports/latest.json')).toBeDefined();
  });
});
