/**
 * What EKS runs and sends for a workload identity, as facts of the inventory: the Pod Identity
 * request (and the chained request into a target role) an association makes, the per-pod session
 * tags, the agent, the Fargate selectors that take a namespace's pods, and the IRSA grants of a
 * trust analysis. The checks and the cutover judge with these; nothing here rates or words a finding.
 */
import type { AssociationInventory, ClusterInventory, FargateSelector } from '../model/inventory.js';
import type {
  AwsPrincipalAssumeRequest,
  IrsaGrant,
  PodIdentityAssumeRequest,
  TrustAnalysis,
} from './types.js';
import { matchIamPattern } from './wildcard.js';

/** The Pod Identity agent add-on; EKS Auto Mode clusters run the agent without it. */
export const POD_IDENTITY_AGENT_ADDON = 'eks-pod-identity-agent';

/**
 * Stand-ins for the two per-pod session tags. Real values differ for every pod, so the checks
 * evaluate conditions on them separately (see {@link withoutPerPodConditions}).
 */
export const POD_NAME_PLACEHOLDER = 'pod-name-placeholder';
export const POD_UID_PLACEHOLDER = '00000000-0000-0000-0000-000000000000';

const PER_POD_TAG_KEYS = ['kubernetes-pod-name', 'kubernetes-pod-uid'];

/** The six session tags EKS Pod Identity adds for a pod of this association (per-pod ones as placeholders). */
export function podIdentitySessionTags(association: AssociationInventory): Record<string, string> {
  return {
    'eks-cluster-arn': association.clusterArn,
    'eks-cluster-name': association.clusterName,
    'kubernetes-namespace': association.namespace,
    'kubernetes-service-account': association.serviceAccount,
    'kubernetes-pod-name': POD_NAME_PLACEHOLDER,
    'kubernetes-pod-uid': POD_UID_PLACEHOLDER,
  };
}

/** What `pods.eks.amazonaws.com` sends when it assumes the association role. */
export function podIdentityAssumeRequest(association: AssociationInventory): PodIdentityAssumeRequest {
  return {
    kind: 'pod-identity',
    sessionTags: association.disableSessionTags ? undefined : podIdentitySessionTags(association),
    sourceAccount: association.accountId,
    sourceArn: association.clusterArn,
  };
}

/**
 * The external id EKS passes when the association role assumes the target role: the value the
 * association reports, else `REGION/ACCOUNT/CLUSTER/NAMESPACE/SA` as EKS documents it.
 */
export function targetRoleExternalId(association: AssociationInventory): string {
  return (
    association.externalId ??
    [
      association.region,
      association.accountId,
      association.clusterName,
      association.namespace,
      association.serviceAccount,
    ].join('/')
  );
}

/**
 * What the association role's session sends when EKS chains into the target role: the role as
 * principal, its (transitive) session tags both as principal tags and request tags unless the
 * association disables them, and the association's external id.
 */
export function targetRoleAssumeRequest(association: AssociationInventory): AwsPrincipalAssumeRequest {
  const tags = association.disableSessionTags ? undefined : podIdentitySessionTags(association);
  return {
    kind: 'aws',
    principalArn: association.roleArn,
    principalAccount: association.accountId,
    externalId: targetRoleExternalId(association),
    sessionTags: tags,
    principalTags: tags,
    transitiveTagKeys: tags ? Object.keys(tags) : undefined,
  };
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function isPerPodKey(key: string): boolean {
  const lower = key.toLowerCase();
  return PER_POD_TAG_KEYS.some((tag) => lower === `aws:requesttag/${tag}`);
}

type Statement = Record<string, unknown> & { Effect?: unknown; Condition?: unknown };

function statementsOf(document: unknown): Statement[] | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const statement = (document as Record<string, unknown>).Statement;
  return asArray(statement as Statement | Statement[] | undefined).filter(
    (item): item is Statement => typeof item === 'object' && item !== null,
  );
}

function perPodKeysOf(statement: Statement): boolean {
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.values(condition as Record<string, unknown>).some(
    (block) => typeof block === 'object' && block !== null && Object.keys(block).some(isPerPodKey),
  );
}

/** True when some statement conditions on the per-pod session tags (pod name or uid). */
export function hasPerPodConditions(document: unknown): boolean {
  return (statementsOf(document) ?? []).some(perPodKeysOf);
}

/**
 * The most permissive reading of a trust policy for "some pod": Allow statements lose their
 * conditions on pod name/uid (some pod may match them) and Deny statements that depend on them are
 * dropped (some pod may escape them). If even this reading denies, every pod is denied.
 */
export function withoutPerPodConditions(document: unknown): unknown {
  const statements = statementsOf(document);
  if (!statements) return document;
  const kept: Statement[] = [];
  for (const statement of statements) {
    if (!perPodKeysOf(statement)) {
      kept.push(statement);
      continue;
    }
    if (statement.Effect === 'Deny') continue;
    const condition: Record<string, Record<string, unknown>> = {};
    for (const [operator, block] of Object.entries(statement.Condition as Record<string, unknown>)) {
      if (typeof block !== 'object' || block === null) continue;
      const entries = Object.entries(block).filter(([key]) => !isPerPodKey(key));
      if (entries.length > 0) condition[operator] = Object.fromEntries(entries);
    }
    const { Condition: _dropped, ...rest } = statement;
    kept.push(Object.keys(condition).length > 0 ? { ...rest, Condition: condition } : rest);
  }
  return { ...(document as Record<string, unknown>), Statement: kept };
}

/** Region of an EKS issuer host path (`oidc.eks.R.amazonaws.com/id/ID`), or undefined for other issuers. */
export function eksIssuerRegion(hostPath: string): string | undefined {
  return /^oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/id\/[^/]+$/i.exec(hostPath)?.[1];
}

/** The IRSA grants of a trust analysis. */
export function irsaGrantsOf(analysis: TrustAnalysis | undefined): IrsaGrant[] {
  return (analysis?.grants ?? []).filter((grant): grant is IrsaGrant => grant.kind === 'irsa');
}

/** True when the cluster runs the Pod Identity agent: the add-on, or Auto Mode where it is built in. */
export function hasPodIdentityAgent(cluster: ClusterInventory): boolean {
  return cluster.autoMode || cluster.addons.some((addon) => addon.name === POD_IDENTITY_AGENT_ADDON);
}

/** A Fargate profile selector that places pods of a namespace on Fargate. */
export interface FargateMatch {
  profile: string;
  selector: FargateSelector;
}

/**
 * Fargate selectors of the cluster whose namespace pattern (`*` and `?` allowed) matches the
 * namespace. A selector with labels only takes pods that carry those labels.
 */
export function fargateSelectorsFor(cluster: ClusterInventory, namespace: string): FargateMatch[] {
  const matches: FargateMatch[] = [];
  for (const profile of cluster.fargateProfiles) {
    for (const selector of profile.selectors) {
      if (matchIamPattern(selector.namespace, namespace)) matches.push({ profile: profile.name, selector });
    }
  }
  return matches;
}

/** True when the selector picks pods by labels as well as by namespace. */
export function selectsByLabels(selector: FargateSelector): boolean {
  return selector.labels !== undefined && Object.keys(selector.labels).length > 0;
}
