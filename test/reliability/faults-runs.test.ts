import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlannedRun } from '../../functions/plan-scopes/plan.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { accountErrors, collectAccount } from '../../shared/collect/index.js';
import type { RunHistoryEntry, RunRecord } from '../../shared/publish/index.js';
import { judgeNight, type Reference, referenceOf } from '../support/invariants.js';
import {
  activeHubIds,
  DEMO,
  fastFactory,
  findingsById,
  ledgerEvents,
  metricTotal,
  type Night,
  runNight,
  smallDemo,
} from '../support/nightly.js';
import { useSandboxCredentials } from '../support/sandbox.js';

const SCOPES = [
  { accountId: DEMO.workloads, region: DEMO.region },
  { accountId: DEMO.data, region: DEMO.region },
];
const MINUTE_MS = 60_000;

let sandbox: SandboxHandle;
/** The same organization with an unversioned audit bucket. */
let unversioned: SandboxHandle;
let restoreEnv: () => void;
let reference: Reference;
let unversionedReference: Reference;
let baselineText: string;

beforeAll(async () => {
  sandbox = await startSandbox({ scenario: smallDemo(), limits: false });
  const scenario = smallDemo();
  for (const bucket of scenario.buckets) bucket.versioned = false;
  unversioned = await startSandbox({ scenario, limits: false });
  restoreEnv = useSandboxCredentials(sandbox);
  baselineText = String(sandbox.s3Object(DEMO.bucket, 'baseline.yaml'));
  const [seed, unversionedSeed] = await Promise.all([
    tracked(sandbox, { runId: 'runs-seed' }),
    tracked(unversioned, { runId: 'runs-unversioned-seed' }),
  ]);
  reference = referenceOf(seed, sandbox);
  unversionedReference = referenceOf(unversionedSeed, unversioned);
}, 60_000);

afterAll(async () => {
  await Promise.all([sandbox.close(), unversioned.close()]);
  restoreEnv();
  // Seeds and the fault-free nights after a fault are not cases of their own.
  const cases = nights.filter((night) => !/seed|-next$/.test(night.runId));
  const injected = cases.reduce((sum, night) => sum + night.injected, 0);
  console.info(
    `fault runs: ${cases.length} nights under faults or races, ${injected} faulty responses injected, ` +
      `findings lost: ${lost}`,
  );
});

/** Every night of this file, for the summary line. */
const nights: Night[] = [];
/** Reference findings missing from a night's report or Security Hub without the run saying so. */
let lost = 0;

/** A run's line in the run history of `reports/latest.json`. */
function historyEntry(runId: string): RunHistoryEntry | undefined {
  const record = JSON.parse(String(sandbox.s3Object(DEMO.bucket, 'reports/latest.json'))) as RunRecord;
  return record.history.find((entry) => entry.runId === runId);
}

/** Runs a night and keeps it for the summary. */
async function tracked(target: SandboxHandle, options: Parameters<typeof runNight>[1]): Promise<Night> {
  const result = await runNight(target, options);
  nights.push(result);
  return result;
}

/** Judges a night and counts what it lost, for the summary. */
function judge(base: Reference, result: Night, target: SandboxHandle = sandbox) {
  const verdict = judgeNight(base, result, activeHubIds(target));
  lost += verdict.lost;
  return verdict;
}

afterEach(() => {
  vi.useRealTimers();
  sandbox.setFaults([]);
});

/** Puts a new baseline object where the nightly run reads it. */
async function uploadBaseline(target: SandboxHandle, body: string): Promise<void> {
  await fastFactory(target)
    .s3()
    .send(
      new PutObjectCommand({
        Bucket: DEMO.bucket,
        Key: 'baseline.yaml',
        Body: body,
        ContentType: 'application/yaml',
      }),
    );
}

describe('credentials that expire mid-run', () => {
  it('refreshes a member session that expired between two uses in one run, and both reads are complete', async () => {
    // Prepare: one clock for the SDK, the factory and the sandbox; the shortest session STS grants.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const factory = fastFactory(sandbox, { sessionDurationSeconds: 900 });
    const collect = () =>
      collectAccount({
        factory,
        accountId: DEMO.data,
        regions: [DEMO.region],
        cloudTrail: false,
        now: new Date(),
      });
    sandbox.resetCalls();

    // Act: the account is read, twenty minutes pass (the session is expired), and it is read again.
    const first = await collect();
    vi.setSystemTime(Date.now() + 20 * MINUTE_MS);
    const second = await collect();

    // Assess
    expect(accountErrors(first)).toEqual([]);
    expect(accountErrors(second)).toEqual([]);
    expect(sandbox.calls()[DEMO.auditAccount]?.sts?.AssumeRole).toBe(2);
    expect(sandbox.calls().injected.total).toBe(0);
  });

  it('near miss: a session that stays fresh is assumed once', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const factory = fastFactory(sandbox, { sessionDurationSeconds: 3600 });
    const collect = () =>
      collectAccount({
        factory,
        accountId: DEMO.data,
        regions: [DEMO.region],
        cloudTrail: false,
        now: new Date(),
      });
    sandbox.resetCalls();

    await collect();
    vi.setSystemTime(Date.now() + 20 * MINUTE_MS);
    await collect();

    expect(sandbox.calls()[DEMO.auditAccount]?.sts?.AssumeRole).toBe(1);
  });

  it('fails the night loudly when the starting identity expires after planning, and archives nothing', async () => {
    // Act: the execution role's own session is refused from the first collect onwards.
    const night = await tracked(sandbox, {
      runId: 'runs-start-identity-expired',
      afterPlan: async () => sandbox.setFaults([{ account: DEMO.auditAccount, expiredToken: true }]),
    });

    // Assess
    expect(night.plan?.status).toBe('planned');
    expect(night.analyzeError?.message).toMatch(/expired/i);
    expect(night.result).toBeUndefined();
    const verdict = judge(reference, night);
    expect(verdict.violations).toEqual([]);
    expect(verdict.outcome).toBe('failed loudly');
    expect(night.parts.every((part) => 'Error' in part || part.complete === false)).toBe(true);
  });
});

describe('the baseline during a run', () => {
  afterEach(async () => {
    await Promise.all([uploadBaseline(sandbox, baselineText), uploadBaseline(unversioned, baselineText)]);
  });

  it('judges against the version read at plan time when a new version is uploaded mid-run', async () => {
    // Act: an operator uploads a broken baseline while the accounts are collected.
    const night = await tracked(sandbox, {
      runId: 'runs-baseline-changed',
      afterPlan: () => uploadBaseline(sandbox, 'version: 2\nclusters: []\n'),
    });

    // Assess: the run audits the planned version, whole.
    const plan = night.plan as PlannedRun;
    expect(night.analyzeError).toBeUndefined();
    expect(night.report?.baseline).toMatchObject({
      versionId: plan.baseline.versionId,
      etag: plan.baseline.etag,
      sha256: plan.baseline.sha256,
    });
    expect([...findingsById(night.report).keys()].sort()).toEqual(
      [...findingsById(reference.report).keys()].sort(),
    );
    expect(judge(reference, night).violations).toEqual([]);
  });

  it('fails loudly, publishing nothing, when an unversioned baseline changes mid-run', async () => {
    // Prepare
    const messagesBefore = unversioned.snsMessages().length;

    // Act
    const night = await tracked(unversioned, {
      runId: 'runs-unversioned-changed',
      afterPlan: () => uploadBaseline(unversioned, 'version: 1\nclusters: {}\n'),
    });

    // Assess
    expect(night.analyzeError?.name).toBe('InputError');
    expect(night.analyzeError?.message).toMatch(/changed since the run was planned/);
    expect(night.report).toBeUndefined();
    expect(unversioned.snsMessages()).toHaveLength(messagesBefore);
    expect(activeHubIds(unversioned)).toEqual(unversionedReference.activeInHub);
  });

  it('fails loudly, publishing nothing, when an unversioned baseline is deleted mid-run', async () => {
    const messagesBefore = unversioned.snsMessages().length;

    const night = await tracked(unversioned, {
      runId: 'runs-unversioned-deleted',
      afterPlan: async () => {
        await fastFactory(unversioned)
          .s3()
          .send(new DeleteObjectCommand({ Bucket: DEMO.bucket, Key: 'baseline.yaml' }));
      },
    });

    expect(night.plan?.status).toBe('planned');
    expect(night.analyzeError?.message).toMatch(/baseline not found/);
    expect(night.report).toBeUndefined();
    expect(unversioned.snsMessages()).toHaveLength(messagesBefore);
    expect(activeHubIds(unversioned)).toEqual(unversionedReference.activeInHub);
  });
});

describe('Security Hub answering FailedFindings', () => {
  it('re-sends the findings refused with a transient error until Security Hub takes them all', async () => {
    // Act: the first BatchImportFindings call refuses every second finding with InternalException.
    const night = await tracked(sandbox, {
      runId: 'runs-failed-findings-transient',
      faults: [
        {
          service: 'securityhub',
          operation: 'BatchImportFindings',
          failFindings: { every: 2, firstCalls: 1 },
        },
      ],
    });

    // Assess
    expect(night.result?.securityHub.failed).toBe(0);
    const verdict = judge(reference, night);
    expect(verdict.violations).toEqual([]);
    expect(verdict.outcome).toBe('recovered');
  });

  it('fails the run naming each finding Security Hub keeps refusing, imports the rest, and the next night heals', async () => {
    // Act: every third finding of every batch is refused as invalid, which no retry fixes.
    const night = await tracked(sandbox, {
      runId: 'runs-failed-findings-permanent',
      faults: [
        {
          service: 'securityhub',
          operation: 'BatchImportFindings',
          failFindings: { every: 3, code: 'InvalidInputException' },
        },
      ],
    });
    const next = await tracked(sandbox, { runId: 'runs-failed-findings-next' });

    // Assess
    expect(night.analyzeError?.name).toBe('PublishError');
    const refused = (night.report?.findings ?? []).filter((_, index) => (index + 1) % 3 === 0);
    expect(refused.length).toBeGreaterThan(0);
    const failed = Number(
      /Security Hub: (\d+) findings not imported/.exec(night.analyzeError?.message ?? '')?.[1],
    );
    expect(failed).toBeGreaterThan(0);
    expect(metricTotal(night, 'PublishFailures')).toBe(failed);
    expect(night.analyzeError?.message).toMatch(/\(InvalidInputException\)/);
    expect(historyEntry(night.runId)?.publishFailures).toEqual({ sns: 0, securityHub: failed });
    const verdict = judge(reference, night);
    expect(verdict.violations).toEqual([]);
    expect(verdict.outcome).toBe('failed loudly');
    expect(judge(reference, next).outcome).toBe('recovered');
    expect(next.result?.securityHub.failed).toBe(0);
  });
});

describe('two runs at once', () => {
  it('both finish against the same ledgers and report state, and neither loses the other', async () => {
    // Prepare
    const ledgersBefore = await ledgerEvents(sandbox, SCOPES);

    // Act: two executions overlap step for step (a manual start during the scheduled one).
    const [first, second] = await Promise.all([
      tracked(sandbox, { runId: 'runs-concurrent-a' }),
      tracked(sandbox, { runId: 'runs-concurrent-b' }),
    ]);

    // Assess
    for (const night of [first, second]) {
      const verdict = judge(reference, night);
      expect(verdict.violations, night.runId).toEqual([]);
      expect(verdict.outcome, night.runId).toBe('recovered');
    }
    const latest = JSON.parse(String(sandbox.s3Object(DEMO.bucket, 'reports/latest.json'))) as {
      history: Array<{ runId: string }>;
    };
    const history = latest.history.map((entry) => entry.runId);
    expect(history).toContain('runs-concurrent-a');
    expect(history).toContain('runs-concurrent-b');
    expect(await ledgerEvents(sandbox, SCOPES)).toEqual(ledgersBefore);
    expect(activeHubIds(sandbox)).toEqual(reference.activeInHub);
  });
});

describe('a Lambda close to its timeout', () => {
  it('writes the slow account as incomplete before the deadline, commits the unread span as a gap, and the next night heals it', async () => {
    // Prepare: EKS and CloudTrail in the workloads account answer slowly; the deadline comes first.
    const slow = [
      { account: DEMO.workloads, service: 'eks', latencyMs: 400 },
      { account: DEMO.workloads, service: 'cloudtrail', latencyMs: 400 },
    ];
    const ledgersBefore = await ledgerEvents(sandbox, SCOPES);

    // Act
    const night: Night = await tracked(sandbox, {
      runId: 'runs-deadline',
      faults: slow,
      collectDeadlineMs: 700,
    });
    const next = await tracked(sandbox, { runId: 'runs-deadline-next' });

    // Assess
    const workloads = night.parts.find((part) => 'accountId' in part && part.accountId === DEMO.workloads);
    expect(workloads).toMatchObject({ timedOut: true, complete: false });
    const verdict = judge(reference, night);
    expect(verdict.violations).toEqual([]);
    expect(verdict.outcome).toBe('degraded');
    expect(metricTotal(night, 'IncompleteScopes')).toBeGreaterThan(0);
    expect(historyEntry(night.runId)?.incompleteScopes).toBeGreaterThan(0);
    expect(historyEntry(next.runId)).toMatchObject({
      incompleteScopes: 0,
      publishFailures: { sns: 0, securityHub: 0 },
    });
    expect(judge(reference, next).outcome).toBe('recovered');
    expect(await ledgerEvents(sandbox, SCOPES)).toEqual(ledgersBefore);
  });
});
