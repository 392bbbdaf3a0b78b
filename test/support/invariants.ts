import type { SandboxHandle } from '../../sandbox/index.js';
import { checks } from '../../shared/checks/index.js';
import { producingScopesComplete } from '../../shared/publish/diff.js';
import type { Report } from '../../shared/report/types.js';
import { activeHubIds, findingsById, metricTotal, type Night } from './nightly.js';

const CATEGORY = new Map(checks.map((check) => [check.meta.id, check.meta.category]));

/** What a fault-free night established: the findings, and what Security Hub holds as active. */
export interface Reference {
  report: Report;
  activeInHub: Set<string>;
}

/** A fault-free night's report and Security Hub state, taken right after it. */
export function referenceOf(night: Night, sandbox: SandboxHandle): Reference {
  if (!night.report || night.planError || night.analyzeError || !night.result) {
    throw new Error(
      `the reference night ${night.runId} did not finish: ${night.planError?.message ?? night.analyzeError?.message ?? 'no report'}`,
    );
  }
  const incomplete = night.report.scopes.filter((scope) => scope.status === 'incomplete');
  if (incomplete.length > 0) {
    // A reference that missed a scope would make every later complete night look like false drift.
    throw new Error(
      `the reference night ${night.runId} left scopes incomplete: ${JSON.stringify(incomplete.slice(0, 3))}`,
    );
  }
  return { report: night.report, activeInHub: activeHubIds(sandbox) };
}

/** How a faulty night ended, for the run summary. */
export type Outcome = 'recovered' | 'degraded' | 'failed loudly';

/** The outcome of a night with faults, and every invariant it broke (none, when all is well). */
export interface Verdict {
  outcome: Outcome;
  violations: string[];
  /** Findings of complete scopes that reached neither the report nor Security Hub, unannounced. */
  lost: number;
}

/**
 * Judges a night run under faults against the fault-free reference of the same, unchanged
 * organization (docs/architecture.md §3):
 * - it finishes or fails loudly: a failed step throws an error that names what failed;
 * - no finding lost: every reference finding whose producing scopes this night collected completely
 *   is in its report, and active in Security Hub unless the night failed loudly over Security Hub;
 * - no false drift: the night claims nothing the reference does not (COLLECTION_INCOMPLETE aside);
 * - no false resolution: whatever Security Hub held active before is still active;
 * - the failure shows: a degraded night has incomplete scopes or usage gaps in its report, result
 *   and metrics; a failed one has an error, and a failed publish a `PublishFailures` metric.
 */
export function judgeNight(reference: Reference, night: Night, activeAfter: Set<string>): Verdict {
  const violations: string[] = [];
  let lost = 0;
  const failedStep = night.planError ?? night.analyzeError;
  const failedItems = night.parts.filter((part) => 'Error' in part);
  if (failedStep && !/\w/.test(failedStep.message)) violations.push('a step failed without a message');

  for (const id of reference.activeInHub) {
    if (!activeAfter.has(id)) violations.push(`false resolution: ${id} is no longer active in Security Hub`);
  }

  const report = night.report;
  if (report) {
    const expected = findingsById(reference.report);
    const found = findingsById(report);
    for (const finding of found.values()) {
      if (finding.checkId === 'COLLECTION_INCOMPLETE') continue;
      if (!expected.has(finding.id))
        violations.push(`false claim: ${finding.checkId} ${finding.resource.id}`);
    }
    for (const finding of expected.values()) {
      const complete = producingScopesComplete(finding, report.scopes, CATEGORY.get(finding.checkId));
      if (!complete) continue;
      if (!found.has(finding.id)) {
        lost += 1;
        violations.push(`lost from the report: ${finding.checkId} ${finding.resource.id}`);
      } else if (
        !finding.suppressed &&
        !activeAfter.has(finding.id) &&
        !namedAsNotImported(night.analyzeError, finding.id)
      ) {
        lost += 1;
        violations.push(`not in Security Hub, and the run did not say so: ${finding.checkId} ${finding.id}`);
      }
    }
  } else if (!failedStep) {
    violations.push('no report stored, yet no step failed');
  }

  const incomplete = report?.scopes.filter((scope) => scope.status === 'incomplete').length ?? 0;
  const usageGaps = night.result?.usage.missingLedgers?.length ?? 0;
  const degraded = incomplete > 0 || failedItems.length > 0 || metricTotal(night, 'UsageGaps') > 0;
  if (incomplete > 0) {
    if (metricTotal(night, 'IncompleteScopes') === 0)
      violations.push('incomplete scopes without an IncompleteScopes metric');
    if (!report?.findings.some((finding) => finding.checkId === 'COLLECTION_INCOMPLETE'))
      violations.push('incomplete scopes without a COLLECTION_INCOMPLETE finding');
  }
  if (usageGaps > 0 && metricTotal(night, 'UsageGaps') === 0)
    violations.push('missing ledgers without a UsageGaps metric');
  if (night.analyzeError?.name === 'PublishError' && metricTotal(night, 'PublishFailures') === 0)
    violations.push(`publishing failed without a PublishFailures metric: ${night.analyzeError.message}`);
  const sameAsReference =
    report !== undefined &&
    JSON.stringify([...findingsById(report).keys()].sort()) ===
      JSON.stringify([...findingsById(reference.report).keys()].sort());
  if (!failedStep && !degraded && !sameAsReference)
    violations.push('the findings changed, yet nothing says the night was degraded');

  const outcome: Outcome = failedStep ? 'failed loudly' : degraded ? 'degraded' : 'recovered';
  return { outcome, violations, lost };
}

/**
 * True when the run's error says the finding did not reach Security Hub: by id, as part of "all"
 * (`*`, the import never started), or among the "N more" beyond the ids it lists.
 */
function namedAsNotImported(error: Error | undefined, id: string): boolean {
  if (!error) return false;
  const message = error.message;
  return (
    /Security Hub: \d+ findings not imported/.test(message) &&
    (message.includes(id) || message.includes('* (') || /and \d+ more/.test(message))
  );
}
