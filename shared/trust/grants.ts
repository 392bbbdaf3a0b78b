import { type KeyState, requestContext } from './context.js';
import { actionMatches, NEGATED_OPERATORS, statementLabel } from './evaluate.js';
import type { ParsedCondition, ParsedPolicy, ParsedStatement } from './parse.js';
import { POD_IDENTITY_SERVICE, parseProviderArn } from './providers.js';
import type {
  AwsPrincipalGrant,
  Grant,
  IrsaGrant,
  PodIdentityConstraints,
  PodIdentityGrant,
  ServiceGrant,
} from './types.js';
import { hasIamWildcard, matchIamPattern } from './wildcard.js';

/** The STS actions a trust policy can allow, used to report what a statement grants. */
export const TRUST_ACTIONS = [
  'sts:AssumeRole',
  'sts:AssumeRoleWithWebIdentity',
  'sts:AssumeRoleWithSAML',
  'sts:TagSession',
  'sts:SetSourceIdentity',
  'sts:SetContext',
] as const;

/** Operators whose values say which request values are allowed (as opposed to excluded). */
const POSITIVE = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike']);

/** Kubernetes names are DNS labels/subdomains: an exact subject outside this form never occurs. */
const SUBJECT_FORM = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const SUBJECT_PREFIX = 'system:serviceaccount:';

/** The six session tags EKS Pod Identity adds (with placeholder values for presence checks). */
const POD_IDENTITY_TAGS: Record<string, string> = {
  'eks-cluster-arn': 'arn:aws:eks:us-east-1:000000000000:cluster/c',
  'eks-cluster-name': 'c',
  'kubernetes-namespace': 'n',
  'kubernetes-service-account': 's',
  'kubernetes-pod-name': 'p',
  'kubernetes-pod-uid': 'u',
};

/**
 * Extracts what each Allow statement grants, per principal: IRSA web identities, the Pod Identity
 * service, IAM principals and other services. A grant that can never be used carries `unsatisfiable`.
 */
export function extractGrants(policy: ParsedPolicy): Grant[] {
  const grants: Grant[] = [];
  for (const statement of policy.statements) {
    if (statement.effect !== 'Allow') continue;
    if (statement.notPrincipal) {
      grants.push(awsGrant(statement, ['*'], statement.notPrincipal.aws));
      continue;
    }
    const principal = statement.principal;
    if (!principal) continue;
    if (principal.any || principal.aws.includes('*')) {
      grants.push(awsGrant(statement, ['*']));
      continue;
    }
    for (const providerArn of principal.federated) {
      if (providerArn.includes(':oidc-provider/')) grants.push(irsaGrant(statement, providerArn));
    }
    const otherServices = principal.service.filter((s) => s !== POD_IDENTITY_SERVICE);
    if (principal.service.includes(POD_IDENTITY_SERVICE)) grants.push(podIdentityGrant(statement));
    if (otherServices.length > 0) grants.push(serviceGrant(statement, otherServices));
    if (principal.aws.length > 0) grants.push(awsGrant(statement, principal.aws));
  }
  return grants;
}

function allowedActions(statement: ParsedStatement): string[] {
  return TRUST_ACTIONS.filter((action) => actionMatches(statement, action));
}

function withSid<T extends { sid?: string }>(grant: T, statement: ParsedStatement): T {
  if (statement.sid !== undefined) grant.sid = statement.sid;
  return grant;
}

function conditionsOn(statement: ParsedStatement, key: string): ParsedCondition[] {
  const lower = key.toLowerCase();
  return statement.conditions.filter((c) => c.key.toLowerCase() === lower);
}

/** Values of the positive conditions on a key (what the statement allows), or undefined when none. */
function allowedValues(statement: ParsedStatement, key: string): string[] | undefined {
  const positive = conditionsOn(statement, key).filter(
    (c) => POSITIVE.has(c.base) && c.setOperator !== 'ForAllValues',
  );
  if (positive.length === 0) return undefined;
  return [...new Set(positive.flatMap((c) => c.values))];
}

/**
 * Why a condition can never hold given only whether its key is present in requests of this kind;
 * undefined when it can hold.
 */
function impossibleByPresence(condition: ParsedCondition, key: KeyState, who: string): string | undefined {
  if (key.state === 'unknown') return undefined;
  if (condition.base === 'Null') {
    const wanted = key.state === 'absent' ? 'true' : 'false';
    if (condition.values.some((v) => v.toLowerCase() === wanted)) return undefined;
    return key.state === 'absent'
      ? `${condition.location} requires ${condition.key}, which ${who} never carries`
      : `${condition.location} requires ${condition.key} to be absent, but ${who} always carries it`;
  }
  if (key.state === 'present') return undefined;
  const matchesMissing =
    condition.ifExists ||
    condition.setOperator === 'ForAllValues' ||
    (!condition.setOperator && NEGATED_OPERATORS.has(condition.base));
  return matchesMissing
    ? undefined
    : `${condition.location} tests ${condition.key}, which ${who} never carries`;
}

function irsaGrant(statement: ParsedStatement, providerArn: string): IrsaGrant {
  const parsed = parseProviderArn(providerArn);
  const hostPath =
    parsed?.hostPath ?? providerArn.slice(providerArn.indexOf(':oidc-provider/') + ':oidc-provider/'.length);
  const isEksIssuer = parsed?.isEksIssuer ?? false;
  const subKey = `${hostPath}:sub`;
  const audKey = `${hostPath}:aud`;
  const subConditions = conditionsOn(statement, subKey).filter(
    (c) => POSITIVE.has(c.base) && c.setOperator !== 'ForAllValues',
  );
  const isLike = (c: ParsedCondition) => c.base === 'StringLike' || c.base === 'ArnLike';
  const equalsBlocks = subConditions.filter((c) => !isLike(c));
  const likeBlocks = subConditions.filter(isLike);
  let subjects: string[] | null = null;
  let subjectMatch: IrsaGrant['subjectMatch'] = null;
  if (equalsBlocks.length > 0) {
    // Blocks on the same key are AND-ed: keep the exact subjects every other block accepts.
    subjects = [...new Set(equalsBlocks[0].values)].filter((subject) =>
      subConditions.every((c) =>
        isLike(c)
          ? c.values.some((p) => matchIamPattern(p, subject))
          : c.values.some((v) =>
              c.base === 'StringEqualsIgnoreCase' ? v.toLowerCase() === subject.toLowerCase() : v === subject,
            ),
      ),
    );
    subjectMatch = 'equals';
  } else if (likeBlocks.length > 0) {
    subjects = [...new Set(likeBlocks[0].values)];
    subjectMatch = 'like';
  }
  const audiences = allowedValues(statement, audKey) ?? [];
  const grant: IrsaGrant = {
    kind: 'irsa',
    statementIndex: statement.index,
    providerArn,
    issuerHostPath: hostPath,
    isEksIssuer,
    subjects,
    subjectMatch,
    audienceChecked: audiences.some((a) => matchIamPattern(a, 'sts.amazonaws.com')),
    audiences,
    actions: allowedActions(statement),
  };
  if (parsed?.region) grant.region = parsed.region;
  const unsatisfiable = irsaUnsatisfiable(statement, grant, parsed !== undefined);
  if (unsatisfiable) grant.unsatisfiable = unsatisfiable;
  return withSid(grant, statement);
}

function irsaUnsatisfiable(
  statement: ParsedStatement,
  grant: IrsaGrant,
  validArn: boolean,
): string | undefined {
  if (!grant.actions.includes('sts:AssumeRoleWithWebIdentity'))
    return `${statementLabel(statement)} does not allow sts:AssumeRoleWithWebIdentity, the only action a web identity (${grant.issuerHostPath}) can call`;
  const subjectUnderAud = grant.audiences.find((a) => a.startsWith(SUBJECT_PREFIX));
  if (subjectUnderAud)
    return `the subject ${JSON.stringify(subjectUnderAud)} is written under the ${grant.issuerHostPath}:aud key; it belongs under :sub`;
  if (grant.isEksIssuer && grant.subjects !== null) {
    if (grant.subjects.length === 0)
      return `the :sub conditions of ${statementLabel(statement)} exclude each other`;
    if (grant.subjectMatch === 'equals') {
      const literalWildcard = grant.subjects.find((s) => hasIamWildcard(s));
      if (literalWildcard && grant.subjects.every((s) => !SUBJECT_FORM.test(s)))
        return `StringEquals compares ${JSON.stringify(literalWildcard)} literally and Kubernetes names cannot contain * or ?; StringLike was probably meant`;
      if (grant.subjects.every((s) => !SUBJECT_FORM.test(s)))
        return `no :sub value is a service-account subject of the form system:serviceaccount:NAMESPACE:NAME (${grant.subjects.map((s) => JSON.stringify(s)).join(', ')})`;
    } else if (grant.subjects.every((p) => !couldMatchSubject(p))) {
      return `no :sub pattern can match a service-account subject system:serviceaccount:NAMESPACE:NAME (${grant.subjects.map((s) => JSON.stringify(s)).join(', ')})`;
    }
  }
  if (!validArn) return undefined;
  const context = requestContext({
    kind: 'irsa',
    providerArn: grant.providerArn,
    subject: `${SUBJECT_PREFIX}n:s`,
  });
  for (const condition of statement.conditions) {
    const reason = impossibleByPresence(
      condition,
      context.lookup(condition.key),
      `a web identity from ${grant.issuerHostPath}`,
    );
    if (reason) return reason;
  }
  return undefined;
}

/** Whether a StringLike pattern's literal prefix is compatible with `system:serviceaccount:`. */
function couldMatchSubject(pattern: string): boolean {
  const firstWildcard = pattern.search(/[*?]/);
  const prefix = firstWildcard < 0 ? pattern : pattern.slice(0, firstWildcard);
  if (firstWildcard < 0) return SUBJECT_FORM.test(pattern);
  return prefix.startsWith(SUBJECT_PREFIX) || SUBJECT_PREFIX.startsWith(prefix);
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

function podIdentityGrant(statement: ParsedStatement): PodIdentityGrant {
  const constraints: PodIdentityConstraints = {};
  for (const [key, field] of TAG_CONSTRAINTS) {
    const values = allowedValues(statement, key);
    if (values) constraints[field] = [...new Set([...(constraints[field] ?? []), ...values])];
  }
  const lists: Array<string[] | undefined> = Object.values(constraints);
  // A pattern of only `*` scopes nothing.
  const scoping = lists.some((values) => values?.some((v) => v.replace(/\*/g, '') !== ''));
  const grant: PodIdentityGrant = {
    kind: 'pod-identity',
    statementIndex: statement.index,
    assumeRoleAllowed: actionMatches(statement, 'sts:AssumeRole'),
    tagSessionAllowed: actionMatches(statement, 'sts:TagSession'),
    constraints,
    unscoped: !scoping,
  };
  const unsatisfiable = podIdentityUnsatisfiable(statement, grant);
  if (unsatisfiable) grant.unsatisfiable = unsatisfiable;
  return withSid(grant, statement);
}

function podIdentityUnsatisfiable(statement: ParsedStatement, grant: PodIdentityGrant): string | undefined {
  if (!grant.assumeRoleAllowed)
    return `${statementLabel(statement)} does not allow sts:AssumeRole, the action EKS Pod Identity calls (${allowedActions(statement).join(', ') || 'no STS action'} can never be used by ${POD_IDENTITY_SERVICE})`;
  const context = requestContext({
    kind: 'pod-identity',
    sessionTags: POD_IDENTITY_TAGS,
    sourceAccount: '000000000000',
    sourceArn: POD_IDENTITY_TAGS['eks-cluster-arn'],
  });
  for (const condition of statement.conditions) {
    const reason = impossibleByPresence(
      condition,
      context.lookup(condition.key),
      'an EKS Pod Identity request',
    );
    if (reason) return reason;
  }
  if (!grant.tagSessionAllowed) {
    const tagCondition = statement.conditions.find((c) => {
      const key = c.key.toLowerCase();
      return (
        (key.startsWith('aws:requesttag/') || key === 'aws:tagkeys') &&
        impossibleByPresence(c, { state: 'absent' }, '') !== undefined
      );
    });
    if (tagCondition)
      return `${tagCondition.location} needs session tags, but without sts:TagSession only associations with session tags disabled can use the role, and they carry no tags`;
  }
  return undefined;
}

function awsGrant(statement: ParsedStatement, principals: string[], excluded?: string[]): AwsPrincipalGrant {
  const grant: AwsPrincipalGrant = {
    kind: 'aws',
    statementIndex: statement.index,
    principals,
    actions: allowedActions(statement),
    tagSessionAllowed: actionMatches(statement, 'sts:TagSession'),
  };
  if (excluded) grant.excludedPrincipals = excluded;
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
  if (!grant.actions.includes('sts:AssumeRole'))
    grant.unsatisfiable = `${statementLabel(statement)} does not allow sts:AssumeRole, the action IAM principals call`;
  else {
    const context = requestContext({ kind: 'aws', principalArn: 'arn:aws:iam::000000000000:role/caller' });
    for (const condition of statement.conditions) {
      const key = condition.key.toLowerCase();
      // Only keys that no IAM caller can ever supply decide impossibility here.
      if (!key.startsWith('aws:source') && !/[./][^:]*:/.test(key)) continue;
      const reason = impossibleByPresence(condition, context.lookup(condition.key), 'an IAM principal');
      if (reason) {
        grant.unsatisfiable = reason;
        break;
      }
    }
  }
  return withSid(grant, statement);
}

function tagValues(statement: ParsedStatement, prefix: string): Record<string, string[]> | undefined {
  const result: Record<string, string[]> = {};
  for (const condition of statement.conditions) {
    const key = condition.key.toLowerCase();
    if (!key.startsWith(prefix) || !POSITIVE.has(condition.base)) continue;
    const tagKey = condition.key.slice(prefix.length);
    result[tagKey] = [...new Set([...(result[tagKey] ?? []), ...condition.values])];
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function serviceGrant(statement: ParsedStatement, services: string[]): ServiceGrant {
  const grant: ServiceGrant = {
    kind: 'service',
    statementIndex: statement.index,
    services,
    actions: allowedActions(statement),
  };
  return withSid(grant, statement);
}
