import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { AuditError } from '../errors.js';

/** AWS credentials as SDK v3 clients accept them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A source of credentials the SDK calls whenever it needs (fresh) ones. */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** Credentials as a client takes them: fixed, or a provider it calls. */
export type CredentialSource = AwsCredentials | AwsCredentialsProvider;

/** AssumeRole into a member account failed; `cause` is the STS error. */
export class AssumeRoleError extends AuditError {
  override name = 'AssumeRoleError';
  constructor(
    readonly roleArn: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`cannot assume ${roleArn}: ${reason}`, options);
  }
}

/** Refresh member credentials this long before they expire (more than the SDK's own 5-minute margin). */
const REFRESH_MARGIN_MS = 10 * 60 * 1000;

/**
 * The standard credential chain, for a named profile when given. The chain's own failure says only
 * "Could not load credentials from any providers": with a profile, the error names it.
 */
export function standardChain(profile: string | undefined): AwsCredentialsProvider {
  const chain = fromNodeProviderChain(profile ? { profile } : {});
  if (!profile) return chain;
  return async () => {
    try {
      return await chain();
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'CredentialsProviderError') throw error;
      throw Object.assign(
        new Error(
          `profile ${profile}: ${error.message} (is the profile in the shared config or credentials file, and are its credentials valid?)`,
          { cause: error },
        ),
        { name: 'CredentialsProviderError' },
      );
    }
  };
}

/** How member-account sessions are requested. */
export interface MemberRoleSettings {
  /** Member role to assume in every audited account; undefined = use the starting identity directly. */
  roleName?: string;
  partition: string;
  roleSessionName: string;
  sessionDurationSeconds: number;
  externalId?: string;
}

interface CachedCredentials {
  value?: AwsCredentials;
  pending?: Promise<AwsCredentials>;
}

/** The credentials of every audited account. */
export interface AccountCredentials {
  /** The starting identity (the caller's credentials). */
  readonly starting: CredentialSource;
  /**
   * Credentials for an audited account.
   *
   * @throws {@link AssumeRoleError} when the member role cannot be assumed.
   */
  forAccount(accountId: string): Promise<AwsCredentials>;
  /** What a client acting in `accountId` signs with: a provider of the member session, or the starting identity. */
  sourceFor(accountId: string): CredentialSource;
}

/**
 * The starting identity in single-account mode (no role name); otherwise the member role's session
 * from STS AssumeRole, one per account, cached and assumed again ten minutes before it expires. One
 * AssumeRole per account is in flight at a time, and a failure is not cached, so a later call tries
 * again.
 *
 * @param sts the STS client AssumeRole goes through (it acts as the starting identity).
 * @param now the clock for refresh decisions.
 */
export function accountCredentials(
  starting: CredentialSource,
  role: MemberRoleSettings,
  sts: () => STSClient,
  now: () => number,
): AccountCredentials {
  const sessions = new Map<string, CachedCredentials>();

  const isFresh = (credentials: AwsCredentials) =>
    !credentials.expiration || credentials.expiration.getTime() - now() > REFRESH_MARGIN_MS;

  async function assume(accountId: string): Promise<AwsCredentials> {
    const roleArn = `arn:${role.partition}:iam::${accountId}:role/${role.roleName}`;
    try {
      const response = await sts().send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: role.roleSessionName,
          DurationSeconds: role.sessionDurationSeconds,
          ...(role.externalId ? { ExternalId: role.externalId } : {}),
        }),
      );
      const issued = response.Credentials;
      if (!issued?.AccessKeyId || !issued.SecretAccessKey) {
        throw new Error('AssumeRole returned no credentials');
      }
      return {
        accessKeyId: issued.AccessKeyId,
        secretAccessKey: issued.SecretAccessKey,
        sessionToken: issued.SessionToken,
        expiration: issued.Expiration,
      };
    } catch (error) {
      throw new AssumeRoleError(roleArn, { cause: error });
    }
  }

  async function forAccount(accountId: string): Promise<AwsCredentials> {
    if (role.roleName === undefined) return typeof starting === 'function' ? starting() : starting;
    let entry = sessions.get(accountId);
    if (!entry) {
      entry = {};
      sessions.set(accountId, entry);
    }
    if (entry.value && isFresh(entry.value)) return entry.value;
    if (entry.pending) return entry.pending;
    const slot = entry;
    const pending = assume(accountId)
      .then((credentials) => {
        slot.value = credentials;
        return credentials;
      })
      .finally(() => {
        slot.pending = undefined;
      });
    slot.pending = pending;
    return pending;
  }

  return {
    starting,
    forAccount,
    sourceFor: (accountId) => (role.roleName === undefined ? starting : () => forAccount(accountId)),
  };
}
