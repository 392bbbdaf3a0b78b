import { oidcProviderArn, serviceAccountSubject } from '../../model/identity.js';
import { scopeRef } from '../../model/scope.js';
import { clause, sentence } from '../../text.js';
import { canAssumeParsed } from '../../trust/index.js';
import { irsaAllowed, trustPolicyOf } from '../support/irsa-allowed.js';
import { roleNameOf, scopeFor, workloadScope } from '../support/scope.js';
import type { Check, FindingDraft } from '../types.js';

/** The trust statement that grants one service account of one issuer, as remediation shows it. */
export function irsaTrustStatement(providerArn: string, issuerHostPath: string, subject: string): string {
  return JSON.stringify({
    Effect: 'Allow',
    Principal: { Federated: providerArn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { [`${issuerHostPath}:sub`]: subject, [`${issuerHostPath}:aud`]: 'sts.amazonaws.com' },
    },
  });
}

/** A declared IRSA binding that the role's trust policy does not grant for a member cluster's issuer. */
export const check: Check = {
  meta: {
    id: 'IRSA_BINDING_MISSING',
    title: 'Declared IRSA binding is not granted by the role trust',
    severity: 'HIGH',
    category: 'drift',
    description:
      "The baseline declares an IRSA binding, but the role's trust policy does not let the service account's token from a member cluster's OIDC issuer (`system:serviceaccount:NAMESPACE:SA`, audience `sts.amazonaws.com`) assume it, so `AssumeRoleWithWebIdentity` fails on that cluster. Typical after a blue/green rebuild: the new cluster's issuer was not added. Decided by evaluating the trust policy, not by string comparison; trust the analyzer cannot decide is counted as unknown, not reported. A member cluster that reports no OIDC issuer is reported only when it was completely collected.",
    restsOn: 'the member cluster, when the claim is that it has no OIDC issuer',
    remediation:
      "Add a statement for the member cluster's issuer to the trust policy and apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const drafts: FindingDraft[] = [];
    for (const binding of context.baseline.irsa) {
      const role = scope.roleState(binding.roleArn);
      // An absent role is ROLE_NOT_FOUND; an uncollected one proves nothing.
      if (role.state !== 'present') continue;
      const subject = serviceAccountSubject(binding.namespace, binding.serviceAccount);
      for (const member of scope.membersOf(binding.cluster)) {
        if (member.state !== 'present' || !member.cluster) continue;
        const where = workloadScope(
          member.accountId,
          member.region,
          member.name,
          binding.namespace,
          binding.serviceAccount,
        );
        const base = {
          severity: check.meta.severity,
          ...where,
          identity: [binding.roleArn],
          baselineLocation: binding.location,
        };
        const hostPath = member.cluster.issuerHostPath;
        if (!hostPath) {
          drafts.push({
            ...base,
            message: sentence(
              `Cluster ${member.name} reports no OIDC issuer, so IRSA cannot work there for ${binding.namespace}/${binding.serviceAccount} (role ${binding.roleArn}). Check the cluster's identity configuration or use Pod Identity`,
            ),
            evidence: {
              logicalCluster: binding.cluster,
              roleArn: binding.roleArn,
              subject,
              reason: 'cluster has no OIDC issuer',
            },
            remediation:
              "Confirm the cluster's OIDC issuer (`aws eks describe-cluster --name CLUSTER --query cluster.identity.oidc.issuer`), or declare a Pod Identity binding instead.",
            // Without a complete DescribeCluster the issuer may simply not have been read.
            restsOn: [scopeRef.cluster(member.accountId, member.region, member.name)],
          });
          continue;
        }
        // The provider must live in the role's account, which for cross-account IRSA is not the cluster's.
        const providerArn = oidcProviderArn(role.role.accountId, hostPath);
        const request = { kind: 'irsa', providerArn, subject } as const;
        if (irsaAllowed(role.role.trustPolicy, request) === true) continue;
        // Not allowed, or undecided: the evaluator's decision says why.
        const decision = canAssumeParsed(trustPolicyOf(role.role.trustPolicy), request);
        if (decision.allowed === true) continue;
        if (decision.allowed === 'unknown') {
          context.recordUnknown?.({
            kind: 'trust',
            checkId: check.meta.id,
            resourceId: where.resource.id,
            reason: decision.reason,
          });
          continue;
        }
        const statement = irsaTrustStatement(providerArn, hostPath, subject);
        drafts.push({
          ...base,
          message: sentence(
            `Role ${role.role.name} does not let ${binding.namespace}/${binding.serviceAccount} on cluster ${member.name} assume it through IRSA (${clause(decision.reason)}); pods of that service account get AccessDenied. Add a trust statement for issuer ${hostPath}`,
          ),
          evidence: {
            logicalCluster: binding.cluster,
            roleArn: role.role.arn,
            providerArn,
            subject,
            reason: decision.reason,
          },
          // The role's trust policy and the cluster's issuer were both read: nothing else is needed.
          restsOn: [],
          remediation: `Add this statement to the trust policy of ${roleNameOf(role.role.arn)} and apply it with \`aws iam update-assume-role-policy --role-name ${roleNameOf(role.role.arn)} --policy-document file://trust-policy.json\`: ${statement}`,
        });
      }
    }
    return drafts;
  },
};
