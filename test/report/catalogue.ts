import type { CheckMeta } from '../../shared/checks/types.js';

const PI_DOCS = 'https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html';
const IRSA_DOCS = 'https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html';

/** The part of the check catalogue the report fixture uses, as the registry describes each check. */
export const CATALOGUE: CheckMeta[] = [
  {
    id: 'PI_ASSOCIATION_MISSING',
    title: 'Declared Pod Identity association is missing',
    severity: 'HIGH',
    category: 'drift',
    description: 'A Pod Identity binding declared in the baseline has no association on a member cluster.',
    remediation: 'Create the association with `aws eks create-pod-identity-association`.',
    docsUrl: PI_DOCS,
  },
  {
    id: 'PI_ASSOCIATION_UNDECLARED',
    title: 'Pod Identity association is not declared',
    severity: 'MEDIUM',
    category: 'drift',
    description: 'An association on an in-scope cluster is not declared in the baseline.',
    remediation:
      'Declare the binding in the baseline, or delete it with `aws eks delete-pod-identity-association`.',
    docsUrl: PI_DOCS,
  },
  {
    id: 'IRSA_BINDING_MISSING',
    title: 'Declared IRSA binding is not granted',
    severity: 'HIGH',
    category: 'drift',
    description:
      "A declared IRSA binding is not granted by the role's trust for the member cluster's OIDC issuer.",
    remediation:
      "Add the cluster's issuer and subject to the role's trust with `aws iam update-assume-role-policy`.",
    docsUrl: IRSA_DOCS,
  },
  {
    id: 'ROLE_NOT_FOUND',
    title: 'Role does not exist',
    severity: 'HIGH',
    category: 'drift',
    description: "A declared role, or an association's role, does not exist.",
    remediation: 'Create the role or correct the role ARN in the baseline.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create.html',
  },
  {
    id: 'CLUSTER_UNDECLARED',
    title: 'Cluster is not in the baseline',
    severity: 'MEDIUM',
    category: 'drift',
    description:
      'A cluster in a scanned account and region is not declared as a member of any logical cluster.',
    remediation: 'Add the cluster to a logical cluster in the baseline, or delete it.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/clusters.html',
  },
  {
    id: 'IRSA_NO_SUBJECT_CONDITION',
    title: 'IRSA trust has no subject condition',
    severity: 'CRITICAL',
    category: 'trust',
    description:
      'The trust names an EKS OIDC provider without a :sub condition: any service account in the cluster can assume the role.',
    remediation:
      'Add a StringEquals condition on `<issuer>:sub` naming `system:serviceaccount:NAMESPACE:NAME`.',
    docsUrl: IRSA_DOCS,
  },
  {
    id: 'IRSA_SUBJECT_WILDCARD',
    title: 'IRSA subject condition uses a wildcard',
    severity: 'HIGH',
    category: 'trust',
    description:
      'The :sub condition uses a wildcard, so more service accounts than intended can assume the role.',
    remediation: 'Replace StringLike with StringEquals and list the exact service accounts.',
    docsUrl: IRSA_DOCS,
  },
  {
    id: 'IRSA_NO_AUDIENCE_CONDITION',
    title: 'IRSA trust has no audience condition',
    severity: 'MEDIUM',
    category: 'trust',
    description: 'The trust has no :aud = sts.amazonaws.com condition.',
    remediation: 'Add a StringEquals condition `<issuer>:aud` = `sts.amazonaws.com`.',
    docsUrl: IRSA_DOCS,
  },
  {
    id: 'IRSA_STALE_PROVIDER',
    title: 'IRSA trust names a deleted cluster',
    severity: 'MEDIUM',
    category: 'trust',
    description:
      'The trust names an EKS issuer that belongs to no live cluster, typically left behind by a blue/green cutover.',
    remediation: "Remove the old issuer's statement with `aws iam update-assume-role-policy`.",
    docsUrl: IRSA_DOCS,
  },
  {
    id: 'PI_TRUST_UNSCOPED',
    title: 'Pod Identity trust is unscoped',
    severity: 'CRITICAL',
    category: 'trust',
    description:
      'The role trusts pods.eks.amazonaws.com with no cluster, namespace, service account or account condition.',
    remediation: 'Add aws:SourceAccount and aws:RequestTag/eks-cluster-arn conditions to the trust.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html',
  },
  {
    id: 'PI_TRUST_EXCLUDES_ASSOCIATION',
    title: 'Pod Identity trust rejects its own association',
    severity: 'HIGH',
    category: 'trust',
    description:
      "The role's trust conditions reject the session tags of its own association: AccessDenied at run time.",
    remediation: "Align the trust conditions with the association's cluster, namespace and service account.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html',
  },
  {
    id: 'PI_AGENT_MISSING',
    title: 'Pod Identity agent is missing',
    severity: 'HIGH',
    category: 'runtime',
    description: 'A cluster has associations but no eks-pod-identity-agent add-on and is not in Auto Mode.',
    remediation: 'Install the add-on: `aws eks create-addon --addon-name eks-pod-identity-agent`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html',
  },
  {
    id: 'PI_ON_FARGATE',
    title: 'Pod Identity association on Fargate',
    severity: 'HIGH',
    category: 'runtime',
    description:
      "An association's namespace is selected by a Fargate profile, where Pod Identity is not supported.",
    remediation: 'Use IRSA for pods on Fargate, or schedule them on EC2 nodes.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html#pod-id-considerations',
  },
  {
    id: 'IDENTITY_DUAL_BINDING',
    title: 'Service account has IRSA and Pod Identity',
    severity: 'LOW',
    category: 'runtime',
    description:
      'One service account has both an IRSA grant and a Pod Identity association; IRSA takes precedence.',
    remediation: 'Remove the binding you no longer use.',
    docsUrl: PI_DOCS,
  },
  {
    id: 'OIDC_PROVIDER_DANGLING',
    title: 'IAM OIDC provider for a deleted cluster',
    severity: 'LOW',
    category: 'trust',
    description: 'An IAM OIDC provider exists for an EKS issuer with no live cluster.',
    remediation: 'Delete it with `aws iam delete-open-id-connect-provider`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html',
  },
  {
    id: 'IRSA_MIGRATION_CANDIDATE',
    title: 'IRSA binding can move to Pod Identity',
    severity: 'INFORMATIONAL',
    category: 'runtime',
    description:
      'An IRSA binding on a cluster with the Pod Identity agent and no Fargate profile for its namespace.',
    remediation: 'Create a Pod Identity association and remove the IRSA annotation and trust statement.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-migrate.html',
  },
  {
    id: 'ROLE_UNUSED',
    title: 'Workload role is unused',
    severity: 'LOW',
    category: 'usage',
    description: 'A workload role has no assume evidence in the whole unused window.',
    remediation: 'Delete the role with `aws iam delete-role` after confirming no workload needs it.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_access-advisor.html',
  },
  {
    id: 'UNDECLARED_USAGE',
    title: 'Undeclared workload identity in use',
    severity: 'LOW',
    category: 'usage',
    description: 'CloudTrail shows a workload identity in use that the baseline does not declare.',
    remediation: 'Declare the binding in the baseline, or remove the grant that allows it.',
    docsUrl: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-integration.html',
  },
  {
    id: 'COLLECTION_INCOMPLETE',
    title: 'Scope could not be fully collected',
    severity: 'HIGH',
    category: 'meta',
    description: 'A scope could not be fully collected; no missing or unused finding is reported inside it.',
    remediation: "Fix the audit role's access or retry; the next complete run reports the scope again.",
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_roles.html',
  },
  {
    id: 'SUPPRESSION_EXPIRED',
    title: 'Baseline exception has expired',
    severity: 'LOW',
    category: 'meta',
    description: 'An exception in the baseline is past its expires date and no longer suppresses findings.',
    remediation: 'Fix the findings it covered, or renew the exception with a new reason and date.',
    docsUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/finding-workflow-status.html',
  },
];
