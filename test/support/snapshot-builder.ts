/**
 * Test support: snapshots (format v1) described with the organization model's fluent builder
 * (`sandbox/model/`), which the offline fixtures and the sandbox share. `snapshot()` starts a
 * description; `.build()` renders its snapshot JSON and `.organization()` gives the model, which
 * the sandbox can serve live. Everything is deterministic: ids derive from names by hashing.
 *
 * @example
 * const json = snapshot({ capturedAt: '2026-11-29T02:00:00Z' })
 *   .account('111122223333', (a) => a
 *     .role('s3-reader', { trust: podIdentityTrust() })
 *     .region('ap-northeast-1', (r) => r
 *       .cluster('prod-blue', { oidcId: 'A1B2' }, (c) => c
 *         .association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3-reader' })
 *         .addon('eks-pod-identity-agent'))))
 *   .build();
 */
export {
  AccountBuilder,
  type AddonOptions,
  type AssociationOptions,
  type AssumeRoleForPodIdentityEventOptions,
  allowPolicy,
  assumeRoleForPodIdentityEvent,
  awsManagedPolicy,
  awsManagedPolicyArn,
  ClusterBuilder,
  type ClusterOptions,
  type CrossAccountTargetTrustOptions,
  collectionError,
  crossAccountTargetTrust,
  encodePolicy,
  type FargateProfileOptions,
  type IrsaTrustOptions,
  type IrsaWebIdentityEventOptions,
  irsaTrust,
  irsaWebIdentityEvent,
  type ManagedPolicyOptions,
  mergePolicies,
  type NodegroupOptions,
  type OidcProviderOptions,
  type Organization,
  OrganizationBuilder as SnapshotBuilder,
  oidcIdFor,
  organization as snapshot,
  type PodIdentityAssumeRoleEventOptions,
  type PodIdentityTrustOptions,
  type PolicyDocument,
  type PolicyEncoding,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
  RegionBuilder,
  type RoleOptions,
  roleArnOf,
  type SnapshotJson,
  snapshotOf,
  type TargetRoleAssumeRoleEventOptions,
  targetRoleAssumeRoleEvent,
  workerNodePolicy,
} from '../../sandbox/model/index.js';
