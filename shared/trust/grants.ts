import { matchesMissingKey } from './condition.js';
import { requestContext } from './context.js';
import { actionMatches, statementLabel } from './evaluate.js';
import type { ParsedCondition, ParsedPolicy, ParsedStatement } from './parse.js';
import type { AwsPrincipalGrant, PodIdentityConstraints, ServiceGrant } from './types.js';

/**
 * What a statement says it grants, as written: actions, principals, and the values its positive
 * conditions list. These describe a grant for reading; whether a request is admitted is decided by
 * the evaluator and the symbolic analysis, never from these lists.
 */

/** The STS actions a trust policy can allow, used to report what a statement grants. */
export const TRUST_ACTIONS = [
  'sts:AssumeRole',
  'sts:AssumeRoleWithWebIdentity',
  'sts:AssumeRoleWithSAML',
  'sts:TagSession',
  'sts:SetSourceIdentity',
  'sts:SetContext',
] as const;

/** The actions an IAM principal's `AssumeRole` call can need. */
const AWS_PRINCIPAL_ACTIONS = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity', 'sts:SetContext'];

/** Operators whose values say which request values are allowed (as opposed to excluded). */
const POSITIVE = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike']);

export function allowedActions(statement: ParsedStatement): string[] {
  return [...trustActionsOf(statement)];
}

/** Whether the statement covers an action (matched once per Action list for the {@link TRUST_ACTIONS}). */
export function coversAction(statement: ParsedStatement, action: string): boolean {
  return (TRUST_ACTIONS as readonly string[]).includes(action)
    ? trustActionsOf(statement).includes(action)
    : actionMatches(statement, action);
}

function trustActionsOf(statement: ParsedStatement): readonly string[] {
  // Statements repeat their Action lists (thousands of IRSA statements in one policy): match each list once.
  const key = statement.actions
    ? statement.actions.join('\n')
    : `!${(statement.notActions ?? []).join('\n')}`;
  let actions = actionsByList.get(key);
  if (!actions) {
    actions = TRUST_ACTIONS.filter((action) => actionMatches(statement, action));
    if (actionsByList.size >= 10_000) actionsByList.clear();
    actionsByList.set(key, actions);
  }
  return actions;
}

const actionsByList = new Map<string, string[]>();

export function withSid<T extends { sid?: string }>(grant: T, statement: ParsedStatement): T {
  if (statement.sid !== undefined) grant.sid = statement.sid;
  return grant;
}

/** The statement's conditions on a key (compared case-insensitively). */
function conditionsOn(statement: ParsedStatement, key: string): ParsedCondition[] {
  const lower = key.toLowerCase();
  return statement.conditions.filter((c) => c.keyLower === lower);
}

/** Values of the positive conditions on a key (what the statement lists as allowed), or undefined when none. */
export function allowedValues(statement: ParsedStatement, key: string): string[] | undefined {
  const positive = conditionsOn(statement, key).filter((c) => POSITIVE.has(c.base));
  if (positive.length === 0) return undefined;
  return [...new Set(positive.flatMap((c) => c.values))];
}

const TAG_CONSTRAINTS: Array<[string, keyof PodIdentityConstraints]> = [
  ['aws:RequestTag/eks-cluster-name', 'clusterNames'],
  ['aws:RequestTag/eks-cluster-arn', 'clusterArns'],
  ['aws:RequestTag/kubernetes-namespace', 'namespaces'],
  ['aws:RequestTag/kubernetes-service-account', 'serviceAccounts'],
  ['aws:SourceAccount', 'sourceAccounts'],
  ['aws:SourceArn', 'sourceArns'],
  ['aws:PrincipalOrgID', 'orgIds'],
  ['aws:SourceOrgID', 'orgIds'],
];

/** The values a Pod Identity statement's positive conditions list, per session attribute. */
export function podIdentityConstraints(statement: ParsedStatement): PodIdentityConstraints {
  const constraints: PodIdentityConstraints = {};
  for (const [key, field] of TAG_CONSTRAINTS) {
    const values = allowedValues(statement, key);
    if (values) constraints[field] = [...new Set([...(constraints[field] ?? []), ...values])];
  }
  return constraints;
}

/**
 * A statement's grant to IAM principals. `unsatisfiable` is set only when no IAM principal's request
 * can be allowed through it: it covers none of the actions such a request needs, it covers only the
 * companions of `sts:AssumeRole` while no statement of the policy allows `sts:AssumeRole` to IAM
 * principals, or a condition needs a key such requests never carry.
 */
export function awsGrant(
  statement: ParsedStatement,
  principals: string[],
  policy: ParsedPolicy,
): AwsPrincipalGrant {
  const grant: AwsPrincipalGrant = {
    kind: 'aws',
    statementIndex: statement.index,
    principals,
    actions: allowedActions(statement),
    tagSessionAllowed: actionMatches(statement, 'sts:TagSession'),
  };
  const principalArnPatterns = allowedValues(statement, 'aws:PrincipalArn');
  if (principalArnPatterns) grant.principalArnPatterns = principalArnPatterns;
  const externalIds = allowedValues(statement, 'sts:ExternalId');
  if (externalIds) grant.externalIds = externalIds;
  const orgIds = allowedValues(statement, 'aws:PrincipalOrgID');
  if (orgIds) grant.orgIds = orgIds;
  const requestTags = tagValues(statement, 'aws:requesttag/');
  if (requestTags) grant.requestTags = requestTags;
  const principalTags = tagValues(statement, 'aws:principaltag/');
  if (principalTags) grant.principalTags = principalTags;
  const unsatisfiable = awsUnsatisfiable(statement, policy);
  if (unsatisfiable) grant.unsatisfiable = unsatisfiable;
  return withSid(grant, statement);
}

function awsUnsatisfiable(statement: ParsedStatement, policy: ParsedPolicy): string | undefined {
  const label = statementLabel(statement);
  if (!AWS_PRINCIPAL_ACTIONS.some((action) => actionMatches(statement, action)))
    return `${label} allows none of ${AWS_PRINCIPAL_ACTIONS.join(', ')}, the actions an IAM principal's AssumeRole call needs`;
  if (!allowsAssumeRoleToIamPrincipals(policy))
    return `${label} allows only actions that accompany sts:AssumeRole, and no statement allows sts:AssumeRole to IAM principals`;
  const context = requestContext({ kind: 'aws', principalArn: 'arn:aws:iam::000000000000:role/caller' });
  for (const condition of statement.conditions) {
    const key = condition.keyLower;
    // Only keys that no IAM caller can ever supply decide impossibility here.
    if (!key.startsWith('aws:source') && !/[./][^:]*:/.test(key)) continue;
    if (context.lookup(condition.key).state !== 'absent' || matchesMissingKey(condition)) continue;
    return `${condition.location} tests ${condition.key}, which an IAM principal's request never carries`;
  }
  return undefined;
}

const assumeRoleToIamPrincipals = new WeakMap<ParsedPolicy, boolean>();

/** Whether some Allow statement names IAM principals (or `*`) and allows `sts:AssumeRole`. */
function allowsAssumeRoleToIamPrincipals(policy: ParsedPolicy): boolean {
  let allows = assumeRoleToIamPrincipals.get(policy);
  if (allows === undefined) {
    allows = policy.statements.some(
      (other) =>
        other.effect === 'Allow' &&
        other.principal !== undefined &&
        (other.principal.any || other.principal.aws.length > 0) &&
        actionMatches(other, 'sts:AssumeRole'),
    );
    assumeRoleToIamPrincipals.set(policy, allows);
  }
  return allows;
}

function tagValues(statement: ParsedStatement, prefix: string): Record<string, string[]> | undefined {
  const result: Record<string, string[]> = {};
  for (const condition of statement.conditions) {
    const key = condition.keyLower;
    if (!key.startsWith(prefix) || !POSITIVE.has(condition.base)) continue;
    const tagKey = condition.key.slice(prefix.length);
    result[tagKey] = [...new Set([...(result[tagKey] ?? []), ...condition.values])];
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

export function serviceGrant(statement: ParsedStatement, services: string[]): ServiceGrant {
  const grant: ServiceGrant = {
    kind: 'service',
    statementIndex: statement.index,
    services,
    actions: allowedActions(statement),
  };
  return withSid(grant, statement);
}
