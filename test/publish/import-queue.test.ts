import { type GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../shared/clock.js';
import type { Finding } from '../../shared/model/finding.js';
import {
  ImportQueueError,
  importQueue,
  pacedPerAccount,
  type QueuedProgress,
  writeImportQueue,
} from '../../shared/publish/import-queue.js';
import { type PlannedImport, planSecurityHub } from '../../shared/publish/securityhub.js';
import {
  AUDIT_ACCOUNT,
  BUCKET,
  CHECK_META,
  completeScopes,
  finding,
  MEMBER_ACCOUNT,
  REGION,
} from './support.js';

const OTHER_MEMBER = '333344445555';
const RUN_ID = '20261129T020000Z-0a1b2c3d';
const UPDATED_AT = '2026-11-29T02:05:00.000Z';
const noWait = async () => {};
const POLICY = { maxAttempts: 3, baseDelayMs: 1, sleep: noWait };

/** An S3 stand-in that keeps objects in memory: PutObject and GetObject, with ETags. */
function memoryS3() {
  const objects = new Map<string, { body: string; etag: string }>();
  let version = 0;
  const s3 = {
    send: async (command: PutObjectCommand | GetObjectCommand) => {
      const { Bucket, Key } = command.input;
      const key = `${Bucket}/${Key}`;
      if (command instanceof PutObjectCommand) {
        version += 1;
        const body = command.input.Body;
        const text = typeof body === 'string' ? body : Buffer.from(body as Uint8Array).toString('utf8');
        objects.set(key, { body: text, etag: `"v${version}"` });
        return { ETag: `"v${version}"` };
      }
      const object = objects.get(key);
      if (!object)
        throw Object.assign(new Error('NoSuchKey'), {
          name: 'NoSuchKey',
          $metadata: { httpStatusCode: 404 },
        });
      return { Body: { transformToString: async () => object.body }, ETag: object.etag };
    },
  } as unknown as S3Client;
  return { s3, objects };
}

/** A Security Hub stand-in per account: records every batch; `refuse` decides per finding id. */
function memoryHub(
  options: { refuse?: (id: string, attempt: number) => string | undefined; onCall?: () => void } = {},
) {
  const batches: Array<{ accountId: string; ids: string[]; findingAccounts: string[] }> = [];
  const attempts = new Map<string, number>();
  const clientFor = (accountId: string) =>
    ({
      send: async (command: BatchImportFindingsCommand) => {
        const findings = command.input.Findings ?? [];
        const ids = findings.map((item) => item.Id ?? '');
        // Recorded, not asserted here: a throw inside send would only become a failed batch.
        batches.push({ accountId, ids, findingAccounts: findings.map((item) => item.AwsAccountId ?? '') });
        options.onCall?.();
        const failed = ids.flatMap((id) => {
          const attempt = (attempts.get(id) ?? 0) + 1;
          attempts.set(id, attempt);
          const code = options.refuse?.(id, attempt);
          return code ? [{ Id: id, ErrorCode: code, ErrorMessage: `refused: ${code}` }] : [];
        });
        return {
          FailedCount: failed.length,
          SuccessCount: ids.length - failed.length,
          FailedFindings: failed,
        };
      },
    }) as unknown as SecurityHubClient;
  const sent = () => batches.flatMap((batch) => batch.ids);
  return { clientFor, batches, sent };
}

function findings(count: number, accounts = [MEMBER_ACCOUNT]): Finding[] {
  return Array.from({ length: count }, (_, index) =>
    finding({ name: `role-${index}`, accountId: accounts[index % accounts.length] }),
  );
}

/** A plan as publishRun makes it: every finding new and open. */
function planOf(
  open: Finding[],
  mode: 'audit-account' | 'member-accounts' = 'audit-account',
): PlannedImport[] {
  const scopes = [...new Set(open.map((item) => item.accountId))].flatMap((account) =>
    completeScopes(account),
  );
  return planSecurityHub({
    diff: { new: open, stillOpen: [], resolved: [], unknown: [], suppressed: [], archivePending: [] },
    previous: new Map(),
    scopes,
    checks: CHECK_META,
    mode,
    callerAccountId: AUDIT_ACCOUNT,
    region: REGION,
    runId: RUN_ID,
    updatedAt: UPDATED_AT,
  }).imports;
}

async function queued(
  s3: S3Client,
  plan: PlannedImport[],
  mode: 'audit-account' | 'member-accounts' = 'audit-account',
  chunkFindings?: number,
): Promise<QueuedProgress> {
  const queue = await writeImportQueue(
    s3,
    BUCKET,
    {
      runId: RUN_ID,
      mode,
      region: REGION,
      partition: 'aws',
      updatedAt: UPDATED_AT,
      report: { bucket: BUCKET, prefix: 'reports/' },
      checks: CHECK_META,
    },
    plan,
    chunkFindings,
  );
  return { imported: 0, archived: 0, failed: 0, queue, done: false };
}

/** Runs invocations until the queue is done; each one's deadline fires after `callsPerInvocation` calls. */
async function untilDone(
  start: QueuedProgress,
  s3: S3Client,
  callsPerInvocation: number,
  hubOptions: Parameters<typeof memoryHub>[0] = {},
  maxInFlight = 1,
) {
  let deadline = new AbortController();
  let calls = 0;
  const hub = memoryHub({
    ...hubOptions,
    onCall: () => {
      calls += 1;
      if (calls % callsPerInvocation === 0) deadline.abort(new Error('deadline'));
    },
  });
  let progress = start;
  const invocations: Array<{ batches: number; failed: number }> = [];
  while (progress.done !== true) {
    deadline = new AbortController();
    const outcome = await importQueue(progress, {
      s3,
      clientFor: hub.clientFor,
      policy: POLICY,
      deadline: deadline.signal,
      pace: noWait,
      maxInFlight,
    });
    invocations.push({ batches: outcome.batches, failed: outcome.failed.length });
    progress = outcome.progress;
    if (invocations.length > 1_000) throw new Error('the import never finished');
  }
  return { progress, invocations, hub };
}

describe('the Security Hub import queue', () => {
  it('writes the plan as chunks of findings grouped by importing account, the manifest last, without evidence', async () => {
    const { s3, objects } = memoryS3();
    const plan = planOf(findings(7, [OTHER_MEMBER, MEMBER_ACCOUNT]), 'member-accounts');
    const progress = await queued(s3, plan, 'member-accounts', 3);
    expect(progress.queue).toEqual({
      bucket: BUCKET,
      key: `runs/${RUN_ID}/securityhub/manifest.json`,
      findings: 7,
    });
    const manifest = JSON.parse(
      objects.get(`${BUCKET}/runs/${RUN_ID}/securityhub/manifest.json`)?.body ?? '',
    );
    expect(manifest.chunks).toEqual([
      { key: `runs/${RUN_ID}/securityhub/00000.jsonl`, findings: 3 },
      { key: `runs/${RUN_ID}/securityhub/00001.jsonl`, findings: 3 },
      { key: `runs/${RUN_ID}/securityhub/00002.jsonl`, findings: 1 },
    ]);
    const lines = manifest.chunks.flatMap((chunk: { key: string }) =>
      (objects.get(`${BUCKET}/${chunk.key}`)?.body ?? '')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    );
    expect(lines.map((line: { accountId: string }) => line.accountId)).toEqual([
      ...Array(3).fill(MEMBER_ACCOUNT),
      ...Array(4).fill(OTHER_MEMBER),
    ]);
    expect(lines.every((line: { finding: object }) => !('evidence' in line.finding))).toBe(true);
  });

  it('continues from the cursor when the deadline stops an invocation mid-way: every finding sent exactly once', async () => {
    // Prepare: 1,234 findings in chunks of 500; each invocation's deadline fires after 4 calls.
    const { s3 } = memoryS3();
    const plan = planOf(findings(1_234));
    const start = await queued(s3, plan, 'audit-account', 500);

    // Act
    const { progress, invocations, hub } = await untilDone(start, s3, 4);

    // Assess: 13 batches of at most 100 (a chunk boundary ends a batch), over 4 invocations.
    const sent = hub.sent();
    expect(sent).toHaveLength(1_234);
    expect(new Set(sent).size).toBe(1_234);
    expect(new Set(sent)).toEqual(new Set(plan.map((item) => item.id)));
    expect(hub.batches.every((batch) => batch.ids.length <= 100 && batch.accountId === AUDIT_ACCOUNT)).toBe(
      true,
    );
    expect(hub.batches.map((batch) => batch.ids.length)).toEqual([...Array(12).fill(100), 34]);
    expect(invocations.map((invocation) => invocation.batches)).toEqual([4, 4, 4, 1]);
    expect(progress).toMatchObject({
      imported: 1_234,
      archived: 0,
      failed: 0,
      done: true,
      invocations: 4,
      calls: 13,
      cursor: { chunk: 3, line: 0 },
    });
  });

  it('lets the batches in flight finish when the deadline fires, and resumes after the last one started', async () => {
    const { s3 } = memoryS3();
    const plan = planOf(findings(2_000));
    const start = await queued(s3, plan);
    const { progress, invocations, hub } = await untilDone(start, s3, 3, {}, 8);
    expect(hub.sent()).toHaveLength(2_000);
    expect(new Set(hub.sent()).size).toBe(2_000);
    expect(invocations.length).toBeGreaterThan(1);
    expect(invocations.reduce((sum, invocation) => sum + invocation.batches, 0)).toBe(20);
    expect(progress).toMatchObject({ imported: 2_000, failed: 0, done: true, calls: 20 });
  });

  it('sends each batch to one member account in member-accounts mode, through that account client', async () => {
    const { s3 } = memoryS3();
    const plan = planOf(findings(450, [MEMBER_ACCOUNT, OTHER_MEMBER, '444455556666']), 'member-accounts');
    const start = await queued(s3, plan, 'member-accounts');
    const { progress, hub } = await untilDone(start, s3, 2);
    // 150 per account: two batches each, never mixing accounts.
    expect(hub.batches.map((batch) => `${batch.accountId}:${batch.ids.length}`)).toEqual([
      `${MEMBER_ACCOUNT}:100`,
      `${MEMBER_ACCOUNT}:50`,
      `${OTHER_MEMBER}:100`,
      `${OTHER_MEMBER}:50`,
      '444455556666:100',
      '444455556666:50',
    ]);
    // Each finding goes to its own account's Security Hub.
    expect(hub.batches.every((batch) => batch.findingAccounts.every((id) => id === batch.accountId))).toBe(
      true,
    );
    expect(progress).toMatchObject({ imported: 450, failed: 0, done: true });
  });

  it('re-sends within the invocation only what failed transiently, and counts and names what Security Hub keeps refusing', async () => {
    const { s3 } = memoryS3();
    const plan = planOf(findings(250));
    const [flaky, refused] = [plan[10].id ?? '', plan[120].id ?? ''];
    const start = await queued(s3, plan);
    const { progress, invocations, hub } = await untilDone(start, s3, 2, {
      refuse: (id, attempt) =>
        id === flaky && attempt === 1 ? 'InternalException' : id === refused ? 'InvalidInput' : undefined,
    });
    expect(hub.sent().filter((id) => id === flaky)).toHaveLength(2);
    expect(hub.sent().filter((id) => id === refused)).toHaveLength(1);
    expect(hub.sent()).toHaveLength(251);
    expect(progress).toMatchObject({
      imported: 249,
      failed: 1,
      done: true,
      failures: [{ id: refused, accountId: AUDIT_ACCOUNT, code: 'InvalidInput' }],
    });
    expect(invocations.reduce((sum, invocation) => sum + invocation.failed, 0)).toBe(1);
  });

  it('paces each importing account at the documented 10 requests per second', async () => {
    const clock = new VirtualClock();
    const pace = pacedPerAccount(10, clock);
    const times: Record<string, number[]> = { a: [], b: [] };
    await Promise.all(
      Array.from({ length: 40 }, async (_, index) => {
        const account = index % 2 === 0 ? 'a' : 'b';
        await pace(account);
        times[account].push(clock.now());
      }),
    );
    for (const account of ['a', 'b']) {
      const grants = times[account].sort((x, y) => x - y);
      expect(grants).toHaveLength(20);
      for (let index = 10; index < grants.length; index += 1)
        expect(grants[index] - grants[index - 10]).toBeGreaterThanOrEqual(1000);
    }
    // The accounts are paced apart: both finish in about two seconds, not four.
    expect(Math.max(...times.a, ...times.b)).toBeLessThan(2_000);
  });

  it('refuses a chunk that does not hold what the manifest says', async () => {
    const { s3, objects } = memoryS3();
    const start = await queued(s3, planOf(findings(5)));
    const key = `${BUCKET}/runs/${RUN_ID}/securityhub/00000.jsonl`;
    const chunk = objects.get(key);
    if (!chunk) throw new Error('no chunk');
    objects.set(key, { ...chunk, body: chunk.body.split('\n').slice(1).join('\n') });
    const hub = memoryHub();
    await expect(
      importQueue(start, {
        s3,
        clientFor: hub.clientFor,
        policy: POLICY,
        deadline: new AbortController().signal,
        pace: noWait,
      }),
    ).rejects.toThrow(ImportQueueError);
    expect(hub.batches).toEqual([]);
  });
});
