import { accountOfArn, serviceAccountSubject, workloadIdentityId } from '../../model/identity.js';
import type { RoleInventory } from '../../model/inventory.js';
import { sentence } from '../../text.js';
import { matchIamPattern } from '../../trust/index.js';
import { clusterKey, indexesFor, push } from '../support/indexes.js';
import { irsaAllowed } from '../support/irsa-allowed.js';
import { type IssuerSubjectIndex, irsaGrantsBySubject, type RoleIrsaGrant } from '../support/workload.js';
import type { Check, FindingDraft } from '../types.js';

const SUBJECT_PREFIX = 'system:serviceaccount:';

/** An issuer's pattern grants by the namespace their subject patterns are limited to. */
interface PatternGrantsByNamespace {
  byNamespace: Map<string, RoleIrsaGrant[]>;
  /** Grants with a pattern whose wildcard reaches into the namespace (e.g. `system:serviceaccount:*`). */
  anyNamespace: RoleIrsaGrant[];
}

const patternIndexCache = new WeakMap<IssuerSubjectIndex, PatternGrantsByNamespace>();

/** The namespace a subject pattern is limited to, or undefined when its wildcards can reach any namespace. */
function literalNamespace(pattern: string): string | undefined {
  if (!pattern.startsWith(SUBJECT_PREFIX)) return undefined;
  const rest = pattern.slice(SUBJECT_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon < 0) return undefined;
  const namespace = rest.slice(0, colon);
  return /[*?]/.test(namespace) ? undefined : namespace;
}

/**
 * Indexes pattern grants by namespace so each association meets only the patterns that can name it,
 * not every pattern on its issuer (associations × patterns per cluster otherwise).
 */
function patternGrantsByNamespace(entry: IssuerSubjectIndex): PatternGrantsByNamespace {
  const cached = patternIndexCache.get(entry);
  if (cached) return cached;
  const index: PatternGrantsByNamespace = { byNamespace: new Map(), anyNamespace: [] };
  for (const roleGrant of entry.patterns) {
    const namespaces = (roleGrant.grant.subjects ?? []).map(literalNamespace);
    if (namespaces.includes(undefined)) {
      index.anyNamespace.push(roleGrant);
      continue;
    }
    for (const namespace of new Set(namespaces as string[])) {
      push(index.byNamespace, namespace, roleGrant);
    }
  }
  patternIndexCache.set(entry, index);
  return index;
}

/** One service account bound both ways: IRSA trust and a Pod Identity association. */
export const check: Check = {
  meta: {
    id: 'IDENTITY_DUAL_BINDING',
    title: 'Service account has both an IRSA grant and a Pod Identity association',
    severity: 'MEDIUM',
    category: 'runtime',
    description:
      "A role's trust grants the service account through the cluster's OIDC issuer (exact subject or a matching pattern; trust without any subject condition is left to `IRSA_NO_SUBJECT_CONDITION`) while a Pod Identity association also binds it. When the service account carries the `eks.amazonaws.com/role-arn` annotation, pods get both the web identity variables and the Pod Identity container endpoint; most AWS SDKs try the web identity token first, so the pods keep using the IRSA role and the association is silently ignored. LOW when both name the same role.",
    remediation:
      'Finish the migration: remove the `eks.amazonaws.com/role-arn` annotation from the service account and the IRSA statement from the role trust (`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`), or delete the association (`aws eks delete-pod-identity-association --cluster-name CLUSTER --association-id ASSOCIATION_ID`).',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html',
  },
  evaluate(context) {
    const indexes = indexesFor(context);
    const grantsBySubject = irsaGrantsBySubject(context);
    const drafts: FindingDraft[] = [];
    for (const association of context.inventory.associations) {
      const cluster = indexes.clusterByKey.get(
        clusterKey(association.accountId, association.region, association.clusterName),
      );
      if (!cluster?.issuerHostPath) continue;
      const issuerGrants = grantsBySubject.get(cluster.issuerHostPath);
      if (!issuerGrants) continue;
      const subject = serviceAccountSubject(association.namespace, association.serviceAccount);
      const patterns = patternGrantsByNamespace(issuerGrants);
      // A pattern grant counts only when one of its patterns names this subject (StringLike semantics).
      const matchingPatterns = [
        ...(patterns.byNamespace.get(association.namespace) ?? []),
        ...patterns.anyNamespace,
      ].filter(({ grant }) => (grant.subjects ?? []).some((pattern) => matchIamPattern(pattern, subject)));
      const candidates = [...(issuerGrants.exact.get(subject) ?? []), ...matchingPatterns];
      if (candidates.length === 0) continue;
      const irsaRoles = new Map<string, { role: RoleInventory; statements: number[] }>();
      for (const { role, grant } of candidates) {
        if (grant.subjects === null || grant.unsatisfiable) continue;
        // Web identity federation only uses a provider in the role's own account.
        if (accountOfArn(grant.providerArn) !== role.accountId) continue;
        let allowed: boolean | 'unknown';
        try {
          const request = {
            kind: 'irsa',
            providerArn: grant.providerArn,
            subject,
            audience: 'sts.amazonaws.com',
          } as const;
          allowed = irsaAllowed(role.trustPolicy, request);
        } catch {
          allowed = 'unknown';
        }
        if (allowed !== true) continue;
        const entry = irsaRoles.get(role.arn) ?? { role, statements: [] };
        if (!entry.statements.includes(grant.statementIndex)) entry.statements.push(grant.statementIndex);
        irsaRoles.set(role.arn, entry);
      }
      if (irsaRoles.size === 0) continue;
      const sameRoleOnly = [...irsaRoles.keys()].every((arn) => arn === association.roleArn);
      const irsaNames = [...irsaRoles.values()].map(({ role }) => role.arn).join(', ');
      drafts.push({
        severity: sameRoleOnly ? 'LOW' : check.meta.severity,
        message: sentence(
          `Service account ${association.namespace}/${association.serviceAccount} on cluster ${association.clusterName} has Pod Identity association ${association.associationId} (role ${association.roleArn}) and an IRSA grant from ${irsaNames}; ${
            sameRoleOnly
              ? 'both give the same role, so remove the leftover IRSA binding'
              : 'if the service account carries the eks.amazonaws.com/role-arn annotation, most AWS SDKs use the IRSA role first and ignore the association, so remove one binding'
          }`,
        ),
        accountId: association.accountId,
        region: association.region,
        cluster: association.clusterName,
        resource: {
          type: 'WorkloadIdentity',
          id: workloadIdentityId(
            association.accountId,
            association.region,
            association.clusterName,
            association.namespace,
            association.serviceAccount,
          ),
        },
        evidence: {
          associationArn: association.associationArn,
          podIdentityRoleArn: association.roleArn,
          irsaGrants: [...irsaRoles.values()].map(({ role, statements }) => ({
            roleArn: role.arn,
            statementIndexes: statements,
          })),
          subject,
          issuerHostPath: cluster.issuerHostPath,
        },
      });
    }
    return drafts;
  },
};
