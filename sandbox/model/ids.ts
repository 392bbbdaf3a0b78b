/**
 * Deterministic identifiers for described organizations: the same names always give the same ids,
 * in the formats AWS uses.
 */
import { createHash } from 'node:crypto';

const DAY_MS = 86_400_000;

/** SHA-256 hex of the parts joined by NUL. */
export function hashOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** Deterministic upper-case alphanumeric id of `length` characters derived from `parts`. */
export function alnumId(length: number, ...parts: string[]): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let id = '';
  for (let index = 0; index < length; index++)
    id += alphabet[digest[index % digest.length] % alphabet.length];
  return id;
}

/** A UUID-shaped deterministic id. */
export function uuidOf(...parts: string[]): string {
  const h = hashOf(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The OIDC id EKS would show for a cluster name (32 upper-case hex characters), deterministic. */
export function oidcIdFor(clusterName: string): string {
  return hashOf('oidc', clusterName).slice(0, 32).toUpperCase();
}

/** `iso` moved by `days` (fractions allowed), without milliseconds when they are zero. */
export function plusDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString().replace('.000Z', 'Z');
}

/** `arn:aws:iam::ACCOUNT:role/NAME` (with the role's path). */
export function roleArnOf(accountId: string, roleName: string, path = '/'): string {
  return `arn:aws:iam::${accountId}:role${path}${roleName}`;
}

/** The name of a role from its ARN (the part after the last `/`). */
export function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

/** The account of an ARN (its fifth field). */
export function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** `arn:aws:iam::aws:policy/NAME` (NAME may carry a path, `service-role/X`). */
export function awsManagedPolicyArn(name: string): string {
  return `arn:aws:iam::aws:policy/${name}`;
}

/** `arn:aws:eks:R:A:podidentityassociation/CLUSTER/ID`, as EKS writes an association's ARN. */
export function associationArnOf(
  accountId: string,
  region: string,
  clusterName: string,
  associationId: string,
): string {
  return `arn:aws:eks:${region}:${accountId}:podidentityassociation/${clusterName}/${associationId}`;
}

/** The issuer host path of an EKS cluster (`oidc.eks.R.amazonaws.com/id/ID`), as IAM stores a provider's Url. */
export function eksIssuerHostPath(region: string, oidcId: string): string {
  return `oidc.eks.${region}.amazonaws.com/id/${oidcId}`;
}

/** CloudTrail's timestamp form: second precision, `Z`. */
export function trailTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
