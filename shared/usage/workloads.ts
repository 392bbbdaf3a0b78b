import type { ClusterInventory } from '../model/inventory.js';

/** One workload identity seen using a role: cluster, namespace and service account → role. */
export interface WorkloadIdentity {
  via: 'pod-identity' | 'irsa';
  /** The cluster's account and region (for IRSA: of the live cluster owning the issuer, when known). */
  accountId: string;
  region: string;
  /** Undefined for IRSA tokens from an issuer that belongs to no cluster in the inventory. */
  clusterName?: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** IRSA only: the token's issuer. */
  issuerHostPath?: string;
}

const SEP = '\u0000';

/** The live clusters of the inventory by OIDC issuer host path (clusters without an issuer are left out). */
export function clustersByIssuer(clusters: readonly ClusterInventory[]): Map<string, ClusterInventory[]> {
  const byIssuer = new Map<string, ClusterInventory[]>();
  for (const cluster of clusters) {
    if (!cluster.issuerHostPath) continue;
    const list = byIssuer.get(cluster.issuerHostPath) ?? [];
    list.push(cluster);
    byIssuer.set(cluster.issuerHostPath, list);
  }
  return byIssuer;
}

/** Identifies a workload identity; sorting by it orders the `workloads()` listing. */
export function workloadKey(workload: WorkloadIdentity): string {
  return [
    workload.via,
    workload.accountId,
    workload.region,
    workload.clusterName ?? '',
    workload.namespace,
    workload.serviceAccount,
    workload.roleArn,
    workload.issuerHostPath ?? '',
  ].join(SEP);
}

/** What an IRSA token tells about its workload: the issuer, the service account and the role it assumed. */
export interface IrsaSubject {
  issuerHostPath: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
}

/**
 * The workload identities an IRSA token stands for: one per live cluster with the token's issuer
 * (clusters can share an issuer), or, for an issuer no cluster owns, one without a cluster in the
 * issuer's region and `unowned.accountId`.
 *
 * @param unowned where an issuer no cluster owns is placed; `region` only when the issuer names none.
 */
export function irsaWorkloads(
  byIssuer: ReadonlyMap<string, readonly ClusterInventory[]>,
  subject: IrsaSubject,
  unowned: { accountId: string; region: string },
): WorkloadIdentity[] {
  const { issuerHostPath, namespace, serviceAccount, roleArn } = subject;
  const clusters = byIssuer.get(issuerHostPath);
  if (clusters) {
    return clusters.map((cluster) => ({
      via: 'irsa',
      accountId: cluster.accountId,
      region: cluster.region,
      clusterName: cluster.name,
      namespace,
      serviceAccount,
      roleArn,
      issuerHostPath,
    }));
  }
  const issuerRegion = /^oidc\.eks\.([^.]+)\./.exec(issuerHostPath)?.[1] ?? unowned.region;
  return [
    {
      via: 'irsa',
      accountId: unowned.accountId,
      region: issuerRegion,
      namespace,
      serviceAccount,
      roleArn,
      issuerHostPath,
    },
  ];
}
