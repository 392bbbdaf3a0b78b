import { oidcProviderArn, partitionOf } from '../model/identity.js';
import type { RoleInventory } from '../model/inventory.js';
import { shellWord } from '../text.js';
import { analyzeTrust, canAssume, matchIamPattern } from '../trust/index.js';
import { parseProviderArn } from '../trust/providers.js';
import type { IrsaAssumeRequest, IrsaGrant } from '../trust/types.js';
import type { TrustPolicyChange, TrustVerification } from './types.js';

/** IAM's default role trust policy length quota, in characters. */
export const TRUST_POLICY_SIZE_LIMIT = 2048;

type Json = Record<string, unknown>;

const ANY_SERVICE_ACCOUNT = 'system:serviceaccount:default:default';

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The statements of a policy document that are objects (a single statement counts as one). */
export function statementsOf(document: Json): Json[] {
  return asArray(document.Statement).filter(
    (item): item is Json => typeof item === 'object' && item !== null && !Array.isArray(item),
  );
}

function hostOfProvider(providerArn: string): string | undefined {
  return parseProviderArn(providerArn)?.hostPath;
}

function sameHost(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

function federatedOf(statement: Json): string[] {
  const principal = statement.Principal;
  if (typeof principal !== 'object' || principal === null) return [];
  return asArray((principal as Json).Federated).filter((item): item is string => typeof item === 'string');
}

/** True when the principal names something besides federated providers (`*`, AWS, Service, ...). */
function hasOtherPrincipals(statement: Json): boolean {
  const principal = statement.Principal;
  if (typeof principal !== 'object' || principal === null) return principal !== undefined;
  return Object.keys(principal).some((key) => key !== 'Federated');
}

/** A subject that a `:sub` pattern (or no `:sub` condition at all) admits, for evaluating it. */
export function sampleSubject(pattern: string | null): string {
  if (pattern === null || pattern === '*') return ANY_SERVICE_ACCOUNT;
  return pattern.replace(/\*/g, 'x').replace(/\?/g, 'x');
}

/** Letters and digits of a cluster name in PascalCase (`prod-green` → `ProdGreen`), as a Sid may hold. */
function sidToken(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

function uniqueSid(wanted: string, taken: Set<string>): string {
  let sid = wanted;
  for (let counter = 2; taken.has(sid); counter++) sid = `${wanted}${counter}`;
  taken.add(sid);
  return sid;
}

/** Rewrites condition keys of OLD's issuer to NEW's and drops keys of other providers of the statement. */
function mirrorConditions(
  condition: unknown,
  oldHost: string,
  newHost: string,
  otherHosts: string[],
): unknown {
  if (typeof condition !== 'object' || condition === null) return condition;
  const result: Json = {};
  for (const [operator, block] of Object.entries(condition as Json)) {
    if (typeof block !== 'object' || block === null) continue;
    const entries: Array<[string, unknown]> = [];
    for (const [key, value] of Object.entries(block as Json)) {
      const lower = key.toLowerCase();
      if (lower.startsWith(`${oldHost.toLowerCase()}:`)) {
        entries.push([`${newHost}${key.slice(oldHost.length)}`, structuredClone(value)]);
      } else if (!otherHosts.some((host) => lower.startsWith(`${host.toLowerCase()}:`))) {
        entries.push([key, structuredClone(value)]);
      }
    }
    if (entries.length > 0) result[operator] = Object.fromEntries(entries);
  }
  return result;
}

function withoutHostKeys(condition: unknown, host: string): unknown {
  if (typeof condition !== 'object' || condition === null) return condition;
  const result: Json = {};
  for (const [operator, block] of Object.entries(condition as Json)) {
    if (typeof block !== 'object' || block === null) continue;
    const entries = Object.entries(block as Json).filter(
      ([key]) => !key.toLowerCase().startsWith(`${host.toLowerCase()}:`),
    );
    if (entries.length > 0) result[operator] = Object.fromEntries(entries);
  }
  return result;
}

/** A null policy (every statement removed) admits nothing. */
function decide(document: unknown, request: IrsaAssumeRequest): boolean | 'unknown' {
  if (document === null) return false;
  try {
    return canAssume(document, request).allowed;
  } catch {
    return 'unknown';
  }
}

function irsaGrants(document: unknown): IrsaGrant[] {
  try {
    return analyzeTrust(document).grants.filter((grant): grant is IrsaGrant => grant.kind === 'irsa');
  } catch {
    return [];
  }
}

/** Every IRSA request the grants of a policy describe: each subject (or a sample of each pattern) per provider. */
function grantRequests(document: unknown): IrsaAssumeRequest[] {
  const requests = new Map<string, IrsaAssumeRequest>();
  for (const grant of irsaGrants(document)) {
    for (const subject of grant.subjects ?? [null]) {
      const request: IrsaAssumeRequest = {
        kind: 'irsa',
        providerArn: grant.providerArn,
        subject: sampleSubject(subject),
      };
      requests.set(`${request.providerArn}\u0000${request.subject}`, request);
    }
  }
  return [...requests.values()];
}

function describeRequest(request: IrsaAssumeRequest): string {
  return `${request.subject} from ${request.providerArn}`;
}

/**
 * Verifies an updated policy: NEW's subjects are admitted, every request the old policy admitted
 * is still admitted (except those it should drop in the post phase), and (post) none of those is.
 *
 * @param shouldDrop post: whether a request of OLD's issuer should no longer be admitted.
 */
function verify(
  oldPolicy: unknown,
  newPolicy: unknown,
  newRequests: IrsaAssumeRequest[],
  dropHosts?: readonly string[],
  shouldDrop: (request: IrsaAssumeRequest) => boolean = () => true,
): TrustVerification {
  const failures: string[] = [];
  let checked = 0;
  let admitsNew = true;
  for (const request of newRequests) {
    checked++;
    if (decide(newPolicy, request) !== true) {
      admitsNew = false;
      failures.push(`not admitted: ${describeRequest(request)}`);
    }
  }
  let keepsOld = true;
  let dropsOld = true;
  for (const request of grantRequests(oldPolicy)) {
    if (decide(oldPolicy, request) !== true) continue;
    checked++;
    const host = hostOfProvider(request.providerArn);
    const fromDropped = dropHosts?.some((drop) => sameHost(host, drop)) === true && shouldDrop(request);
    const now = decide(newPolicy, request);
    if (fromDropped && now !== false) {
      dropsOld = false;
      failures.push(`still admitted: ${describeRequest(request)}`);
    } else if (!fromDropped && now !== true) {
      keepsOld = false;
      failures.push(`no longer admitted: ${describeRequest(request)}`);
    }
  }
  return {
    admitsNew,
    keepsOld,
    ...(dropHosts !== undefined ? { dropsOld } : {}),
    failures,
    checked,
  };
}

function finish(
  role: RoleInventory,
  change: TrustPolicyChange['change'],
  policy: Json | null,
  statements: number[],
  verification: TrustVerification,
): TrustPolicyChange {
  const file = `${role.name}-trust-policy.json`;
  const size = policy === null ? 0 : JSON.stringify(policy).length;
  const fits = size <= TRUST_POLICY_SIZE_LIMIT;
  let message: string | undefined;
  if (policy === null) {
    message = `Every statement of ${role.name}'s trust policy serves only the old cluster; a trust policy needs at least one statement, so delete the role once nothing uses it instead of updating it.`;
  } else if (!fits) {
    message = `The updated trust policy of ${role.name} is ${size} characters (minified), over the default ${TRUST_POLICY_SIZE_LIMIT}-character trust policy quota: request a higher "Role trust policy length" quota in Service Quotas, or remove statements of clusters that are gone, before applying it.`;
  }
  return {
    roleArn: role.arn,
    roleName: role.name,
    accountId: role.accountId,
    change,
    policy,
    size,
    limit: TRUST_POLICY_SIZE_LIMIT,
    fits,
    ...(message ? { message } : {}),
    statements,
    verification,
    file,
    ...(policy !== null
      ? {
          command: `aws iam update-assume-role-policy --role-name ${shellWord(role.name)} --policy-document ${shellWord(`file://${file}`)}`,
        }
      : {}),
  };
}

/**
 * The role's trust policy with NEW's issuer added: every Allow statement that grants OLD's issuer
 * and does not already cover NEW is copied with the provider ARN and condition keys of NEW; subjects
 * that no OLD statement grants get a statement of their own. Other statements stay as they are.
 *
 * @param subjects the subjects (or patterns, `*` for any) the workloads need from NEW's issuer.
 * @returns undefined when the policy already admits all of them, or cannot be parsed.
 */
export function extendTrustPolicy(
  role: RoleInventory,
  oldHost: string | undefined,
  newHost: string,
  newCluster: string,
  subjects: string[],
): TrustPolicyChange | undefined {
  if (typeof role.trustPolicy !== 'object' || role.trustPolicy === null) return undefined;
  const original = role.trustPolicy as Json;
  const newProvider = oidcProviderArn(role.accountId, newHost, partitionOf(role.arn));
  const requestFor = (subject: string): IrsaAssumeRequest => ({
    kind: 'irsa',
    providerArn: newProvider,
    subject: sampleSubject(subject),
  });
  const needed = subjects.map(requestFor);
  if (needed.every((request) => decide(original, request) === true)) return undefined;

  const statements = statementsOf(original);
  const sids = new Set(statements.map((s) => s.Sid).filter((sid): sid is string => typeof sid === 'string'));
  const grants = irsaGrants(original);
  const additions: Json[] = [];
  const copied: number[] = [];
  if (oldHost !== undefined) {
    statements.forEach((statement, index) => {
      if (statement.Effect !== 'Allow') return;
      const federated = federatedOf(statement);
      if (!federated.some((arn) => sameHost(hostOfProvider(arn), oldHost))) return;
      const statementSubjects = grants
        .filter((grant) => grant.statementIndex === index && sameHost(grant.issuerHostPath, oldHost))
        .flatMap((grant) => grant.subjects ?? ['*']);
      if (statementSubjects.every((subject) => decide(original, requestFor(subject)) === true)) return;
      const otherHosts = federated
        .map(hostOfProvider)
        .filter((host): host is string => host !== undefined && !sameHost(host, oldHost));
      const copy: Json = {};
      for (const [field, value] of Object.entries(statement)) {
        if (field === 'Sid' && typeof value === 'string') {
          const token = sidToken(newCluster);
          copy.Sid = uniqueSid(value + token, sids);
        } else if (field === 'Principal') copy.Principal = { Federated: newProvider };
        else if (field === 'Condition')
          copy.Condition = mirrorConditions(value, oldHost, newHost, otherHosts);
        else copy[field] = structuredClone(value);
      }
      if (copy.Condition !== undefined && Object.keys(copy.Condition as Json).length === 0)
        delete copy.Condition;
      additions.push(copy);
      copied.push(index);
    });
  }
  const draft = (): Json => ({ ...structuredClone(original), Statement: [...statements, ...additions] });
  const uncovered = subjects.filter((subject) => decide(draft(), requestFor(subject)) !== true);
  if (uncovered.length > 0) {
    const values = uncovered.includes('*') ? ['system:serviceaccount:*'] : uncovered;
    const patterns = values.some((subject) => /[*?]/.test(subject));
    additions.push({
      Sid: uniqueSid(`Irsa${sidToken(newCluster)}`, sids),
      Effect: 'Allow',
      Principal: { Federated: newProvider },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: patterns
        ? {
            StringEquals: { [`${newHost}:aud`]: 'sts.amazonaws.com' },
            StringLike: { [`${newHost}:sub`]: values.length === 1 ? values[0] : values },
          }
        : {
            StringEquals: {
              [`${newHost}:aud`]: 'sts.amazonaws.com',
              [`${newHost}:sub`]: values.length === 1 ? values[0] : values,
            },
          },
    });
  }
  const policy = draft();
  return finish(role, 'extend', policy, copied, verify(original, policy, needed));
}

/**
 * The role's trust policy without OLD's issuer: statements that trust only OLD's provider are
 * removed; a statement that also names other principals keeps them and loses OLD's provider and
 * its condition keys. Everything else stays as it is.
 *
 * @param removable the statements (indexes) that may lose OLD's issuer; default all. The others
 *   stay as they are, and the verification expects what they admit from OLD's issuer to remain.
 * @returns undefined when no removable statement names OLD's issuer, or the policy cannot be parsed.
 */
export function removeOldIssuer(
  role: RoleInventory,
  oldHost: string | readonly string[],
  newHost: string | undefined,
  removable?: ReadonlySet<number>,
): TrustPolicyChange | undefined {
  if (typeof role.trustPolicy !== 'object' || role.trustPolicy === null) return undefined;
  const oldHosts = typeof oldHost === 'string' ? [oldHost] : oldHost;
  const isOld = (arn: string) => oldHosts.some((host) => sameHost(hostOfProvider(arn), host));
  const original = role.trustPolicy as Json;
  const statements = statementsOf(original);
  const kept: Json[] = [];
  const touched: number[] = [];
  const retainedOld: Json[] = [];
  statements.forEach((statement, index) => {
    const federated = federatedOf(statement);
    if (!federated.some(isOld)) {
      kept.push(statement);
      return;
    }
    if (removable !== undefined && !removable.has(index)) {
      kept.push(statement);
      retainedOld.push(statement);
      return;
    }
    touched.push(index);
    const others = federated.filter((arn) => !isOld(arn));
    if (others.length === 0 && !hasOtherPrincipals(statement)) return;
    const principal = { ...(statement.Principal as Json) };
    if (others.length === 0) delete principal.Federated;
    else principal.Federated = others.length === 1 ? others[0] : others;
    const rewritten: Json = { ...structuredClone(statement), Principal: principal };
    if (statement.Condition !== undefined) {
      const condition = oldHosts.reduce<unknown>(
        (current, host) => withoutHostKeys(current, host),
        statement.Condition,
      ) as Json;
      if (Object.keys(condition).length > 0) rewritten.Condition = condition;
      else delete rewritten.Condition;
    }
    kept.push(rewritten);
  });
  if (touched.length === 0) return undefined;
  const policy = kept.length > 0 ? { ...structuredClone(original), Statement: kept } : null;
  // NEW's requests the policy admits today (one it cannot decide stays undecided, not a failure).
  const newRequests = newHost
    ? grantRequests(original).filter(
        (request) =>
          sameHost(hostOfProvider(request.providerArn), newHost) && decide(original, request) === true,
      )
    : [];
  // What a retained statement of OLD admits must stay admitted; the rest of OLD's must not.
  const retained = { ...original, Statement: retainedOld };
  const verification = verify(
    original,
    policy,
    newRequests,
    oldHosts,
    (request) => retainedOld.length === 0 || decide(retained, request) !== true,
  );
  return finish(role, 'remove-old', policy, touched, verification);
}

/** True when a `:sub` pattern of a grant admits the subject (exact or wildcard). */
export function grantAdmitsSubject(grant: IrsaGrant, subject: string): boolean {
  if (grant.subjects === null) return true;
  return grant.subjects.some((pattern) =>
    grant.subjectMatch === 'like' ? matchIamPattern(pattern, subject) : pattern === subject,
  );
}
