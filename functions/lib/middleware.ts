import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { InputError } from '../../shared/errors.js';
import { logger, metrics, tracer } from './observability.js';

/** Thrown by the early-timeout guard's signal: the function stopped before the Lambda limit. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** The Lambda context plus the signal the early-timeout middleware aborts before the hard limit. */
export interface AuditContext extends Context {
  /** Aborted `marginMs` before the Lambda timeout, so the handler can still write what it has. */
  deadline: AbortSignal;
}

/**
 * Validates the event against a zod schema and replaces it with the parsed value.
 *
 * @throws InputError naming every invalid field (`event.accountId: ...`), before any work starts.
 */
export function validateEvent<S extends z.ZodType>(
  schema: S,
): MiddlewareObj<unknown, unknown, Error, Context> {
  const validateEventBefore = async (request: { event: unknown }) => {
    const parsed = schema.safeParse(request.event);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) =>
          `event${issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('')}: ${issue.message}`,
      );
      throw new InputError(`invalid event: ${problems.join('; ')}`, problems);
    }
    request.event = parsed.data;
  };
  return { before: validateEventBefore };
}

/** How a race against the deadline ended. */
export type RaceOutcome<T> = { kind: 'done'; value: T } | { kind: 'deadline'; reason: string };

/** Resolves with the work's result, or with the deadline's reason if the signal fires first. */
export function raceDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<RaceOutcome<T>> {
  const reasonOf = () =>
    deadline.reason instanceof Error ? deadline.reason.message : String(deadline.reason);
  if (deadline.aborted) {
    // The abandoned work may still fail later; that must not become an unhandled rejection.
    work.catch(() => {});
    return Promise.resolve({ kind: 'deadline', reason: reasonOf() });
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      resolve({ kind: 'deadline', reason: reasonOf() });
    };
    deadline.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        deadline.removeEventListener('abort', onAbort);
        resolve({ kind: 'done', value });
      },
      (error: unknown) => {
        deadline.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Options of {@link earlyTimeout}. */
export interface EarlyTimeoutOptions {
  /** Time kept in reserve to write results after the signal fires. Default 60 s. */
  marginMs?: number;
}

const EARLY_TIMEOUT_DEFAULTS: Required<EarlyTimeoutOptions> = { marginMs: 60_000 };

/**
 * Puts an AbortSignal on the context (`context.deadline`) that fires `marginMs` before the Lambda
 * limit (immediately when less time than that remains), so a long step stops early and says so.
 */
export function earlyTimeout(
  options: EarlyTimeoutOptions = {},
): MiddlewareObj<unknown, unknown, Error, Context> {
  const { marginMs } = { ...EARLY_TIMEOUT_DEFAULTS, ...options };
  if (!(Number.isFinite(marginMs) && marginMs >= 0)) {
    throw new RangeError(`earlyTimeout marginMs must be a non-negative number, got ${marginMs}`);
  }
  let timer: NodeJS.Timeout | undefined;
  const earlyTimeoutBefore = async (request: { context: Context }) => {
    const controller = new AbortController();
    const budget = request.context.getRemainingTimeInMillis() - marginMs;
    const abort = () =>
      controller.abort(new DeadlineError(`stopped ${marginMs} ms before the Lambda time limit`));
    if (budget <= 0) abort();
    else timer = setTimeout(abort, budget);
    (request.context as AuditContext).deadline = controller.signal;
  };
  const earlyTimeoutCleanup = async () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return { before: earlyTimeoutBefore, after: earlyTimeoutCleanup, onError: earlyTimeoutCleanup };
}

/**
 * Logs a failure once with its details (an InputError's problems, the cause) and lets it
 * propagate: the invocation fails and Step Functions sees the error name.
 */
export function logErrors(): MiddlewareObj<unknown, unknown, Error, Context> {
  const logErrorsOnError = async (request: { error: Error | null }) => {
    const error = request.error;
    if (!error) return;
    if (error instanceof InputError) logger.error(error.message, { problems: error.problems });
    else logger.error('invocation failed', error);
    // Returning nothing leaves request.error set, so middy rethrows it.
  };
  return { onError: logErrorsOnError };
}

/** Options of {@link auditHandler}. */
export interface AuditHandlerOptions<S extends z.ZodType> {
  /** Validates the incoming event. */
  event: S;
  /** Reserve kept before the Lambda limit (see {@link earlyTimeout}). */
  timeoutMarginMs?: number;
}

/**
 * Wraps a handler in the house middleware stack: Tracer → Logger → Metrics (the order middy's
 * Powertools page advises, so the metrics flush last and the trace covers everything), then error
 * logging, the early-timeout signal and event validation.
 *
 * @example export const handler = auditHandler({ event: PlanEventSchema }, async (event, context) => plan(event));
 */
export function auditHandler<S extends z.ZodType, R>(
  options: AuditHandlerOptions<S>,
  handler: (event: z.infer<S>, context: AuditContext) => Promise<R>,
): MiddyfiedHandler<unknown, R, Error, Context> {
  return middy<unknown, R, Error, Context>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true, throwOnEmptyMetrics: false }))
    .use(logErrors())
    .use(earlyTimeout(options.timeoutMarginMs === undefined ? {} : { marginMs: options.timeoutMarginMs }))
    .use(validateEvent(options.event))
    .handler((event, context) => handler(event as z.infer<S>, context as AuditContext));
}
