import { type Finding, findingIdOf } from '../model/finding.js';
import { distinctScopeRefs, type ScopeRef, scopeRefKey } from '../model/scope.js';
import { PartsMap } from '../parts-map.js';
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
  return scopeVerdicts(context).gaps;
}

/** The scopes of one claim once each, in a stable order, and those that were not completely collected. */
interface SettledScopes {
  scopes: ScopeRef[];
  gaps: ScopeGap[];
}

/** What {@link scopeVerdicts} answers. */
interface ScopeVerdicts {
  /** The gaps among the scopes as given. */
  gaps: ScopeJudge;
  /** The scopes once each, in order (the array itself when it already is), and their gaps. */
  settle(scopes: readonly ScopeRef[]): SettledScopes;
}

/** Shared by every claim without a gap; never modified. */
const NO_GAPS: ScopeGap[] = [];

/**
 * The judge's verdicts, computed once per scope key, and a claim's scopes settled in one pass: each
 * scope's key is computed once and serves both to drop repeats and to look up its verdict (the
 * engine settles every draft of the audit through this).
 */
function scopeVerdicts(context: CheckContext): ScopeVerdicts {
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
  // Each scope's key text made once per audit: claims make their scopes afresh, and building,
  // comparing and hashing the same text again for each costs more than the lookups that find it.
  const keyTexts = new PartsMap<string>();
  // `scopeRefKey` leaves out an empty region or cluster as it does a missing one.
  const keyOf = (scope: ScopeRef): string =>
    keyTexts.getOrSet([scope.level, scope.accountId, scope.region || '', scope.cluster || ''], () =>
      scopeRefKey(scope),
    );
  const settledLists = new WeakMap<readonly ScopeRef[], SettledScopes>();
  const gapsOf = (scopes: readonly ScopeRef[], keys: readonly string[]): ScopeGap[] => {
    let gaps = NO_GAPS;
    for (let index = 0; index < scopes.length; index++) {
      const key = keys[index];
      let reason: string | undefined;
      if (verdicts.has(key)) reason = verdicts.get(key);
      else {
        reason = verdictOf(scopes[index]);
        verdicts.set(key, reason);
      }
      if (reason === undefined) continue;
      if (gaps === NO_GAPS) gaps = [];
      gaps.push({ scope: scopes[index], reason });
    }
    return gaps;
  };
  return {
    gaps: (scopes) => {
      const gaps = gapsOf(scopes, scopes.map(keyOf));
      return gaps === NO_GAPS ? [] : gaps;
    },
    settle(scopes) {
      // A frozen list is one that checks share between claims (a region's cluster listings): settled once.
      if (!Object.isFrozen(scopes)) return settleScopes(scopes);
      let settled = settledLists.get(scopes);
      if (!settled) {
        settled = settleScopes(scopes);
        settledLists.set(scopes, settled);
      }
      return settled;
    },
  };
  /** The scopes once each, in order (the array itself when it already is), and their gaps. */
  function settleScopes(scopes: readonly ScopeRef[]): SettledScopes {
    const count = scopes.length;
    if (count === 0) return { scopes: scopes as ScopeRef[], gaps: NO_GAPS };
    const keys = scopes.map(keyOf);
    // Claims name a few scopes, usually already in order: an insertion sort of their positions
    // (stable, so the first of a repeated key stands, as `distinctScopeRefs` keeps it).
    const order = [0];
    let inOrder = true;
    for (let index = 1; index < count; index++) {
      const key = keys[index];
      let at = order.length;
      while (at > 0 && keys[order[at - 1]] > key) at -= 1;
      if (at !== order.length || keys[order[at - 1]] === key) inOrder = false;
      order.splice(at, 0, index);
    }
    if (inOrder) return { scopes: scopes as ScopeRef[], gaps: gapsOf(scopes, keys) };
    const distinct: ScopeRef[] = [];
    const distinctKeys: string[] = [];
    for (let index = 0; index < count; index++) {
      const key = keys[order[index]];
      if (index > 0 && key === distinctKeys[distinctKeys.length - 1]) continue;
      distinct.push(scopes[order[index]]);
      distinctKeys.push(key);
    }
    return { scopes: distinct, gaps: gapsOf(distinct, distinctKeys) };
  }
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
  judge?: ScopeJudge,
): Draft[] {
  const settle = judge === undefined ? scopeVerdicts(context).settle : settleWith(judge);
  return claimsOf(check, context, settle, true);
}

/** {@link ScopeVerdicts.settle} for a judge given from outside. */
function settleWith(judge: ScopeJudge): ScopeVerdicts['settle'] {
  return (scopes) => {
    const distinct = distinctScopeRefs(scopes);
    return { scopes: distinct, gaps: judge(distinct) };
  };
}

/**
 * The claims of one check that the evidence supports, the others recorded as unknown. With
 * `withoutDoubts` a kept draft that has a `doubts` member is copied without it (the claim is the
 * draft without its doubts); the audit's own sink drops it when it makes the finding, so it skips
 * the copy.
 */
function claimsOf<Context extends CheckContext, Draft extends FindingDraft>(
  check: Check<Context, Draft>,
  context: Context,
  settle: ScopeVerdicts['settle'],
  withoutDoubts: boolean,
): Draft[] {
  const { meta } = check;
  const kept: Draft[] = [];
  for (const draft of check.evaluate(context)) {
    if (meta.restsOn !== undefined && draft.restsOn === undefined) {
      throw new Error(
        `${meta.id} claims an absence for ${draft.resource.id} without naming the scopes it rests on`,
      );
    }
    const { doubts } = draft;
    let gaps = NO_GAPS;
    if (draft.restsOn) {
      const settled = settle(draft.restsOn);
      if (settled.scopes !== draft.restsOn) draft.restsOn = settled.scopes;
      gaps = settled.gaps;
    }
    if (gaps.length === 0 && (doubts === undefined || doubts.length === 0)) {
      kept.push(withoutDoubts && 'doubts' in draft ? claimOf(draft) : draft);
      continue;
    }
    const claim = 'doubts' in draft ? claimOf(draft) : draft;
    const identity = claim.identity ?? [];
    context.recordUnknown?.(
      {
        kind: meta.category === 'usage' ? 'usage' : 'absence',
        checkId: meta.id,
        resourceId: [claim.resource.id, ...identity].join(' '),
        reason: [...gaps.map((gap) => gap.reason), ...(doubts ?? [])].join('; '),
        findingId: findingIdOf(meta.id, claim.resource.id, identity),
        ...(gaps.length > 0 ? { incompleteScopes: gaps.map((gap) => gap.scope) } : {}),
      },
      claim,
    );
  }
  return kept;
}

/** The claim a draft makes: the draft without its doubts. */
function claimOf<Draft extends FindingDraft>(draft: Draft): Draft {
  const claim: Record<string, unknown> = {};
  const fields = draft as unknown as Record<string, unknown>;
  for (const key in fields) if (key !== 'doubts') claim[key] = fields[key];
  return claim as Draft;
}

/**
 * A draft becomes a finding: the id hashes the check id and the resource identity, the title comes
 * from the metadata, and so do the severity and remediation unless the draft states its own.
 */
export function toFinding(check: Pick<Check, 'meta'>, draft: FindingDraft): Finding {
  const { meta } = check;
  // Field by field rather than a rest copy and a spread (one object less per finding), in the same
  // order: id, check id and title, the draft's fields as it lists them (severity among them when it
  // sets one), then severity, remediation and the baseline location.
  const finding: Record<string, unknown> = {
    id: findingIdOf(meta.id, draft.resource.id, draft.identity),
    checkId: meta.id,
    title: meta.title,
  };
  const fields = draft as unknown as Record<string, unknown>;
  for (const key in fields) {
    if (key === 'identity' || key === 'remediation' || key === 'baselineLocation' || key === 'doubts')
      continue;
    finding[key] = fields[key];
  }
  finding.severity = draft.severity ?? meta.severity;
  finding.remediation = draft.remediation ?? meta.remediation;
  if (draft.baselineLocation) finding.baselineLocation = draft.baselineLocation;
  return finding as Finding;
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
  const { settle } = scopeVerdicts(context);
  const findings: Finding[] = [];
  const made = new Set<string>();
  for (const check of checks) {
    let drafts: Draft[];
    try {
      drafts = claimsOf(check, context, settle, accept !== undefined);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`check ${check.meta.id} failed: ${reason}`, { cause: error });
    }
    for (const draft of drafts) {
      const finding = toFinding(check, draft);
      if (made.has(finding.id)) continue;
      made.add(finding.id);
      findings.push(finding);
      accept?.(finding, draft, check);
    }
  }
  return findings;
}
