import { eksClusterArn } from '../../model/identity.js';
import { sentence } from '../../text.js';
import { scopeFor } from '../support/scope.js';
import { usageIndexFor, usageWindow } from '../support/usage.js';
import type { Check, FindingDraft } from '../types.js';

const MAX_EVENT_IDS = 20;

/** Pods of a cluster asked the Pod Identity agent for credentials and were refused. */
export const check: Check = {
  meta: {
    id: 'PI_ASSUME_DENIED',
    title: 'Pod Identity credential requests were denied',
    severity: 'HIGH',
    category: 'usage',
    description:
      "CloudTrail recorded `eks-auth:AssumeRoleForPodIdentity` calls failing with AccessDenied during the window: pods on the cluster asked for credentials and got none. The record names only the cluster and the calling node, not the role or service account; usual causes are a node role without `eks-auth:AssumeRoleForPodIdentity`, or a role trust that rejects the association's session tags (see the trust and runtime findings for the same cluster).",
    remediation:
      "Check the node role's permission and the association roles' trust (`PI_NODE_ROLE_MISSING_PERMISSION`, `PI_TRUST_MISSING`, `PI_TRUST_EXCLUDES_ASSOCIATION`), and list the cluster's associations: `aws eks list-pod-identity-associations --cluster-name CLUSTER`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const window = usageWindow(context);
    const drafts: FindingDraft[] = [];
    for (const attempts of usageIndexFor(context).deniedAttempts()) {
      if (!scope.accounts.has(attempts.accountId)) continue;
      const arn = eksClusterArn(attempts.accountId, attempts.region, attempts.clusterName);
      const nodes =
        attempts.callers.length > 0
          ? ` from ${attempts.callers.length === 1 ? 'node session' : 'node sessions'} ${attempts.callers.slice(0, 3).join(', ')}${attempts.callers.length > 3 ? ` and ${attempts.callers.length - 3} more` : ''}`
          : '';
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Cluster ${attempts.clusterName} had ${attempts.count} denied AssumeRoleForPodIdentity ${attempts.count === 1 ? 'request' : 'requests'} in the last ${window.days} days, the latest at ${attempts.lastSeen}${nodes}; pods there get no credentials. Check the node role permission and the association roles' trust`,
        ),
        accountId: attempts.accountId,
        region: attempts.region,
        cluster: attempts.clusterName,
        resource: { type: 'AwsEksCluster', id: arn },
        evidence: {
          count: attempts.count,
          firstSeen: attempts.firstSeen,
          lastSeen: attempts.lastSeen,
          source: 'cloudtrail:AssumeRoleForPodIdentity',
          errorCodes: attempts.errorCodes,
          nodes: attempts.callers,
          eventIds: attempts.eventIds.slice(0, MAX_EVENT_IDS),
        },
        remediation: `Check the node role permission and the association roles' trust (the trust and runtime findings for ${attempts.clusterName}), then list the associations: \`aws eks list-pod-identity-associations --region ${attempts.region} --cluster-name ${attempts.clusterName}\`.`,
      });
    }
    return drafts;
  },
};
