/**
 * Identifier shapes and resource identities shared by every room. A workload identity (cluster,
 * namespace, service account) has no AWS ARN of its own; this id reads like one so that baseline
 * exceptions can glob it (every service account of one namespace, on every `prod-` cluster).
 */
export function workloadIdentityId(
  accountId: string,
  region: string,
  cluster: string,
  namespace: string,
  serviceAccount: string,
  partition = 'aws',
): string {
  return `${eksClusterArn(accountId, region, cluster, partition)}/serviceaccount/${namespace}/${serviceAccount}`;
}

/** `arn:aws:eks:REGION:ACCOUNT:cluster/NAME` */
export function eksClusterArn(accountId: string, region: string, cluster: string, partition = 'aws'): string {
  return `arn:${partition}:eks:${region}:${accountId}:cluster/${cluster}`;
}

/** `system:serviceaccount:NS:SA`: the IRSA token subject. */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/** The account id inside an ARN (`arn:aws:iam::111122223333:role/x` → `111122223333`). */
export function accountOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}

/** The role name at the end of a role ARN (`arn:aws:iam::A:role/path/name` → `name`). */
export function roleNameOf(roleArn: string): string {
  const resource = roleArn.split(':').slice(5).join(':');
  const name = resource.startsWith('role/') ? resource.slice('role/'.length) : resource;
  return name.split('/').pop() ?? name;
}

/** The issuer host path (`oidc.eks.R.amazonaws.com/id/ID`) of an issuer URL. */
export function issuerHostPath(issuerUrl: string): string {
  return issuerUrl.replace(/^https:\/\//, '').replace(/\/+$/, '');
}

/** The IAM OIDC provider ARN for an issuer host path in an account. */
export function oidcProviderArn(accountId: string, hostPath: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${hostPath}`;
}

/** An AWS account id: exactly 12 digits, leading zeros kept (so always a string). */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/**
 * An AWS region name in the shape of the AWS SDKs' partition table (`regionRegex`): a 2–4 letter
 * area, one or more word parts and a number (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`).
 */
export const REGION_PATTERN = /^[a-z]{2,4}(?:-[a-z]+)+-\d+$/;

/** {@link REGION_PATTERN} unanchored, for patterns that hold a region name among other parts. */
export const REGION_NAME = REGION_PATTERN.source.slice(1, -1);

/** The partition of an ARN (`arn:aws-cn:...` → `aws-cn`), `aws` when the ARN names none. */
export function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}

/** A JSON object (not an array, not null): the shape every parser of untrusted input checks first. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME` as IAM names roles; group 1 is the account id. */
export const ROLE_ARN_PATTERN =
  /^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** `arn:PARTITION:sns:REGION:ACCOUNT:TOPIC`, a standard or FIFO topic name of up to 256 characters. */
export const SNS_TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]{1,256}$/;
