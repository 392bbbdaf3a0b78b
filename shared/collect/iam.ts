import type {
  ManagedPolicyDetail as SdkManagedPolicyDetail,
  RoleDetail as SdkRoleDetail,
} from '@aws-sdk/client-iam';
import type { ClientFactory } from '../aws/clients.js';
import { toCollectionError } from '../aws/errors.js';
import type { CollectionError } from '../model/index.js';
import type { ManagedPolicyDetail, RoleDetail, SnapshotIam } from '../snapshot/index.js';
import { type RequestLane, UNPACED } from './pacing.js';
import { compareText as compare, sortErrors, toPlain } from './plain.js';
import { collectMembers, listPages, type StepRuntime, type StepScope } from './step.js';
import { COLLECTION_STEPS, stepsAt } from './steps.js';

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
  // Every IAM row sets its own Describe limit; none uses the account-region's.
  const runtime: StepRuntime = { factory, lane };
  const scope: StepScope = {
    accountId,
    region: factory.options.region,
    partition: factory.options.partition ?? 'aws',
  };
  const errors: CollectionError[] = [];
  const roles: SdkRoleDetail[] = [];
  const policies: SdkManagedPolicyDetail[] = [];

  const authorizationDetails = async () => {
    const step = COLLECTION_STEPS.authorizationDetails;
    try {
      await listPages(step, runtime, scope, undefined, (page) => {
        roles.push(...(step.list.items(page) ?? []));
        policies.push(...(page.Policies ?? []));
      });
    } catch (error) {
      errors.push(toCollectionError(step.service, step.list.operation, error));
    }
  };

  // The account's other IAM rows (OIDC providers) fill their own members.
  const [, members] = await Promise.all([
    authorizationDetails(),
    collectMembers(
      stepsAt('iam', 'account').filter((step) => step !== COLLECTION_STEPS.authorizationDetails),
      runtime,
      scope,
      errors,
    ),
  ]);

  return {
    roles: toPlain<RoleDetail[]>(roles.sort((a, b) => compare(a.Arn, b.Arn))),
    policies: toPlain<ManagedPolicyDetail[]>(attachedPolicies(roles, policies)),
    ...(members as Pick<SnapshotIam, 'openIdConnectProviders'>),
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
