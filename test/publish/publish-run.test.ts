import { type AwsSecurityFinding, GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/model/finding.js';
import { toAsff } from '../../shared/publish/asff.js';
import { diffRuns } from '../../shared/publish/diff.js';
import {
  type PublishSettingsInput,
  publishRun,
  STORED_REPORT_LISTED_FINDINGS,
  validateAsff,
} from '../../shared/publish/index.js';
import { loadLatest, REPORT_PART_BYTES, runKeys, writeLatest } from '../../shared/publish/report-store.js';
import { importFindings, type PlannedImport } from '../../shared/publish/securityhub.js';
import { buildNotifications, publishNotifications } from '../../shared/publish/sns.js';
import { renderJson } from '../../shared/report/json.js';
import { renderMarkdown } from '../../shared/report/markdown.js';
import type { Report } from '../../shared/report/types.js';
import { awsCliAvailable, runAwsCli } from '../support/aws-cli.js';
import { ChatNotificationSchema, CompactSchema, StructuredSchema } from './chat-schema.js';
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
  TOPIC_ARN,
  withIncomplete,
} from './support.js';

const noWait = async () => {};

const env = usePublishSandbox({ limits: false });
const { factory, hubFindings, latestRecord } = env;

const settings = PUBLISH_SETTINGS;

async function publish(
  run: Report,
  now: string,
  overrides: Partial<PublishSettingsInput> = {},
  dryRun = false,
) {
  return publishRun({
    report: run,
    checks: CHECK_META,
    factory: factory(),
    settings: { ...settings, ...overrides },
    now: new Date(now),
    dryRun,
    sleep: noWait,
  });
}

function hubFinding(id: string): AwsSecurityFinding | undefined {
  return hubFindings().find((item) => item.Id === id);
}

function publishCalls(): number {
  return env.sandbox().calls()[AUDIT_ACCOUNT]?.sns?.Publish ?? 0;
}

const stays = finding({ name: 'payments-api' });
const goes = finding({ name: 'orders-worker', severity: 'MEDIUM' });
const arrives = finding({ checkId: 'PI_TRUST_UNSCOPED', name: 'job-runner', severity: 'CRITICAL' });

/** Publishes run-0 and reads its record back, as a run starting after it would. */
async function firstRunRecord() {
  const s3 = factory().s3();
  const location = { bucket: BUCKET, prefix: 'reports/' };
  await publish(report('run-0', [stays], completeScopes(), '2026-11-27T02:05:00Z'), '2026-11-27T02:05:00Z');
  const seen = await loadLatest(s3, location);
  if (!seen.record) throw new Error('run-0 wrote no record');
  return { s3, location, seen, base: seen.record };
}

describe('publishRun against the sandbox', () => {
  it('stores the reports, computes new, resolved and still open from latest.json, and publishes both runs', async () => {
    // Prepare / Act
    const first = await publish(
      report('run-1', [stays, goes], completeScopes(), '2026-11-28T02:05:00Z'),
      '2026-11-28T02:05:00Z',
    );
    const second = await publish(report('run-2', [stays, arrives]), '2026-11-29T02:05:00Z');
    // Assess: run history and reports
    expect(first.failed).toBe(false);
    expect(second.failed).toBe(false);
    expect(second.previousRunId).toBe('run-1');
    expect(second.diff.new.map((item) => item.id)).toEqual([arrives.id]);
    expect(second.diff.resolved.map((item) => item.id)).toEqual([goes.id]);
    expect(second.diff.stillOpen.map((item) => item.id)).toEqual([stays.id]);
    const keys = runKeys(
      { bucket: BUCKET, prefix: 'reports/' },
      { runId: 'run-2', finishedAt: '2026-11-29T02:05:00Z' },
    );
    expect(keys.html).toBe('reports/2026/11/29/run-2.html');
    expect(second.reportUris?.html).toBe(`s3://${BUCKET}/reports/2026/11/29/run-2.html`);
    expect(JSON.parse(env.sandbox().s3Object(BUCKET, keys.json)?.toString() ?? '{}').runId).toBe('run-2');
    expect(env.sandbox().s3Object(BUCKET, keys.markdown)?.toString()).toContain(
      'EKS workload identity audit',
    );
    expect(env.sandbox().s3Object(BUCKET, keys.html)?.toString()).toContain('<html');
    expect(second.links?.consoleUrl).toBe(
      `https://${REGION}.console.aws.amazon.com/s3/object/${BUCKET}?region=${REGION}&prefix=reports%2F2026%2F11%2F29%2Frun-2.html`,
    );
    const record = latestRecord();
    expect(record.runId).toBe('run-2');
    expect(record.history.map((entry) => entry.runId)).toEqual(['run-2', 'run-1']);
    expect(record.findings.find((item) => item.id === stays.id)?.firstSeenAt).toBe(
      '2026-11-28T02:05:00.000Z',
    );

    // Assess: SNS messages as delivered to the topic
    const messages = env.sandbox().snsMessages().slice(-4);
    const kinds = messages.map(
      (message) =>
        `${message.attributes.kind.stringValue}/${message.attributes.notificationType.stringValue}`,
    );
    expect(kinds).toEqual(['summary/summary', 'chat/summary', 'alert/alert', 'chat/alert']);
    for (const message of messages) {
      expect(message.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
      if (message.messageStructure === 'json') {
        const bodies = StructuredSchema.parse(JSON.parse(message.message));
        CompactSchema.parse(JSON.parse(bodies.https));
        CompactSchema.parse(JSON.parse(bodies.lambda));
        expect(bodies.email).toContain(second.links?.s3Uri);
      } else {
        ChatNotificationSchema.parse(JSON.parse(message.message));
      }
    }

    // Assess: Security Hub lifecycle
    expect(second.securityHub).toMatchObject({ imported: 2, archived: 1, failed: 0 });
    expect(hubFinding(stays.id)).toMatchObject({
      RecordState: 'ACTIVE',
      CreatedAt: '2026-11-28T02:05:00.000Z',
      UpdatedAt: '2026-11-29T02:05:00.000Z',
      AwsAccountId: AUDIT_ACCOUNT,
    });
    expect(hubFinding(goes.id)).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } });
    expect(hubFinding(arrives.id)).toMatchObject({ RecordState: 'ACTIVE', Compliance: { Status: 'FAILED' } });
  });

  it('draws the trend of the stored runs in the HTML report, with new and resolved by severity, in the chosen language', async () => {
    // Prepare / Act
    await publish(
      report('run-1', [stays, goes], completeScopes(), '2026-11-28T02:05:00Z'),
      '2026-11-28T02:05:00Z',
    );
    await publish(report('run-2', [stays, arrives]), '2026-11-29T02:05:00Z', { language: 'ja' });
    // Assess
    const record = latestRecord();
    expect(record.history[0]).toMatchObject({
      runId: 'run-2',
      newBySeverity: { [arrives.severity]: 1 },
      resolvedBySeverity: { [goes.severity]: 1 },
    });
    const keys = runKeys(
      { bucket: BUCKET, prefix: 'reports/' },
      { runId: 'run-2', finishedAt: '2026-11-29T02:05:00Z' },
    );
    const html = env.sandbox().s3Object(BUCKET, keys.html)?.toString() ?? '';
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('<svg id="trend-open"');
    expect(html).toContain('run-1');
    expect(env.sandbox().s3Object(BUCKET, keys.markdown)?.toString()).toBeDefined();
    const email = env
      .sandbox()
      .snsMessages()
      .filter((message) => message.messageStructure === 'json')
      .map((message) => StructuredSchema.parse(JSON.parse(message.message)).email)
      .at(-1);
    expect(email).toContain('前回の実行からの変化');
  });

  it('shows valid ASFF through GetFindings', async () => {
    await publish(report('run-1', [stays, arrives]), '2026-11-29T02:05:00Z');
    const client = factory().securityHub(undefined, REGION);
    const response = await client.send(
      new GetFindingsCommand({
        Filters: { GeneratorId: [{ Value: 'PI_TRUST_UNSCOPED', Comparison: 'EQUALS' }] },
      }),
    );
    expect(response.Findings).toHaveLength(1);
    const [found] = response.Findings ?? [];
    expect(validateAsff(found)).toEqual([]);
    expect(found.Resources?.[0].Details?.Other?.memberAccountId).toBe(MEMBER_ACCOUNT);
  });

  it('archives a finding resolved in a complete scope, but not one whose scope was incomplete', async () => {
    await publish(report('run-1', [stays, goes]), '2026-11-27T02:05:00Z');
    // Run 2 could not read the cluster: both findings vanish, neither is resolved.
    const blind = await publish(
      report('run-2', [], withIncomplete(completeScopes(), 'cluster')),
      '2026-11-28T02:05:00Z',
    );
    expect(blind.diff.resolved).toEqual([]);
    expect(blind.diff.unknown.map((item) => item.id).sort()).toEqual([goes.id, stays.id].sort());
    expect(blind.securityHub.archived).toBe(0);
    expect(hubFinding(goes.id)?.RecordState).toBe('ACTIVE');
    expect(latestRecord().findings.filter((item) => item.carried === 'unknown')).toHaveLength(2);
    // Run 3 reads everything again: only the finding still present stays active.
    const clear = await publish(report('run-3', [stays]), '2026-11-29T02:05:00Z');
    expect(clear.diff.resolved.map((item) => item.id)).toEqual([goes.id]);
    expect(hubFinding(goes.id)).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } });
    expect(hubFinding(stays.id)?.RecordState).toBe('ACTIVE');
  });

  it('neither resolves nor archives a finding this run withheld as undecided, though its scopes were complete', async () => {
    // Prepare: run 1 reports both findings.
    await publish(report('run-1', [stays, goes]), '2026-11-27T02:05:00Z');
    // Act: run 2 reads every scope, but withheld `goes` (its claim met a doubt, e.g. a later RoleLastUsed).
    const doubtful = await publishRun({
      report: report('run-2', [stays]),
      checks: CHECK_META,
      factory: factory(),
      settings,
      now: new Date('2026-11-28T02:05:00Z'),
      sleep: noWait,
      undecided: [goes.id],
    });
    // Assess
    expect(doubtful.diff.resolved).toEqual([]);
    expect(doubtful.diff.unknown.map((item) => item.id)).toEqual([goes.id]);
    expect(hubFinding(goes.id)?.RecordState).toBe('ACTIVE');
  });

  it('records the Security Hub region in latest.json; a run importing elsewhere archives nothing it cannot see, and says so', async () => {
    // Prepare: the first run imports into us-east-1.
    await publish(report('run-1', [stays, goes]), '2026-11-27T02:05:00Z');
    expect(latestRecord().securityHubRegion).toBe(REGION);

    // Act: the next run imports into eu-west-1; `goes` is resolved, but its copy is in us-east-1.
    const moved = await publish(report('run-2', [stays]), '2026-11-28T02:05:00Z', {
      securityHubRegion: 'eu-west-1',
    });

    // Assess
    expect(moved.diff.resolved.map((item) => item.id)).toEqual([goes.id]);
    expect(moved.securityHub).toMatchObject({
      archived: 0,
      imported: 1,
      region: 'eu-west-1',
      otherRegion: { region: REGION, findings: 2 },
    });
    const inRegion = (region: string) => hubFindings().filter((item) => item.Region === region);
    expect(
      inRegion(REGION)
        .map((item) => [item.Id, item.RecordState])
        .sort(),
    ).toEqual(
      [
        [goes.id, 'ACTIVE'],
        [stays.id, 'ACTIVE'],
      ].sort(),
    );
    expect(inRegion('eu-west-1').map((item) => item.Id)).toEqual([stays.id]);
    const record = latestRecord();
    expect(record.securityHubRegion).toBe('eu-west-1');
    expect(record.history[0].securityHubRegion).toBe('eu-west-1');
    // Nothing is left pending an archive this region could never make.
    expect(record.findings.map((item) => [item.id, item.carried])).toEqual([[stays.id, undefined]]);
  });

  it('near miss: a run importing into the same region archives what was resolved', async () => {
    await publish(report('run-1', [stays, goes]), '2026-11-27T02:05:00Z');
    const same = await publish(report('run-2', [stays]), '2026-11-28T02:05:00Z');
    expect(same.securityHub).toMatchObject({ archived: 1, region: REGION });
    expect(same.securityHub.otherRegion).toBeUndefined();
    expect(hubFinding(goes.id)?.RecordState).toBe('ARCHIVED');
  });

  it('does not create a new finding in an incomplete scope, except the scope report itself', async () => {
    const incomplete = finding({
      checkId: 'COLLECTION_INCOMPLETE',
      severity: 'MEDIUM',
      resource: { type: 'Scope', id: `account/${MEMBER_ACCOUNT}/region/${REGION}/cluster/prod-blue` },
    });
    const result = await publish(
      report('run-1', [arrives, incomplete], withIncomplete(completeScopes(), 'cluster')),
      '2026-11-29T02:05:00Z',
    );
    expect(result.securityHub.deferred).toBe(1);
    expect(hubFinding(arrives.id)).toBeUndefined();
    expect(hubFinding(incomplete.id)?.RecordState).toBe('ACTIVE');
  });

  it('archives a suppressed finding with the exception reason', async () => {
    await publish(report('run-1', [stays]), '2026-11-28T02:05:00Z');
    const suppressed: Finding = {
      ...stays,
      suppressed: true,
      suppressionReason: 'provider SA names change per revision',
    };
    const result = await publish(report('run-2', [suppressed]), '2026-11-29T02:05:00Z');
    expect(result.diff.suppressed.map((item) => item.id)).toEqual([stays.id]);
    expect(hubFinding(stays.id)).toMatchObject({
      RecordState: 'ARCHIVED',
      ProductFields: { 'eksIdentityAudit/SuppressionReason': 'provider SA names change per revision' },
    });
  });

  it('retries SNS server errors and still publishes every message', async () => {
    env
      .sandbox()
      .setFaults([{ service: 'sns', operation: 'Publish', error: { status: 500, firstCalls: 3 } }]);
    const result = await publish(report('run-1', [arrives]), '2026-11-29T02:05:00Z');
    expect(result.sns.published).toBe(true);
    expect(result.sns.messageIds).toHaveLength(4);
    expect(publishCalls()).toBe(4 + 3);
    expect(result.failed).toBe(false);
  });

  it('retries SNS throttling', async () => {
    // A client in standard retry mode: the factory's adaptive mode would only slow the test down.
    env.sandbox().setFaults([{ service: 'sns', operation: 'Publish', throttle: { firstCalls: 3 } }]);
    const sns = new SNSClient({
      endpoint: env.sandbox().url,
      region: REGION,
      credentials: env.sandbox().credentials,
      maxAttempts: 1,
    });
    const messages = buildNotifications({
      report: report('run-1', [arrives]),
      diff: diffRuns(undefined, [arrives], completeScopes()),
      topicArn: TOPIC_ARN,
      summary: 'always',
      alertThreshold: 'HIGH',
    });
    const result = await publishNotifications(sns, messages, {
      maxAttempts: 4,
      baseDelayMs: 1,
      sleep: noWait,
    });
    expect(result).toMatchObject({ published: true, failed: 0 });
    expect(env.sandbox().snsMessages()).toHaveLength(messages.length);
    expect(publishCalls()).toBe(messages.length + 3);
  });

  it('stores the report and reports the failure when SNS keeps failing', async () => {
    env
      .sandbox()
      .setFaults([
        { service: 'sns', operation: 'Publish', error: { status: 503, code: 'ServiceUnavailable' } },
      ]);
    const result = await publish(report('run-1', [arrives]), '2026-11-29T02:05:00Z');
    expect(result.sns.published).toBe(false);
    expect(result.sns.error).toMatch(/ServiceUnavailable|503/);
    expect(result.failed).toBe(true);
    expect(env.sandbox().snsMessages()).toEqual([]);
    expect(env.sandbox().s3Object(BUCKET, 'reports/2026/11/29/run-1.html')).toBeDefined();
    expect(latestRecord().runId).toBe('run-1');
    expect(hubFinding(arrives.id)?.RecordState).toBe('ACTIVE');
  });

  it('loses no finding to Security Hub throttling', async () => {
    env
      .sandbox()
      .setFaults([{ service: 'securityhub', operation: 'BatchImportFindings', throttle: { firstCalls: 2 } }]);
    const many = Array.from({ length: 250 }, (_, index) => finding({ name: `role-${index}` }));
    const result = await publish(report('run-1', many), '2026-11-29T02:05:00Z');
    expect(result.securityHub).toMatchObject({ imported: 250, failed: 0 });
    expect(hubFindings()).toHaveLength(250);
  });

  it('imports the valid findings of a batch and counts the one Security Hub refuses', async () => {
    // Prepare: three valid findings and one naming another account (Security Hub refuses it).
    const client = factory().securityHub(undefined, REGION);
    const plan: PlannedImport[] = [stays, goes, arrives].map((item) => ({
      accountId: AUDIT_ACCOUNT,
      state: 'active',
      finding: toAsff(item, {
        awsAccountId: AUDIT_ACCOUNT,
        region: REGION,
        runId: 'run-1',
        createdAt: '2026-11-29T02:05:00.000Z',
        updatedAt: '2026-11-29T02:05:00.000Z',
        state: 'active',
      }),
    }));
    const wrongAccount = {
      ...plan[0],
      finding: { ...plan[0].finding, Id: 'wrong-account', AwsAccountId: MEMBER_ACCOUNT },
    };
    // Act
    const result = await importFindings([...plan, wrongAccount], () => client, {
      maxAttempts: 3,
      baseDelayMs: 1,
      sleep: noWait,
    });
    // Assess
    expect(result.imported).toBe(3);
    expect(result.failed).toBe(1);
    expect(result.failures).toEqual([
      expect.objectContaining({ id: 'wrong-account', code: 'AccessDeniedException' }),
    ]);
    expect(
      hubFindings()
        .map((item) => item.Id)
        .sort(),
    ).toEqual([stays.id, goes.id, arrives.id].sort());
  });

  it('imports into the member account through the member role when asked to', async () => {
    const result = await publish(report('run-1', [stays]), '2026-11-29T02:05:00Z', {
      securityHubMode: 'member-accounts',
    });
    expect(result.securityHub).toMatchObject({ imported: 1, failed: 0 });
    expect(hubFinding(stays.id)).toMatchObject({
      AwsAccountId: MEMBER_ACCOUNT,
      ProductArn: `arn:aws:securityhub:${REGION}:${MEMBER_ACCOUNT}:product/${MEMBER_ACCOUNT}/default`,
    });
  });

  it('counts findings of an account whose member role cannot be assumed as failed, and keeps them for the next run', async () => {
    const stranger = finding({ accountId: '444455556666', name: 'other' });
    const scopes = [...completeScopes(), ...completeScopes('444455556666')];
    const result = await publish(report('run-1', [stays, stranger], scopes), '2026-11-29T02:05:00Z', {
      securityHubMode: 'member-accounts',
    });
    expect(result.securityHub).toMatchObject({ imported: 1, failed: 1 });
    expect(result.failed).toBe(true);
    const kept = latestRecord().findings.find((item) => item.id === stranger.id);
    expect(kept?.securityHubImported).toBe(false);
  });

  it('keeps both runs in the history when two writers race on latest.json', async () => {
    // Prepare: both runs read latest.json before either writes.
    const { s3, location, seen, base } = await firstRunRecord();
    const entry = (runId: string, finishedAt: string) => ({ ...base.history[0], runId, finishedAt });
    const runA = {
      ...base,
      runId: 'run-a',
      finishedAt: '2026-11-28T02:05:00Z',
      history: [entry('run-a', '2026-11-28T02:05:00Z'), ...base.history],
    };
    const runB = {
      ...base,
      runId: 'run-b',
      finishedAt: '2026-11-28T03:05:00Z',
      history: [entry('run-b', '2026-11-28T03:05:00Z'), ...base.history],
    };
    // Act: A wins the race; B's conditional write fails, re-reads and merges.
    const first = await writeLatest(s3, location, runA, seen.etag);
    const second = await writeLatest(s3, location, runB, seen.etag);
    // Assess
    expect(first.conflicts).toBe(0);
    expect(second.conflicts).toBe(1);
    const record = latestRecord();
    expect(record.runId).toBe('run-b');
    expect(record.history.map((item) => item.runId)).toEqual(['run-b', 'run-a', 'run-0']);
  });

  it('writes a run record larger than one part one finding per line, reads it back, and still loses a race to a newer writer', async () => {
    // Prepare: a record of 20,000 findings (an organization's record can pass V8's string limit).
    const { s3, location, seen, base } = await firstRunRecord();
    const findings = Array.from({ length: 20_000 }, (_, index) => {
      const { evidence: _evidence, ...recorded } = finding({ name: `workload-${index}` });
      return { ...recorded, firstSeenAt: '2026-11-27T02:05:00Z' };
    });
    const large = { ...base, runId: 'run-large', finishedAt: '2026-11-28T02:05:00Z', findings };
    const later = { ...base, runId: 'run-later', finishedAt: '2026-11-28T03:05:00Z' };
    // Act: the large record wins; a writer that read before it must merge.
    const first = await writeLatest(s3, location, large, seen.etag);
    const stored = env.sandbox().s3Object(BUCKET, 'reports/latest.json')?.toString('utf8') ?? '';
    const read = await loadLatest(s3, location);
    const second = await writeLatest(s3, location, later, seen.etag);
    // Assess
    expect(first.conflicts).toBe(0);
    expect(stored.length).toBeGreaterThan(REPORT_PART_BYTES);
    expect(env.sandbox().calls()[AUDIT_ACCOUNT]?.s3?.CompleteMultipartUpload).toBeGreaterThanOrEqual(1);
    expect(stored.split('\n')).toHaveLength(findings.length + 3);
    expect(JSON.parse(stored)).toEqual(large);
    expect(read.record).toEqual(large);
    expect(read.etag).toBe(first.etag);
    expect(second.conflicts).toBe(1);
    expect(latestRecord().runId).toBe('run-later');
  });

  it('merges concurrent publishRun calls without losing either run', async () => {
    await Promise.all([
      publish(report('run-x', [stays], completeScopes(), '2026-11-29T02:05:00Z'), '2026-11-29T02:05:00Z'),
      publish(report('run-y', [goes], completeScopes(), '2026-11-29T02:06:00Z'), '2026-11-29T02:06:00Z'),
    ]);
    const record = latestRecord();
    expect(record.history.map((item) => item.runId).sort()).toEqual(['run-x', 'run-y']);
    expect(record.runId).toBe('run-y');
  });

  it('stores a report larger than one part through a multipart upload, byte for byte the rendered text', async () => {
    const many = Array.from({ length: 14_000 }, (_, index) => finding({ name: `workload-${index}` }));
    const run = report('run-large', many);

    const result = await publish(run, '2026-11-29T02:05:00Z', {
      enabled: { reports: true, sns: false, securityHub: false },
    });

    const keys = runKeys({ bucket: BUCKET, prefix: 'reports/' }, run);
    const stored = env.sandbox().s3Object(BUCKET, keys.json);
    expect(stored?.length).toBeGreaterThan(REPORT_PART_BYTES);
    expect(stored?.toString('utf8')).toBe(renderJson(run));
    // The human-read reports list the most severe findings and point at the complete JSON report.
    const markdown = env.sandbox().s3Object(BUCKET, keys.markdown)?.toString('utf8');
    expect(markdown).toBe(
      renderMarkdown(run, {
        checks: CHECK_META,
        maxListedFindings: STORED_REPORT_LISTED_FINDINGS,
        completeReport: `s3://${BUCKET}/${keys.json}`,
      }),
    );
    expect(markdown).toContain(
      `the ${STORED_REPORT_LISTED_FINDINGS} most severe of 14000 findings. The JSON report holds every one: s3://${BUCKET}/${keys.json}`,
    );
    expect(env.sandbox().s3Object(BUCKET, keys.html)?.toString('utf8')).toContain('id="findings-listed"');
    const s3Calls = env.sandbox().calls()[AUDIT_ACCOUNT]?.s3 ?? {};
    expect(s3Calls.CreateMultipartUpload).toBeGreaterThanOrEqual(1);
    expect(s3Calls.UploadPart).toBeGreaterThanOrEqual(2);
    expect(s3Calls.CompleteMultipartUpload).toBe(s3Calls.CreateMultipartUpload);
    expect(result.failed).toBe(false);
    expect(latestRecord().runId).toBe('run-large');
  });

  it('publishes nothing of a run whose report upload fails: no report, no parts left, no latest.json, no message', async () => {
    const many = Array.from({ length: 14_000 }, (_, index) => finding({ name: `workload-${index}` }));
    const run = report('run-lost', many);
    env.sandbox().setFaults([{ service: 's3', operation: 'UploadPart', error: { status: 500 } }]);

    await expect(publish(run, '2026-11-29T02:05:00Z')).rejects.toThrow();

    const keys = runKeys({ bucket: BUCKET, prefix: 'reports/' }, run);
    expect(env.sandbox().s3Object(BUCKET, keys.json)).toBeUndefined();
    expect(env.sandbox().s3Uploads(BUCKET)).toEqual([]);
    expect(env.sandbox().s3Object(BUCKET, 'reports/latest.json')).toBeUndefined();
    expect(publishCalls()).toBe(0);
    expect(hubFindings()).toEqual([]);
  });

  it('sends and writes nothing in a dry run, but returns what it would send', async () => {
    const result = await publish(report('run-1', [stays, arrives]), '2026-11-29T02:05:00Z', {}, true);
    expect(result.dryRun).toBe(true);
    expect(result.sns.messages).toHaveLength(4);
    expect(result.securityHub.findings?.map((item) => item.Id).sort()).toEqual([stays.id, arrives.id].sort());
    expect(env.sandbox().snsMessages()).toEqual([]);
    expect(hubFindings()).toEqual([]);
    expect(env.sandbox().s3Object(BUCKET, 'reports/latest.json')).toBeUndefined();
    expect(result.failed).toBe(false);
  });
});

describe('Security Hub through the Python aws CLI (an independent client)', () => {
  const available = awsCliAvailable();
  if (!available) console.warn('skipping: the Python aws CLI is not installed on this machine');

  it.skipIf(!available)('reads back valid ASFF with aws securityhub get-findings', async () => {
    await publish(report('run-1', [stays, arrives]), '2026-11-29T02:05:00Z');
    // Asynchronous with short timeouts: the sandbox answers from this process (see runAwsCli).
    const output = await runAwsCli(['securityhub', 'get-findings'], {
      endpointUrl: env.sandbox().url,
      credentials: env.sandbox().credentials,
      region: REGION,
    });
    expect(output.stderr).toBe('');
    const findings = (JSON.parse(output.stdout) as { Findings: AwsSecurityFinding[] }).Findings;
    expect(findings.map((item) => item.Id).sort()).toEqual([stays.id, arrives.id].sort());
    for (const item of findings) expect(validateAsff(item)).toEqual([]);
  });
});
