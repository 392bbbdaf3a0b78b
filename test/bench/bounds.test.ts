import { describe, expect, it } from 'vitest';
import {
  type BoundLimits,
  lowerBound,
  minimumCalls,
  sessionCount,
  trailRecords,
} from '../../bench/support/bounds.js';
import { generateOrganization, memberAccounts } from '../../bench/support/generate.js';
import { validateScenario } from '../../sandbox/scenario.js';

const ROLE_TRUST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};

/** One member account, one region, one cluster of 150 associations, 10 days of history. */
function tinyOrganization() {
  return validateScenario({
    identity: { account: '100000000000', role: 'Auditor', region: 'eu-west-1' },
    accounts: [
      { id: '100000000000', alias: 'audit', roles: [{ name: 'Auditor', trust: ROLE_TRUST }] },
      {
        id: '200000000000',
        alias: 'member',
        roles: [
          { name: 'app', trust: ROLE_TRUST },
          { name: 'node', trust: ROLE_TRUST, managedPolicies: ['AmazonEKSWorkerNodePolicy'] },
        ],
        oidcProviders: [{ url: 'oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF' }],
        regions: {
          'eu-west-1': {
            clusters: [
              {
                name: 'prod',
                oidcId: '0123456789ABCDEF0123456789ABCDEF',
                addons: [{ name: 'eks-pod-identity-agent', version: 'v1.3.4-eksbuild.1' }],
                nodegroups: [{ name: 'general', nodeRole: 'node' }],
                associations: Array.from({ length: 150 }, (_, index) => ({
                  namespace: 'team',
                  serviceAccount: `sa-${index}`,
                  role: 'app',
                })),
              },
            ],
            usage: [
              {
                cluster: 'prod',
                namespace: 'team',
                serviceAccount: 'sa-0',
                via: 'pod-identity',
                perDay: 6,
                lastDaysAgo: 0,
                firstDaysAgo: 9,
              },
              {
                cluster: 'prod',
                namespace: 'legacy',
                serviceAccount: 'old',
                via: 'irsa',
                role: 'app',
                perDay: 0.5,
                lastDaysAgo: 0,
                firstDaysAgo: 9,
              },
            ],
          },
        },
      },
    ],
  });
}

const LIMITS: BoundLimits = {
  lookupEvents: { rps: 2, burst: 2 },
  eks: { rps: 10, burst: 10 },
  iam: { rps: 5, burst: 5 },
  latencyMs: 30,
  maxInFlight: 64,
};

describe('minimum calls', () => {
  it('counts sessions per active day, and one day in N below one session a day', () => {
    expect(sessionCount({ perDay: 6, lastDaysAgo: 0, firstDaysAgo: 9 })).toBe(60);
    expect(sessionCount({ perDay: 0.5, lastDaysAgo: 0, firstDaysAgo: 9 })).toBe(5);
  });

  it('counts one eks-auth and one AssumeRole record per Pod Identity session and one web-identity record per IRSA session', () => {
    const records = trailRecords(tinyOrganization()).get('200000000000/eu-west-1');

    expect(records).toEqual({ 'eks-auth': 60, AssumeRole: 60, AssumeRoleWithWebIdentity: 5 });
  });

  it('needs full pages at the maximum page sizes and one Describe per item', () => {
    const minimum = minimumCalls(tinyOrganization(), ['200000000000'], ['eu-west-1']);

    expect(minimum.byOperation).toEqual({
      'sts:AssumeRole': 1,
      // 2 roles + 1 attached AWS managed policy fit one page of 1,000.
      'iam:GetAccountAuthorizationDetails': 1,
      'iam:ListOpenIDConnectProviders': 1,
      'iam:GetOpenIDConnectProvider': 1,
      'eks:ListClusters': 1,
      'eks:DescribeCluster': 1,
      // 150 associations: two pages of 100.
      'eks:ListPodIdentityAssociations': 2,
      'eks:DescribePodIdentityAssociation': 150,
      'eks:ListAddons': 1,
      'eks:DescribeAddon': 1,
      'eks:ListNodegroups': 1,
      'eks:DescribeNodegroup': 1,
      'eks:ListFargateProfiles': 1,
      'eks:DescribeFargateProfile': 0,
      // 60 eks-auth records: 2 pages; 60 AssumeRole: 2 pages; 5 web-identity: 1 page.
      'cloudtrail:LookupEvents': 5,
    });
    expect(minimum.total).toBe(168);
    expect(minimum.eksCalls['200000000000/eu-west-1']).toBe(159);
    expect(minimum.iamCalls['200000000000']).toBe(3);
  });

  it('still needs one page per lookup and one ListClusters in a region with nothing in it', () => {
    const minimum = minimumCalls(tinyOrganization(), ['200000000000'], ['us-east-1']);

    expect(minimum.lookupPages['200000000000/us-east-1']).toBe(3);
    expect(minimum.eksCalls['200000000000/us-east-1']).toBe(1);
  });
});

describe('lower bound', () => {
  it('is set by the slowest rate-limited stream: here the EKS calls of the account-region', () => {
    const minimum = minimumCalls(tinyOrganization(), ['200000000000'], ['eu-west-1']);

    const bound = lowerBound(minimum, LIMITS);

    // 159 EKS calls, 10 free in the burst, 149 at 10/s, plus AssumeRole and the last call's latency.
    expect(bound.dominant).toMatchObject({ name: 'EKS rate', scope: '200000000000/eu-west-1' });
    expect(bound.seconds).toBeCloseTo(14.9 + 0.06, 6);
    const lookup = bound.terms.find((term) => term.name === 'LookupEvents rate');
    // 5 pages, 2 free in the burst, 3 at 2/s.
    expect(lookup?.seconds).toBeCloseTo(1.5 + 0.06, 6);
  });

  it('is set by the in-flight cap when the cap is small enough', () => {
    const minimum = minimumCalls(tinyOrganization(), ['200000000000'], ['eu-west-1']);

    const bound = lowerBound(minimum, { ...LIMITS, latencyMs: 1000, maxInFlight: 1 });

    expect(bound.dominant.name).toBe('in-flight cap');
    expect(bound.seconds).toBe(168);
  });
});

describe('generated organizations', () => {
  it('spread 50 to 500 associations per cluster, skewed, the same every time', () => {
    const shape = {
      accounts: 10,
      regions: 2,
      clustersPerRegion: 2,
      minAssociations: 50,
      maxAssociations: 500,
      skew: 0.8,
      irsaRolesPerCluster: 1,
      podIdentityUsagePerCluster: 1,
      podIdentitySessionsPerDay: 1,
      irsaUsagePerCluster: 1,
      irsaSessionsPerDay: 1,
      historyDays: 10,
    };
    const scenario = validateScenario(generateOrganization(shape));
    const counts = scenario.accounts.flatMap((account) =>
      Object.values(account.regions).flatMap((region) =>
        region.clusters.map((cluster) => cluster.associations.length),
      ),
    );

    expect(counts).toHaveLength(40);
    expect(Math.max(...counts)).toBe(500);
    expect(Math.min(...counts)).toBe(50);
    expect(counts.filter((count) => count === 50).length).toBeGreaterThan(20);
    expect(validateScenario(generateOrganization(shape))).toEqual(scenario);
    expect(memberAccounts(2)).toEqual(['200000000000', '200000000001']);
  });
});
