import type { Grant, IrsaGrant, PodIdentityGrant, TrustHygieneFinding } from './types.js';
import { hasIamWildcard } from './wildcard.js';

/**
 * Severities of the trust-hygiene checks, and why:
 * - `IRSA_NO_SUBJECT_CONDITION` HIGH: every service account of the cluster can assume the role, the
 *   same exposure as `system:serviceaccount:*`; not CRITICAL because only workloads of that one
 *   cluster (whose tokens carry an audience the provider accepts) get in, not the world.
 * - `IRSA_SUBJECT_WILDCARD` HIGH when the pattern crosses namespaces (`system:serviceaccount:*`,
 *   `system:serviceaccount:team-*`), MEDIUM when it stays in one namespace (`system:serviceaccount:ns:*`).
 * - `IRSA_NO_AUDIENCE_CONDITION` LOW: defence in depth; IAM still checks the provider's client ids.
 * - `TRUST_UNSATISFIABLE` MEDIUM: nothing is exposed, but the binding someone meant does not work.
 * - `PI_TRUST_UNSCOPED` MEDIUM: any association in the account can use the role; creating one needs
 *   `eks:CreatePodIdentityAssociation` and `iam:PassRole`, which limits who can exploit it.
 */
export const HYGIENE_SEVERITY = {
  IRSA_NO_SUBJECT_CONDITION: 'HIGH',
  IRSA_SUBJECT_WILDCARD_CROSS_NAMESPACE: 'HIGH',
  IRSA_SUBJECT_WILDCARD_ONE_NAMESPACE: 'MEDIUM',
  IRSA_NO_AUDIENCE_CONDITION: 'LOW',
  TRUST_UNSATISFIABLE: 'MEDIUM',
  PI_TRUST_UNSCOPED: 'MEDIUM',
} as const;

const SUBJECT_PREFIX = 'system:serviceaccount:';

function statementName(grant: { statementIndex: number; sid?: string }): string {
  return grant.sid === undefined
    ? `Statement[${grant.statementIndex}]`
    : `Statement[${grant.statementIndex}] (Sid "${grant.sid}")`;
}

/**
 * True when a `:sub` pattern can match service accounts of more than one namespace: the namespace
 * part has a wildcard, or the pattern does not pin `system:serviceaccount:` at all.
 */
export function subjectWildcardCrossesNamespaces(pattern: string): boolean {
  if (!pattern.startsWith(SUBJECT_PREFIX)) return hasIamWildcard(pattern);
  const rest = pattern.slice(SUBJECT_PREFIX.length);
  const colon = rest.indexOf(':');
  const namespace = colon < 0 ? rest : rest.slice(0, colon);
  return hasIamWildcard(namespace) || colon < 0;
}

/**
 * The trust-hygiene findings that the policy alone decides, for EKS IRSA issuers and the Pod
 * Identity service (other principals get none). An unsatisfiable statement gets only
 * `TRUST_UNSATISFIABLE`, since its other weaknesses cannot be used.
 */
export function hygieneFindings(grants: Grant[]): TrustHygieneFinding[] {
  const findings: TrustHygieneFinding[] = [];
  for (const grant of grants) {
    if (grant.kind === 'irsa' && grant.isEksIssuer) findings.push(...irsaFindings(grant));
    else if (grant.kind === 'pod-identity') findings.push(...podIdentityFindings(grant));
  }
  return findings;
}

function irsaFindings(grant: IrsaGrant): TrustHygieneFinding[] {
  const where = statementName(grant);
  const base = { statementIndex: grant.statementIndex, providerArn: grant.providerArn };
  if (grant.unsatisfiable)
    return [
      {
        ...base,
        checkId: 'TRUST_UNSATISFIABLE',
        severity: HYGIENE_SEVERITY.TRUST_UNSATISFIABLE,
        message: `${where} for ${grant.issuerHostPath} can never match: ${grant.unsatisfiable}.`,
      },
    ];
  const findings: TrustHygieneFinding[] = [];
  if (grant.subjects === null) {
    findings.push({
      ...base,
      checkId: 'IRSA_NO_SUBJECT_CONDITION',
      severity: HYGIENE_SEVERITY.IRSA_NO_SUBJECT_CONDITION,
      message: `${where} trusts ${grant.issuerHostPath} without a ${grant.issuerHostPath}:sub condition: every service account in the cluster can assume the role.`,
    });
  } else if (grant.subjectMatch === 'like') {
    const wildcards = grant.subjects.filter(hasIamWildcard);
    if (wildcards.length > 0) {
      const crosses = wildcards.filter(subjectWildcardCrossesNamespaces);
      findings.push({
        ...base,
        checkId: 'IRSA_SUBJECT_WILDCARD',
        severity:
          crosses.length > 0
            ? HYGIENE_SEVERITY.IRSA_SUBJECT_WILDCARD_CROSS_NAMESPACE
            : HYGIENE_SEVERITY.IRSA_SUBJECT_WILDCARD_ONE_NAMESPACE,
        message:
          crosses.length > 0
            ? `${where} trusts ${grant.issuerHostPath} subjects ${crosses.map((s) => JSON.stringify(s)).join(', ')}: service accounts of any matching namespace can assume the role.`
            : `${where} trusts ${grant.issuerHostPath} subjects ${wildcards.map((s) => JSON.stringify(s)).join(', ')}: every matching service account in that namespace can assume the role.`,
      });
    }
  }
  if (grant.audiences.length === 0 || !grant.audienceChecked) {
    findings.push({
      ...base,
      checkId: 'IRSA_NO_AUDIENCE_CONDITION',
      severity: HYGIENE_SEVERITY.IRSA_NO_AUDIENCE_CONDITION,
      message:
        grant.audiences.length === 0
          ? `${where} trusts ${grant.issuerHostPath} without a ${grant.issuerHostPath}:aud = sts.amazonaws.com condition.`
          : `${where} trusts ${grant.issuerHostPath} with ${grant.issuerHostPath}:aud ${grant.audiences.map((a) => JSON.stringify(a)).join(', ')} instead of sts.amazonaws.com.`,
    });
  }
  return findings;
}

function podIdentityFindings(grant: PodIdentityGrant): TrustHygieneFinding[] {
  const where = statementName(grant);
  const base = { statementIndex: grant.statementIndex };
  if (grant.unsatisfiable)
    return [
      {
        ...base,
        checkId: 'TRUST_UNSATISFIABLE',
        severity: HYGIENE_SEVERITY.TRUST_UNSATISFIABLE,
        message: `${where} for pods.eks.amazonaws.com can never match: ${grant.unsatisfiable}.`,
      },
    ];
  if (!grant.unscoped) return [];
  return [
    {
      ...base,
      checkId: 'PI_TRUST_UNSCOPED',
      severity: HYGIENE_SEVERITY.PI_TRUST_UNSCOPED,
      message: `${where} trusts pods.eks.amazonaws.com with no cluster, namespace, service-account or account condition: any Pod Identity association in the account can use the role.`,
    },
  ];
}
