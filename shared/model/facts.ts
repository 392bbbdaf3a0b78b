import type { Finding } from './finding.js';

/** A finding as every renderer and notification may hold it: evidence is absent in a run record. */
export type FindingLike = Omit<Finding, 'evidence'> & { evidence?: Finding['evidence'] };

/**
 * What a finding knows about the workload identity it concerns, read from its place, its resource
 * id and its evidence: the values that fill remediation placeholders and translated messages.
 * Absent when the finding does not know it.
 */
export interface FindingFacts {
  accountId: string;
  region?: string;
  cluster?: string;
  logicalCluster?: string;
  namespace?: string;
  serviceAccount?: string;
  /** The role the finding is about (the association's, the binding's, the declared one). */
  roleArn?: string;
  roleName?: string;
  associationId?: string;
  associationArn?: string;
  providerArn?: string;
  issuerHostPath?: string;
  targetRoleArn?: string;
  nodeRoleArn?: string;
}

const WORKLOAD_ID = /^arn:[\w-]+:eks:([\w-]*):(\d*):cluster\/([^/]+)\/serviceaccount\/([^/]+)\/([^/]+)$/;
const ASSOCIATION_ARN = /^arn:[\w-]+:eks:([\w-]*):(\d*):podidentityassociation\/([^/]+)\/([^/]+)$/;
const ROLE_ARN = /^arn:[\w-]+:iam::\d*:role\/(?:.*\/)?([^/]+)$/;
const PROVIDER_ARN = /^arn:[\w-]+:iam::\d*:oidc-provider\/(.+)$/;
const SUBJECT = /^system:serviceaccount:([^:*?]+):([^:*?]+)$/;

/** The role name of a role ARN (the last path segment), or undefined when it is not one. */
export function roleNameOf(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : ROLE_ARN.exec(arn)?.[1];
}

/** The issuer host path an OIDC provider ARN names. */
export function issuerOfProvider(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : PROVIDER_ARN.exec(arn)?.[1];
}

/**
 * Where a check's evidence names the role its remediation acts on under another key, or names a
 * role that is not the one the remediation means.
 */
const ROLE_OF_CHECK: Readonly<Record<string, (evidence: Record<string, unknown>) => unknown>> = {
  // The IRSA statement to remove is in the trust of the IRSA role, not of the association's role.
  IDENTITY_DUAL_BINDING: (evidence) => {
    const grants = Array.isArray(evidence.irsaGrants) ? evidence.irsaGrants : [];
    const roles = new Set(grants.map((grant) => (grant as { roleArn?: unknown })?.roleArn));
    return roles.size === 1 ? [...roles][0] : undefined;
  },
};

/**
 * Reads the facts of a finding. Only values the finding states are taken: a subject pattern names
 * no service account, and a role-level finding names no namespace.
 *
 * @example factsOf(finding).roleName // 'payments-api'
 */
export function factsOf(finding: FindingLike): FindingFacts {
  const evidence = finding.evidence ?? {};
  const facts: FindingFacts = { accountId: finding.accountId };
  if (finding.region) facts.region = finding.region;
  if (finding.cluster) facts.cluster = finding.cluster;
  const resource = finding.resource.id;

  const workload = WORKLOAD_ID.exec(resource);
  if (workload) {
    facts.region ??= workload[1] || undefined;
    facts.cluster ??= workload[3];
    facts.namespace = workload[4];
    facts.serviceAccount = workload[5];
  }
  const association =
    ASSOCIATION_ARN.exec(resource) ?? ASSOCIATION_ARN.exec(text(evidence.associationArn) ?? '');
  if (association) {
    facts.associationArn = association[0];
    facts.region ??= association[1] || undefined;
    facts.cluster ??= association[3];
    facts.associationId = association[4];
  }
  if (finding.resource.type === 'AwsIamOidcProvider') facts.providerArn = resource;
  facts.providerArn ??= text(evidence.providerArn);
  facts.issuerHostPath = text(evidence.issuerHostPath) ?? issuerOfProvider(facts.providerArn);

  facts.namespace ??= text(evidence.namespace);
  facts.serviceAccount ??= text(evidence.serviceAccount);
  const subject = SUBJECT.exec(text(evidence.subject) ?? '');
  if (subject) {
    facts.namespace ??= subject[1];
    facts.serviceAccount ??= subject[2];
  }
  const tags = record(evidence.sessionTags);
  if (tags && finding.resource.type === 'AwsEksPodIdentityAssociation') {
    facts.namespace ??= text(tags['kubernetes-namespace']);
    facts.serviceAccount ??= text(tags['kubernetes-service-account']);
  }

  const declared = record(evidence.declared);
  const roleOfCheck = ROLE_OF_CHECK[finding.checkId];
  const role =
    (roleOfCheck ? text(roleOfCheck(evidence)) : undefined) ??
    (finding.resource.type === 'AwsIamRole' ? resource : undefined) ??
    text(evidence.declaredRoleArn) ??
    text(declared?.roleArn) ??
    text(evidence.roleArn) ??
    text(evidence.podIdentityRoleArn);
  if (role && ROLE_ARN.test(role)) {
    facts.roleArn = role;
    facts.roleName = roleNameOf(role);
  }
  facts.targetRoleArn = text(evidence.targetRoleArn);
  facts.nodeRoleArn = text(evidence.nodeRoleArn);
  facts.logicalCluster = text(evidence.logicalCluster);
  for (const key of Object.keys(facts) as Array<keyof FindingFacts>)
    if (facts[key] === undefined || facts[key] === '') delete facts[key];
  return facts;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
