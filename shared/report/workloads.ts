import type { FindingLike } from '../model/facts.js';

/**
 * How many workloads (service accounts of a cluster) a finding names as affected, from its resource
 * and evidence; undefined when the finding does not say (a role's trust hygiene, a collection gap).
 * A workload identity or an association is one; a cluster without its Pod Identity agent affects
 * every association it holds; a missing role affects every binding and association that refers to it.
 *
 * @example affectedWorkloads(agentMissing) // 4 (the cluster's associations)
 */
export function affectedWorkloads(finding: FindingLike): number | undefined {
  const evidence = finding.evidence ?? {};
  if (typeof evidence.associationCount === 'number' && evidence.associationCount >= 0)
    return evidence.associationCount;
  if (Array.isArray(evidence.referencedBy) && evidence.referencedBy.length > 0)
    return evidence.referencedBy.length;
  if (
    finding.resource.type === 'WorkloadIdentity' ||
    finding.resource.type === 'AwsEksPodIdentityAssociation'
  )
    return 1;
  return undefined;
}
