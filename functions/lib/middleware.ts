import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { type Clock, defaultClock } from '../../shared/clock.js';
import { AuditError, InputError } from '../../shared/errors.js';
import type { CollectionError } from '../../shared/model/index.js';
import { logger, metrics } from './observability.js';

/** Thrown by the early-timeout guard's signal: the function stopped before the Lambda limit. */
export class DeadlineError extends AuditError {
  override name = 'DeadlineError';
}

/** The Lambda context plus the signal the early-timeout middleware aborts before the hard limit. */
export interface AuditContext extends Context {
  /** Aborted `marginMs` before the Lambda timeout, so the handler can still write what it has. */
  deadline: AbortSignal;
}

/** One invalid field of an event: its path (`old.clusterName`, `regions[0]`, or `(event)`) and what is wrong. */
export interface EventIssue {
  path: string;
  message: string;
}

/** At most this many issues are listed: a payload with thousands of bad items still gets a short error. */
export const MAX_EVENT_ISSUES = 20;
/** Longest path or message kept per issue; paths and messages can echo keys taken from the payload. */
const MAX_ISSUE_TEXT = 200;

/**
 * An invocation payload that fails validation, raised before any work starts. Lambda reports it as
 * `{ errorType: 'EventValidationError', errorMessage: 'invalid event: event.from: ...' }` to a
 * direct invoke, and Step Functions sees the task fail with that error name.
 */
export class EventValidationError extends InputError {
  override name = 'EventValidationError';
  /** The HTTP status this error stands for: the caller's request is wrong and retrying will not help. */
  readonly statusCode = 400;
  readonly issues: EventIssue[];

  constructor(issues: EventIssue[], omitted = 0) {
    const problems = issues.map((issue) => `${eventPath(issue.path)}: ${issue.message}`);
    const more = omitted > 0 ? `; and ${omitted} more` : '';
    super(`invalid event: ${problems.join('; ')}${more}`, problems);
    this.issues = issues;
  }
}

/** `event.old.clusterName`, `event[0]`, or `event` for the whole payload. */
const eventPath = (path: string) =>
  path === '(event)' ? 'event' : path.startsWith('[') ? `event${path}` : `event.${path}`;

const bounded = (text: string) =>
  // Control characters from payload keys would break one-line logs and terminals.
  (text.length > MAX_ISSUE_TEXT ? `${text.slice(0, MAX_ISSUE_TEXT)}…` : text).replace(
    /[\u0000-\u001f\u007f]/g,
    ' ',
  );

/** `old.clusterName`, `regions[0]`; the event itself is `(event)`. */
function issuePath(path: ReadonlyArray<PropertyKey>): string {
  const text = path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
  return text === '' ? '(event)' : bounded(text);
}

/**
 * Validates the event against a zod schema and replaces it with the parsed value.
 *
 * @throws EventValidationError naming every invalid field (`event.accountId: ...`, at most
 *   {@link MAX_EVENT_ISSUES}), before any work starts.
 */
export function validateEvent<S extends z.ZodType>(
  schema: S,
): MiddlewareObj<unknown, unknown, Error, Context> {
  const validateEventBefore = async (request: { event: unknown }) => {
    const parsed = schema.safeParse(request.event);
    if (!parsed.success) {
      const all = parsed.error.issues;
      const issues = all
        .slice(0, MAX_EVENT_ISSUES)
        .map((issue) => ({ path: issuePath(issue.path), message: bounded(issue.message) }));
      throw new EventValidationError(issues, all.length - issues.length);
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

/**
 * The error recorded on an account whose collection the deadline cut short: the account is then
 * reported incomplete, never judged on half its data.
 *
 * @param operation the step that stopped (`CollectAccount`, `CutoverCheck`).
 */
export function deadlineCollectionError(
  operation: string,
  accountId: string,
  reason: string,
): CollectionError {
  return {
    service: 'lambda',
    operation,
    code: 'Timeout',
    message: `collection of account ${accountId} stopped before the Lambda time limit (${reason}); the account is reported incomplete`,
  };
}

/** Options of {@link earlyTimeout}. */
export interface EarlyTimeoutOptions {
  /** Time kept in reserve to write results after the signal fires. Default 60 s. */
  marginMs?: number;
  /**
   * The clock the remaining time runs down on. Default: {@link defaultClock} (the system clock
   * outside tests); a test gives the context's remaining time and this clock the same timeline.
   */
  clock?: Clock;
}

const EARLY_TIMEOUT_DEFAULTS = { marginMs: 60_000 };

/** The metric counting invocations whose deadline signal fired (one per such invocation). */
export const DEADLINE_METRIC = 'DeadlineReached';

/**
 * Puts an AbortSignal on the context (`context.deadline`) that fires `marginMs` before the Lambda
 * limit (immediately when less time than that remains), so a long step stops early and says so.
 * When it fires it logs a warning and adds one `DeadlineReached` metric, flushed with the others.
 */
export function earlyTimeout(
  options: EarlyTimeoutOptions = {},
): MiddlewareObj<unknown, unknown, Error, Context> {
  const { marginMs } = { ...EARLY_TIMEOUT_DEFAULTS, ...options };
  if (!(Number.isFinite(marginMs) && marginMs >= 0)) {
    throw new RangeError(`earlyTimeout marginMs must be a non-negative number, got ${marginMs}`);
  }
  let timer: AbortController | undefined;
  const earlyTimeoutBefore = async (request: { context: Context }) => {
    // Read per invocation: the process's clock is chosen after the handler module loads.
    const clock = options.clock ?? defaultClock();
    const controller = new AbortController();
    const budget = request.context.getRemainingTimeInMillis() - marginMs;
    const abort = () => {
      controller.abort(new DeadlineError(`stopped ${marginMs} ms before the Lambda time limit`));
      // Said once here for every handler; the handler says what it did about it in its result.
      logger.warn('deadline reached: stopping early to write what has been done', {
        marginMs,
        remainingMs: request.context.getRemainingTimeInMillis(),
      });
      metrics.addMetric(DEADLINE_METRIC, MetricUnit.Count, 1);
    };
    if (budget <= 0) abort();
    else {
      timer = new AbortController();
      // A cancelled wait rejects; only a wait that ran out fires the deadline.
      clock.sleep(budget, timer.signal).then(abort, () => {});
    }
    (request.context as AuditContext).deadline = controller.signal;
  };
  const earlyTimeoutCleanup = async () => {
    timer?.abort();
    timer = undefined;
  };
  return { before: earlyTimeoutBefore, after: earlyTimeoutCleanup, onError: earlyTimeoutCleanup };
}

/**
 * Logs a failure once with its details (an InputError's problems, the cause) and lets it
 * propagate: the invocation fails and Step Functions sees the error name. An invalid event is
 * logged as a warning: the caller is at fault, not the function.
 */
export function logErrors(): MiddlewareObj<unknown, unknown, Error, Context> {
  const logErrorsOnError = async (request: { error: Error | null }) => {
    const error = request.error;
    if (!error) return;
    if (error instanceof EventValidationError) logger.warn(error.message, { issues: error.issues });
    else if (error instanceof InputError) logger.error(error.message, { problems: error.problems });
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
 * Wraps a handler in the house middleware stack: Logger → Metrics (the order middy's Powertools
 * page advises, so the metrics flush last), then error logging, the early-timeout signal and event
 * validation. Tracing is Lambda's own active tracing (no X-Ray SDK in the bundle).
 *
 * @example export const handler = auditHandler({ event: PlanEventSchema }, async (event, context) => plan(event));
 */
export function auditHandler<S extends z.ZodType, R>(
  options: AuditHandlerOptions<S>,
  handler: (event: z.infer<S>, context: AuditContext) => Promise<R>,
): MiddyfiedHandler<unknown, R, Error, Context> {
  return middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true, throwOnEmptyMetrics: false }))
    .use(logErrors())
    .use(earlyTimeout(options.timeoutMarginMs === undefined ? {} : { marginMs: options.timeoutMarginMs }))
    .use(validateEvent(options.event))
    .handler((event, context) => handler(event as z.infer<S>, context as AuditContext));
}
