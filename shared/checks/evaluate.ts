import { findingId } from '../model/finding.js';
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
export function evaluateCheck(
  check: Check,
  context: CheckContext,
  judge: ScopeJudge = scopeJudge(context),
): FindingDraft[] {
  const kept: FindingDraft[] = [];
  for (const draft of check.evaluate(context)) {
    if (check.meta.restsOn !== undefined && draft.restsOn === undefined) {
      throw new Error(
        `${check.meta.id} claims an absence for ${draft.resource.id} without naming the scopes it rests on`,
      );
    }
    const { doubts, ...claim } = draft;
    if (claim.restsOn) claim.restsOn = distinctScopeRefs(claim.restsOn);
    const gaps = judge(claim.restsOn ?? []);
    if (gaps.length === 0 && (doubts ?? []).length === 0) {
      kept.push(claim);
      continue;
    }
    const identity = claim.identity ?? [];
    context.recordUnknown?.({
      kind: check.meta.category === 'usage' ? 'usage' : 'absence',
      checkId: check.meta.id,
      resourceId: [claim.resource.id, ...identity].join(' '),
      reason: [...gaps.map((gap) => gap.reason), ...(doubts ?? [])].join('; '),
      findingId: findingId(check.meta.id, claim.resource.id, ...identity),
      ...(gaps.length > 0 ? { incompleteScopes: gaps.map((gap) => gap.scope) } : {}),
    });
  }
  return kept;
}
