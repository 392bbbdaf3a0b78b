/**
 * Bad input from a user (baseline, snapshot, policy file, flags, event payload). The CLI prints
 * `message` (and every entry of `problems`) without a stack trace and exits 1.
 */
export class InputError extends Error {
  override name = 'InputError';
  /** One line per problem, each naming file:line:column and field where known. */
  readonly problems: string[];

  constructor(message: string, problems: string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.problems = problems;
  }
}
