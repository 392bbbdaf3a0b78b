import type { Severity } from '../model/index.js';
import type { CutoverPhase } from './types.js';

/** Metadata of one cutover check (the `CUTOVER_` ids of the check catalogue). */
export interface CutoverCheckMeta {
  id: string;
  phase: CutoverPhase;
  title: string;
  severity: Severity;
  description: string;
  remediation: string;
  docsUrl: string;
}

const POD_IDENTITY_DOCS = 'https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html';
const IRSA_DOCS = 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html';

/** Every cutover check, pre phase first, in report order. */
export const CUTOVER_CHECKS = [
  {
    id: 'CUTOVER_COLLECTION_INCOMPLETE',
    phase: 'pre',
    title: 'The cutover clusters or their IAM data were not fully collected',
    severity: 'HIGH',
    description:
      'OLD, NEW, or the IAM data of their account recorded collection errors: a workload or a blocker may be missing from the report, so it cannot say READY (or clean). Reported in both phases.',
    remediation: 'Fix the access problem named in the evidence and collect again.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html',
  },
  {
    id: 'CUTOVER_ASSOCIATION_NOT_REPLICATED',
    phase: 'pre',
    title: 'Pod Identity association not replicated on the new cluster',
    severity: 'HIGH',
    description:
      'A workload that uses Pod Identity on OLD has no association on NEW with the same namespace, service account, role, target role and session-tag setting. Add-on-owned associations are re-created through the add-on.',
    remediation:
      '`aws eks create-pod-identity-association --cluster-name NEW --namespace NS --service-account SA --role-arn ROLE_ARN`, or `aws eks update-addon --cluster-name NEW --addon-name ADDON --pod-identity-associations serviceAccount=SA,roleArn=ROLE_ARN` for add-on-owned ones.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html',
  },
  {
    id: 'CUTOVER_IRSA_TRUST_NOT_EXTENDED',
    phase: 'pre',
    title: "IRSA role trust does not grant the new cluster's issuer",
    severity: 'HIGH',
    description:
      "An IRSA role's trust policy does not let the workload's service account assume it with a token from NEW's OIDC issuer.",
    remediation:
      "Add a statement for NEW's issuer mirroring OLD's (the plan gives the full policy): `aws iam update-assume-role-policy --role-name ROLE --policy-document file://ROLE-trust-policy.json`.",
    docsUrl: IRSA_DOCS,
  },
  {
    id: 'CUTOVER_OIDC_PROVIDER_MISSING',
    phase: 'pre',
    title: "No IAM OIDC provider for the new cluster's issuer",
    severity: 'HIGH',
    description:
      "IRSA workloads need an IAM OIDC provider for NEW's issuer in the account of their role; without it STS rejects every token from NEW.",
    remediation:
      '`aws iam create-open-id-connect-provider --url https://oidc.eks.REGION.amazonaws.com/id/ID --client-id-list sts.amazonaws.com`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html',
  },
  {
    id: 'CUTOVER_AGENT_MISSING',
    phase: 'pre',
    title: 'The new cluster has no Pod Identity agent',
    severity: 'HIGH',
    description:
      'Pod Identity workloads need the `eks-pod-identity-agent` add-on on NEW (EKS Auto Mode has it built in).',
    remediation: '`aws eks create-addon --cluster-name NEW --addon-name eks-pod-identity-agent`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html',
  },
  {
    id: 'CUTOVER_NODE_ROLE_MISSING_PERMISSION',
    phase: 'pre',
    title: 'A node role of the new cluster cannot call eks-auth:AssumeRoleForPodIdentity',
    severity: 'HIGH',
    description:
      "The agent on NEW's nodes calls `eks-auth:AssumeRoleForPodIdentity` with the node group's role; when its policies do not allow it, pods on those nodes get no credentials.",
    remediation:
      '`aws iam attach-role-policy --role-name NODE_ROLE --policy-arn arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html',
  },
  {
    id: 'CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER',
    phase: 'pre',
    title: 'Role trust or ABAC conditions pinned to the old cluster',
    severity: 'HIGH',
    description:
      "The association role's trust admits OLD's Pod Identity session but not NEW's, because conditions on `aws:RequestTag/eks-cluster-name`, `aws:RequestTag/eks-cluster-arn` or `aws:SourceArn` name OLD; or its permission policies condition on `aws:PrincipalTag/eks-cluster-name`/`-arn` values that name OLD only.",
    remediation:
      "Add NEW's name or ARN to the condition values (keep OLD's until the switch is done): `aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust-policy.json`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html',
  },
  {
    id: 'CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER',
    phase: 'pre',
    title: 'Cross-account target role pinned to the old cluster',
    severity: 'HIGH',
    description:
      "A target role's trust admits the association role chaining from OLD but not from NEW: its `sts:ExternalId`, session-tag or principal-tag conditions name OLD (or OLD's association).",
    remediation:
      "In the target account, add NEW's external id or cluster name/ARN to the target role's trust conditions: `aws iam update-assume-role-policy --role-name TARGET_ROLE --policy-document file://trust-policy.json`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-assign-target-role.html',
  },
  {
    id: 'CUTOVER_FARGATE_INCOMPATIBLE',
    phase: 'pre',
    title: 'The new cluster runs a Pod Identity namespace on Fargate',
    severity: 'HIGH',
    description:
      "A Fargate profile of NEW selects the namespace of a Pod Identity workload that OLD ran on nodes; Pod Identity does not work on Fargate. MEDIUM when NEW's selectors also require labels (only those pods are affected).",
    remediation:
      'Narrow the Fargate profile so these pods run on nodes, or switch the workload to IRSA on NEW.',
    docsUrl: POD_IDENTITY_DOCS,
  },
  {
    id: 'CUTOVER_NEW_NOT_SERVING',
    phase: 'post',
    title: 'The new cluster does not yet serve every workload of the old one',
    severity: 'HIGH',
    description:
      'The post phase was run while the pre phase would still say NOT_READY: some workload identity of OLD has a blocker on NEW. Deleting what OLD uses now could cut those workloads off, so the plan holds no deletion at all.',
    remediation:
      'Run `cutover --phase pre`, apply its plan until it says READY, then run the post phase again.',
    docsUrl: POD_IDENTITY_DOCS,
  },
  {
    id: 'CUTOVER_OLD_ISSUER_STILL_TRUSTED',
    phase: 'post',
    title: "A role still trusts the old cluster's issuer",
    severity: 'MEDIUM',
    description:
      "After the switch, a trust statement still grants tokens from OLD's OIDC issuer; it takes space in the 2,048-character trust policy and is a stale grant once OLD is gone. The plan removes a statement only when NEW serves every subject it grants (the evaluator admits the subject from NEW's issuer and NEW's provider exists) and the data it rests on is complete.",
    remediation:
      "Remove OLD's statements (the plan gives the full policy): `aws iam update-assume-role-policy --role-name ROLE --policy-document file://ROLE-trust-policy.json`.",
    docsUrl: IRSA_DOCS,
  },
  {
    id: 'CUTOVER_OLD_OIDC_PROVIDER_LEFT',
    phase: 'post',
    title: "The old cluster's IAM OIDC provider is left behind",
    severity: 'MEDIUM',
    description:
      "An IAM OIDC provider for OLD's issuer still exists (each account holds at most 100 providers). The plan deletes it only when no role of any scanned account still trusts it for a workload NEW does not serve, CloudTrail shows no use of the issuer (since `--since`), and that IAM and CloudTrail data is complete.",
    remediation: '`aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ARN`.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html',
  },
  {
    id: 'CUTOVER_OLD_ASSOCIATIONS_LEFT',
    phase: 'post',
    title: 'Pod Identity associations left on the old cluster',
    severity: 'LOW',
    description:
      'OLD still exists and still has Pod Identity associations. The plan deletes one only when NEW has the same association and the evaluator admits its session there (role and target role), and the clusters and IAM data it rests on are complete.',
    remediation:
      '`aws eks delete-pod-identity-association --cluster-name OLD --association-id ID` (or delete OLD).',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html',
  },
  {
    id: 'CUTOVER_ASSUME_FAILURES',
    phase: 'post',
    title: 'Workload credential failures on the new cluster',
    severity: 'HIGH',
    description:
      "CloudTrail shows credential failures on NEW since `--since`: `eks-auth:AssumeRoleForPodIdentity` AccessDenied, Pod Identity `sts:AssumeRole` refused, or failed `AssumeRoleWithWebIdentity` with a token from NEW's issuer.",
    remediation:
      'Read the error messages in the evidence; compare the role trust with `eks-identity-audit trust can-assume`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-troubleshooting.html',
  },
] as const satisfies readonly CutoverCheckMeta[];

/** A cutover check id. */
export type CutoverCheckId = (typeof CUTOVER_CHECKS)[number]['id'];

/** Metadata of a cutover check by id. */
export function cutoverCheck(id: CutoverCheckId): CutoverCheckMeta {
  return CUTOVER_CHECKS.find((check) => check.id === id)!;
}
