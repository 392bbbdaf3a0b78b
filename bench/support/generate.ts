/**
 * Generated organizations for the collection and usage benchmarks: an audit account plus member
 * accounts, each with clusters in every region, Pod Identity associations in a deterministic skewed
 * (Zipf-like) distribution, IRSA roles with their OIDC providers, and CloudTrail history of both.
 * The same shape always gives the same scenario.
 */
import { createHash } from 'node:crypto';
import type { ScenarioInput } from '../../sandbox/scenario.js';
import {
  AUDIT_ACCOUNT,
  auditAccount,
  BENCH_EXTERNAL_ID,
  MEMBER_ROLE_TRUST,
  POD_IDENTITY_TRUST,
} from './organization.js';

/** The regions generated accounts use, in order. */
export const BENCH_REGIONS = ['eu-west-1', 'us-east-1', 'ap-northeast-1', 'eu-central-1', 'us-west-2'];

/** The first member account id; members are numbered from it. */
const FIRST_MEMBER = 200000000000;

/** What to generate. */
export interface OrganizationShape {
  accounts: number;
  regions: number;
  clustersPerRegion: number;
  /** Fewest and most Pod Identity associations on one cluster. */
  minAssociations: number;
  maxAssociations: number;
  /** Exponent of the rank distribution: cluster of rank r gets `max / r^skew` (at least `min`). */
  skew: number;
  /** IRSA roles per cluster (each trusting the cluster's OIDC provider). */
  irsaRolesPerCluster: number;
  /** Per cluster: Pod Identity workloads with CloudTrail history, and their sessions per day. */
  podIdentityUsagePerCluster: number;
  podIdentitySessionsPerDay: number;
  /** Per cluster: IRSA workloads with CloudTrail history, and their sessions per day. */
  irsaUsagePerCluster: number;
  irsaSessionsPerDay: number;
  /**
   * Oldest day of history (days ago). Kept below 90 so no event sits on the edge of CloudTrail's
   * 90-day window, where the minute between generating and reading would decide whether it counts.
   */
  historyDays: number;
}

/** The shape the benchmarks use unless told otherwise (accounts vary by run). */
export const DEFAULT_SHAPE: Omit<OrganizationShape, 'accounts'> = {
  regions: 2,
  clustersPerRegion: 2,
  minAssociations: 50,
  maxAssociations: 500,
  skew: 0.8,
  irsaRolesPerCluster: 4,
  podIdentityUsagePerCluster: 3,
  podIdentitySessionsPerDay: 1,
  irsaUsagePerCluster: 2,
  irsaSessionsPerDay: 2,
  historyDays: 88,
};

/** The member account ids of a shape, in order. */
export function memberAccounts(accounts: number): string[] {
  return Array.from({ length: accounts }, (_, index) => String(FIRST_MEMBER + index));
}

function hash(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('/')).digest('hex');
}

/**
 * Associations per cluster, indexed by the cluster's position in account → region → cluster order.
 * Ranks are a seeded permutation of the positions, so the large clusters fall on arbitrary accounts.
 */
function associationCounts(shape: OrganizationShape): number[] {
  const total = shape.accounts * shape.regions * shape.clustersPerRegion;
  const byRank = Array.from({ length: total }, (_, position) => position).sort(
    (a, b) => (hash('rank', a) < hash('rank', b) ? -1 : 1) || a - b,
  );
  const counts = new Array<number>(total);
  byRank.forEach((position, rankIndex) => {
    const skewed = Math.round(shape.maxAssociations / (rankIndex + 1) ** shape.skew);
    counts[position] = Math.min(shape.maxAssociations, Math.max(shape.minAssociations, skewed));
  });
  return counts;
}

function oidcId(...parts: Array<string | number>): string {
  return hash('oidc', ...parts)
    .slice(0, 32)
    .toUpperCase();
}

function irsaTrust(accountId: string, region: string, issuerId: string, namespace: string, sa: string) {
  const issuer = `oidc.eks.${region}.amazonaws.com/id/${issuerId}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${issuer}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${sa}`,
            [`${issuer}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  };
}

/** The scenario of a shape: an audit account (starting identity `Auditor`) and the member accounts. */
export function generateOrganization(shape: OrganizationShape): ScenarioInput {
  const counts = associationCounts(shape);
  const regions = BENCH_REGIONS.slice(0, shape.regions);
  const members = memberAccounts(shape.accounts).map((id, accountIndex) => {
    const regionEntries: Array<[string, unknown]> = [];
    const irsaRoles: Array<{ name: string; trust: unknown }> = [];
    const oidcProviders: Array<{ url: string }> = [];
    let workloadRoles = 0;
    regions.forEach((region, regionIndex) => {
      const clusters = Array.from({ length: shape.clustersPerRegion }, (_, clusterIndex) => {
        const position =
          (accountIndex * shape.regions + regionIndex) * shape.clustersPerRegion + clusterIndex;
        const associations = counts[position];
        workloadRoles = Math.max(workloadRoles, associations);
        const name = `cluster-${clusterIndex}`;
        const issuerId = oidcId(id, region, clusterIndex);
        oidcProviders.push({ url: `oidc.eks.${region}.amazonaws.com/id/${issuerId}` });
        for (let index = 0; index < shape.irsaRolesPerCluster; index += 1) {
          irsaRoles.push({
            name: `irsa-${region}-${name}-${index}`,
            trust: irsaTrust(id, region, issuerId, 'legacy', `irsa-${index}`),
          });
        }
        return {
          name,
          oidcId: issuerId,
          addons: [{ name: 'eks-pod-identity-agent', version: 'v1.3.4-eksbuild.1' }],
          nodegroups: [{ name: 'general', nodeRole: 'eks-node' }],
          associations: Array.from({ length: associations }, (_, index) => ({
            namespace: `team-${index % 10}`,
            serviceAccount: `app-${index}`,
            role: `app-${index}`,
          })),
        };
      });
      const usage = clusters.flatMap((cluster) => [
        ...Array.from({ length: shape.podIdentityUsagePerCluster }, (_, index) => ({
          cluster: cluster.name,
          namespace: `team-${index % 10}`,
          serviceAccount: `app-${index}`,
          via: 'pod-identity' as const,
          perDay: shape.podIdentitySessionsPerDay,
          lastDaysAgo: 0,
          firstDaysAgo: shape.historyDays,
        })),
        ...Array.from({ length: shape.irsaUsagePerCluster }, (_, index) => ({
          cluster: cluster.name,
          namespace: 'legacy',
          serviceAccount: `irsa-${index}`,
          via: 'irsa' as const,
          role: `irsa-${region}-${cluster.name}-${index}`,
          perDay: shape.irsaSessionsPerDay,
          lastDaysAgo: 0,
          firstDaysAgo: shape.historyDays,
        })),
      ]);
      regionEntries.push([region, { clusters, usage }]);
    });
    return {
      id,
      alias: `member-${accountIndex}`,
      roles: [
        { name: 'AuditReadOnly', trust: MEMBER_ROLE_TRUST },
        { name: 'eks-node', trust: EC2_TRUST, managedPolicies: ['AmazonEKSWorkerNodePolicy'] },
        ...Array.from({ length: workloadRoles }, (_, index) => ({
          name: `app-${index}`,
          trust: POD_IDENTITY_TRUST,
        })),
        ...irsaRoles,
      ],
      oidcProviders,
      regions: Object.fromEntries(regionEntries),
    };
  });
  return {
    name: `bench-${shape.accounts}`,
    seed: 1,
    identity: { account: AUDIT_ACCOUNT, role: 'Auditor', region: BENCH_REGIONS[0] },
    accounts: [auditAccount(), ...members],
    buckets: [{ name: 'audit-state', account: AUDIT_ACCOUNT, region: BENCH_REGIONS[0] }],
  } as ScenarioInput;
}

/** Trust of the node role: EC2 instances. */
const EC2_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

export { BENCH_EXTERNAL_ID };
