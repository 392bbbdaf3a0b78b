import { compareText } from '../../model/compare.js';
import { oidcProviderArn, serviceAccountSubject } from '../../model/identity.js';
import type { ClusterInventory, RoleInventory } from '../../model/inventory.js';
import { scopeRef } from '../../model/scope.js';
import { sentence } from '../../text.js';
import type { IrsaGrant } from '../../trust/types.js';
import { parseServiceAccountSubject } from '../../usage/index.js';
import { ageGap, describeUnexplainedUse, unexplainedUse, unusedEvidence } from '../../usage/window.js';
import { indexesFor } from '../support/indexes.js';
import { irsaAllowed } from '../support/irsa-allowed.js';
import { scopeFor, workloadScope } from '../support/scope.js';
import { usageIndexFor, usageWindow } from '../support/usage.js';
import type { Check, CheckContext, FindingDraft } from '../types.js';

/** One service account of one live cluster that a role's trust lets assume it through IRSA. */
interface IrsaBindingInUse {
  role: RoleInventory;
  cluster: ClusterInventory;
  namespace: string;
  serviceAccount: string;
  issuerHostPath: string;
  declared: boolean;
}

/**
 * The IRSA bindings that exist: declared bindings the trust grants on present members, and exact
 * (non-pattern) subject grants of scanned roles for live clusters of scanned accounts.
 */
function existingBindings(context: CheckContext): IrsaBindingInUse[] {
  const scope = scopeFor(context);
  const indexes = indexesFor(context);
  const bindings = new Map<string, IrsaBindingInUse>();
  const add = (binding: IrsaBindingInUse) => {
    const key = [binding.cluster.arn, binding.namespace, binding.serviceAccount, binding.role.arn].join(
      '\u0000',
    );
    const existing = bindings.get(key);
    if (!existing) bindings.set(key, binding);
    else if (binding.declared) existing.declared = true;
  };
  for (const binding of context.baseline.irsa) {
    const role = scope.roleState(binding.roleArn);
    if (role.state !== 'present') continue;
    for (const member of scope.membersOf(binding.cluster)) {
      const hostPath = member.cluster?.issuerHostPath;
      if (!member.cluster || !hostPath) continue;
      const request = {
        kind: 'irsa',
        providerArn: oidcProviderArn(role.role.accountId, hostPath),
        subject: serviceAccountSubject(binding.namespace, binding.serviceAccount),
      } as const;
      if (irsaAllowed(role.role.trustPolicy, request) !== true) continue;
      add({
        role: role.role,
        cluster: member.cluster,
        namespace: binding.namespace,
        serviceAccount: binding.serviceAccount,
        issuerHostPath: hostPath,
        declared: true,
      });
    }
  }
  for (const role of context.inventory.roles.values()) {
    if (!scope.accounts.has(role.accountId)) continue;
    for (const grant of indexes.trustOf(role.arn)?.grants ?? []) {
      if (grant.kind !== 'irsa' || !grant.isEksIssuer || grant.unsatisfiable) continue;
      for (const subject of exactSubjects(grant)) {
        const parts = parseServiceAccountSubject(subject);
        if (!parts) continue;
        for (const cluster of indexes.clustersByIssuerHostPath.get(grant.issuerHostPath) ?? []) {
          if (!scope.accounts.has(cluster.accountId)) continue;
          add({ role, cluster, ...parts, issuerHostPath: grant.issuerHostPath, declared: false });
        }
      }
    }
  }
  return [...bindings.entries()].sort(([a], [b]) => compareText(a, b)).map(([, binding]) => binding);
}

/** Subjects of a grant that name exactly one service account (patterns cannot be judged per account). */
function exactSubjects(grant: IrsaGrant): string[] {
  if (!grant.subjects) return [];
  return grant.subjectMatch === 'equals'
    ? grant.subjects
    : grant.subjects.filter((subject) => !/[*?]/.test(subject));
}

/** An IRSA binding with no web-identity assume during the whole unused window. */
export const check: Check = {
  meta: {
    id: 'IRSA_BINDING_UNUSED',
    title: 'IRSA binding is unused',
    severity: 'LOW',
    category: 'usage',
    description:
      "No `sts:AssumeRoleWithWebIdentity` by this cluster's service account token assumed the role during the `unusedAfterDays` window. Covers declared bindings that the trust grants and exact-subject grants of scanned roles. The assume is logged in the role's account, in the region of whichever STS endpoint the workload's SDK calls (any region), so this is claimed only when the cluster and the role's IAM data were completely collected, the role account's CloudTrail of the cluster's region and of every other collected region is complete and covers the whole window, IAM `RoleLastUsed` is not later than the latest use CloudTrail shows (a later use may be this binding's through a region whose CloudTrail was not collected), and both the role and the cluster are older than the window; otherwise the usage is counted as unknown.",
    restsOn:
      "the cluster, the IAM data of the role's account, and the role account's CloudTrail of the cluster's region and of every collected region",
    remediation:
      'Confirm the workload is gone, then remove the statement for this service account from the role trust (`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`) and the binding from the baseline.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html',
  },
  evaluate(context) {
    const usage = usageIndexFor(context);
    const window = usageWindow(context);
    const { regionsByAccount } = indexesFor(context);
    const drafts: FindingDraft[] = [];
    for (const binding of existingBindings(context)) {
      const { role, cluster, namespace, serviceAccount, issuerHostPath } = binding;
      if (usage.irsaUsage(issuerHostPath, namespace, serviceAccount, role.arn)) continue;
      const where = workloadScope(cluster.accountId, cluster.region, cluster.name, namespace, serviceAccount);

      const doubts: string[] = [];
      const roleAge = ageGap(role.createDate, window, `role ${role.name}`);
      if (roleAge) doubts.push(roleAge);
      // A cluster newer than the window (the green side of a cutover) has not had the whole window to use it.
      if (cluster.createdAt) {
        const clusterAge = ageGap(cluster.createdAt, window, `cluster ${cluster.name}`);
        if (clusterAge) doubts.push(clusterAge);
      }
      const unexplained = unexplainedUse(role, window, usage);
      if (unexplained) {
        doubts.push(
          `${describeUnexplainedUse(role.name, unexplained)}: it may be this binding's, through the STS endpoint of a region whose CloudTrail was not collected`,
        );
      }
      const trailRegions = [cluster.region, ...(regionsByAccount.get(role.accountId) ?? [])];
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Service account ${namespace}/${serviceAccount} on cluster ${cluster.name} did not assume role ${role.name} through IRSA in the last ${window.days} days. Remove the trust grant if the workload is gone`,
        ),
        ...where,
        identity: [role.arn],
        evidence: unusedEvidence(window, ['cloudtrail:AssumeRoleWithWebIdentity'], role, false, {
          roleArn: role.arn,
          issuerHostPath,
          subject: serviceAccountSubject(namespace, serviceAccount),
          declared: binding.declared,
        }),
        remediation: `Confirm the workload is gone, then remove the statement for \`${serviceAccountSubject(namespace, serviceAccount)}\` and issuer ${issuerHostPath} from the trust of ${role.name}: \`aws iam update-assume-role-policy --role-name ${role.name} --policy-document file://trust-policy.json\`${binding.declared ? ', and the binding from the baseline' : ''}.`,
        restsOn: [
          scopeRef.cluster(cluster.accountId, cluster.region, cluster.name),
          scopeRef.iam(role.accountId),
          ...trailRegions.map((region) => scopeRef.cloudTrail(role.accountId, region)),
        ],
        doubts,
      });
    }
    return drafts;
  },
};
