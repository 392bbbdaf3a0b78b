import type { AssociationInventory, RoleInventory } from '../../../model/inventory.js';
import { canAssume } from '../../../trust/index.js';
import type { AssumeDecision, PodIdentityGrant } from '../../../trust/types.js';
import { indexesFor } from '../../indexes.js';
import type { CheckContext } from '../../types.js';
import { hasPerPodConditions, podIdentityAssumeRequest, withoutPerPodConditions } from './workload.js';

/**
 * How an association's role trust treats the association's own Pod Identity session:
 * - `missing`: no statement lets `pods.eks.amazonaws.com` call `sts:AssumeRole` (and `sts:TagSession`
 *   when session tags are on);
 * - `excluded`: the service is trusted, but the conditions reject this association's session;
 * - `allowed`, `unknown` (the analyzer cannot decide, or only per-pod tags decide), or `skipped`
 *   (the role is not in the inventory or its trust cannot be parsed).
 * Exactly one verdict per association, so `PI_TRUST_MISSING` and `PI_TRUST_EXCLUDES_ASSOCIATION`
 * never both fire.
 */
export type PodIdentityTrustVerdict =
  | { kind: 'missing'; role: RoleInventory; missingActions: string[]; grants: PodIdentityGrant[] }
  | { kind: 'excluded'; role: RoleInventory; decision: AssumeDecision; perPodConditions: boolean }
  | { kind: 'allowed'; role: RoleInventory; decision: AssumeDecision }
  | { kind: 'unknown'; role: RoleInventory; decision: AssumeDecision }
  | { kind: 'skipped' };

const verdictCache = new WeakMap<AssociationInventory, PodIdentityTrustVerdict>();

/**
 * Judges the association role's trust against the request EKS makes for this association: its six
 * session tags (pod name and uid as placeholders), `aws:SourceAccount` = the cluster's account and
 * `aws:SourceArn` = the cluster ARN. Conditions on pod name or uid vary per pod: a denial is only
 * definite when the policy also denies with those conditions treated as met (and Deny statements
 * on them ignored); otherwise the verdict is `unknown`.
 */
export function podIdentityTrustVerdict(
  context: CheckContext,
  association: AssociationInventory,
): PodIdentityTrustVerdict {
  const cached = verdictCache.get(association);
  if (cached) return cached;
  const verdict = judge(context, association);
  verdictCache.set(association, verdict);
  return verdict;
}

function judge(context: CheckContext, association: AssociationInventory): PodIdentityTrustVerdict {
  const role = context.inventory.roles.get(association.roleArn);
  if (!role) return { kind: 'skipped' };
  const analysis = indexesFor(context).trustOf(role.arn);
  if (!analysis) return { kind: 'skipped' };
  const request = podIdentityAssumeRequest(association);
  let decision: AssumeDecision;
  try {
    decision = canAssume(role.trustPolicy, request);
  } catch {
    return { kind: 'skipped' };
  }
  const grants = analysis.grants.filter((grant): grant is PodIdentityGrant => grant.kind === 'pod-identity');
  // AWS authorizes each action on its own, so the two actions may come from different statements.
  const missingActions: string[] = [];
  if (!grants.some((grant) => grant.assumeRoleAllowed)) missingActions.push('sts:AssumeRole');
  if (!association.disableSessionTags && !grants.some((grant) => grant.tagSessionAllowed)) {
    missingActions.push('sts:TagSession');
  }
  if (missingActions.length > 0 && decision.allowed !== true) {
    return { kind: 'missing', role, missingActions, grants };
  }
  if (decision.allowed === true) return { kind: 'allowed', role, decision };
  if (decision.allowed === 'unknown') return { kind: 'unknown', role, decision };
  if (!hasPerPodConditions(role.trustPolicy)) {
    return { kind: 'excluded', role, decision, perPodConditions: false };
  }
  const forSomePod = canAssume(withoutPerPodConditions(role.trustPolicy), request);
  if (forSomePod.allowed === false) {
    return { kind: 'excluded', role, decision: forSomePod, perPodConditions: true };
  }
  return { kind: 'unknown', role, decision };
}
