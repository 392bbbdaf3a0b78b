import { accountOfArn } from '../../model/identity.js';
import { sentence } from '../../text.js';
import type { WorkloadUsage } from '../../usage/index.js';
import { type AuditScope, roleNameOf, scopeFor, workloadScope } from '../support/scope.js';
import { usageIndexFor, usageWindow } from '../support/usage.js';
import type { Check, FindingDraft } from '../types.js';

const MAX_EVENT_IDS = 20;

/**
 * A declared role ARN names the role CloudTrail saw when both are in one account with one name: a
 * role name is unique in its account whatever its path, so no IAM data is needed to match them and
 * an account whose IAM could not be read cannot make a declared binding look undeclared.
 */
function sameRole(declaredArn: string, usedArn: string): boolean {
  if (declaredArn === usedArn) return true;
  const account = accountOfArn(declaredArn);
  return (
    account !== undefined &&
    account === accountOfArn(usedArn) &&
    roleNameOf(declaredArn) === roleNameOf(usedArn)
  );
}

/** CloudTrail shows a service account of a declared cluster using a role through a binding the baseline lacks. */
export const check: Check = {
  meta: {
    id: 'UNDECLARED_USAGE',
    title: 'Workload identity in use is not declared',
    severity: 'MEDIUM',
    category: 'usage',
    description:
      "CloudTrail shows a service account of a declared member cluster obtaining a role's credentials during the window, through Pod Identity (session tags of the `sts:AssumeRole` by `pods.eks.amazonaws.com`) or IRSA (`AssumeRoleWithWebIdentity` with its token), but the baseline declares no binding of that mechanism for that logical cluster, namespace, service account and role.",
    remediation:
      'Declare the binding in the baseline after review (`podIdentity:` or `irsa:`), or remove the association or trust grant that lets the service account in.',
    docsUrl: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-integration.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const window = usageWindow(context);
    const drafts: FindingDraft[] = [];
    for (const workload of usageIndexFor(context).workloads()) {
      if (!workload.clusterName) continue;
      const member = scope.memberAt(workload.accountId, workload.region, workload.clusterName);
      if (!member) continue;
      if (isDeclared(scope, member.logical.name, workload)) continue;
      const mechanism = workload.via === 'pod-identity' ? 'Pod Identity' : 'IRSA';
      const { usage } = workload;
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Service account ${workload.namespace}/${workload.serviceAccount} on cluster ${workload.clusterName} used role ${workload.roleArn} through ${mechanism} ${usage.count} ${usage.count === 1 ? 'time' : 'times'} in the last ${window.days} days (latest ${usage.lastSeen}), but logical cluster ${member.logical.name} declares no such binding. Declare it or remove the access`,
        ),
        ...workloadScope(
          workload.accountId,
          workload.region,
          workload.clusterName,
          workload.namespace,
          workload.serviceAccount,
        ),
        identity: [workload.roleArn, workload.via],
        evidence: {
          via: workload.via,
          roleArn: workload.roleArn,
          logicalCluster: member.logical.name,
          count: usage.count,
          firstSeen: usage.firstSeen,
          lastSeen: usage.lastSeen,
          source: usage.sources[0],
          sources: usage.sources,
          eventIds: usage.eventIds.slice(0, MAX_EVENT_IDS),
          ...(workload.issuerHostPath ? { issuerHostPath: workload.issuerHostPath } : {}),
        },
        remediation: `Declare the binding under \`${workload.via === 'pod-identity' ? 'podIdentity' : 'irsa'}:\` for logical cluster ${member.logical.name} (namespace ${workload.namespace}, service account ${workload.serviceAccount}, role ${workload.roleArn}) after review, or remove the ${workload.via === 'pod-identity' ? 'association' : 'trust grant'} that lets it in.`,
      });
    }
    return drafts;
  },
};

function isDeclared(scope: AuditScope, logical: string, workload: WorkloadUsage): boolean {
  const declared =
    workload.via === 'pod-identity'
      ? scope.declaredPodIdentity(logical, workload.namespace, workload.serviceAccount)
      : scope.declaredIrsa(logical, workload.namespace, workload.serviceAccount);
  return declared.some((binding) => sameRole(binding.roleArn, workload.roleArn));
}
