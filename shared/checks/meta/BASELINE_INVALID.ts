import { InputError } from '../../errors.js';
import { type Finding, findingId } from '../../model/finding.js';
import { clause, sentence } from '../../text.js';
import type { Check } from '../types.js';

/** The baseline could not be loaded; raised by the caller, never by the engine (which needs a valid baseline). */
export const check: Check = {
  meta: {
    id: 'BASELINE_INVALID',
    title: 'Baseline is invalid',
    severity: 'CRITICAL',
    category: 'meta',
    description:
      'The baseline file fails to parse or validate, so nothing can be audited against it. The CLI prints the problems (file, line, field) and exits 1; the nightly audit publishes this finding alone and no other result, so a broken baseline can never look like a clean or a drifted estate.',
    remediation:
      'Fix the listed problems and check the file before uploading it: `eks-identity-audit baseline validate baseline.yaml`.',
    docsUrl: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html',
  },
  // The engine only runs with a valid baseline; callers build this finding with baselineInvalidFinding.
  evaluate: () => [],
};

/** What {@link baselineInvalidFinding} needs. */
export interface BaselineInvalidInput {
  /** Where the baseline came from: a path or `s3://bucket/key`. */
  source: string;
  /** The load error; an {@link InputError}'s problems are listed one by one. */
  error: unknown;
  /** The account the finding is filed under (the audit account); empty when unknown. */
  accountId?: string;
  region?: string;
}

/**
 * Builds the BASELINE_INVALID finding for a baseline that failed to load. Its id depends only on
 * the source, so successive nights update one finding instead of piling up new ones.
 *
 * @example baselineInvalidFinding({ source: 's3://audit-config/baseline.yaml', error, accountId: '999988887777' })
 */
export function baselineInvalidFinding(input: BaselineInvalidInput): Finding {
  const { source, error } = input;
  const summary = error instanceof Error ? error.message : String(error);
  const problems = error instanceof InputError ? error.problems : [];
  const location = problems.map(parseLocation).find((found) => found !== undefined);
  const shown = problems.slice(0, 5).join('; ');
  const more = problems.length > 5 ? ` and ${problems.length - 5} more` : '';
  return {
    id: findingId(check.meta.id, source),
    checkId: check.meta.id,
    severity: check.meta.severity,
    title: check.meta.title,
    message: sentence(
      `Baseline ${source} is invalid (${clause(summary)}${shown ? `: ${shown}${more}` : ''}); nothing was audited. Fix the baseline and upload it again`,
    ),
    accountId: input.accountId ?? '',
    ...(input.region ? { region: input.region } : {}),
    resource: { type: 'Baseline', id: source },
    evidence: { error: summary, problems },
    remediation: check.meta.remediation,
    ...(location ? { baselineLocation: location } : {}),
  };
}

/** `file:line:column ...` at the start of a problem line, when present. */
function parseLocation(problem: string): Finding['baselineLocation'] {
  const match = /^(.+?):(\d+):(\d+)\b/.exec(problem);
  return match ? { file: match[1], line: Number(match[2]), column: Number(match[3]) } : undefined;
}
