import { compareText } from '../../model/compare.js';
import type { AssociationInventory, Inventory, RoleInventory } from '../../model/inventory.js';
import type { IrsaGrant } from '../../trust/types.js';
import { irsaGrantsOf } from '../../trust/workload.js';
import type { CheckContext } from '../types.js';
import { indexesFor, push } from './indexes.js';

/**
 * Whether "no live cluster has this issuer" can be trusted: the account's EKS listing for the
 * issuer's region was collected and complete. Otherwise the cluster may exist unseen.
 */
export function issuerLivenessDecidable(inventory: Inventory, accountId: string, region: string): boolean {
  const { completeness } = inventory;
  return completeness.hasRegion(accountId, region) && completeness.regionComplete(accountId, region);
}

/** One role's IRSA grant, as listed by {@link irsaGrantsByIssuer}. */
export interface RoleIrsaGrant {
  role: RoleInventory;
  grant: IrsaGrant;
}

const grantsByIssuerCache = new WeakMap<Inventory, Map<string, RoleIrsaGrant[]>>();

/** Issuer host path → IRSA grants of every scanned role that name it (built once per inventory). */
export function irsaGrantsByIssuer(context: CheckContext): Map<string, RoleIrsaGrant[]> {
  const cached = grantsByIssuerCache.get(context.inventory);
  if (cached) return cached;
  const indexes = indexesFor(context);
  const byIssuer = new Map<string, RoleIrsaGrant[]>();
  for (const role of context.inventory.roles.values()) {
    for (const grant of irsaGrantsOf(indexes.trustOf(role.arn))) {
      push(byIssuer, grant.issuerHostPath, { role, grant });
    }
  }
  grantsByIssuerCache.set(context.inventory, byIssuer);
  return byIssuer;
}

/** IRSA grants of one issuer, split so a service account's grants are found without a scan. */
export interface IssuerSubjectIndex {
  /** Exact subject (`system:serviceaccount:NS:SA`) → grants naming it without wildcards. */
  exact: Map<string, RoleIrsaGrant[]>;
  /** Grants whose subjects include a wildcard pattern (few in practice). */
  patterns: RoleIrsaGrant[];
}

const subjectIndexCache = new WeakMap<Inventory, Map<string, IssuerSubjectIndex>>();

/**
 * Issuer host path → its IRSA grants by exact subject, plus the pattern grants. Grants without a
 * `:sub` condition are left out: they bind no particular service account.
 */
export function irsaGrantsBySubject(context: CheckContext): Map<string, IssuerSubjectIndex> {
  const cached = subjectIndexCache.get(context.inventory);
  if (cached) return cached;
  const index = new Map<string, IssuerSubjectIndex>();
  for (const [issuer, grants] of irsaGrantsByIssuer(context)) {
    const entry: IssuerSubjectIndex = { exact: new Map(), patterns: [] };
    for (const roleGrant of grants) {
      const { subjects, subjectMatch } = roleGrant.grant;
      if (subjects === null) continue;
      if (subjectMatch === 'like' && subjects.some((subject) => /[*?]/.test(subject))) {
        entry.patterns.push(roleGrant);
        continue;
      }
      for (const subject of subjects) push(entry.exact, subject, roleGrant);
    }
    index.set(issuer, entry);
  }
  subjectIndexCache.set(context.inventory, index);
  return index;
}

/** A concise `{k=v, ...}` rendering of Fargate selector labels for messages. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => compareText(a, b));
  return `{${entries.map(([key, value]) => `${key}=${value}`).join(', ')}}`;
}

/** The common fields of a finding about an association. */
export function associationScope(association: AssociationInventory) {
  return {
    accountId: association.accountId,
    region: association.region,
    cluster: association.clusterName,
    resource: { type: 'AwsEksPodIdentityAssociation' as const, id: association.associationArn },
  };
}

/** `NAMESPACE/SA on cluster C (association a-x)`: how messages name an association. */
export function describeAssociation(association: AssociationInventory): string {
  return `Pod Identity association ${association.associationId} (${association.namespace}/${association.serviceAccount} on cluster ${association.clusterName})`;
}

/** A role's permission policy documents as the snapshot holds them. */
export interface IdentityDocuments {
  /** Inline policies, then attached managed policies whose default version is in the snapshot. */
  documents: unknown[];
  /** Attached managed policies whose document is not in the snapshot. */
  missingPolicyArns: string[];
}

/** The role's inline and attached managed policy documents, naming the attached ones the snapshot lacks. */
export function identityDocumentsOf(inventory: Inventory, role: RoleInventory): IdentityDocuments {
  const documents: unknown[] = role.inlinePolicies.map((policy) => policy.document);
  const missingPolicyArns: string[] = [];
  for (const policyArn of role.attachedManagedPolicyArns) {
    const policy = inventory.managedPolicies.get(policyArn);
    if (policy?.defaultDocument !== undefined) documents.push(policy.defaultDocument);
    else missingPolicyArns.push(policyArn);
  }
  return { documents, missingPolicyArns };
}
