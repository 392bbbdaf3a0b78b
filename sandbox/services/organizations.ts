import type { RawRequest, RequestContext, ServiceModule } from '../context.js';
import { jsonBody, resolveJsonTarget } from '../context.js';
import type { OrganizationMember, OrganizationStructure } from '../model/organization.js';
import { AwsError, decodeToken, encodeToken, jsonResponse } from '../wire.js';

/**
 * The JSON 1.1 target: SDK v3 sends `AWSOrganizationsV20161128.ListAccounts`, botocore the same
 * (optionally fully qualified).
 */
const TARGET = /^(?:com\.amazonaws\.organizations\.v20161128\.)?AWSOrganizationsV20161128\.(\w+)$/;
const OPERATIONS = [
  'DescribeOrganization',
  'ListAccounts',
  'ListAccountsForParent',
  'ListChildren',
  'ListRoots',
] as const;
type Operation = (typeof OPERATIONS)[number];

/** The documented range of `MaxResults` on the list operations. */
const MAX_RESULTS = 20;

/**
 * AWS Organizations (JSON 1.1): the read operations account discovery uses, over the scenario's
 * `organization`. A caller outside any organization gets `AWSOrganizationsNotInUseException`; the
 * list operations answer only the management account and delegated administrators
 * (`AccessDeniedException` otherwise). Lists page with `MaxResults` (1-20) and an opaque
 * `NextToken`; accounts carry `State` (the `Status` field was retired on 9 September 2026).
 */
export const organizations: ServiceModule = {
  protocol: 'json',
  codes: {
    accessDenied: { status: 400, code: 'AccessDeniedException' },
    throttle: {
      status: 400,
      code: 'TooManyRequestsException',
      message:
        'You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.',
    },
    internal: { status: 500, code: 'ServiceException' },
    invalidClientToken: { status: 400, code: 'UnrecognizedClientException' },
    unknownOperation: { status: 400, code: 'UnknownOperationException' },
  },
  resolve: (request: RawRequest) => resolveJsonTarget(request, TARGET, OPERATIONS),
  handle(context) {
    const structure = context.world.organization;
    const caller = context.session.accountId;
    if (!structure?.members.some((member) => member.accountId === caller)) {
      throw new AwsError(
        400,
        'AWSOrganizationsNotInUseException',
        'Your account is not a member of an organization.',
      );
    }
    const operation = context.operation as Operation;
    if (operation === 'DescribeOrganization') return describeOrganization(structure, context);
    if (caller !== structure.managementAccountId && !structure.delegatedAdministrators.includes(caller)) {
      throw new AwsError(400, 'AccessDeniedException', "You don't have permissions to access this resource.");
    }
    const body = jsonBody(context);
    switch (operation) {
      case 'ListAccounts':
        return page(context, 'Accounts', structure.members.map(accountJson), body, 'accounts');
      case 'ListAccountsForParent': {
        const parentId = requireParent(structure, body);
        const accounts = structure.members.filter((member) => member.parentId === parentId);
        return page(context, 'Accounts', accounts.map(accountJson), body, `accounts/${parentId}`);
      }
      case 'ListChildren': {
        const parentId = requireParent(structure, body);
        const childType = body.ChildType;
        if (childType !== 'ACCOUNT' && childType !== 'ORGANIZATIONAL_UNIT') {
          throw new AwsError(
            400,
            'InvalidInputException',
            'You provided a value that does not match the required pattern: ChildType must be ACCOUNT or ORGANIZATIONAL_UNIT.',
          );
        }
        const children =
          childType === 'ACCOUNT'
            ? structure.members
                .filter((member) => member.parentId === parentId)
                .map((member) => ({ Id: member.accountId, Type: 'ACCOUNT' }))
            : structure.units
                .filter((unit) => unit.parentId === parentId)
                .map((unit) => ({ Id: unit.id, Type: 'ORGANIZATIONAL_UNIT' }));
        return page(context, 'Children', children, body, `children/${parentId}/${childType}`);
      }
      case 'ListRoots':
        return page(
          context,
          'Roots',
          [
            {
              Id: structure.rootId,
              Arn: `arn:aws:organizations::${structure.managementAccountId}:root/${structure.id}/${structure.rootId}`,
              Name: 'Root',
              PolicyTypes: [],
            },
          ],
          body,
          'roots',
        );
    }
    throw new AwsError(400, 'UnknownOperationException', `unknown operation ${operation}`);
  },
};

function describeOrganization(structure: OrganizationStructure, context: RequestContext) {
  const management = structure.members.find((member) => member.accountId === structure.managementAccountId);
  return jsonResponse(
    {
      Organization: {
        Id: structure.id,
        Arn: structure.arn,
        FeatureSet: 'ALL',
        MasterAccountArn: management?.arn,
        MasterAccountId: structure.managementAccountId,
        MasterAccountEmail: management?.email,
        AvailablePolicyTypes: [],
      },
    },
    context.requestId,
  );
}

function accountJson(member: OrganizationMember): Record<string, unknown> {
  return {
    Id: member.accountId,
    Arn: member.arn,
    Email: member.email,
    Name: member.name,
    State: member.state,
    JoinedMethod: member.joinedMethod,
    JoinedTimestamp: Date.parse(member.joinedAt) / 1000,
  };
}

/** The `ParentId` of a request: the root or an OU of the organization. */
function requireParent(structure: OrganizationStructure, body: Record<string, unknown>): string {
  const parentId = body.ParentId;
  if (
    typeof parentId !== 'string' ||
    !/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(parentId)
  ) {
    throw new AwsError(
      400,
      'InvalidInputException',
      'You provided a value that does not match the required pattern: ParentId.',
    );
  }
  if (parentId !== structure.rootId && !structure.units.some((unit) => unit.id === parentId)) {
    throw new AwsError(
      400,
      'ParentNotFoundException',
      "We can't find a root or OU with the ParentId that you specified.",
    );
  }
  return parentId;
}

/** One page of a list: `MaxResults` (1-20, default 20) items from the offset in `NextToken`. */
function page(
  context: RequestContext,
  field: string,
  items: unknown[],
  body: Record<string, unknown>,
  scope: string,
) {
  const max = body.MaxResults === undefined ? MAX_RESULTS : Number(body.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    throw new AwsError(
      400,
      'InvalidInputException',
      `You provided a value that does not match the required pattern: MaxResults must be from 1 to ${MAX_RESULTS}.`,
    );
  }
  let offset = 0;
  if (typeof body.NextToken === 'string') {
    const decoded = decodeToken(scope, body.NextToken);
    if (decoded === undefined) {
      throw new AwsError(400, 'InvalidInputException', 'The NextToken value is not valid.');
    }
    offset = decoded;
  }
  const end = offset + max;
  return jsonResponse(
    {
      [field]: items.slice(offset, end),
      ...(end < items.length ? { NextToken: encodeToken(scope, end) } : {}),
    },
    context.requestId,
  );
}
