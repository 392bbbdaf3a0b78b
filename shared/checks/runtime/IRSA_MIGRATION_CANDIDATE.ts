import { accountOfArn, workloadIdentityId } from '../../model/identity.js';
import type { ClusterInventory, RoleInventory } from '../../model/inventory.js';
import { scopeRef } from '../../model/scope.js';
import { sentence } from '../../text.js';
import { fargateSelectorsFor, hasPodIdentityAgent } from '../../trust/workload.js';
import { identityKey, indexesFor } from '../support/indexes.js';
import { irsaGrantsByIssuer } from '../support/workload.js';
import type { Check, CheckContext, FindingDraft } from '../types.js';

const SUBJECT = /^system:serviceaccount:([^:*?]+):([^:*?]+)$/;

/** The trust statement to add so Pod Identity can use the role for exactly this service account. */
function podIdentityTrustStatement(cluster: ClusterInventory, namespace: string, serviceAccount: string) {
  return {
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Condition: {
      StringEquals: {
        'aws:SourceAccount': cluster.accountId,
        'aws:RequestTag/eks-cluster-arn': cluster.arn,
        'aws:RequestTag/kubernetes-namespace': namespace,
        'aws:RequestTag/kubernetes-service-account': serviceAccount,
      },
    },
  };
}

interface Candidate {
  cluster: ClusterInventory;
  role: RoleInventory;
  namespace: string;
  serviceAccount: string;
  statementIndexes: number[];
}

function candidatesOf(context: CheckContext, cluster: ClusterInventory): Candidate[] {
  const indexes = indexesFor(context);
  const grants = cluster.issuerHostPath
    ? (irsaGrantsByIssuer(context).get(cluster.issuerHostPath) ?? [])
    : [];
  const addonRoles = new Set(cluster.addons.map((addon) => addon.serviceAccountRoleArn).filter(Boolean));
  const byKey = new Map<string, Candidate>();
  for (const { role, grant } of grants) {
    if (grant.subjects === null || grant.unsatisfiable || addonRoles.has(role.arn)) continue;
    if (accountOfArn(grant.providerArn) !== role.accountId) continue;
    for (const subject of grant.subjects) {
      const match = SUBJECT.exec(subject);
      if (!match) continue;
      const [, namespace, serviceAccount] = match;
      const identity = identityKey(
        cluster.accountId,
        cluster.region,
        cluster.name,
        namespace,
        serviceAccount,
      );
      if (indexes.associationsByIdentity.has(identity)) continue;
      if (fargateSelectorsFor(cluster, namespace).length > 0) continue;
      const key = `${identity}\u0000${role.arn}`;
      const candidate = byKey.get(key) ?? { cluster, role, namespace, serviceAccount, statementIndexes: [] };
      candidate.statementIndexes.push(grant.statementIndex);
      byKey.set(key, candidate);
    }
  }
  return [...byKey.values()];
}

/** An IRSA binding on a cluster that could serve it through Pod Identity instead. */
export const check: Check = {
  meta: {
    id: 'IRSA_MIGRATION_CANDIDATE',
    title: 'IRSA binding could move to EKS Pod Identity',
    severity: 'INFORMATIONAL',
    category: 'runtime',
    description:
      "A role's trust grants one exact service account through the cluster's OIDC issuer, the cluster runs the Pod Identity agent (add-on or Auto Mode), no Fargate profile selects the namespace, the service account has no association yet, and the role is not an EKS add-on's IRSA role (some add-ons do not support Pod Identity). Moving it removes the cluster from the role's trust, so cluster rebuilds no longer need IAM edits. It rests on what the cluster does not have (an association, a Fargate profile for the namespace), so it is decided only for completely collected clusters.",
    restsOn: 'the cluster, its associations and Fargate profiles included',
    remediation:
      'Add a `pods.eks.amazonaws.com` statement to the role trust, create the association with `aws eks create-pod-identity-association`, restart the pods, then remove the IRSA statement and the service-account annotation.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html',
  },
  evaluate(context) {
    const { inventory } = context;
    const drafts: FindingDraft[] = [];
    for (const cluster of inventory.clusters) {
      if (!cluster.issuerHostPath || !hasPodIdentityAgent(cluster)) continue;
      for (const { role, namespace, serviceAccount, statementIndexes } of candidatesOf(context, cluster)) {
        const sameAccount = role.accountId === cluster.accountId;
        const create = sameAccount
          ? `aws eks create-pod-identity-association --cluster-name ${cluster.name} --namespace ${namespace} --service-account ${serviceAccount} --role-arn ${role.arn} --region ${cluster.region}`
          : `aws eks create-pod-identity-association --cluster-name ${cluster.name} --namespace ${namespace} --service-account ${serviceAccount} --role-arn ROLE_IN_ACCOUNT_${cluster.accountId} --target-role-arn ${role.arn} --region ${cluster.region}`;
        const statement = JSON.stringify(podIdentityTrustStatement(cluster, namespace, serviceAccount));
        drafts.push({
          severity: check.meta.severity,
          message: sentence(
            `Service account ${namespace}/${serviceAccount} on cluster ${cluster.name} uses IRSA role ${role.arn} and the cluster runs the Pod Identity agent; it can move to an EKS Pod Identity association`,
          ),
          accountId: cluster.accountId,
          region: cluster.region,
          cluster: cluster.name,
          resource: {
            type: 'WorkloadIdentity',
            id: workloadIdentityId(
              cluster.accountId,
              cluster.region,
              cluster.name,
              namespace,
              serviceAccount,
            ),
          },
          identity: [role.arn],
          remediation: [
            `1. Add this statement to the trust of ${sameAccount ? role.name : `a role in account ${cluster.accountId} that then chains into ${role.arn}`}: ${statement}`,
            `2. Create the association: \`${create}\`.`,
            '3. Restart the pods, confirm the new sessions in CloudTrail, then remove the `eks.amazonaws.com/role-arn` annotation and the IRSA statement.',
          ].join('\n'),
          evidence: {
            roleArn: role.arn,
            statementIndexes,
            issuerHostPath: cluster.issuerHostPath,
            agent: cluster.autoMode ? 'auto-mode' : 'eks-pod-identity-agent',
          },
          restsOn: [scopeRef.cluster(cluster.accountId, cluster.region, cluster.name)],
        });
      }
    }
    return drafts;
  },
};
