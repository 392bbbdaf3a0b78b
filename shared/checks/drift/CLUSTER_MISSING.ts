import { scopeRef } from '../../model/scope.js';
import { sentence } from '../../text.js';
import { scopeFor } from '../support/scope.js';
import type { Check, FindingDraft } from '../types.js';

/** A declared member cluster is absent from its region's complete cluster listing. */
export const check: Check = {
  meta: {
    id: 'CLUSTER_MISSING',
    title: 'Declared cluster does not exist',
    severity: 'HIGH',
    category: 'drift',
    description:
      "A member of a logical cluster in the baseline is not in its account and region, although that region's cluster listing was collected completely: the cluster was deleted, renamed or never built. Its bindings are not reported one by one. Decided only when that region's cluster listing was completely collected; otherwise it is recorded as unknown (and the region gives `COLLECTION_INCOMPLETE`).",
    restsOn: "the cluster listing of the member's account and region",
    remediation:
      "Restore the cluster, or update the logical cluster's `members` in the baseline (after a blue/green cutover, remove the old member). `aws eks list-clusters --region REGION` shows what exists.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/clusters.html',
  },
  evaluate(context) {
    const drafts: FindingDraft[] = [];
    for (const member of scopeFor(context).members) {
      if (member.state === 'present') continue;
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Cluster ${member.name}, a member of logical cluster ${member.logical.name}, does not exist in account ${member.accountId} region ${member.region}. Restore it or remove it from the baseline's members`,
        ),
        accountId: member.accountId,
        region: member.region,
        cluster: member.name,
        resource: { type: 'AwsEksCluster', id: member.arn },
        evidence: { logicalCluster: member.logical.name, members: member.logical.members },
        remediation: `Restore cluster ${member.name}, or remove it from \`members\` of logical cluster ${member.logical.name}; \`aws eks list-clusters --region ${member.region}\` shows the clusters that exist.`,
        baselineLocation: member.logical.location,
        restsOn: [scopeRef.region(member.accountId, member.region)],
      });
    }
    return drafts;
  },
};
