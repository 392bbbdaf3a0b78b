import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CutoverCheckResult } from '../../functions/cutover-check/cutover.js';
import { DeadlineError } from '../../functions/lib/middleware.js';
import type { PartSummary } from '../../functions/lib/parts.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { SnapshotSchema } from '../../shared/snapshot/schema.js';
import { validateLedger } from '../../shared/usage/ledger.js';
import { lambdaContext } from '../functions/support.js';
import { useSandboxCredentials } from '../support/sandbox.js';
import { BUCKET, functionEnvironment, importHandlers, REGION } from './security-run.js';

const WORKLOADS = '222233334444';
const DATA = '333344445555';
/** The reserve the handlers keep before the Lambda limit (the middleware default). */
const MARGIN_MS = 60_000;

let sandbox: SandboxHandle;
let restoreEnv: () => void;
let handlers: Awaited<ReturnType<typeof importHandlers>>;
/** Everything the functions wrote to stdout/stderr (JSON logs and EMF metrics). */
let output = '';

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  restoreEnv = useSandboxCredentials(sandbox, {
    ...functionEnvironment(sandbox.url),
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  handlers = await importHandlers();
});

afterAll(async () => {
  await sandbox?.close();
  restoreEnv?.();
});

beforeEach(() => {
  sandbox.loadScenario('demo');
  output = '';
});

/** Runs `work`, keeping what it writes to stdout and stderr in `output`. */
async function captured<T>(work: () => Promise<T>): Promise<T> {
  const keep = (chunk: unknown) => {
    output += String(chunk);
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(keep),
    vi.spyOn(process.stderr, 'write').mockImplementation(keep),
  ];
  try {
    return await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** The JSON lines written (logs and EMF metric documents). */
const lines = () =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('collect-account close to its timeout', () => {
  it('writes a whole, valid part marked Timeout, and says so in its result, logs and metrics', async () => {
    // Prepare: less time left than the reserve, so the deadline fires at once.
    const event = {
      runId: 'run-late',
      startedAt: new Date().toISOString(),
      accountId: WORKLOADS,
      regions: [REGION],
    };

    // Act
    const summary = (await captured(() =>
      handlers.collect(event, lambdaContext('collect-account', MARGIN_MS / 2)),
    )) as PartSummary;

    // Assess: the result
    expect(summary).toMatchObject({ accountId: WORKLOADS, timedOut: true, complete: false });
    // the part: complete JSON, valid, the account marked incomplete rather than missing
    const part = SnapshotSchema.parse(JSON.parse(String(sandbox.s3Object(BUCKET, summary.key))));
    expect(part.accounts).toHaveLength(1);
    expect(part.accounts[0].errors?.[0]).toMatchObject({ code: 'Timeout' });
    // the usage ledger, if written, is a valid ledger and not a fragment
    const ledger = sandbox.s3Object(BUCKET, `state/usage/${WORKLOADS}/${REGION}/ledger.json`);
    if (ledger) expect(validateLedger(JSON.parse(String(ledger)))).not.toHaveProperty('problem');
    // logs and metrics
    const written = lines();
    expect(
      written.some((line) => line.level === 'WARN' && String(line.message).startsWith('deadline reached')),
    ).toBe(true);
    expect(written.find((line) => 'DeadlineReached' in line)).toMatchObject({ DeadlineReached: 1 });
    expect(written.find((line) => 'IncompleteScopes' in line)).toMatchObject({ IncompleteScopes: 1 });
  }, 60_000);

  it('with time to spare, neither stops nor reports a deadline (near miss)', async () => {
    const event = {
      runId: 'run-early',
      startedAt: new Date().toISOString(),
      accountId: DATA,
      regions: [REGION],
    };
    const summary = (await captured(() =>
      handlers.collect(event, lambdaContext('collect-account', 15 * 60_000)),
    )) as PartSummary;
    expect(summary).toMatchObject({ timedOut: false, complete: true });
    expect(lines().some((line) => 'DeadlineReached' in line)).toBe(false);
  }, 60_000);
});

describe('cutover-check close to its timeout', () => {
  it('judges the accounts it collected and names the ones it did not', async () => {
    // Prepare: the data account answers too slowly to finish before the deadline; the cluster account does not.
    sandbox.setFaults([{ account: DATA, latencyMs: 30_000 }]);

    // Act
    const result = (await captured(() =>
      handlers.cutover(
        { cluster: 'prod', from: 'prod-blue', to: 'prod-green', phase: 'pre' },
        lambdaContext('cutover-check', MARGIN_MS + 15_000),
      ),
    )) as CutoverCheckResult;

    // Assess
    expect(result.stoppedEarly).toMatchObject({ incompleteAccounts: [DATA] });
    expect(result.verdict).toBe('NOT_READY');
    // The cluster account was collected: its workloads are judged, not left unknown.
    expect(result.workloads.length).toBeGreaterThan(0);
    expect(lines().find((line) => 'DeadlineReached' in line)).toMatchObject({ DeadlineReached: 1 });
    expect(lines().some((line) => String(line.message).includes('stopped by the deadline'))).toBe(true);
  }, 60_000);

  it('fails with a DeadlineError, not "unknown cluster", when the clusters\' account was not collected', async () => {
    // Act: less time left than the reserve.
    const error = await captured(() =>
      handlers.cutover(
        { cluster: 'prod', from: 'prod-blue', to: 'prod-green', phase: 'pre' },
        lambdaContext('cutover-check', MARGIN_MS / 2),
      ),
    ).catch((failure: Error) => failure);

    // Assess
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as Error).message).toContain(
      `account ${WORKLOADS}, which holds the clusters, was not collected`,
    );
    expect(lines().find((line) => 'DeadlineReached' in line)).toMatchObject({ DeadlineReached: 1 });
  }, 60_000);

  it('without the deadline, reports nothing stopped (near miss)', async () => {
    const result = (await captured(() =>
      handlers.cutover(
        { cluster: 'prod', from: 'prod-blue', to: 'prod-green', phase: 'pre' },
        lambdaContext('cutover-check', 10 * 60_000),
      ),
    )) as CutoverCheckResult;
    expect(result.stoppedEarly).toBeUndefined();
    expect(result.findings.map((finding) => finding.checkId)).not.toContain('CUTOVER_COLLECTION_INCOMPLETE');
  }, 60_000);
});
