import type { Context } from 'aws-lambda';
import { type Clock, defaultClock } from '../../shared/clock.js';

/**
 * A Lambda context as the runtime passes it, with a controllable remaining time that runs down on
 * `clock` (default: the process's clock, which the handlers' deadline middleware also waits on).
 */
export function lambdaContext(
  functionName: string,
  remainingMs = 900_000,
  clock: Clock = defaultClock(),
): Context {
  const deadline = clock.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:111122223333:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: `req-${functionName}-${Math.random().toString(16).slice(2, 10)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/29/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - clock.now())),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
