import { sentence } from '../../text.js';
import { scopeFor } from '../support/scope.js';
import type { Check, FindingDraft } from '../types.js';

/** A cluster in a scanned account and region that no logical cluster of the baseline names. */
export const check: Check = {
  meta: {
    id: 'CLUSTER_UNDECLARED',
    title: 'Cluster is not declared',
    severity: 'MEDIUM',
    category: 'drift',
    description:
      "A cluster in a scanned account (the declared clusters' accounts and the baseline's `accounts`) is not a member of any logical cluster: its workload identities are not audited against a declaration. Its associations are not reported one by one.",
    remediation:
      "Add the cluster to a logical cluster's `members` in the baseline (a new blue/green member, or a new logical cluster), or delete it if it is abandoned: `aws eks delete-cluster --name CLUSTER`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/clusters.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const drafts: FindingDraft[] = [];
    for (const cluster of context.inventory.clusters) {
      if (!scope.accounts.has(cluster.accountId)) continue;
      if (scope.memberAt(cluster.accountId, cluster.region, cluster.name)) continue;
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Cluster ${cluster.name} in account ${cluster.accountId} region ${cluster.region} is not a member of any logical cluster in the baseline. Declare it or delete it`,
        ),
        accountId: cluster.accountId,
        region: cluster.region,
        cluster: cluster.name,
        resource: { type: 'AwsEksCluster', id: cluster.arn },
        evidence: {
          status: cluster.status ?? null,
          version: cluster.version ?? null,
          associations: cluster.associations.length,
        },
        remediation: `Add ${cluster.name} to \`members\` of a logical cluster in the baseline (or declare a new logical cluster for account ${cluster.accountId} region ${cluster.region}), or delete it if it is abandoned: \`aws eks delete-cluster --region ${cluster.region} --name ${cluster.name}\`.`,
      });
    }
    return drafts;
  },
};
