import {
  GetAccountAuthorizationDetailsCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  type ManagedPolicyDetail as SdkManagedPolicyDetail,
  type RoleDetail as SdkRoleDetail,
} from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import type { ClientFactory } from '../aws/clients.js';
import { isNotFound, toCollectionError } from '../aws/errors.js';
import type { CollectionError } from '../model/index.js';
import type { ManagedPolicyDetail, OidcProviderDetail, RoleDetail, SnapshotIam } from '../snapshot/index.js';
import { type RequestLane, UNPACED } from './pacing.js';
import { compareText as compare, sortErrors, toPlain } from './plain.js';

/** OIDC provider lookups in flight at once per account (IAM read throttling is per account). */
const OIDC_PROVIDER_CONCURRENCY = 4;

/** GetAccountAuthorizationDetails page size: the documented maximum, so an account takes few pages. */
const AUTHORIZATION_DETAILS_PAGE_SIZE = 1000;

/**
 * Collects an account's roles (with trust, inline and attached policies, tags and RoleLastUsed), the
 * managed policies those roles attach (default version only) and its IAM OIDC providers. Failures
 * land in `errors`; whatever was read before a failure is kept (the scope is incomplete anyway).
 * Every call goes through `lane` when one is given (the account's IAM rate).
 */
export async function collectIam(
  factory: ClientFactory,
  accountId: string,
  lane: Pick<RequestLane, 'run'> = UNPACED,
): Promise<SnapshotIam> {
  const iam = factory.iam(accountId);
  const errors: CollectionError[] = [];
  const roles: SdkRoleDetail[] = [];
  const policies: SdkManagedPolicyDetail[] = [];

  const authorizationDetails = async () => {
    try {
      // Paged by hand so every page waits for the lane's token.
      let marker: string | undefined;
      do {
        const page = await lane.run(() =>
          iam.send(
            new GetAccountAuthorizationDetailsCommand({
              Filter: ['Role', 'LocalManagedPolicy', 'AWSManagedPolicy'],
              MaxItems: AUTHORIZATION_DETAILS_PAGE_SIZE,
              Marker: marker,
            }),
          ),
        );
        roles.push(...(page.RoleDetailList ?? []));
        policies.push(...(page.Policies ?? []));
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
    } catch (error) {
      errors.push(toCollectionError('iam', 'GetAccountAuthorizationDetails', error));
    }
  };

  const [, openIdConnectProviders] = await Promise.all([
    authorizationDetails(),
    collectOidcProviders(factory, accountId, errors, lane),
  ]);

  return {
    roles: toPlain<RoleDetail[]>(roles.sort((a, b) => compare(a.Arn, b.Arn))),
    policies: toPlain<ManagedPolicyDetail[]>(attachedPolicies(roles, policies)),
    openIdConnectProviders,
    errors: sortErrors(errors),
  };
}

/**
 * The managed policies some role attaches, each with only its default version: node-role permission
 * checks need them, and the rest of the account's policies would only bloat the snapshot.
 */
export function attachedPolicies(
  roles: readonly SdkRoleDetail[],
  policies: readonly SdkManagedPolicyDetail[],
): SdkManagedPolicyDetail[] {
  const attachedNames = new Map<string, string | undefined>();
  for (const role of roles) {
    for (const policy of role.AttachedManagedPolicies ?? []) {
      if (policy.PolicyArn) attachedNames.set(policy.PolicyArn, policy.PolicyName);
    }
  }
  return policies
    .filter((policy) => policy.Arn !== undefined && attachedNames.has(policy.Arn))
    .map((policy) => ({
      ...policy,
      // AWS always names the policy; some emulators omit it, and the attachment carries the same name.
      PolicyName: policy.PolicyName ?? attachedNames.get(policy.Arn ?? '') ?? policy.Arn?.split('/').pop(),
      PolicyVersionList: (policy.PolicyVersionList ?? []).filter((version) => version.IsDefaultVersion),
    }))
    .sort((a, b) => compare(a.Arn, b.Arn));
}

async function collectOidcProviders(
  factory: ClientFactory,
  accountId: string,
  errors: CollectionError[],
  lane: Pick<RequestLane, 'run'>,
): Promise<OidcProviderDetail[]> {
  const iam = factory.iam(accountId);
  let arns: string[];
  try {
    const listed = await lane.run(() => iam.send(new ListOpenIDConnectProvidersCommand({})));
    arns = (listed.OpenIDConnectProviderList ?? []).flatMap((entry) => (entry.Arn ? [entry.Arn] : []));
  } catch (error) {
    errors.push(toCollectionError('iam', 'ListOpenIDConnectProviders', error));
    return [];
  }
  const limit = pLimit(OIDC_PROVIDER_CONCURRENCY);
  const providers = await Promise.all(
    arns.map((arn) =>
      limit(async (): Promise<OidcProviderDetail | undefined> => {
        try {
          const provider = await lane.run(() =>
            iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
          );
          return toPlain<OidcProviderDetail>({ Arn: arn, ...provider });
        } catch (error) {
          // NoSuchEntity: deleted between the list and the lookup, which is not a gap. Anything else,
          // a 404 without that code included, leaves the providers incomplete.
          if (!isNotFound(error, 'iam'))
            errors.push(toCollectionError('iam', 'GetOpenIDConnectProvider', error, arn));
          return undefined;
        }
      }),
    ),
  );
  return providers
    .filter((provider): provider is OidcProviderDetail => provider !== undefined)
    .sort((a, b) => compare(a.Arn, b.Arn));
}
