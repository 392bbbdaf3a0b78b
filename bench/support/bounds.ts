/**
 * The least work a collection of a scenario needs, computed from the scenario data alone (never from
 * a collector's own counts): the minimum API calls per operation at the maximum page sizes, and the
 * lower bound on wall time those calls imply under the rate limits, the latency and the in-flight cap.
 */
import type { Scenario } from '../../sandbox/scenario.js';

/** Maximum page sizes of the APIs (documented). */
export const MAX_PAGE = {
  eksList: 100,
  lookupEvents: 50,
  authorizationDetails: 1000,
} as const;

/** The LookupEvents queries a collection makes per account-region (one attribute per call). */
export const LOOKUP_KINDS = ['AssumeRoleWithWebIdentity', 'eks-auth', 'AssumeRole'] as const;
export type LookupKind = (typeof LOOKUP_KINDS)[number];

/** Minimum calls per `service:Operation`, and per rate-limit scope. */
export interface MinimumCalls {
  /** Totals per `service:Operation`, e.g. `eks:DescribePodIdentityAssociation`. */
  byOperation: Record<string, number>;
  total: number;
  /** LookupEvents pages per `ACCOUNT/REGION`. */
  lookupPages: Record<string, number>;
  /** The most pages one lookup of an account-region needs (they are sequential). */
  longestLookup: Record<string, number>;
  /** EKS calls per `ACCOUNT/REGION`. */
  eksCalls: Record<string, number>;
  /** IAM calls per account. */
  iamCalls: Record<string, number>;
  /** Dependent EKS calls per `ACCOUNT/REGION`: ListClusters pages, then the longest association listing, then its Describe. */
  eksChain: Record<string, number>;
}

/** A token bucket as the service enforces it. */
export interface RateLimit {
  rps: number;
  burst: number;
}

export interface BoundLimits {
  lookupEvents: RateLimit;
  /** Per account-region, every EKS operation together. */
  eks: RateLimit;
  /** Per account, every IAM operation together. */
  iam: RateLimit;
  /** Latency of every call, in milliseconds. */
  latencyMs: number;
  /** The collector's cap on requests in flight. */
  maxInFlight: number;
}

/** One term of the lower bound: a limit the collection cannot beat. */
export interface BoundTerm {
  name: string;
  seconds: number;
  /** Where it binds (an account-region, an account, or the whole collection). */
  scope: string;
}

export interface LowerBound {
  seconds: number;
  /** The term that gives the bound. */
  dominant: BoundTerm;
  /** The largest term of each kind. */
  terms: BoundTerm[];
}

function pages(items: number, pageSize: number): number {
  return Math.max(1, Math.ceil(items / pageSize));
}

function add(record: Record<string, number>, key: string, count: number): void {
  record[key] = (record[key] ?? 0) + count;
}

/** Sessions a usage (or denied-attempts) entry generates: one per active day and session. */
export function sessionCount(spec: { perDay: number; lastDaysAgo: number; firstDaysAgo: number }): number {
  const everyDays = spec.perDay >= 1 ? 1 : Math.round(1 / spec.perDay);
  const perActiveDay = spec.perDay >= 1 ? Math.round(spec.perDay) : 1;
  let days = 0;
  for (let daysAgo = spec.lastDaysAgo; daysAgo <= spec.firstDaysAgo; daysAgo += everyDays) days += 1;
  return days * perActiveDay;
}

function accountOfRef(ref: string, accountId: string): string {
  return ref.startsWith('arn:') ? (ref.split(':')[4] ?? accountId) : accountId;
}

/**
 * CloudTrail records per account-region and lookup kind, from the scenario's usage: a Pod Identity
 * session writes an `eks-auth` record and an `AssumeRole` in the cluster's account (plus one in the
 * target role's account when it chains), an IRSA session an `AssumeRoleWithWebIdentity` in the role's
 * account, a denied attempt an `eks-auth` record. History must be younger than the 90-day window.
 */
export function trailRecords(scenario: Scenario): Map<string, Record<LookupKind, number>> {
  const records = new Map<string, Record<LookupKind, number>>();
  const bump = (accountId: string, region: string, kind: LookupKind, count: number) => {
    const key = `${accountId}/${region}`;
    const entry = records.get(key) ?? { AssumeRoleWithWebIdentity: 0, 'eks-auth': 0, AssumeRole: 0 };
    entry[kind] += count;
    records.set(key, entry);
  };
  for (const account of scenario.accounts) {
    for (const [region, spec] of Object.entries(account.regions)) {
      for (const usage of spec.usage) {
        const sessions = sessionCount(usage);
        if (usage.via === 'irsa') {
          bump(accountOfRef(usage.role ?? '', account.id), region, 'AssumeRoleWithWebIdentity', sessions);
          continue;
        }
        const cluster = spec.clusters.find((candidate) => candidate.name === usage.cluster);
        const association = [
          ...(cluster?.associations ?? []),
          ...(cluster?.addons ?? []).flatMap((addon) => addon.podIdentityAssociations),
        ].find(
          (candidate) =>
            candidate.namespace === usage.namespace && candidate.serviceAccount === usage.serviceAccount,
        );
        if (!association) continue;
        bump(account.id, region, 'eks-auth', sessions);
        bump(account.id, region, 'AssumeRole', sessions);
        const target = (association as { targetRole?: string }).targetRole;
        if (target) bump(accountOfRef(target, account.id), region, 'AssumeRole', sessions);
      }
      for (const denied of spec.deniedAttempts) bump(account.id, region, 'eks-auth', sessionCount(denied));
    }
  }
  return records;
}

/**
 * The fewest calls that read every item of the scenario's member accounts in the given regions:
 * one AssumeRole per account; per account-region ListClusters, per cluster one DescribeCluster, the
 * List pages of associations, add-ons, node groups and Fargate profiles at 100 a page and one Describe
 * per item, and per lookup kind the LookupEvents pages at 50 a page (at least one page each); per
 * account GetAccountAuthorizationDetails pages at 1,000 items (roles, customer managed policies and
 * the AWS managed policies roles attach), one ListOpenIDConnectProviders and one
 * GetOpenIDConnectProvider per provider.
 */
export function minimumCalls(
  scenario: Scenario,
  accounts: readonly string[],
  regions: readonly string[],
  options: { cloudTrail?: boolean } = {},
): MinimumCalls {
  const result: MinimumCalls = {
    byOperation: {},
    total: 0,
    lookupPages: {},
    longestLookup: {},
    eksCalls: {},
    iamCalls: {},
    eksChain: {},
  };
  const trail = trailRecords(scenario);
  const count = (operation: string, calls: number) => {
    add(result.byOperation, operation, calls);
    result.total += calls;
  };
  for (const accountId of accounts) {
    const account = scenario.accounts.find((candidate) => candidate.id === accountId);
    if (!account) continue;
    count('sts:AssumeRole', 1);

    const customer = new Set(account.policies.map((policy) => policy.name));
    const awsManaged = new Set(
      account.roles.flatMap((role) =>
        role.managedPolicies.filter((policy) =>
          policy.startsWith('arn:') ? policy.includes(':iam::aws:policy/') : !customer.has(policy),
        ),
      ),
    );
    const items = account.roles.length + account.policies.length + awsManaged.size;
    const authorizationPages = pages(items, MAX_PAGE.authorizationDetails);
    count('iam:GetAccountAuthorizationDetails', authorizationPages);
    count('iam:ListOpenIDConnectProviders', 1);
    count('iam:GetOpenIDConnectProvider', account.oidcProviders.length);
    result.iamCalls[accountId] = authorizationPages + 1 + account.oidcProviders.length;

    for (const region of regions) {
      const key = `${accountId}/${region}`;
      const clusters = account.regions[region]?.clusters ?? [];
      const listClusters = pages(clusters.length, MAX_PAGE.eksList);
      let eks = listClusters;
      let longestListing = 0;
      count('eks:ListClusters', listClusters);
      for (const cluster of clusters) {
        const associations =
          cluster.associations.length +
          cluster.addons.reduce((sum, addon) => sum + addon.podIdentityAssociations.length, 0);
        const kinds: Array<[string, string, number]> = [
          ['ListPodIdentityAssociations', 'DescribePodIdentityAssociation', associations],
          ['ListAddons', 'DescribeAddon', cluster.addons.length],
          ['ListNodegroups', 'DescribeNodegroup', cluster.nodegroups.length],
          ['ListFargateProfiles', 'DescribeFargateProfile', cluster.fargateProfiles.length],
        ];
        count('eks:DescribeCluster', 1);
        eks += 1;
        for (const [list, describe, itemCount] of kinds) {
          const listPages = pages(itemCount, MAX_PAGE.eksList);
          count(`eks:${list}`, listPages);
          count(`eks:${describe}`, itemCount);
          eks += listPages + itemCount;
        }
        longestListing = Math.max(longestListing, pages(associations, MAX_PAGE.eksList));
      }
      result.eksCalls[key] = eks;
      // ListClusters, then the association pages one after another, then a Describe.
      result.eksChain[key] = listClusters + longestListing + (longestListing > 0 && clusters.length ? 1 : 0);

      if (options.cloudTrail === false) continue;
      const records = trail.get(key) ?? { AssumeRoleWithWebIdentity: 0, 'eks-auth': 0, AssumeRole: 0 };
      const perLookup = LOOKUP_KINDS.map((kind) => pages(records[kind], MAX_PAGE.lookupEvents));
      const lookupPages = perLookup.reduce((sum, value) => sum + value, 0);
      count('cloudtrail:LookupEvents', lookupPages);
      result.lookupPages[key] = lookupPages;
      result.longestLookup[key] = Math.max(...perLookup);
    }
  }
  return result;
}

/** Seconds a stream of `calls` needs under a token bucket: the burst is free, the rest at the rate. */
function streamSeconds(calls: number, limit: RateLimit): number {
  return Math.max(0, calls - limit.burst) / limit.rps;
}

function largest(terms: BoundTerm[]): BoundTerm | undefined {
  return terms.reduce<BoundTerm | undefined>(
    (best, term) => (best === undefined || term.seconds > best.seconds ? term : best),
    undefined,
  );
}

/**
 * The lower bound on wall time: the largest of
 * - per account-region LookupEvents: AssumeRole, then the pages beyond the burst at the rate, then
 *   the last page's latency (and at least the longest lookup's pages one latency each);
 * - per account-region EKS and per account IAM calls the same way under their buckets;
 * - per account-region the latency chain AssumeRole → ListClusters pages → association pages → Describe;
 * - every call's latency spread over the in-flight cap.
 */
export function lowerBound(minimum: MinimumCalls, limits: BoundLimits): LowerBound {
  const latency = limits.latencyMs / 1000;
  const kinds: Array<{ name: string; terms: BoundTerm[] }> = [
    {
      name: 'LookupEvents rate',
      terms: Object.entries(minimum.lookupPages).map(([scope, calls]) => ({
        name: 'LookupEvents rate',
        scope,
        seconds: Math.max(
          latency + streamSeconds(calls, limits.lookupEvents) + latency,
          latency * (1 + (minimum.longestLookup[scope] ?? 0)),
        ),
      })),
    },
    {
      name: 'EKS rate',
      terms: Object.entries(minimum.eksCalls).map(([scope, calls]) => ({
        name: 'EKS rate',
        scope,
        seconds: latency + streamSeconds(calls, limits.eks) + latency,
      })),
    },
    {
      name: 'IAM rate',
      terms: Object.entries(minimum.iamCalls).map(([scope, calls]) => ({
        name: 'IAM rate',
        scope,
        seconds: latency + streamSeconds(calls, limits.iam) + latency,
      })),
    },
    {
      name: 'latency chain',
      terms: Object.entries(minimum.eksChain).map(([scope, calls]) => ({
        name: 'latency chain',
        scope,
        seconds: latency * (1 + calls),
      })),
    },
    {
      name: 'in-flight cap',
      terms: [
        {
          name: 'in-flight cap',
          scope: 'collection',
          seconds: (minimum.total * latency) / limits.maxInFlight,
        },
      ],
    },
  ];
  const terms = kinds.flatMap((kind) => {
    const top = largest(kind.terms);
    return top ? [top] : [];
  });
  const dominant = largest(terms) ?? { name: 'none', scope: 'collection', seconds: 0 };
  return { seconds: dominant.seconds, dominant, terms };
}
