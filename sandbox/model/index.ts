/**
 * The organization model: one typed description of an organization from which both the sandbox's
 * world (served live) and an offline snapshot v1 are made. See `organization.ts`.
 */
export {
  AccountBuilder,
  type AddonOptions,
  type AssociationOptions,
  ClusterBuilder,
  type ClusterOptions,
  collectionError,
  type FargateProfileOptions,
  type ManagedPolicyOptions,
  type NodegroupOptions,
  type OidcProviderOptions,
  OrganizationBuilder,
  organization,
  RegionBuilder,
  type RoleOptions,
} from './builder.js';
export {
  type AssumeRoleForPodIdentityEventOptions,
  assumeRoleForPodIdentityEvent,
  type IrsaWebIdentityEventOptions,
  irsaWebIdentityEvent,
  type PodIdentityAssumeRoleEventOptions,
  podIdentityAssumeRoleEvent,
  type TargetRoleAssumeRoleEventOptions,
  targetRoleAssumeRoleEvent,
} from './cloudtrail.js';
export { awsManagedPolicyArn, oidcIdFor, roleArnOf } from './ids.js';
export type * from './organization.js';
export {
  allowPolicy,
  awsManagedPolicy,
  type CrossAccountTargetTrustOptions,
  crossAccountTargetTrust,
  encodePolicy,
  type IrsaTrustOptions,
  irsaTrust,
  mergePolicies,
  type PodIdentityTrustOptions,
  podIdentityTrust,
  serviceTrust,
  workerNodePolicy,
} from './policies.js';
export { type SnapshotJson, snapshotAccountOf, snapshotOf } from './snapshot.js';
