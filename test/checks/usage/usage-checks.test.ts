import { describe, expect, it } from 'vitest';
import { check as IRSA_BINDING_UNUSED } from '../../../shared/checks/usage/IRSA_BINDING_UNUSED.js';
import { check as PI_ASSOCIATION_UNUSED } from '../../../shared/checks/usage/PI_ASSOCIATION_UNUSED.js';
import { check as PI_ASSUME_DENIED } from '../../../shared/checks/usage/PI_ASSUME_DENIED.js';
import { check as ROLE_UNUSED } from '../../../shared/checks/usage/ROLE_UNUSED.js';
import { check as UNDECLARED_USAGE } from '../../../shared/checks/usage/UNDECLARED_USAGE.js';
import { eksClusterArn, workloadIdentityId } from '../../../shared/model/identity.js';
import {
  baselineOf,
  estate,
  inventoryOf,
  irsa,
  irsaTrustFor,
  LONG_AGO,
  pi,
  RECENTLY,
  REGION,
  resources,
  roleArn,
  runCheck,
  WORKLOADS,
} from '../../audit/world.js';
import type { AccountBuilder, RegionBuilder } from '../../support/snapshot-builder.js';
import {
  assumeRoleForPodIdentityEvent,
  collectionError,
  irsaTrust,
  irsaWebIdentityEvent,
  oidcIdFor,
  podIdentityAssumeRoleEvent,
  type RoleOptions,
} from '../../support/snapshot-builder.js';

const piSession = (
  serviceAccount: string,
  role: string,
  eventTime = RECENTLY,
  extra: { disableSessionTags?: boolean } = {},
) =>
  podIdentityAssumeRoleEvent({
    accountId: WORKLOADS,
    region: REGION,
    clusterName: 'prod-blue',
    namespace: 'default',
    serviceAccount,
    roleArn: roleArn(role),
    eventTime,
    ...extra,
  });

const webIdentity = (serviceAccount: string, role: string, eventTime = RECENTLY) =>
  irsaWebIdentityEvent({
    accountId: WORKLOADS,
    region: REGION,
    oidcId: oidcIdFor('prod-blue'),
    namespace: 'kube-system',
    serviceAccount,
    roleArn: roleArn(role),
    eventTime,
  });

interface Setup {
  role?: RoleOptions;
  associationCreatedAt?: string;
  disableSessionTags?: boolean;
  region?: (region: RegionBuilder) => unknown;
}

/** prod-blue with one association default/app → role app, created long ago, plus what the test adds. */
function podIdentityEstate(setup: Setup = {}) {
  return inventoryOf(
    estate({
      account: (account) => account.role('app', { createDate: LONG_AGO, ...setup.role }),
      region: (region) => {
        region.cluster('prod-blue', {}, (cluster) =>
          cluster.association({
            namespace: 'default',
            serviceAccount: 'app',
            roleName: 'app',
            createdAt: setup.associationCreatedAt ?? LONG_AGO,
            disableSessionTags: setup.disableSessionTags,
          }),
        );
        setup.region?.(region);
      },
    }),
  );
}

/** prod-blue with role dns trusted by kube-system/external-dns through IRSA. */
function irsaEstate(
  setup: Setup & { clusterCreatedAt?: string; clusterError?: ReturnType<typeof collectionError> } = {},
) {
  return inventoryOf(
    estate({
      account: (account) =>
        account.role('dns', {
          createDate: LONG_AGO,
          trust: irsaTrustFor(['prod-blue'], 'system:serviceaccount:kube-system:external-dns'),
          ...setup.role,
        }),
      region: (region) => {
        region.cluster('prod-blue', { createdAt: setup.clusterCreatedAt ?? LONG_AGO }, (cluster) => {
          if (setup.clusterError) cluster.error(setup.clusterError);
        });
        setup.region?.(region);
      },
    }),
  );
}

const declaredPi = baselineOf({ podIdentity: [pi('default', 'app', 'app')] });
const declaredIrsa = baselineOf({ irsa: [irsa('kube-system', 'external-dns', 'dns')] });

describe('ROLE_UNUSED', () => {
  it('fires for a workload role with no evidence over a complete window, citing IAM last use', () => {
    const { drafts } = runCheck(
      ROLE_UNUSED,
      podIdentityEstate({ role: { lastUsed: '2026-03-01T00:00:00Z' } }),
      declaredPi,
    );
    expect(resources(drafts)).toEqual([roleArn('app')]);
    expect(drafts[0].evidence).toMatchObject({
      lastSeen: '2026-03-01T00:00:00Z',
      source: 'iam:RoleLastUsed',
      eventIds: [],
    });
    expect(drafts[0].remediation).toContain('aws iam delete-role --role-name app');
  });

  it('does not fire when IAM RoleLastUsed falls inside the window', () => {
    expect(
      runCheck(ROLE_UNUSED, podIdentityEstate({ role: { lastUsed: RECENTLY } }), declaredPi).drafts,
    ).toEqual([]);
  });

  it('does not fire when CloudTrail shows a session of the role', () => {
    const inventory = podIdentityEstate({ region: (region) => region.event(piSession('app', 'app')) });
    expect(runCheck(ROLE_UNUSED, inventory, declaredPi).drafts).toEqual([]);
  });

  it('does not fire for roles that are not workload roles', () => {
    const inventory = inventoryOf(
      estate({ account: (account) => account.role('ci-deployer', { createDate: LONG_AGO }) }),
    );
    expect(runCheck(ROLE_UNUSED, inventory, declaredPi).drafts).toEqual([]);
  });

  it('counts the usage as unknown when the CloudTrail window starts late, or the role is newer than the window', () => {
    const late = runCheck(
      ROLE_UNUSED,
      podIdentityEstate({ region: (region) => region.cloudTrailWindow('2026-10-01T00:00:00Z') }),
      declaredPi,
    );
    expect(late.drafts).toEqual([]);
    expect(late.unknowns).toEqual([expect.objectContaining({ kind: 'usage', resourceId: roleArn('app') })]);
    const young = runCheck(
      ROLE_UNUSED,
      podIdentityEstate({ role: { createDate: '2026-11-01T00:00:00Z' } }),
      declaredPi,
    );
    expect(young.drafts).toEqual([]);
    expect(young.unknowns[0].reason).toContain('within the window');
  });

  it('counts the usage as unknown when CloudTrail collection failed', () => {
    const run = runCheck(
      ROLE_UNUSED,
      podIdentityEstate({
        region: (region) => region.cloudTrailError(collectionError('cloudtrail', 'LookupEvents')),
      }),
      declaredPi,
    );
    expect(run.drafts).toEqual([]);
    expect(run.unknowns).toHaveLength(1);
  });
});

describe('PI_ASSOCIATION_UNUSED', () => {
  it('fires for an association that issued no session in the window', () => {
    const inventory = podIdentityEstate({ region: (region) => region.event(piSession('other', 'app')) });
    const { drafts } = runCheck(PI_ASSOCIATION_UNUSED, inventory, declaredPi);
    expect(drafts).toHaveLength(1);
    expect(drafts[0].message).toContain('default/app on cluster prod-blue');
    expect(drafts[0].remediation).toContain('aws eks delete-pod-identity-association');
  });

  it('does not fire when a session carries its cluster, namespace and service account tags', () => {
    const inventory = podIdentityEstate({ region: (region) => region.event(piSession('app', 'app')) });
    expect(runCheck(PI_ASSOCIATION_UNUSED, inventory, declaredPi).drafts).toEqual([]);
  });

  it('credits an untagged session of the role to an association that disables session tags', () => {
    const inventory = podIdentityEstate({
      disableSessionTags: true,
      region: (region) => region.event(piSession('app', 'app', RECENTLY, { disableSessionTags: true })),
    });
    expect(runCheck(PI_ASSOCIATION_UNUSED, inventory, declaredPi).drafts).toEqual([]);
  });

  it('counts as unknown an association created inside the window', () => {
    const run = runCheck(
      PI_ASSOCIATION_UNUSED,
      podIdentityEstate({ associationCreatedAt: '2026-11-01T00:00:00Z' }),
      declaredPi,
    );
    expect(run.drafts).toEqual([]);
    expect(run.unknowns).toHaveLength(1);
  });

  it('counts as unknown when IAM saw the role used but CloudTrail shows none of it', () => {
    const run = runCheck(
      PI_ASSOCIATION_UNUSED,
      podIdentityEstate({ role: { lastUsed: RECENTLY } }),
      declaredPi,
    );
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toContain('IAM reports role');
  });
});

describe('IRSA_BINDING_UNUSED', () => {
  const resource = workloadIdentityId(WORKLOADS, REGION, 'prod-blue', 'kube-system', 'external-dns');

  it('fires for a granted service account with no web-identity assume in the window', () => {
    const { drafts } = runCheck(IRSA_BINDING_UNUSED, irsaEstate(), declaredIrsa);
    expect(resources(drafts)).toEqual([resource]);
    expect(drafts[0].evidence).toMatchObject({
      declared: true,
      subject: 'system:serviceaccount:kube-system:external-dns',
    });
  });

  it('also covers exact grants that the baseline does not declare', () => {
    expect(resources(runCheck(IRSA_BINDING_UNUSED, irsaEstate(), baselineOf()))).toEqual([resource]);
  });

  it('does not fire when the service account assumed the role in the window', () => {
    const inventory = irsaEstate({ region: (region) => region.event(webIdentity('external-dns', 'dns')) });
    expect(runCheck(IRSA_BINDING_UNUSED, inventory, declaredIrsa).drafts).toEqual([]);
  });

  it('does not credit another service account of the same role', () => {
    const inventory = irsaEstate({ region: (region) => region.event(webIdentity('other', 'dns')) });
    expect(resources(runCheck(IRSA_BINDING_UNUSED, inventory, declaredIrsa))).toEqual([resource]);
  });

  it('counts as unknown a binding on a cluster newer than the window', () => {
    const run = runCheck(
      IRSA_BINDING_UNUSED,
      irsaEstate({ clusterCreatedAt: '2026-10-20T00:00:00Z' }),
      declaredIrsa,
    );
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toContain('cluster prod-blue was created');
  });

  it('counts as unknown a binding on a cluster that was not fully collected', () => {
    const run = runCheck(
      IRSA_BINDING_UNUSED,
      irsaEstate({ clusterError: collectionError('eks', 'DescribePodIdentityAssociation') }),
      declaredIrsa,
    );
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toContain(
      'cluster prod-blue in account 111122223333 region ap-northeast-1 was not fully collected',
    );
  });
});

describe('PI_ASSUME_DENIED', () => {
  const denied = (eventTime: string, denied = true) =>
    assumeRoleForPodIdentityEvent({
      accountId: WORKLOADS,
      region: REGION,
      clusterName: 'prod-blue',
      nodeRoleArn: roleArn('eks-node'),
      eventTime,
      denied,
    });

  it('fires per cluster with the count, latest time and nodes', () => {
    const inventory = podIdentityEstate({
      region: (region) => region.event(denied('2026-11-20T00:00:00Z'), denied('2026-11-27T09:00:00Z')),
    });
    const { drafts } = runCheck(PI_ASSUME_DENIED, inventory, declaredPi);
    expect(resources(drafts)).toEqual([eksClusterArn(WORKLOADS, REGION, 'prod-blue')]);
    expect(drafts[0].message).toContain('2 denied AssumeRoleForPodIdentity requests');
    expect(drafts[0].evidence).toMatchObject({
      count: 2,
      lastSeen: '2026-11-27T09:00:00Z',
      source: 'cloudtrail:AssumeRoleForPodIdentity',
    });
  });

  it('does not fire for successful requests, nor for denials older than the window', () => {
    const inventory = podIdentityEstate({
      region: (region) =>
        region
          .cloudTrailWindow('2026-06-01T00:00:00Z')
          .event(denied('2026-11-20T00:00:00Z', false), denied('2026-07-01T00:00:00Z')),
    });
    expect(runCheck(PI_ASSUME_DENIED, inventory, declaredPi).drafts).toEqual([]);
  });
});

describe('UNDECLARED_USAGE', () => {
  it('fires for a service account seen using a role through a binding the baseline lacks', () => {
    const inventory = podIdentityEstate({
      region: (region) => region.event(piSession('app', 'app'), piSession('debug', 'app')),
    });
    const { drafts } = runCheck(UNDECLARED_USAGE, inventory, declaredPi);
    expect(resources(drafts)).toEqual([
      workloadIdentityId(WORKLOADS, REGION, 'prod-blue', 'default', 'debug'),
    ]);
    expect(drafts[0].evidence).toMatchObject({
      via: 'pod-identity',
      count: 1,
      source: 'cloudtrail:AssumeRole',
    });
    expect((drafts[0].evidence.eventIds as string[]).length).toBe(1);
  });

  it('fires for IRSA use of a declared Pod Identity service account (wrong mechanism)', () => {
    const inventory = podIdentityEstate({
      region: (region) =>
        region.event(
          irsaWebIdentityEvent({
            accountId: WORKLOADS,
            region: REGION,
            oidcId: oidcIdFor('prod-blue'),
            namespace: 'default',
            serviceAccount: 'app',
            roleArn: roleArn('app'),
            eventTime: RECENTLY,
          }),
        ),
    });
    expect(
      runCheck(UNDECLARED_USAGE, inventory, declaredPi).drafts.map((draft) => draft.evidence.via),
    ).toEqual(['irsa']);
  });

  it('does not fire for declared bindings, nor on clusters outside the baseline', () => {
    const inventory = podIdentityEstate({
      region: (region) =>
        region.cluster('scratch').event(
          piSession('app', 'app'),
          podIdentityAssumeRoleEvent({
            accountId: WORKLOADS,
            region: REGION,
            clusterName: 'scratch',
            namespace: 'default',
            serviceAccount: 'toy',
            roleArn: roleArn('app'),
            eventTime: RECENTLY,
          }),
        ),
    });
    expect(runCheck(UNDECLARED_USAGE, inventory, declaredPi).drafts).toEqual([]);
  });
});

describe('unused across regions: CloudTrail of the collected regions, IAM RoleLastUsed for the rest', () => {
  const SHARED_SUBJECTS = [
    'system:serviceaccount:kube-system:uploader',
    'system:serviceaccount:kube-system:transcoder',
  ];
  const EVIDENCE = '2026-11-20T10:00:00Z';
  const transcoder = workloadIdentityId(WORKLOADS, REGION, 'prod-blue', 'kube-system', 'transcoder');
  const sharedIrsa = baselineOf({
    irsa: [irsa('kube-system', 'uploader', 'media'), irsa('kube-system', 'transcoder', 'media')],
  });

  /** Role media trusted by two service accounts; CloudTrail of REGION shows only the uploader. */
  function sharedIrsaEstate(
    lastUsed: string,
    lastUsedRegion: string,
    extra?: (account: AccountBuilder) => unknown,
  ) {
    return inventoryOf(
      estate({
        account: (account) => {
          account.role('media', {
            createDate: LONG_AGO,
            trust: irsaTrustFor(['prod-blue'], SHARED_SUBJECTS),
            lastUsed,
            lastUsedRegion,
          });
          extra?.(account);
        },
        region: (region) => region.cluster('prod-blue').event(webIdentity('uploader', 'media', EVIDENCE)),
      }),
    );
  }

  it('IRSA_BINDING_UNUSED is unknown for the other service account when IAM reports a later use in an uncollected region', () => {
    const run = runCheck(
      IRSA_BINDING_UNUSED,
      sharedIrsaEstate('2026-11-26T07:00:00Z', 'eu-central-1'),
      sharedIrsa,
    );
    expect(run.drafts).toEqual([]);
    expect(run.unknowns).toEqual([
      expect.objectContaining({
        kind: 'usage',
        resourceId: `${transcoder} ${roleArn('media')}`,
        reason: `IAM reports role media last used 2026-11-26T07:00:00Z in eu-central-1, later than the latest use CloudTrail shows (${EVIDENCE}): it may be this binding's, through the STS endpoint of a region whose CloudTrail was not collected`,
      }),
    ]);
  });

  it('IRSA_BINDING_UNUSED fires when IAM reports no use later than the latest evidence (near miss)', () => {
    const run = runCheck(IRSA_BINDING_UNUSED, sharedIrsaEstate(EVIDENCE, REGION), sharedIrsa);
    expect(resources(run)).toEqual([transcoder]);
    expect(run.drafts[0].restsOn).toEqual([
      { level: 'cloudtrail', accountId: WORKLOADS, region: REGION },
      { level: 'cluster', accountId: WORKLOADS, region: REGION, cluster: 'prod-blue' },
      { level: 'iam', accountId: WORKLOADS },
    ]);
  });

  it("IRSA_BINDING_UNUSED is unknown when another collected region of the role's account has incomplete CloudTrail", () => {
    const inventory = sharedIrsaEstate(EVIDENCE, REGION, (account) =>
      account.region('eu-central-1', (region) =>
        region.cloudTrailError(collectionError('cloudtrail', 'LookupEvents', 'ThrottlingException')),
      ),
    );
    const run = runCheck(IRSA_BINDING_UNUSED, inventory, sharedIrsa);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toBe(`CloudTrail collection for ${WORKLOADS} eu-central-1 was incomplete`);
  });

  /** Role app shared by associations default/app (used) and default/app-b; lastUsed as given. */
  function sharedPodIdentityEstate(lastUsed: string) {
    return inventoryOf(
      estate({
        account: (account) =>
          account.role('app', { createDate: LONG_AGO, lastUsed, lastUsedRegion: 'eu-central-1' }),
        region: (region) =>
          region
            .cluster('prod-blue', {}, (cluster) =>
              cluster
                .association({
                  namespace: 'default',
                  serviceAccount: 'app',
                  roleName: 'app',
                  createdAt: LONG_AGO,
                })
                .association({
                  namespace: 'default',
                  serviceAccount: 'app-b',
                  roleName: 'app',
                  createdAt: LONG_AGO,
                }),
            )
            .event(piSession('app', 'app', EVIDENCE)),
      }),
    );
  }
  const sharedPi = baselineOf({ podIdentity: [pi('default', 'app', 'app'), pi('default', 'app-b', 'app')] });

  it('PI_ASSOCIATION_UNUSED is unknown when IAM reports a use of the shared role later than the evidence', () => {
    const run = runCheck(PI_ASSOCIATION_UNUSED, sharedPodIdentityEstate('2026-11-26T07:00:00Z'), sharedPi);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toContain(
      'IAM reports role app last used 2026-11-26T07:00:00Z in eu-central-1',
    );
  });

  it('PI_ASSOCIATION_UNUSED fires for the idle association when IAM reports nothing later (near miss)', () => {
    const run = runCheck(PI_ASSOCIATION_UNUSED, sharedPodIdentityEstate(EVIDENCE), sharedPi);
    expect(run.drafts.map((draft) => draft.message)).toEqual([expect.stringContaining('default/app-b')]);
  });

  /** Trust of a role for a cluster in us-west-2, a region the estate does not collect unless told. */
  const farReaderTrust = irsaTrust({
    accountId: WORKLOADS,
    region: 'us-west-2',
    oidcId: oidcIdFor('far'),
    subject: 'system:serviceaccount:default:reader',
  });

  it("ROLE_UNUSED is unknown when the region of an issuer it trusts was not collected in the role's account", () => {
    const inventory = inventoryOf(
      estate({
        account: (account) =>
          account.role('far-reader', {
            createDate: LONG_AGO,
            trust: farReaderTrust,
          }),
      }),
    );
    const run = runCheck(ROLE_UNUSED, inventory, baselineOf());
    expect(run.drafts).toEqual([]);
    expect(run.unknowns[0].reason).toBe(`no CloudTrail evidence was collected for ${WORKLOADS} us-west-2`);
  });

  it('ROLE_UNUSED fires for the same role once that region was collected (near miss)', () => {
    const inventory = inventoryOf(
      estate({
        account: (account) =>
          account
            .role('far-reader', {
              createDate: LONG_AGO,
              trust: farReaderTrust,
            })
            .region('us-west-2'),
      }),
    );
    expect(resources(runCheck(ROLE_UNUSED, inventory, baselineOf()))).toEqual([roleArn('far-reader')]);
  });
});

describe('UNDECLARED_USAGE without IAM data', () => {
  it('matches a declared role ARN without its path to the used one by account and name, even when IAM could not be read', () => {
    const inventory = inventoryOf(
      estate({
        account: (account) => account.withoutIam(),
        region: (region) =>
          region.cluster('prod-blue').event(
            podIdentityAssumeRoleEvent({
              accountId: WORKLOADS,
              region: REGION,
              clusterName: 'prod-blue',
              namespace: 'default',
              serviceAccount: 'app',
              roleArn: `arn:aws:iam::${WORKLOADS}:role/workloads/app`,
              eventTime: RECENTLY,
            }),
          ),
      }),
    );
    expect(runCheck(UNDECLARED_USAGE, inventory, declaredPi).drafts).toEqual([]);
  });
});
