import type { AssociationInventory, RoleInventory } from '../../model/inventory.js';
import { clause } from '../../text.js';
import { canAssumeParsed, somePodMayAssume, trustPolicySource } from '../../trust/index.js';
import type { AssumeDecision, PodIdentityGrant, TrustAnalysis } from '../../trust/types.js';
import { hasPerPodConditions, podIdentityAssumeRequest } from '../../trust/workload.js';
import type { CheckContext } from '../types.js';
import { indexesFor } from './indexes.js';
import { trustPolicyOf } from './irsa-allowed.js';

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
  const shareKey = sharedVerdictKey(context, association);
  const shared = shareKey === undefined ? undefined : sharingOf(context).allowed.get(shareKey);
  const role = shared === undefined ? undefined : context.inventory.roles.get(association.roleArn);
  let verdict: PodIdentityTrustVerdict;
  if (shared !== undefined && role !== undefined) verdict = { kind: 'allowed', role, decision: shared };
  else {
    verdict = judge(context, association);
    if (shareKey !== undefined && verdict.kind === 'allowed')
      sharingOf(context).allowed.set(shareKey, verdict.decision);
  }
  verdictCache.set(association, verdict);
  return verdict;
}

/**
 * Condition keys whose request value is the same for every association of a role on one cluster
 * (the pod name and uid are placeholders at audit time).
 */
const CLUSTER_WIDE_KEYS = new Set([
  'aws:requesttag/eks-cluster-arn',
  'aws:requesttag/eks-cluster-name',
  'aws:requesttag/kubernetes-pod-name',
  'aws:requesttag/kubernetes-pod-uid',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:tagkeys',
]);

const clusterWideTrust = new WeakMap<object, boolean>();

/** True when no condition of the trust policy can tell two associations of one cluster apart. */
function isClusterWide(document: unknown): boolean {
  if (typeof document !== 'object' || document === null) return false;
  let known = clusterWideTrust.get(document);
  if (known === undefined) {
    try {
      // Policy variables (`${...}`) can bring any request value into a condition.
      known = trustPolicyOf(document).statements.every((statement) =>
        statement.conditions.every(
          (condition) =>
            CLUSTER_WIDE_KEYS.has(condition.keyLower) &&
            !condition.values.some((value) => value.includes('${')),
        ),
      );
    } catch {
      known = false;
    }
    clusterWideTrust.set(document, known);
  }
  return known;
}

/**
 * The key under which an "allowed" decision is shared by every association on the same cluster
 * (with the same session-tag setting) whose role has the same trust text in the same account, when
 * that trust's conditions only read cluster-wide values; undefined when each association must be
 * judged on its own. Roles made from one template (every role of a team, every account's copy)
 * then cost one evaluation per cluster. Only "allowed" is shared: its decision text is never shown,
 * while every other verdict names the association. A trust whose text is not known is shared by
 * the associations of its own role only.
 */
function sharedVerdictKey(context: CheckContext, association: AssociationInventory): string | undefined {
  const role = context.inventory.roles.get(association.roleArn);
  if (!role || !isClusterWide(role.trustPolicy)) return undefined;
  return `${trustKeyOf(sharingOf(context), role)}\u0000${association.clusterArn}\u0000${association.accountId}\u0000${association.disableSessionTags}`;
}

/** What the associations of one inventory share: "allowed" decisions, and trust texts by number. */
interface Sharing {
  allowed: Map<string, AssumeDecision>;
  /** Trust texts by a short number, so keys do not repeat whole policies. */
  textNumbers: Map<string, number>;
  trustKeys: WeakMap<RoleInventory, string>;
}

const sharingCache = new WeakMap<object, Sharing>();

function sharingOf(context: CheckContext): Sharing {
  let sharing = sharingCache.get(context.inventory);
  if (!sharing) {
    sharing = { allowed: new Map(), textNumbers: new Map(), trustKeys: new WeakMap() };
    sharingCache.set(context.inventory, sharing);
  }
  return sharing;
}

/**
 * The role's trust as it decides a Pod Identity request: its account (the analysis, whose grants
 * decide "missing", is per account and text) and its text; the role itself when the text is not known.
 */
function trustKeyOf(sharing: Sharing, role: RoleInventory): string {
  let key = sharing.trustKeys.get(role);
  if (key === undefined) {
    const document = role.trustPolicy;
    const text = typeof document === 'object' && document !== null ? trustPolicySource(document) : undefined;
    if (text === undefined) key = `role\u0000${role.arn}`;
    else {
      let number = sharing.textNumbers.get(text);
      if (number === undefined) {
        number = sharing.textNumbers.size;
        sharing.textNumbers.set(text, number);
      }
      key = `text\u0000${number}\u0000${role.accountId}`;
    }
    sharing.trustKeys.set(role, key);
  }
  return key;
}

function judge(context: CheckContext, association: AssociationInventory): PodIdentityTrustVerdict {
  const role = context.inventory.roles.get(association.roleArn);
  if (!role) return { kind: 'skipped' };
  const analysis = indexesFor(context).trustOf(role.arn);
  if (!analysis) return { kind: 'skipped' };
  const request = podIdentityAssumeRequest(association);
  let decision: AssumeDecision;
  try {
    decision = canAssumeParsed(trustPolicyOf(role.trustPolicy), request);
  } catch {
    return { kind: 'skipped' };
  }
  const grants = analysis.grants.filter((grant): grant is PodIdentityGrant => grant.kind === 'pod-identity');
  // AWS authorizes each action on its own, so the two actions may come from different statements.
  const missingActions: string[] = [];
  if (!grants.some((grant) => grant.assumeRoleAllowed) && !grantedToEveryone(analysis, 'sts:AssumeRole'))
    missingActions.push('sts:AssumeRole');
  if (
    !association.disableSessionTags &&
    !grants.some((grant) => grant.tagSessionAllowed) &&
    !grantedToEveryone(analysis, 'sts:TagSession')
  ) {
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
  // The pod name and uid differ per pod: excluded only when no pod of the association is allowed.
  let somePod: boolean | 'unknown';
  try {
    somePod = somePodMayAssume(role.trustPolicy, request);
  } catch {
    somePod = 'unknown';
  }
  if (somePod === false) return { kind: 'excluded', role, decision, perPodConditions: true };
  return {
    kind: 'unknown',
    role,
    decision: {
      ...decision,
      reason: `${clause(decision.reason)}; whether a pod is allowed depends on its name or uid${somePod === 'unknown' ? ', and the conditions on them cannot be decided' : ''}.`,
    },
  };
}

/** True when a statement for every principal (`"*"`, which names the service too) grants the action. */
function grantedToEveryone(analysis: TrustAnalysis, action: string): boolean {
  return analysis.grants.some(
    (grant) => grant.kind === 'aws' && grant.principals.includes('*') && grant.actions.includes(action),
  );
}
