/**
 * The base of every error eks-identity-audit throws on purpose. Like the errors of Powertools for
 * AWS Lambda and middy it carries what went wrong underneath as the standard `cause`, so a log or
 * a test can follow the chain; `instanceof AuditError` tells our errors from everyone else's.
 * Each subclass names itself (`name`), which is what Lambda and Step Functions report as the
 * error type.
 */
export class AuditError extends Error {
  override name = 'AuditError';

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Bad input from a user (baseline, snapshot, policy file, flags, event payload). The CLI prints
 * `message` (and every entry of `problems`) without a stack trace and exits 1.
 */
export class InputError extends AuditError {
  override name = 'InputError';
  /** One line per problem, each naming file:line:column and field where known. */
  readonly problems: string[];

  constructor(message: string, problems: string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.problems = problems;
  }
}
