import {
  type Account,
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListChildren,
} from '@aws-sdk/client-organizations';
import { errorCode, errorMessage } from '../aws/errors.js';
import { InputError } from '../errors.js';
import { compareText } from '../model/compare.js';
import { ORGANIZATION_PARENT_PATTERN } from './limits.js';

export { ORGANIZATION_PARENT_PATTERN };

/** The largest page the list operations accept (`MaxResults` 1-20). */
const PAGE_SIZE = 20;

/** Which accounts of the organization are in scope. */
export interface OrganizationScope {
  /** OUs (or the root) whose accounts, in child OUs too, are audited; absent: the whole organization. */
  units?: readonly string[];
  /** Accounts left out even when discovered. */
  exclude?: readonly string[];
  /** Where the request came from, for the error message (`--accounts org`, `CDK context organization`). */
  source?: string;
}

/** One account the discovery found but does not audit, and why. */
export interface SkippedAccount {
  accountId: string;
  /** `Account.State` (or the retired `Status`): SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION. */
  state: string;
}

/** What discovery found. */
export interface AccountDiscovery {
  organizationId: string;
  managementAccountId: string;
  /** ACTIVE accounts in scope (sorted, excluded ones removed): every one of them is audited. */
  accounts: string[];
  /** Accounts in scope that are not ACTIVE: nothing can be read in them. */
  inactive: SkippedAccount[];
  /** Discovered accounts that `exclude` left out. */
  excluded: string[];
}

/** Discovery could not list the organization: nothing was audited. The message says what to do. */
export class OrganizationsDiscoveryError extends InputError {
  override name = 'OrganizationsDiscoveryError';
}

/**
 * The account's lifecycle state: `State` (PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE,
 * CLOSED), or the older `Status` (ACTIVE, SUSPENDED, PENDING_CLOSURE) an endpoint that predates
 * `State` still sends. Undefined when the answer carries neither.
 */
export function accountState(account: Pick<Account, 'State' | 'Status'>): string | undefined {
  return account.State ?? account.Status;
}

/**
 * Lists the accounts of the caller's organization through AWS Organizations (the management account
 * or a delegated administrator): the whole organization with `ListAccounts`, or the accounts of
 * the given OUs and of every OU below them (`ListAccountsForParent`, `ListChildren`), paged with the
 * SDK's paginators (the SDK retries `TooManyRequestsException`). Only ACTIVE accounts are audited;
 * an account whose answer names no state is audited too (a collection that cannot reach it says
 * so), never silently dropped.
 *
 * @throws OrganizationsDiscoveryError when the organization cannot be listed (not in an
 * organization, access denied, an OU that is not the organization's), saying what to do.
 */
export async function discoverAccounts(
  client: OrganizationsClient,
  scope: OrganizationScope = {},
): Promise<AccountDiscovery> {
  const source = scope.source ?? 'account discovery';
  const badUnits = (scope.units ?? []).filter((unit) => !ORGANIZATION_PARENT_PATTERN.test(unit));
  if (badUnits.length > 0) {
    throw new OrganizationsDiscoveryError(
      `${source}: ${badUnits.map((unit) => `"${unit}"`).join(', ')} is not an organizational unit id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)`,
    );
  }
  const organization = await call(source, 'DescribeOrganization', () =>
    client.send(new DescribeOrganizationCommand({})),
  );
  const organizationId = organization.Organization?.Id ?? 'unknown';
  const managementAccountId = organization.Organization?.MasterAccountId ?? 'unknown';
  const found =
    scope.units === undefined || scope.units.length === 0
      ? await call(source, 'ListAccounts', () =>
          collect(paginateListAccounts({ client, pageSize: PAGE_SIZE }, {}), (page) => page.Accounts),
        )
      : await accountsUnder(client, scope.units, source, organizationId);

  const excludedIds = new Set(scope.exclude ?? []);
  const byId = new Map<string, Account>();
  for (const account of found) if (account.Id) byId.set(account.Id, account);
  const accounts: string[] = [];
  const inactive: SkippedAccount[] = [];
  const excluded: string[] = [];
  for (const [accountId, account] of byId) {
    if (excludedIds.has(accountId)) excluded.push(accountId);
    else {
      const state = accountState(account);
      if (state === undefined || state === 'ACTIVE') accounts.push(accountId);
      else inactive.push({ accountId, state });
    }
  }
  return {
    organizationId,
    managementAccountId,
    accounts: accounts.sort(compareText),
    inactive: inactive.sort((a, b) => compareText(a.accountId, b.accountId)),
    excluded: excluded.sort(compareText),
  };
}

/** The accounts of the given OUs and of every OU below them, each OU visited once. */
async function accountsUnder(
  client: OrganizationsClient,
  units: readonly string[],
  source: string,
  organizationId: string,
): Promise<Account[]> {
  const visited = new Set<string>();
  const queue = [...units];
  const accounts: Account[] = [];
  while (queue.length > 0) {
    const unit = queue.shift() as string;
    if (visited.has(unit)) continue;
    visited.add(unit);
    const notFound = (error: unknown) =>
      errorCode(error) === 'ParentNotFoundException'
        ? new OrganizationsDiscoveryError(
            `${source}: ${unit} is not a root or organizational unit of organization ${organizationId}; list them with aws organizations list-organizational-units-for-parent`,
            [],
            { cause: error },
          )
        : undefined;
    accounts.push(
      ...(await call(
        source,
        'ListAccountsForParent',
        () =>
          collect(
            paginateListAccountsForParent({ client, pageSize: PAGE_SIZE }, { ParentId: unit }),
            (page) => page.Accounts,
          ),
        notFound,
      )),
    );
    const children = await call(
      source,
      'ListChildren',
      () =>
        collect(
          paginateListChildren(
            { client, pageSize: PAGE_SIZE },
            { ParentId: unit, ChildType: 'ORGANIZATIONAL_UNIT' },
          ),
          (page) => page.Children,
        ),
      notFound,
    );
    for (const child of children) if (child.Id) queue.push(child.Id);
  }
  return accounts;
}

async function collect<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}

/** Runs one discovery call; a failure becomes an {@link OrganizationsDiscoveryError} that says what to do. */
async function call<T>(
  source: string,
  operation: string,
  run: () => Promise<T>,
  special?: (error: unknown) => OrganizationsDiscoveryError | undefined,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw special?.(error) ?? discoveryError(source, operation, error);
  }
}

function discoveryError(source: string, operation: string, error: unknown): OrganizationsDiscoveryError {
  const code = errorCode(error);
  const at = `${code} on organizations:${operation}`;
  const remedy =
    code === 'AWSOrganizationsNotInUseException'
      ? "the caller's account is not in an organization: run from the organization's management account or a delegated administrator, or name the accounts (--accounts 111122223333,…)"
      : code === 'AccessDeniedException' || code === 'AccessDenied'
        ? 'the caller may not list the organization: run from the management account or a delegated administrator account (aws organizations register-delegated-administrator), with organizations:DescribeOrganization, ListAccounts, ListAccountsForParent and ListChildren allowed'
        : code === 'TooManyRequestsException'
          ? 'AWS Organizations kept throttling after every retry: run again later, or raise --max-attempts'
          : `the organization could not be listed (${errorMessage(error)})`;
  return new OrganizationsDiscoveryError(`${source}: ${at} — ${remedy}; nothing was audited`, [], {
    cause: error,
  });
}
