import { indexesFor } from '../checks/support/indexes.js';
import { issuerLivenessDecidable } from '../checks/support/workload.js';
import { eksIssuerRegion, irsaGrantsOf } from '../trust/workload.js';
import type { CutoverContext, OldIssuer } from './context.js';

/**
 * OLD's issuer (post phase). When OLD has been deleted its issuer is no longer in the inventory: the
 * candidates are EKS issuers of the cutover region that belong to no live cluster and that the
 * logical cluster's roles still trust, or that an IAM OIDC provider of the cluster account still names.
 */
export function findOldIssuers(context: CutoverContext): Map<string, OldIssuer> {
  const hosts = new Map<string, OldIssuer>();
  const { run, inventory } = context;
  const { clusters, input } = run;
  if (clusters.old) {
    if (clusters.old.issuerHostPath)
      hosts.set(clusters.old.issuerHostPath, { why: `the issuer of ${clusters.old.name}`, restsOn: [] });
    return hosts;
  }
  if (!issuerLivenessDecidable(inventory, clusters.accountId, clusters.region)) {
    context.recordUnknown({
      kind: 'absence',
      checkId: 'CUTOVER_OLD_ISSUER_STILL_TRUSTED',
      resourceId: clusters.oldArn,
      reason: `${input.from} is not in the snapshot and the EKS listing of ${clusters.accountId}/${clusters.region} was incomplete, so its issuer cannot be told apart`,
    });
    return hosts;
  }
  const indexes = indexesFor(context);
  const dead = (host: string) =>
    host !== clusters.new.issuerHostPath &&
    eksIssuerRegion(host) === clusters.region &&
    (indexes.clustersByIssuerHostPath.get(host) ?? []).length === 0;
  const why = `an issuer of ${clusters.region} that belongs to no live cluster (${input.from} no longer exists)`;
  const relevantRoles = new Set(run.workloads.map((workload) => workload.roleArn));
  for (const role of inventory.roles.values()) {
    const grants = irsaGrantsOf(indexes.trustOf(role.arn));
    const trustsNew = grants.some((grant) => grant.issuerHostPath === clusters.new.issuerHostPath);
    if (!trustsNew && !relevantRoles.has(role.arn)) continue;
    for (const grant of grants)
      if (dead(grant.issuerHostPath)) hosts.set(grant.issuerHostPath, { why, restsOn: [] });
  }
  for (const provider of inventory.oidcProviders) {
    if (provider.accountId !== clusters.accountId || !provider.isEksIssuer || !dead(provider.url)) continue;
    if (!hosts.has(provider.url) && taggedForAnotherCluster(provider.tags, input.from, clusters.oldArn))
      continue;
    hosts.set(provider.url, { why, restsOn: [] });
  }
  return hosts;
}

/**
 * A provider whose own cluster-name tag (eksctl's `alpha.eksctl.io/cluster-name`, or any `…cluster-name`
 * key) names a cluster other than OLD belongs to that cluster: reporting it as OLD's would be a false alarm.
 */
function taggedForAnotherCluster(tags: Record<string, string>, oldName: string, oldArn: string): boolean {
  const values = Object.values(tags);
  if (values.includes(oldName) || values.includes(oldArn)) return false;
  return Object.keys(tags).some((key) => /cluster[-_]?name$/i.test(key));
}
