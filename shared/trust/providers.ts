/** Identity-provider helpers shared by the analyzer, the checks and the collectors. */

/** What an IAM OIDC provider ARN says about itself. */
export interface ProviderArnParts {
  accountId: string;
  /** The provider path after `oidc-provider/`, which is also the trust condition key prefix. */
  hostPath: string;
  /** True when the host path is an EKS cluster issuer (`oidc.eks.R.amazonaws.com[.cn]/id/ID`). */
  isEksIssuer: boolean;
  /** Region of an EKS issuer. */
  region?: string;
}

const PROVIDER_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(\d{12}):oidc-provider\/(.+)$/;
const EKS_ISSUER_HOST_PATH = /^oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/id\/[A-Za-z0-9]+$/;

/**
 * Splits an IAM OIDC provider ARN into account, host path and, for EKS issuers, region. The
 * result is shared between callers and must not be modified.
 *
 * @returns undefined when the text is not an OIDC provider ARN.
 * @example parseProviderArn('arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC')
 *   // { accountId: '111122223333', hostPath: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC', isEksIssuer: true, region: 'eu-west-1' }
 */
export function parseProviderArn(arn: string): ProviderArnParts | undefined {
  if (parsedArns.has(arn)) return parsedArns.get(arn);
  const parts = parseArn(arn);
  if (parsedArns.size >= PARSED_ARNS_KEPT) parsedArns.clear();
  parsedArns.set(arn, parts);
  return parts;
}

/**
 * Provider ARNs parsed so far: an audit asks about the same few hundred providers for every role and
 * binding. The parts are shared, never modified.
 */
const parsedArns = new Map<string, ProviderArnParts | undefined>();
const PARSED_ARNS_KEPT = 10_000;

function parseArn(arn: string): ProviderArnParts | undefined {
  const match = PROVIDER_ARN.exec(arn);
  if (!match) return undefined;
  const hostPath = match[3];
  const eks = EKS_ISSUER_HOST_PATH.exec(hostPath);
  return eks
    ? { accountId: match[2], hostPath, isEksIssuer: true, region: eks[1] }
    : { accountId: match[2], hostPath, isEksIssuer: false };
}

/** True when a provider host path is an EKS cluster issuer. */
export function isEksIssuerHostPath(hostPath: string): boolean {
  return EKS_ISSUER_HOST_PATH.test(hostPath);
}

/** The EKS Pod Identity service principal. */
export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';
