import { parseBaseline } from '../../shared/baseline/index.js';
import type { Baseline } from '../../shared/baseline/types.js';
import {
  allowPolicy,
  crossAccountTargetTrust,
  irsaTrust,
  irsaWebIdentityEvent,
  mergePolicies,
  oidcIdFor,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
  roleArnOf,
  type SnapshotJson,
  snapshot,
  targetRoleAssumeRoleEvent,
  workerNodePolicy,
} from '../support/snapshot-builder.js';

/**
 * A realistic multi-account organization for tests that degrade one scope at a time:
 *
 * - platform (111111111111) owns the IRSA roles and the IAM OIDC providers of the data account's
 *   cluster (cross-account IRSA), plus the provider of `lake-old`, a cluster deleted long ago; the
 *   loader's sessions are logged in us-east-1, the exporter's (its SDK calls the eu-west-1 STS
 *   endpoint) in eu-west-1;
 * - data (222222222222) runs `lake-blue` in us-east-1 (agent add-on, node group, a Fargate profile
 *   for `batch`): IRSA service accounts using platform roles, Pod Identity associations whose
 *   roles chain into target roles of the target account;
 * - apps (333333333333) runs `shop` in eu-west-1 (associations, no agent add-on) with a
 *   same-account IRSA role and a role whose trust names a provider that was never created;
 * - target (444444444444) holds the cross-account target roles (one of them missing).
 *
 * Every account is collected in us-east-1 and eu-west-1 with 90 days of CloudTrail. With nothing
 * degraded, the audit makes a true absence claim for every check that can make one: a missing
 * cluster, association, role and trust grant, an unknown provider, a stale trust and a dangling
 * provider, a missing agent, a migration candidate, and unused roles, associations and bindings.
 */
export const PLATFORM = '111111111111';
export const DATA = '222222222222';
export const APPS = '333333333333';
export const TARGET = '444444444444';
export const EAST = 'us-east-1';
export const WEST = 'eu-west-1';
export const NOW = '2026-11-29T02:00:00Z';

/** The day the used identities were last seen (inside the window, older than a week). */
const LAST_WEEK = '2026-11-20T08:00:00Z';
/** The exporter's last run, through the eu-west-1 STS endpoint. */
const EXPORTER_LAST_RUN = '2026-11-21T03:00:00Z';

const hostPath = (region: string, cluster: string) =>
  `oidc.eks.${region}.amazonaws.com/id/${oidcIdFor(cluster)}`;

function crossAccountIrsaTrust(cluster: string, region: string, subjects: string[]) {
  return irsaTrust({ accountId: PLATFORM, region, oidcId: oidcIdFor(cluster), subject: subjects });
}

const scopedPodIdentityTrust = (accountId: string) =>
  podIdentityTrust({ conditions: { StringEquals: { 'aws:SourceAccount': accountId } } });

/** The snapshot JSON (contract format v1); a fresh copy each call. */
export function multiAccountSnapshot(): SnapshotJson {
  return snapshot({ capturedAt: NOW })
    .account(PLATFORM, (account) =>
      account
        .role('lake-loader', {
          trust: crossAccountIrsaTrust('lake-blue', EAST, [
            'system:serviceaccount:ingest:loader',
            'system:serviceaccount:ingest:exporter',
          ]),
          // The exporter's SDK calls the eu-west-1 STS endpoint; its sessions were the last use.
          lastUsed: EXPORTER_LAST_RUN,
          lastUsedRegion: WEST,
        })
        .role('lake-legacy', {
          trust: crossAccountIrsaTrust('lake-old', EAST, ['system:serviceaccount:ingest:legacy']),
          createDate: '2024-03-01T00:00:00Z',
        })
        .oidcProvider({ region: EAST, oidcId: oidcIdFor('lake-blue') })
        .oidcProvider({ region: EAST, oidcId: oidcIdFor('lake-old') })
        .region(EAST, (region) =>
          region.event(
            irsaWebIdentityEvent({
              accountId: PLATFORM,
              region: EAST,
              oidcId: oidcIdFor('lake-blue'),
              namespace: 'ingest',
              serviceAccount: 'loader',
              roleArn: roleArnOf(PLATFORM, 'lake-loader'),
              eventTime: LAST_WEEK,
            }),
          ),
        )
        .region(WEST, (region) =>
          region.event(
            irsaWebIdentityEvent({
              accountId: PLATFORM,
              region: WEST,
              issuerRegion: EAST,
              oidcId: oidcIdFor('lake-blue'),
              namespace: 'ingest',
              serviceAccount: 'exporter',
              roleArn: roleArnOf(PLATFORM, 'lake-loader'),
              eventTime: EXPORTER_LAST_RUN,
            }),
          ),
        ),
    )
    .account(DATA, (account) =>
      account
        .role('lake-reader', {
          trust: scopedPodIdentityTrust(DATA),
          inlinePolicies: {
            'assume-target': allowPolicy(
              ['sts:AssumeRole', 'sts:TagSession'],
              roleArnOf(TARGET, 'lake-reader-target'),
            ),
          },
        })
        .role('lake-archiver', { trust: scopedPodIdentityTrust(DATA) })
        .role('lake-idle', { trust: scopedPodIdentityTrust(DATA) })
        .role('lake-node', {
          trust: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          inlinePolicies: { worker: workerNodePolicy() },
        })
        .region(EAST, (region) =>
          region
            .cluster('lake-blue', {}, (cluster) =>
              cluster
                .addon('eks-pod-identity-agent')
                .nodegroup('general', { nodeRoleName: 'lake-node' })
                .fargateProfile('batch', [{ namespace: 'batch' }])
                .association({
                  namespace: 'analytics',
                  serviceAccount: 'reader',
                  roleName: 'lake-reader',
                  targetRoleArn: roleArnOf(TARGET, 'lake-reader-target'),
                })
                .association({
                  namespace: 'analytics',
                  serviceAccount: 'archiver',
                  roleName: 'lake-archiver',
                  targetRoleArn: roleArnOf(TARGET, 'lake-archiver-target'),
                })
                .association({ namespace: 'analytics', serviceAccount: 'idle', roleName: 'lake-idle' }),
            )
            .event(
              podIdentityAssumeRoleEvent({
                accountId: DATA,
                region: EAST,
                clusterName: 'lake-blue',
                namespace: 'analytics',
                serviceAccount: 'reader',
                roleArn: roleArnOf(DATA, 'lake-reader'),
                eventTime: LAST_WEEK,
              }),
              podIdentityAssumeRoleEvent({
                accountId: DATA,
                region: EAST,
                clusterName: 'lake-blue',
                namespace: 'analytics',
                serviceAccount: 'archiver',
                roleArn: roleArnOf(DATA, 'lake-archiver'),
                eventTime: LAST_WEEK,
              }),
            ),
        )
        .region(WEST),
    )
    .account(APPS, (account) =>
      account
        .role('cart', { trust: scopedPodIdentityTrust(APPS) })
        .role('search', {
          trust: irsaTrust({
            accountId: APPS,
            region: WEST,
            oidcId: oidcIdFor('shop'),
            subject: 'system:serviceaccount:default:search-v1',
          }),
        })
        .role('reports', {
          trust: mergePolicies(
            irsaTrust({
              accountId: APPS,
              region: WEST,
              oidcId: oidcIdFor('shop'),
              subject: 'system:serviceaccount:default:reports',
            }),
            irsaTrust({
              accountId: APPS,
              region: WEST,
              oidcId: oidcIdFor('shop-2024'),
              subject: 'system:serviceaccount:default:reports',
            }),
          ),
        })
        .oidcProvider({ region: WEST, oidcId: oidcIdFor('shop') })
        .region(EAST)
        .region(WEST, (region) =>
          region
            .cluster('shop', {}, (cluster) =>
              cluster.association({ namespace: 'default', serviceAccount: 'cart', roleName: 'cart' }),
            )
            .event(
              podIdentityAssumeRoleEvent({
                accountId: APPS,
                region: WEST,
                clusterName: 'shop',
                namespace: 'default',
                serviceAccount: 'cart',
                roleArn: roleArnOf(APPS, 'cart'),
                eventTime: LAST_WEEK,
              }),
              irsaWebIdentityEvent({
                accountId: APPS,
                region: WEST,
                oidcId: oidcIdFor('shop'),
                namespace: 'default',
                serviceAccount: 'reports',
                roleArn: roleArnOf(APPS, 'reports'),
                eventTime: LAST_WEEK,
              }),
            ),
        ),
    )
    .account(TARGET, (account) =>
      account
        .role('lake-reader-target', {
          trust: crossAccountTargetTrust({
            sourceAccountId: DATA,
            associationRoleArn: roleArnOf(DATA, 'lake-reader'),
          }),
        })
        .region(EAST, (region) =>
          region.event(
            targetRoleAssumeRoleEvent({
              targetAccountId: TARGET,
              region: EAST,
              targetRoleArn: roleArnOf(TARGET, 'lake-reader-target'),
              associationRoleArn: roleArnOf(DATA, 'lake-reader'),
              clusterAccountId: DATA,
              clusterName: 'lake-blue',
              namespace: 'analytics',
              serviceAccount: 'reader',
              eventTime: LAST_WEEK,
            }),
          ),
        )
        .region(WEST),
    )
    .build();
}

/** The baseline of the organization: what it declares (including the deliberate absences). */
export function multiAccountBaseline(): Baseline {
  const yaml = `version: 1
settings:
  unusedAfterDays: 90
clusters:
  lake:
    account: "${DATA}"
    region: ${EAST}
    members: [lake-blue, lake-green] # lake-green was never built
  shop:
    account: "${APPS}"
    region: ${WEST}
    members: [shop]
podIdentity:
  - cluster: lake
    namespace: analytics
    serviceAccount: reader
    roleArn: ${roleArnOf(DATA, 'lake-reader')}
    targetRoleArn: ${roleArnOf(TARGET, 'lake-reader-target')}
  - cluster: lake
    namespace: analytics
    serviceAccount: archiver
    roleArn: ${roleArnOf(DATA, 'lake-archiver')}
    targetRoleArn: ${roleArnOf(TARGET, 'lake-archiver-target')} # does not exist
  - cluster: lake
    namespace: analytics
    serviceAccount: idle
    roleArn: ${roleArnOf(DATA, 'lake-idle')}
  - cluster: shop
    namespace: default
    serviceAccount: cart
    roleArn: ${roleArnOf(APPS, 'cart')}
  - cluster: shop
    namespace: default
    serviceAccount: checkout # no association
    roleArn: ${roleArnOf(APPS, 'cart')}
irsa:
  - cluster: lake
    namespace: ingest
    serviceAccount: loader
    roleArn: ${roleArnOf(PLATFORM, 'lake-loader')}
  - cluster: lake
    namespace: ingest
    serviceAccount: exporter
    roleArn: ${roleArnOf(PLATFORM, 'lake-loader')}
  - cluster: shop
    namespace: default
    serviceAccount: search # the trust grants search-v1 only
    roleArn: ${roleArnOf(APPS, 'search')}
  - cluster: shop
    namespace: default
    serviceAccount: reports
    roleArn: ${roleArnOf(APPS, 'reports')}
accounts: ["${PLATFORM}", "${TARGET}"]
`;
  return parseBaseline(yaml, 'baseline.yaml');
}

/** The issuer host paths of the organization's clusters, live and deleted. */
export const ISSUERS = {
  lakeBlue: hostPath(EAST, 'lake-blue'),
  lakeOld: hostPath(EAST, 'lake-old'),
  shop: hostPath(WEST, 'shop'),
  shop2024: hostPath(WEST, 'shop-2024'),
};
