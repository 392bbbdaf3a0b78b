import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  type AuditContext,
  auditHandler,
  DEADLINE_METRIC,
  DeadlineError,
  EventValidationError,
  raceDeadline,
} from '../../../functions/lib/middleware.js';
import { logger, metrics } from '../../../functions/lib/observability.js';
import { InputError } from '../../../shared/errors.js';
import { lambdaContext } from '../support.js';

// Before the imports: the logger reads its level when the observability module loads.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const Schema = z.object({
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  regions: z.array(z.string()),
});

describe('auditHandler', () => {
  it('passes the parsed event and a live deadline signal to the handler', async () => {
    // Prepare
    let seen: AuditContext | undefined;
    const handler = auditHandler({ event: Schema }, async (event, context) => {
      seen = context;
      return event.regions.length;
    });

    // Act
    const result = await handler(
      { accountId: '111122223333', regions: ['eu-west-1'] },
      lambdaContext('test'),
    );

    // Assess
    expect(result).toBe(1);
    expect(seen?.deadline.aborted).toBe(false);
  });

  it('rejects an invalid event with an InputError naming each field, before the handler runs', async () => {
    let ran = false;
    const handler = auditHandler({ event: Schema }, async () => {
      ran = true;
    });
    const error = await handler({ accountId: '42', regions: 'eu-west-1' }, lambdaContext('test')).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems).toEqual([
      'event.accountId: must be a 12-digit account id',
      expect.stringMatching(/^event\.regions: /),
    ]);
    expect(ran).toBe(false);
  });

  it('rethrows what the handler throws, unchanged', async () => {
    const failure = new Error('S3 is down');
    const handler = auditHandler({ event: z.object({}) }, async () => {
      throw failure;
    });
    await expect(handler({}, lambdaContext('test'))).rejects.toBe(failure);
  });

  it('aborts the deadline at once when less than the margin remains', async () => {
    let signal: AbortSignal | undefined;
    const handler = auditHandler(
      { event: z.object({}), timeoutMarginMs: 60_000 },
      async (_event, context) => {
        signal = context.deadline;
      },
    );
    await handler({}, lambdaContext('test', 30_000));
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(DeadlineError);
  });
});

describe('raceDeadline', () => {
  it('returns the work when it finishes first', async () => {
    const outcome = await raceDeadline(Promise.resolve('done'), new AbortController().signal);
    expect(outcome).toEqual({ kind: 'done', value: 'done' });
  });

  it('returns the deadline reason when the signal fires first, and swallows the late failure of the work', async () => {
    const controller = new AbortController();
    let fail: (error: Error) => void = () => {};
    const work = new Promise<string>((_resolve, reject) => {
      fail = reject;
    });
    const race = raceDeadline(work, controller.signal);
    controller.abort(new DeadlineError('stopped early'));
    expect(await race).toEqual({ kind: 'deadline', reason: 'stopped early' });
    fail(new Error('late failure'));
  });

  it('propagates a failure of the work that comes before the deadline', async () => {
    await expect(
      raceDeadline(Promise.reject(new Error('boom')), new AbortController().signal),
    ).rejects.toThrow('boom');
  });
});

describe('event validation errors', () => {
  it('carry a 400 status, the issues by path, and a message naming each field', async () => {
    // Prepare
    const handler = auditHandler(
      { event: z.object({ old: z.object({ clusterName: z.string() }), regions: z.array(z.string()) }) },
      async () => 'ran',
    );

    // Act
    const error = (await handler({ old: {}, regions: ['eu-west-1', 7] }, lambdaContext('test')).catch(
      (e) => e,
    )) as EventValidationError;

    // Assess
    expect(error).toBeInstanceOf(EventValidationError);
    expect(error.name).toBe('EventValidationError');
    expect(error.statusCode).toBe(400);
    expect(error.issues.map((issue) => issue.path)).toEqual(['old.clusterName', 'regions[1]']);
    expect(error.message).toMatch(/^invalid event: event\.old\.clusterName: .*; event\.regions\[1\]: /);
  });

  it('name the payload itself when it is not an object', async () => {
    const handler = auditHandler({ event: z.object({}) }, async () => 'ran');
    const error = (await handler([1, 2], lambdaContext('test')).catch((e) => e)) as EventValidationError;
    expect(error.issues).toEqual([{ path: '(event)', message: expect.any(String) }]);
    expect(error.message).toMatch(/^invalid event: event: /);
  });
});

describe('the deadline', () => {
  it('logs a warning and counts a DeadlineReached metric when it fires', async () => {
    // Prepare
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => {});
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const handler = auditHandler({ event: z.object({}), timeoutMarginMs: 60_000 }, async () => 'done');

    // Act
    await handler({}, lambdaContext('test', 30_000));

    // Assess
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/^deadline reached/),
      expect.objectContaining({ marginMs: 60_000 }),
    );
    expect(addMetric).toHaveBeenCalledWith(DEADLINE_METRIC, 'Count', 1);
    warn.mockRestore();
    addMetric.mockRestore();
  });

  it('says nothing when there is time to spare (near miss)', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => {});
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const handler = auditHandler({ event: z.object({}), timeoutMarginMs: 60_000 }, async () => 'done');
    await handler({}, lambdaContext('test', 600_000));
    expect(warn).not.toHaveBeenCalled();
    expect(addMetric.mock.calls.filter(([name]) => name === DEADLINE_METRIC)).toEqual([]);
    warn.mockRestore();
    addMetric.mockRestore();
  });
});
