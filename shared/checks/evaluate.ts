import { type Finding, findingId } from '../model/finding.js';
import { distinctScopeRefs, type ScopeRef, scopeRefKey } from '../model/scope.js';
import { coverageGap } from '../usage/window.js';
import { usageIndexFor, usageWindow } from './support/usage.js';
import type { Check, CheckContext, FindingDraft } from './types.js';

/** Why one scope cannot support an absence claim. */
export interface ScopeGap {
  scope: ScopeRef;
  reason: string;
}

/** Answers, for the scopes a claim names, which of them were not completely collected. */
export type ScopeJudge = (scopes: readonly ScopeRef[]) => ScopeGap[];

/**
 * The judge of one audit: a scope supports an absence claim only when it was collected and
 * recorded no error at its level or above. A `cloudtrail` scope must also cover the whole usage
 * window (from the usage ledger when the audit has one, else from the snapshot's CloudTrail window).
 * Verdicts are computed once per scope.
 */
export function scopeJudge(context: CheckContext): ScopeJudge {
  const { completeness, accounts } = context.inventory;
  const unreadable = new Set(
    accounts.filter((account) => account.errors.length > 0).map((account) => account.accountId),
  );
  const verdicts = new Map<string, string | undefined>();
  const verdictOf = (scope: ScopeRef): string | undefined => {
    const { accountId } = scope;
    if (!completeness.hasAccount(accountId)) return `account ${accountId} was not collected`;
    if (unreadable.has(accountId)) return `account ${accountId} could not be read`;
    const region = scope.region ?? '';
    switch (scope.level) {
      case 'account':
        return undefined;
      case 'iam':
        return completeness.iamComplete(accountId)
          ? undefined
          : `IAM of account ${accountId} was not fully collected`;
      case 'region':
      case 'cluster': {
        if (!completeness.hasRegion(accountId, region))
          return `region ${region} of account ${accountId} was not collected`;
        if (!completeness.regionComplete(accountId, region))
          return `the EKS cluster listing of account ${accountId} region ${region} was not fully collected`;
        if (scope.level === 'region') return undefined;
        const cluster = scope.cluster ?? '';
        return completeness.clusterComplete(accountId, region, cluster)
          ? undefined
          : `cluster ${cluster} in account ${accountId} region ${region} was not fully collected`;
      }
      case 'cloudtrail':
        return coverageGap(
          usageIndexFor(context).coverage(accountId, region),
          usageWindow(context),
          `${accountId} ${region}`,
        );
    }
  };
  return (scopes) => {
    const gaps: ScopeGap[] = [];
    for (const scope of scopes) {
      const key = scopeRefKey(scope);
      if (!verdicts.has(key)) verdicts.set(key, verdictOf(scope));
      const reason = verdicts.get(key);
      if (reason !== undefined) gaps.push({ scope, reason });
    }
    return gaps;
  };
}

/**
 * Runs one check and withholds every absence claim that the evidence cannot support: a draft whose
 * `restsOn` names a scope that was not completely collected, or that carries `doubts`, becomes an
 * unknown outcome (recorded with its reasons through `context.recordUnknown`), never a finding.
 * This is the one place that rule is enforced; the audit, the `usage` listing and the tests all run
 * checks through it.
 *
 * @throws Error when a check that declares `meta.restsOn` returns a draft without `restsOn`: an
 * absence claim that names no scope is a bug.
 * @example const drafts = evaluateCheck(check, context);
 */
export function evaluateCheck<Context extends CheckContext, Draft extends FindingDraft>(
  check: Check<Context, Draft>,
  context: Context,
  judge: ScopeJudge = scopeJudge(context),
): Draft[] {
  const kept: Draft[] = [];
  for (const draft of check.evaluate(context)) {
    if (check.meta.restsOn !== undefined && draft.restsOn === undefined) {
      throw new Error(
        `${check.meta.id} claims an absence for ${draft.resource.id} without naming the scopes it rests on`,
      );
    }
    const { doubts } = draft;
    // The claim is the draft without its doubts; most drafts have none, and are kept as they are.
    let claim = draft;
    if ('doubts' in draft) {
      const { doubts: _doubts, ...rest } = draft;
      claim = rest as Draft;
    }
    if (claim.restsOn) claim.restsOn = distinctScopeRefs(claim.restsOn);
    const gaps = judge(claim.restsOn ?? []);
    if (gaps.length === 0 && (doubts ?? []).length === 0) {
      kept.push(claim);
      continue;
    }
    const identity = claim.identity ?? [];
    context.recordUnknown?.(
      {
        kind: check.meta.category === 'usage' ? 'usage' : 'absence',
        checkId: check.meta.id,
        resourceId: [claim.resource.id, ...identity].join(' '),
        reason: [...gaps.map((gap) => gap.reason), ...(doubts ?? [])].join('; '),
        findingId: findingId(check.meta.id, claim.resource.id, ...identity),
        ...(gaps.length > 0 ? { incompleteScopes: gaps.map((gap) => gap.scope) } : {}),
      },
      claim,
    );
  }
  return kept;
}

/**
 * A draft becomes a finding: the id hashes the check id and the resource identity, the title comes
 * from the metadata, and so do the severity and remediation unless the draft states its own.
 */
export function toFinding(check: Pick<Check, 'meta'>, draft: FindingDraft): Finding {
  const { identity, remediation, baselineLocation, doubts: _doubts, ...rest } = draft;
  return {
    id: findingId(check.meta.id, draft.resource.id, ...(identity ?? [])),
    checkId: check.meta.id,
    title: check.meta.title,
    ...rest,
    severity: rest.severity ?? check.meta.severity,
    remediation: remediation ?? check.meta.remediation,
    ...(baselineLocation ? { baselineLocation } : {}),
  };
}

/**
 * Runs a pack through the engine: each check in order, every draft through {@link evaluateCheck}
 * (one judge for the whole pack), every claim kept made a finding by {@link toFinding}. Two drafts
 * with the same id are one problem: the first stands. `accept` sees each finding made, with the
 * draft it came from, in order (where a pack's own sink adds what its findings carry beyond a
 * finding). Returns the findings in the order made.
 *
 * @throws Error naming the check when a check throws: a check that throws is a bug, never a finding.
 * @example const findings = runPack(checks, context);
 */
export function runPack<
  Context extends CheckContext,
  Draft extends FindingDraft,
  PackCheck extends Check<Context, Draft> = Check<Context, Draft>,
>(
  checks: ReadonlyArray<PackCheck>,
  context: Context,
  accept?: (finding: Finding, draft: Draft, check: PackCheck) => void,
): Finding[] {
  const judge = scopeJudge(context);
  const byId = new Map<string, Finding>();
  for (const check of checks) {
    let drafts: Draft[];
    try {
      drafts = evaluateCheck(check, context, judge);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`check ${check.meta.id} failed: ${reason}`, { cause: error });
    }
    for (const draft of drafts) {
      const finding = toFinding(check, draft);
      if (byId.has(finding.id)) continue;
      byId.set(finding.id, finding);
      accept?.(finding, draft, check);
    }
  }
  return [...byId.values()];
}
