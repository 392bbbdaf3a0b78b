import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Account, issuer host path and provider ARN shared by the trust fixtures. */
export const ACCOUNT = '111122223333';
export const HOST = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
export const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`;
export const GREEN_HOST = 'oidc.eks.us-east-1.amazonaws.com/id/5C8A1B9E0F2D4E6A8B0C1D2E3F4A5B6C';
export const GREEN_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GREEN_HOST}`;

/** Path of a policy under test/fixtures/trust. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/trust/${name}`, import.meta.url));
}

/** A parsed policy fixture from test/fixtures/trust. */
export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8'));
}

/** A one-statement 2012-10-17 policy. */
export function policy(...statements: object[]): object {
  return { Version: '2012-10-17', Statement: statements };
}
