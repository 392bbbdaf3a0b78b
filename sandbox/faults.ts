import type { CallCounts, FaultRule, OperationCounts } from './types.js';
import { seededRandom } from './wire.js';

/** What the fault rules decided for one request. */
export interface FaultDecision {
  latencyMs: number;
  /** Findings of a BatchImportFindings batch to refuse (the request itself succeeds). */
  failFindings?: { every: number; code: string };
  outcome?:
    | { kind: 'accessDenied' }
    | { kind: 'expiredToken' }
    | { kind: 'hang' }
    | { kind: 'throttle' }
    | { kind: 'error'; status: number; code?: string; message?: string; bare?: boolean };
}

/** The request attributes rules match on. */
export interface FaultTarget {
  account: string;
  /** The account the call reaches into (see {@link FaultRule.targetAccount}). */
  targetAccount: string;
  service: string;
  operation: string;
  region: string;
  /** S3 object key, when the call names one. */
  key?: string;
}

/**
 * Documented service limits applied unless the sandbox runs without limits: CloudTrail
 * `LookupEvents` 2/s per account-region, Security Hub `BatchImportFindings` 10 TPS (burst 30) and
 * `GetFindings` 3 TPS (burst 6).
 */
export const DEFAULT_LIMITS: FaultRule[] = [
  { service: 'cloudtrail', operation: 'LookupEvents', rateLimit: { rps: 2, burst: 2 } },
  { service: 'securityhub', operation: 'BatchImportFindings', rateLimit: { rps: 10, burst: 30 } },
  { service: 'securityhub', operation: 'GetFindings', rateLimit: { rps: 3, burst: 6 } },
  // AWS publishes no fixed Organizations rate; a modest shared bucket makes discovery meet TooManyRequestsException.
  { service: 'organizations', rateLimit: { rps: 5, burst: 10, perOperation: false } },
];

interface TokenBucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Applies fault rules and counts calls. Rate limits are token buckets per rule, account, region
 * and operation, refilled by `clockMs` (monotonic milliseconds: the sandbox's clock, not the
 * scenario clock, which may be frozen).
 */
export class FaultEngine {
  private baseRules: FaultRule[] = [];
  private runtimeRules: FaultRule[] = [];
  private readonly matchCounts = new Map<FaultRule, number>();
  private readonly buckets = new Map<string, TokenBucket>();
  private random: () => number;
  private counts: OperationCounts = {};
  private throttledCounts: OperationCounts = {};
  private injectedCounts: OperationCounts = {};
  private total = 0;
  private throttledTotal = 0;
  private injectedTotal = 0;

  constructor(
    seed: string | number,
    private readonly clockMs: () => number = () => performance.now(),
  ) {
    this.random = seededRandom(`faults/${seed}`);
  }

  /** Rules that come with the scenario (and the default limits); resets rule state. */
  setBaseRules(rules: FaultRule[], seed: string | number): void {
    this.baseRules = rules;
    this.random = seededRandom(`faults/${seed}`);
    this.matchCounts.clear();
    this.buckets.clear();
  }

  /** Rules set at run time (`POST /_sandbox/faults`); replaces the previous run-time rules. */
  setRuntimeRules(rules: FaultRule[]): void {
    for (const rule of this.runtimeRules) this.matchCounts.delete(rule);
    this.runtimeRules = rules;
  }

  /** Counts one request (every request, including those rejected afterwards). */
  recordCall(target: Pick<FaultTarget, 'account' | 'service' | 'operation'>): void {
    this.total += 1;
    increment(this.counts, target);
  }

  /** Counts one throttled request. */
  recordThrottled(target: Pick<FaultTarget, 'account' | 'service' | 'operation'>): void {
    this.throttledTotal += 1;
    increment(this.throttledCounts, target);
  }

  /** Counts one request a fault rule failed, delayed past an answer, or left unanswered. */
  recordInjected(target: Pick<FaultTarget, 'account' | 'service' | 'operation'>): void {
    this.injectedTotal += 1;
    increment(this.injectedCounts, target);
  }

  calls(): CallCounts {
    const throttled = {
      ...structuredClone(this.throttledCounts),
      total: this.throttledTotal,
    } as OperationCounts & {
      total: number;
    };
    const injected = { ...structuredClone(this.injectedCounts), total: this.injectedTotal };
    return { ...structuredClone(this.counts), total: this.total, throttled, injected } as CallCounts;
  }

  resetCalls(): void {
    this.counts = {};
    this.throttledCounts = {};
    this.injectedCounts = {};
    this.total = 0;
    this.throttledTotal = 0;
    this.injectedTotal = 0;
  }

  /** Decides latency and the first failing effect for a request; rules apply in order. */
  evaluate(target: FaultTarget): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const rule of [...this.baseRules, ...this.runtimeRules]) {
      if (!matches(rule, target)) continue;
      const seen = (this.matchCounts.get(rule) ?? 0) + 1;
      this.matchCounts.set(rule, seen);
      decision.latencyMs += rule.latencyMs ?? 0;
      const partial = rule.failFindings;
      if (
        partial &&
        !decision.failFindings &&
        (partial.firstCalls === undefined || seen <= partial.firstCalls)
      ) {
        decision.failFindings = { every: partial.every ?? 1, code: partial.code ?? 'InternalException' };
      }
      if (decision.outcome) continue;
      if (rule.accessDenied) {
        decision.outcome = { kind: 'accessDenied' };
      } else if (rule.expiredToken) {
        decision.outcome = { kind: 'expiredToken' };
      } else if (rule.hang && (rule.hang.firstCalls === undefined || seen <= rule.hang.firstCalls)) {
        decision.outcome = { kind: 'hang' };
      } else if (rule.throttle && this.throttles(rule.throttle, seen)) {
        decision.outcome = { kind: 'throttle' };
      } else if (rule.rateLimit && !this.take(rule, target)) {
        decision.outcome = { kind: 'throttle' };
      } else if (rule.error && (rule.error.firstCalls === undefined || seen <= rule.error.firstCalls)) {
        decision.outcome = {
          kind: 'error',
          status: rule.error.status ?? 500,
          code: rule.error.code,
          message: rule.error.message,
          ...(rule.error.bare ? { bare: true } : {}),
        };
      }
    }
    return decision;
  }

  private throttles(throttle: NonNullable<FaultRule['throttle']>, seen: number): boolean {
    if (throttle.firstCalls !== undefined && seen <= throttle.firstCalls) return true;
    return throttle.probability !== undefined && this.random() < throttle.probability;
  }

  private take(rule: FaultRule, target: FaultTarget): boolean {
    const limit = rule.rateLimit;
    if (!limit) return true;
    const burst = limit.burst ?? Math.max(1, Math.ceil(limit.rps));
    // `perOperation: false` makes one bucket for every operation of the service (EKS per account-region).
    const operation = limit.perOperation === false ? '*' : target.operation;
    const key = `${this.ruleIndex(rule)}|${target.account}|${target.region}|${target.service}|${operation}`;
    const nowMs = this.clockMs();
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedMs: nowMs };
    bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * limit.rps);
    bucket.updatedMs = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private ruleIndex(rule: FaultRule): string {
    const base = this.baseRules.indexOf(rule);
    return base >= 0 ? `b${base}` : `r${this.runtimeRules.indexOf(rule)}`;
  }
}

function matches(rule: FaultRule, target: FaultTarget): boolean {
  return (
    (rule.account === undefined || rule.account === target.account) &&
    (rule.targetAccount === undefined || rule.targetAccount === target.targetAccount) &&
    (rule.service === undefined || rule.service === target.service) &&
    (rule.operation === undefined || rule.operation === target.operation) &&
    (rule.region === undefined || rule.region === target.region) &&
    (rule.keyPrefix === undefined || (target.key?.startsWith(rule.keyPrefix) ?? false))
  );
}

function increment(
  counts: OperationCounts,
  target: Pick<FaultTarget, 'account' | 'service' | 'operation'>,
): void {
  const byService = counts[target.account] ?? {};
  counts[target.account] = byService;
  const byOperation = byService[target.service] ?? {};
  byService[target.service] = byOperation;
  byOperation[target.operation] = (byOperation[target.operation] ?? 0) + 1;
}
