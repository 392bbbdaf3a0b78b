import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { importFindingsStep } from '../../functions/import-findings/import.js';
import { logger } from '../../functions/lib/observability.js';
import {
  type PublishSettingsInput,
  publishRun,
  type SecurityHubProgress,
} from '../../shared/publish/index.js';
import { lambdaContext } from '../functions/support.js';
import { useSandboxCredentials } from '../support/sandbox.js';
import { deadlineAfter } from '../support/time.js';
import { PUBLISH_SETTINGS, usePublishSandbox } from './sandbox-support.js';
import {
  AUDIT_ACCOUNT,
  BUCKET,
  CHECK_META,
  completeScopes,
  finding,
  MEMBER_ACCOUNT,
  REGION,
  report,
} from './support.js';

const noWait = async () => {};

logger.setLogLevel('SILENT');

const env = usePublishSandbox();
const { factory, hubFindings, latestRecord } = env;

const settings = PUBLISH_SETTINGS;

const many = (count: number, accountId = MEMBER_ACCOUNT) =>
  Array.from({ length: count }, (_, index) => finding({ name: `role-${index}`, accountId }));

async function publishQueued(
  runId: string,
  findings: ReturnType<typeof finding>[],
  now: string,
  overrides: Partial<PublishSettingsInput> = {},
  scopes = completeScopes(),
) {
  return publishRun({
    report: report(runId, findings, scopes, now),
    checks: CHECK_META,
    factory: factory(),
    settings: { ...settings, ...overrides },
    now: new Date(now),
    sleep: noWait,
    queueSecurityHub: true,
  });
}

/** The ImportFindings loop, each invocation with a deadline `deadlineMs` after it starts (virtual time). */
async function importLoop(queue: SecurityHubProgress['queue'], deadlineMs: number) {
  let progress: SecurityHubProgress = { imported: 0, archived: 0, failed: 0, queue, done: false };
  let invocations = 0;
  while (progress.done !== true) {
    const deadline = deadlineAfter(deadlineMs);
    try {
      progress = await importFindingsStep(progress, {
        factory: factory(),
        deadline: deadline.signal,
        policy: { maxAttempts: 3, baseDelayMs: 100 },
      });
    } finally {
      deadline.cancel();
    }
    invocations += 1;
    if (invocations > 100) throw new Error('the import never finished');
  }
  return { progress, invocations };
}

describe('Security Hub import queued by publishRun, imported by import-findings', () => {
  it('queues instead of importing, then imports every finding over several paced invocations without a throttle', async () => {
    // Act: 4,050 findings (41 calls: past the burst of 30); each invocation may start batches for
    // 1.5 s of (virtual) time.
    const published = await publishQueued('run-1', many(4_050), '2026-11-29T02:05:00Z');
    expect(hubFindings()).toEqual([]);
    expect(published.securityHub.queue).toMatchObject({ bucket: BUCKET, findings: 4_050 });
    expect(published.failed).toBe(false);
    const { progress, invocations } = await importLoop(published.securityHub.queue, 1_500);

    // Assess: 41 calls at 10/s over several invocations, none throttled, every finding active once.
    expect(invocations).toBeGreaterThan(2);
    expect(progress).toMatchObject({
      imported: 4_050,
      archived: 0,
      failed: 0,
      done: true,
      calls: 41,
      invocations,
    });
    const calls = env.sandbox().calls();
    expect(calls[AUDIT_ACCOUNT]?.securityhub?.BatchImportFindings).toBe(41);
    expect(calls.throttled.total).toBe(0);
    const hub = hubFindings();
    expect(hub).toHaveLength(4_050);
    expect(hub.every((item) => item.RecordState === 'ACTIVE' && item.AwsAccountId === AUDIT_ACCOUNT)).toBe(
      true,
    );
    expect(latestRecord().findings.every((item) => item.securityHubImported === true)).toBe(true);
  });

  it('archives a resolved finding through the queue on the next run', async () => {
    const [stays, goes] = many(2);
    const first = await publishQueued('run-1', [stays, goes], '2026-11-29T02:05:00Z');
    await importLoop(first.securityHub.queue, 60_000);
    const second = await publishQueued('run-2', [stays], '2026-11-30T02:05:00Z');
    const { progress } = await importLoop(second.securityHub.queue, 60_000);
    expect(progress).toMatchObject({ imported: 1, archived: 1, failed: 0 });
    const archived = hubFindings().find((item) => item.Id === goes.id);
    expect(archived).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } });
    expect(latestRecord().findings.map((item) => item.id)).toEqual([stays.id]);
  });

  it('loses no archiving when the import never runs: the record carries the resolved finding until a later import archives it, counted resolved once', async () => {
    const [stays, goes] = many(2);
    const first = await publishQueued('run-1', [stays, goes], '2026-11-29T02:05:00Z');
    await importLoop(first.securityHub.queue, 60_000);
    // run-2 queues the archiving of `goes`, and its import never runs (the execution was stopped).
    const second = await publishQueued('run-2', [stays], '2026-11-30T02:05:00Z');
    expect(second.diff.resolved.map((item) => item.id)).toEqual([goes.id]);
    expect(latestRecord().findings.find((item) => item.id === goes.id)).toMatchObject({
      carried: 'archive-pending',
      securityHubImported: true,
    });
    expect(hubFindings().find((item) => item.Id === goes.id)?.RecordState).toBe('ACTIVE');

    // Act: the next night queues it again, and this import runs.
    const third = await publishQueued('run-3', [stays], '2026-12-01T02:05:00Z');
    const { progress } = await importLoop(third.securityHub.queue, 60_000);

    // Assess: archived now, gone from the record, and not announced as resolved a second time.
    expect(third.diff.resolved).toEqual([]);
    expect(third.diff.archivePending.map((item) => item.id)).toEqual([goes.id]);
    expect(progress).toMatchObject({ imported: 1, archived: 1, failed: 0 });
    expect(hubFindings().find((item) => item.Id === goes.id)?.RecordState).toBe('ARCHIVED');
    const record = latestRecord();
    expect(record.findings.map((item) => item.id)).toEqual([stays.id]);
    expect(record.history[0]).toMatchObject({ runId: 'run-3', resolved: 0 });
  });

  it('counts a finding that returns while its archiving is pending as new, first seen again', async () => {
    const [stays, goes] = many(2);
    const first = await publishQueued('run-1', [stays, goes], '2026-11-29T02:05:00Z');
    await importLoop(first.securityHub.queue, 60_000);
    // run-2 queues the archiving of `goes`, and its import never runs.
    await publishQueued('run-2', [stays], '2026-11-30T02:05:00Z');

    // Act: `goes` is back the next night.
    const third = await publishQueued('run-3', [stays, goes], '2026-12-01T02:05:00Z');
    await importLoop(third.securityHub.queue, 60_000);

    // Assess: announced as new, first seen now, and active again in Security Hub (which keeps the
    // CreatedAt of the finding it holds).
    expect(third.diff.new.map((item) => item.id)).toEqual([goes.id]);
    const recorded = latestRecord().findings.find((item) => item.id === goes.id);
    expect(recorded).toMatchObject({ firstSeenAt: '2026-12-01T02:05:00.000Z', securityHubImported: true });
    expect(recorded?.carried).toBeUndefined();
    expect(hubFindings().find((item) => item.Id === goes.id)?.RecordState).toBe('ACTIVE');
  });

  it('stamps the record with the run whose queue holds only an archiving, and an unreadable record does not undo the import', async () => {
    const [goes] = many(1);
    const first = await publishQueued('run-1', [goes], '2026-11-29T02:05:00Z');
    await importLoop(first.securityHub.queue, 60_000);
    const second = await publishQueued('run-2', [], '2026-11-30T02:05:00Z');
    expect(latestRecord().securityHubUpdatedAt).toBe('2026-11-30T02:05:00.000Z');

    // The record is damaged before the import step runs: the archiving still goes through.
    await factory()
      .s3()
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/latest.json', Body: 'not json' }));
    const { progress } = await importLoop(second.securityHub.queue, 60_000);
    expect(progress).toMatchObject({ archived: 1, failed: 0, done: true });
    expect(hubFindings().find((item) => item.Id === goes.id)?.RecordState).toBe('ARCHIVED');
  });

  it('imports into each member account through the member role in member-accounts mode, and fails loudly for one it cannot assume', async () => {
    const stranger = finding({ accountId: '444455556666', name: 'other' });
    const members = many(3);
    const scopes = [...completeScopes(), ...completeScopes('444455556666')];
    const published = await publishQueued(
      'run-1',
      [...members, stranger],
      '2026-11-29T02:05:00Z',
      { securityHubMode: 'member-accounts' },
      scopes,
    );
    await expect(importLoop(published.securityHub.queue, 60_000)).rejects.toThrow(
      `Security Hub: 1 findings not imported (of 4 queued): ${stranger.id} (AssumeRoleError)`,
    );
    const hub = hubFindings();
    expect(hub.map((item) => item.AwsAccountId)).toEqual([MEMBER_ACCOUNT, MEMBER_ACCOUNT, MEMBER_ACCOUNT]);
    // The run record says what Security Hub does not hold, so a later run creates it.
    const record = latestRecord();
    expect(record.findings.find((item) => item.id === stranger.id)?.securityHubImported).toBe(false);
    expect(record.findings.filter((item) => item.securityHubImported === true)).toHaveLength(3);
    expect(record.history[0].publishFailures).toEqual({ sns: 0, securityHub: 1 });
  });

  it('carries a resolved finding whose archiving Security Hub refused as archive-pending, and the run fails after importing the rest', async () => {
    const [stays, goes] = many(2);
    const first = await publishQueued('run-1', [stays, goes], '2026-11-29T02:05:00Z');
    await importLoop(first.securityHub.queue, 60_000);
    // Every finding of the next run's one batch is refused with a permanent error.
    env.sandbox().setFaults([
      {
        service: 'securityhub',
        operation: 'BatchImportFindings',
        failFindings: { every: 1, code: 'InvalidInput' },
      },
    ]);
    const second = await publishQueued('run-2', [stays], '2026-11-30T02:05:00Z');
    await expect(importLoop(second.securityHub.queue, 60_000)).rejects.toThrow(
      /Security Hub: 2 findings not imported/,
    );
    const record = latestRecord();
    expect(record.findings.find((item) => item.id === goes.id)).toMatchObject({ carried: 'archive-pending' });
    // Imported by run-1, so still in Security Hub: its flag stays.
    expect(record.findings.find((item) => item.id === stays.id)?.securityHubImported).toBe(true);
    env.sandbox().setFaults([]);
    const third = await publishQueued('run-3', [stays], '2026-12-01T02:05:00Z');
    const { progress } = await importLoop(third.securityHub.queue, 60_000);
    expect(progress).toMatchObject({ imported: 1, archived: 1, failed: 0 });
    expect(hubFindings().find((item) => item.Id === goes.id)?.RecordState).toBe('ARCHIVED');
  });

  it('through the deployed handler: stops 120 s before the Lambda limit and the next invocation continues from the cursor', async () => {
    // Prepare: the environment the CDK app gives import-findings; 121.5 s left in each invocation.
    const restore = useSandboxCredentials(env.sandbox(), {
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: env.sandbox().url,
      MEMBER_ROLE_NAME: 'EksIdentityAuditReadOnly',
      EXTERNAL_ID: 'unused-in-audit-account-mode',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    try {
      const { handler } = await import('../../functions/import-findings/handler.js');
      const published = await publishQueued('run-1', many(4_050), '2026-11-29T02:05:00Z');
      // What analyze-publish returns as `securityHub`, and the Choice sends to ImportFindings.
      let state: SecurityHubProgress = {
        imported: 0,
        archived: 0,
        failed: 0,
        queue: published.securityHub.queue,
        done: false,
      };
      const perInvocation: number[] = [];

      // Act: the state machine's loop, each invocation with 1.5 s before its deadline signal.
      while (state.done !== true) {
        const before = state.calls ?? 0;
        state = (await handler(state, lambdaContext('import-findings', 121_500))) as SecurityHubProgress;
        perInvocation.push((state.calls ?? 0) - before);
        if (perInvocation.length > 50) throw new Error('the import never finished');
      }

      // Assess: about 15 calls per invocation at 10/s, 41 in all, each finding once, none throttled.
      expect(perInvocation.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...perInvocation)).toBeLessThanOrEqual(17);
      expect(state).toMatchObject({ imported: 4_050, failed: 0, calls: 41, done: true });
      expect(env.sandbox().calls().throttled.total).toBe(0);
      expect(new Set(hubFindings().map((item) => item.Id)).size).toBe(4_050);
    } finally {
      restore();
    }
  });
});
