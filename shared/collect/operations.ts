/**
 * Exactly the IAM actions the collectors call in audited (member) accounts. The member-account
 * read role grants these and nothing else; a test checks that a full collection calls exactly
 * this set.
 */
export const MEMBER_ROLE_ACTIONS: readonly string[] = Object.freeze([
  'cloudtrail:LookupEvents',
  'eks:DescribeAddon',
  'eks:DescribeCluster',
  'eks:DescribeFargateProfile',
  'eks:DescribeNodegroup',
  'eks:DescribePodIdentityAssociation',
  'eks:ListAddons',
  'eks:ListClusters',
  'eks:ListFargateProfiles',
  'eks:ListNodegroups',
  'eks:ListPodIdentityAssociations',
  'iam:GetAccountAuthorizationDetails',
  'iam:GetOpenIDConnectProvider',
  'iam:ListOpenIDConnectProviders',
]);

/** The IAM action name of an API operation (`eks`, `ListClusters` → `eks:ListClusters`). */
export function iamActionName(service: string, operation: string): string {
  return `${service}:${operation}`;
}
