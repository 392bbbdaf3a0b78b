/** Public types of the local AWS sandbox. */

/**
 * A fault injected into matching requests. Every matcher is optional (an empty matcher matches
 * every request); the effects apply in order: latency, access denied, expired token, hang, throttling, rate limit,
 * error.
 *
 * @example { account: '222233334444', service: 'eks', operation: 'ListClusters', accessDenied: true }
 */
export interface FaultRule {
  /** The caller's account (the account of the request's credentials). */
  account?: string;
  /**
   * The account the call reaches into: for `sts` `AssumeRole`, the account of `RoleArn`; for every
   * other call, the caller's own account. Lets a rule refuse the assume into one member account.
   */
  targetAccount?: string;
  /** Signing name: `sts`, `iam`, `eks`, `cloudtrail`, `sns`, `securityhub`, `s3`. */
  service?: string;
  /** Operation name as the SDK spells it (`ListClusters`, `LookupEvents`, `PutObject`). */
  operation?: string;
  region?: string;
  /** S3 only: the object key starts with this (`reports/`, `state/usage/`). */
  keyPrefix?: string;
  /** Delay before the response, in milliseconds. */
  latencyMs?: number;
  /** Throttle with a probability (0–1, seeded) or the first N matching calls. */
  throttle?: { probability?: number; firstCalls?: number };
  /**
   * Token bucket per account-region and operation: `rps` refill per second, `burst` capacity;
   * `perOperation: false` shares one bucket among the service's operations.
   */
  rateLimit?: { rps: number; burst?: number; perOperation?: boolean };
  /**
   * An error answer (default 500 with the service's internal error code) on every matching call, or
   * on the first `firstCalls` of them. `bare`: the status with an empty body and no error code, as a
   * proxy or an emulator that lacks the operation answers (a 404 that names no AWS error).
   */
  error?: { status?: number; code?: string; message?: string; firstCalls?: number; bare?: boolean };
  /** Answer with the service's AccessDenied error. */
  accessDenied?: boolean;
  /** Answer `ExpiredToken` (`ExpiredTokenException`), as for a session past its expiry. */
  expiredToken?: boolean;
  /**
   * Never answer (every matching call, or the first `firstCalls`): the connection stays open until
   * the client gives up or the sandbox closes, as with an unresponsive endpoint.
   */
  hang?: { firstCalls?: number };
  /**
   * Security Hub `BatchImportFindings` only: answer 200 but refuse every `every`-th finding of the
   * batch (default: all) in `FailedFindings` with `code` (default `InternalException`), on every
   * matching call or the first `firstCalls`.
   */
  failFindings?: { every?: number; code?: string; firstCalls?: number };
}

/** Counts per account → service → operation. */
export type OperationCounts = Record<string, Record<string, Record<string, number>>>;

/**
 * Request counts (`GET /_sandbox/calls`): account ids as keys (unauthenticated requests under
 * `unknown`), plus `total`, the throttled subset (`throttled`, same shape with its own `total`)
 * and the requests fault rules failed or left unanswered (`injected`, same shape).
 *
 * @example counts['222233334444'].eks.ListClusters === 3
 */
export type CallCounts = {
  total: number;
  throttled: OperationCounts & { total: number };
  /** Requests a fault rule answered with an error (throttling included) or never answered. */
  injected: OperationCounts & { total: number };
} & OperationCounts;

/** An SNS message as published to the sandbox. */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  accountId: string;
  region: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  attributes: Record<string, { dataType: string; stringValue?: string; binaryValue?: string }>;
  /** ISO-8601 time of the publish. */
  time: string;
}

/** The starting identity of the scenario (the audit account's operator). */
export interface SandboxCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present when the starting identity is a role session. */
  sessionToken?: string;
  accountId: string;
  /** The caller ARN GetCallerIdentity returns (user ARN or assumed-role session ARN). */
  principalArn: string;
  /** The scenario's home region. */
  region: string;
}

/** A running sandbox. */
export interface SandboxHandle {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  close(): Promise<void>;
  credentials: SandboxCredentials;
  /** Replaces the world with a scenario (a name like `demo`, a file path, YAML text, or a parsed scenario). */
  loadScenario(scenario: string | import('./scenario.js').Scenario): void;
  /** Replaces the run-time faults (scenario faults stay). */
  setFaults(faults: FaultRule[]): void;
  calls(): CallCounts;
  resetCalls(): void;
  snsMessages(): PublishedMessage[];
  securityHubFindings(): unknown[];
  s3Object(bucket: string, key: string): Buffer | undefined;
  /** Multipart uploads of a bucket started and neither completed nor aborted (key and parts uploaded). */
  s3Uploads(bucket: string): Array<{ key: string; uploadId: string; parts: number }>;
}
