import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventValidationError, MAX_EVENT_ISSUES } from '../../functions/lib/middleware.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { InputError } from '../../shared/errors.js';
import { lambdaContext } from '../functions/support.js';
import { useSandboxCredentials } from '../support/sandbox.js';
import { functionEnvironment, importHandlers } from './security-run.js';

// The middleware module creates the logger on import, before beforeAll runs.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

let sandbox: SandboxHandle;
let restoreEnv: () => void;
let handlers: Awaited<ReturnType<typeof importHandlers>>;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  restoreEnv = useSandboxCredentials(sandbox, {
    ...functionEnvironment(sandbox.url),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  handlers = await importHandlers();
});

afterAll(async () => {
  await sandbox?.close();
  restoreEnv?.();
});

/** What Lambda returns to the caller of a failed invocation (`FunctionError: Unhandled`). */
function lambdaErrorPayload(error: Error) {
  return { errorType: error.name, errorMessage: error.message };
}

const STARTED = '2026-11-29T02:00:00Z';
const SHA = 'a'.repeat(64);
const validAnalyze = {
  runId: 'run-1',
  startedAt: STARTED,
  baseline: { bucket: 'b-bucket', key: 'baseline.yaml', sha256: SHA },
  accounts: [{ accountId: '222233334444', regions: ['eu-west-1'] }],
};

/** [function, payload, the field paths the error must name] */
const MALFORMED: Array<[keyof typeof handlers, string, unknown, string[]]> = [
  ['cutover', 'no payload at all', null, ['(event)']],
  ['cutover', 'a list instead of an object', [{ cluster: 'prod' }], ['(event)']],
  ['cutover', 'every field missing', {}, ['cluster', 'from', 'to']],
  [
    'cutover',
    'a cluster name with spaces',
    { cluster: 'prod', from: 'prod blue', to: 'prod-green' },
    ['from'],
  ],
  [
    'cutover',
    'an unknown phase',
    { cluster: 'prod', from: 'prod-blue', to: 'prod-green', phase: 'during' },
    ['phase'],
  ],
  [
    'cutover',
    'a misspelt key',
    { cluster: 'prod', from: 'prod-blue', to: 'prod-green', phsae: 'post' },
    ['(event)'],
  ],
  [
    'cutover',
    'since that is not a time',
    { cluster: 'prod', from: 'a', to: 'b', since: 'yesterday' },
    ['since'],
  ],
  ['cutover', 'numbers for names', { cluster: 7, from: 1, to: 2 }, ['cluster', 'from', 'to']],
  ['cutover', 'a megabyte cluster name', { cluster: 'x'.repeat(1_000_000), from: 'a', to: 'b' }, ['cluster']],
  [
    'collect',
    'a short account id',
    { runId: 'r', startedAt: STARTED, accountId: '1234', regions: [] },
    ['accountId'],
  ],
  [
    'collect',
    'a bad region inside the list',
    { runId: 'r', startedAt: STARTED, accountId: '222233334444', regions: ['eu-west-1', 'mars-1'] },
    ['regions[1]'],
  ],
  [
    'collect',
    'a run id with a path in it',
    { runId: '../x', startedAt: STARTED, accountId: '222233334444', regions: [] },
    ['runId'],
  ],
  [
    'analyze',
    'a baseline hash that is not SHA-256',
    { ...validAnalyze, baseline: { ...validAnalyze.baseline, sha256: 'x' } },
    ['baseline.sha256'],
  ],
  [
    'analyze',
    'an account listed twice',
    { ...validAnalyze, accounts: [validAnalyze.accounts[0], validAnalyze.accounts[0]] },
    ['accounts'],
  ],
  ['plan', 'a scheduled time that is not a time', { scheduledTime: 'tonight' }, ['scheduledTime']],
];

describe('invalid on-demand and workflow payloads', () => {
  it.each(MALFORMED)(
    '%s: %s is refused with a validation error naming the field',
    async (name, _what, event, fields) => {
      // Prepare
      sandbox.resetCalls();

      // Act
      const error = await handlers[name](event, lambdaContext(name)).then(
        () => undefined,
        (failure: Error) => failure,
      );

      // Assess
      expect(error).toBeInstanceOf(EventValidationError);
      const invalid = error as EventValidationError;
      expect(invalid).toBeInstanceOf(InputError);
      expect(invalid.statusCode).toBe(400);
      expect(invalid.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(fields));
      const payload = lambdaErrorPayload(invalid);
      expect(payload.errorType).toBe('EventValidationError');
      for (const field of fields) {
        expect(payload.errorMessage).toContain(field === '(event)' ? 'event: ' : `event.${field}`);
      }
      // Bounded, and nothing was read, collected or published.
      expect(payload.errorMessage.length).toBeLessThan(4_000);
      expect(sandbox.calls().total).toBe(0);
    },
  );

  it('lists at most the first issues of a payload with thousands of bad items', async () => {
    const regions = Array.from({ length: 5_000 }, (_, index) => `bad region ${index}`);
    const error = (await handlers
      .collect(
        { runId: 'r', startedAt: STARTED, accountId: '222233334444', regions },
        lambdaContext('collect'),
      )
      .catch((failure: Error) => failure)) as EventValidationError;
    expect(error.issues).toHaveLength(MAX_EVENT_ISSUES);
    expect(error.message).toContain(`and ${5_000 - MAX_EVENT_ISSUES} more`);
    expect(error.message.length).toBeLessThan(4_000);
  });

  it('keeps control characters of payload keys out of the message', async () => {
    const error = (await handlers
      .cutover({ cluster: 'prod', from: 'a', to: 'b', 'evil\n{"level":"INFO"}': 1 }, lambdaContext('cutover'))
      .catch((failure: Error) => failure)) as EventValidationError;
    expect(error).toBeInstanceOf(EventValidationError);
    expect(error.message).not.toContain('\n');
  });

  it('runs a well-formed cutover request (near miss)', async () => {
    const result = (await handlers.cutover(
      { cluster: 'prod', from: 'prod-blue', to: 'prod-green', phase: 'pre' },
      lambdaContext('cutover-check'),
    )) as { cutoverVersion: number; verdict: string };
    expect(result.cutoverVersion).toBe(1);
    expect(['READY', 'NOT_READY']).toContain(result.verdict);
  }, 60_000);
});
