import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlannedRun } from '../../functions/plan-scopes/plan.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { accountErrors, collectAccount } from '../../shared/collect/index.js';
import type { RunHistoryEntry, RunRecord } from '../../shared/publish/index.js';
import { judgeNight, type Reference, referenceOf, type Verdict } from '../support/invariants.js';
import {
  activeHubIds,
  DEMO,
  fastFactory,
  findingsById,
  ledgerEvents,
  metricTotal,
  type Night,
  type NightOptions,
  runNight,
  smallDemo,
} from '../support/nightly.js';
import { useSandboxCredentials } from '../support/sandbox.js';

const SCOPES = [
  { accountId: DEMO.workloads, region: DEMO.region },
  { accountId: DEMO.data, region: DEMO.region },
];
const MINUTE_MS = 60_000;

/** Every sandbox of this file; each group of cases runs against its own, side by side. */
const sandboxes: SandboxHandle[] = [];
let restoreEnv: () => void;
/** Every night of this file, for the summary line. */
const nights: Night[] = [];
/** Reference findings missing from a night's report or Security Hub without the run saying so. */
let lost = 0;

/** A night of one group: its outcome, and its verdict against the group's fault-free first night. */
interface Judged {
  night: Night;
  verdict: Verdict;
}

/** One group's sandbox, with its fault-free first night as the reference. */
class Group {
  reference!: Reference;
  constructor(readonly sandbox: SandboxHandle) {}

  static async start(name: string, versioned = true): Promise<Group> {
    const scenario = smallDemo();
    if (!versioned) for (const bucket of scenario.buckets) bucket.versioned = false;
    const group = new Group(await startSandbox({ scenario, limits: false }));
    sandboxes.push(group.sandbox);
    group.reference = referenceOf(await group.night({ runId: `${name}-seed` }), group.sandbox);
    return group;
  }

  async night(options: NightOptions): Promise<Night> {
    const night = await runNight(this.sandbox, options);
    nights.push(night);
    return night;
  }

  async judged(options: NightOptions): Promise<Judged> {
    const night = await this.night(options);
    const verdict = judgeNight(this.reference, night, activeHubIds(this.sandbox));
    lost += verdict.lost;
    return { night, verdict };
  }

  /** A run's line in the run history of `reports/latest.json`. */
  historyEntry(runId: string): RunHistoryEntry | undefined {
    const record = JSON.parse(String(this.sandbox.s3Object(DEMO.bucket, 'reports/latest.json'))) as RunRecord;
    return record.history.find((entry) => entry.runId === runId);
  }

  async uploadBaseline(body: string): Promise<void> {
    await fastFactory(this.sandbox)
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
}

/** What the cases observed; the tests below only assess it. */
const seen = {} as {
  reference: Reference;
  expiredStart: Judged;
  baselineChanged: Judged & { plan: PlannedRun };
  unversioned: {
    reference: Reference;
    changed: Night;
    deleted: Night;
    messagesBefore: number;
    messagesAfter: number;
    activeAfter: Set<string>;
  };
  invalidBaselineSnsDown: { night: Night; hubChecks: string[] };
  failedFindings: {
    transient: Judged;
    permanent: Judged & { entry?: RunHistoryEntry };
    next: Judged;
  };
  concurrent: { runs: Judged[]; history: string[]; ledgersBefore: unknown; ledgersAfter: unknown };
  deadline: {
    slow: Judged & { entry?: RunHistoryEntry };
    next: Judged & { entry?: RunHistoryEntry };
    ledgersBefore: unknown;
    ledgersAfter: unknown;
  };
};

/** The starting identity expiring, and a new baseline version uploaded mid-run. */
async function identityAndBaseline(): Promise<void> {
  const group = await Group.start('runs-identity');
  seen.reference = group.reference;
  // The execution role's own session is refused from the first collect onwards.
  seen.expiredStart = await group.judged({
    runId: 'runs-start-identity-expired',
    afterPlan: async () => group.sandbox.setFaults([{ account: DEMO.auditAccount, expiredToken: true }]),
  });
  // An operator uploads a broken baseline while the accounts are collected.
  const changed = await group.judged({
    runId: 'runs-baseline-changed',
    afterPlan: () => group.uploadBaseline('version: 2\nclusters: []\n'),
  });
  seen.baselineChanged = { ...changed, plan: changed.night.plan as PlannedRun };
}

/** The baseline changed, then deleted, mid-run in an unversioned bucket. */
async function unversionedBaseline(): Promise<void> {
  const group = await Group.start('runs-unversioned', false);
  const original = String(group.sandbox.s3Object(DEMO.bucket, 'baseline.yaml'));
  const messagesBefore = group.sandbox.snsMessages().length;
  const changed = await group.night({
    runId: 'runs-unversioned-changed',
    afterPlan: () => group.uploadBaseline('version: 1\nclusters: {}\n'),
  });
  await group.uploadBaseline(original);
  const deleted = await group.night({
    runId: 'runs-unversioned-deleted',
    afterPlan: async () => {
      await fastFactory(group.sandbox)
        .s3()
        .send(new DeleteObjectCommand({ Bucket: DEMO.bucket, Key: 'baseline.yaml' }));
    },
  });
  seen.unversioned = {
    reference: group.reference,
    changed,
    deleted,
    messagesBefore,
    messagesAfter: group.sandbox.snsMessages().length,
    activeAfter: activeHubIds(group.sandbox),
  };
}

/** An invalid baseline whose BASELINE_INVALID cannot be sent through SNS. */
async function invalidBaselineSnsDown(): Promise<void> {
  const group = new Group(await startSandbox({ scenario: smallDemo(), limits: false }));
  sandboxes.push(group.sandbox);
  await group.uploadBaseline('version: 1\nclusters:\n  prod:\n    account: "12345"\n');
  const night = await group.night({
    runId: 'runs-invalid-baseline-sns-down',
    faults: [{ service: 'sns', accessDenied: true }],
  });
  const hubChecks = [...activeHubIds(group.sandbox)].map((id) => id.replace(/-[0-9a-f]+$/, ''));
  seen.invalidBaselineSnsDown = { night, hubChecks };
}

/** Security Hub refusing findings in FailedFindings: first transiently, then for good. */
async function failedFindings(): Promise<void> {
  const group = await Group.start('runs-failed-findings');
  const transient = await group.judged({
    runId: 'runs-failed-findings-transient',
    faults: [
      { service: 'securityhub', operation: 'BatchImportFindings', failFindings: { every: 2, firstCalls: 1 } },
    ],
  });
  // Every third finding of every batch is refused as invalid, which no retry fixes.
  const permanent = await group.judged({
    runId: 'runs-failed-findings-permanent',
    faults: [
      {
        service: 'securityhub',
        operation: 'BatchImportFindings',
        failFindings: { every: 3, code: 'InvalidInputException' },
      },
    ],
  });
  const next = await group.judged({ runId: 'runs-failed-findings-next' });
  seen.failedFindings = {
    transient,
    permanent: { ...permanent, entry: group.historyEntry(permanent.night.runId) },
    next,
  };
}

/** Two executions at once, then a Lambda close to its timeout. */
async function concurrencyAndDeadline(): Promise<void> {
  const group = await Group.start('runs-timing');
  let ledgersBefore = await ledgerEvents(group.sandbox, SCOPES);
  // Two executions overlap step for step (a manual start during the scheduled one).
  const runs = await Promise.all([
    group.judged({ runId: 'runs-concurrent-a' }),
    group.judged({ runId: 'runs-concurrent-b' }),
  ]);
  const record = JSON.parse(String(group.sandbox.s3Object(DEMO.bucket, 'reports/latest.json'))) as RunRecord;
  seen.concurrent = {
    runs,
    history: record.history.map((entry) => entry.runId),
    ledgersBefore,
    ledgersAfter: await ledgerEvents(group.sandbox, SCOPES),
  };

  // EKS and CloudTrail in the workloads account answer slowly; the deadline comes first.
  ledgersBefore = await ledgerEvents(group.sandbox, SCOPES);
  const slow = await group.judged({
    runId: 'runs-deadline',
    faults: [
      { account: DEMO.workloads, service: 'eks', latencyMs: 400 },
      { account: DEMO.workloads, service: 'cloudtrail', latencyMs: 400 },
    ],
    collectDeadlineMs: 700,
  });
  const next = await group.judged({ runId: 'runs-deadline-next' });
  seen.deadline = {
    slow: { ...slow, entry: group.historyEntry(slow.night.runId) },
    next: { ...next, entry: group.historyEntry(next.night.runId) },
    ledgersBefore,
    ledgersAfter: await ledgerEvents(group.sandbox, SCOPES),
  };
}

beforeAll(async () => {
  // Prepare: every sandbox of the demo organization has the same starting identity.
  const first = await startSandbox({ scenario: smallDemo(), limits: false });
  sandboxes.push(first);
  restoreEnv = useSandboxCredentials(first);

  // Act: the groups run side by side, each against its own sandbox.
  await Promise.all([
    identityAndBaseline(),
    unversionedBaseline(),
    invalidBaselineSnsDown(),
    failedFindings(),
    concurrencyAndDeadline(),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
  restoreEnv();
  // Seeds and the fault-free nights after a fault are not cases of their own.
  const cases = nights.filter((night) => !/seed|-next$/.test(night.runId));
  const injected = cases.reduce((sum, night) => sum + night.injected, 0);
  console.info(
    `fault runs: ${cases.length} nights under faults or races, ${injected} faulty responses injected, ` +
      `findings lost: ${lost}`,
  );
});

afterEach(() => {
  vi.useRealTimers();
});

describe('credentials that expire mid-run', () => {
  /** Reads the data account twice with one factory, twenty minutes apart on one shared clock. */
  async function twoReads(sessionDurationSeconds: number) {
    const sandbox = sandboxes[0];
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const factory = fastFactory(sandbox, { sessionDurationSeconds });
    const collect = () =>
      collectAccount({
        factory,
        accountId: DEMO.data,
        regions: [DEMO.region],
        cloudTrail: false,
        now: new Date(),
      });
    sandbox.resetCalls();
    const first = await collect();
    vi.setSystemTime(Date.now() + 20 * MINUTE_MS);
    const second = await collect();
    return { first, second, calls: sandbox.calls() };
  }

  it('refreshes a member session that expired between two uses in one run, and both reads are complete', async () => {
    // Act: the shortest session STS grants (15 minutes) is expired at the second read.
    const { first, second, calls } = await twoReads(900);

    // Assess
    expect(accountErrors(first)).toEqual([]);
    expect(accountErrors(second)).toEqual([]);
    expect(calls[DEMO.auditAccount]?.sts?.AssumeRole).toBe(2);
    expect(calls.injected.total).toBe(0);
  });

  it('near miss: a session that stays fresh is assumed once', async () => {
    const { calls } = await twoReads(3600);
    expect(calls[DEMO.auditAccount]?.sts?.AssumeRole).toBe(1);
  });

  it('fails the night loudly when the starting identity expires after planning, and archives nothing', () => {
    const { night, verdict } = seen.expiredStart;
    expect(night.plan?.status).toBe('planned');
    expect(night.analyzeError?.message).toMatch(/expired/i);
    expect(night.result).toBeUndefined();
    expect(verdict.violations).toEqual([]);
    expect(verdict.outcome).toBe('failed loudly');
    expect(night.parts.every((part) => 'Error' in part || part.complete === false)).toBe(true);
  });
});

describe('the baseline during a run', () => {
  it('judges against the version read at plan time when a new version is uploaded mid-run', () => {
    // Assess: the run audits the planned version, whole.
    const { night, verdict, plan } = seen.baselineChanged;
    expect(night.analyzeError).toBeUndefined();
    expect(night.report?.baseline).toMatchObject({
      versionId: plan.baseline.versionId,
      etag: plan.baseline.etag,
      sha256: plan.baseline.sha256,
    });
    expect([...findingsById(night.report).keys()].sort()).toEqual(
      [...findingsById(seen.reference.report).keys()].sort(),
    );
    expect(verdict.violations).toEqual([]);
  });

  it('judges against the validated copy plan-scopes wrote when an unversioned baseline changes or is deleted mid-run', () => {
    const { changed, deleted, reference, messagesBefore, messagesAfter, activeAfter } = seen.unversioned;
    const referenceIds = [...findingsById(reference.report).keys()].sort();
    for (const night of [changed, deleted]) {
      expect(night.plan?.status).toBe('planned');
      expect(night.analyzeError).toBeUndefined();
      expect(night.report?.baseline.sha256).toBe(reference.report.baseline.sha256);
      expect([...findingsById(night.report).keys()].sort()).toEqual(referenceIds);
    }
    expect(messagesAfter).toBeGreaterThan(messagesBefore);
    expect(activeAfter).toEqual(reference.activeInHub);
  });
});

describe('SNS down when the baseline is invalid', () => {
  it('fails analyze-publish loudly with the SNS error, after BASELINE_INVALID reached Security Hub', () => {
    const { night, hubChecks } = seen.invalidBaselineSnsDown;
    expect(night.plan?.status).toBe('baseline-invalid');
    expect(night.analyzeError?.name).toBe('PublishError');
    expect(night.analyzeError?.message).toMatch(
      /BASELINE_INVALID for s3:\/\/.* SNS: \d+ of \d+ messages not sent \(AuthorizationError/,
    );
    expect(metricTotal(night, 'PublishFailures')).toBeGreaterThan(0);
    expect(hubChecks).toEqual(['BASELINE_INVALID']);
    expect(night.parts).toEqual([]);
  });
});

describe('Security Hub answering FailedFindings', () => {
  it('re-sends the findings refused with a transient error until Security Hub takes them all', () => {
    const { night, verdict } = seen.failedFindings.transient;
    expect(night.injected).toBeGreaterThan(0);
    expect(night.result?.securityHub.failed).toBe(0);
    expect(verdict.violations).toEqual([]);
    expect(verdict.outcome).toBe('recovered');
  });

  it('fails the run naming each finding Security Hub keeps refusing, imports the rest, and the next night heals', () => {
    const { permanent, next } = seen.failedFindings;
    const { night, verdict, entry } = permanent;
    expect(night.analyzeError?.name).toBe('PublishError');
    const failed = Number(
      /Security Hub: (\d+) findings not imported/.exec(night.analyzeError?.message ?? '')?.[1],
    );
    expect(failed).toBeGreaterThan(0);
    expect(metricTotal(night, 'PublishFailures')).toBe(failed);
    expect(night.analyzeError?.message).toMatch(/\(InvalidInputException\)/);
    expect(entry?.publishFailures).toEqual({ sns: 0, securityHub: failed });
    expect(verdict.violations).toEqual([]);
    expect(verdict.outcome).toBe('failed loudly');
    expect(next.verdict.outcome).toBe('recovered');
    expect(next.night.result?.securityHub.failed).toBe(0);
  });
});

describe('two runs at once', () => {
  it('both finish against the same ledgers and report state, and neither loses the other', () => {
    const { runs, history, ledgersBefore, ledgersAfter } = seen.concurrent;
    for (const { night, verdict } of runs) {
      expect(verdict.violations, night.runId).toEqual([]);
      expect(verdict.outcome, night.runId).toBe('recovered');
    }
    expect(history).toContain('runs-concurrent-a');
    expect(history).toContain('runs-concurrent-b');
    expect(ledgersAfter).toEqual(ledgersBefore);
  });
});

describe('a Lambda close to its timeout', () => {
  it('writes the slow account as incomplete before the deadline, commits the unread span as a gap, and the next night heals it', () => {
    const { slow, next, ledgersBefore, ledgersAfter } = seen.deadline;
    const workloads = slow.night.parts.find(
      (part) => 'accountId' in part && part.accountId === DEMO.workloads,
    );
    expect(workloads).toMatchObject({ timedOut: true, complete: false });
    expect(slow.verdict.violations).toEqual([]);
    expect(slow.verdict.outcome).toBe('degraded');
    expect(metricTotal(slow.night, 'IncompleteScopes')).toBeGreaterThan(0);
    expect(slow.entry?.incompleteScopes).toBeGreaterThan(0);
    expect(next.verdict.outcome).toBe('recovered');
    expect(next.entry).toMatchObject({ incompleteScopes: 0, publishFailures: { sns: 0, securityHub: 0 } });
    expect(ledgersAfter).toEqual(ledgersBefore);
  });
});
