import { InputError } from '../errors.js';
import {
  comparisonOf,
  matchesMissingKey,
  resolvedValues,
  valueSatisfies,
  variableValueOf,
} from './condition.js';
import { type KeyState, type RequestContext, requestContext } from './context.js';
import {
  type ParsedCondition,
  type ParsedPolicy,
  type ParsedStatement,
  type PrincipalSpec,
  parsePolicy,
} from './parse.js';
import type { VariableValue } from './pattern.js';
import type { AssumeDecision, AssumeRequest } from './types.js';
import { matchIamPattern } from './wildcard.js';

/** A three-valued answer: decided, or unknown with the reason. */
export type Tri = { value: true } | { value: false; why: string } | { value: 'unknown'; why: string };

const TRUE: Tri = { value: true };

/** How a statement is named in messages: `Statement[2] (Sid "AllowIrsa")`. */
export function statementLabel(statement: Pick<ParsedStatement, 'index' | 'sid'>): string {
  return statement.sid === undefined
    ? `Statement[${statement.index}]`
    : `Statement[${statement.index}] (Sid "${statement.sid}")`;
}

/**
 * False answers whose reason is written only when someone reads it: a request is judged against
 * every statement and condition, and most reasons are never shown.
 */
class StatementRejection {
  readonly value = false as const;
  private text?: string;
  constructor(
    private readonly statement: ParsedStatement,
    /** The action the statement does not cover, or undefined when its principal does not match. */
    private readonly action?: string,
  ) {}

  get why(): string {
    this.text ??= `${statementLabel(this.statement)}: ${this.action === undefined ? 'the principal does not match' : `${this.action} is not covered`}`;
    return this.text;
  }
}

class ConditionRejection {
  readonly value = false as const;
  private text?: string;
  constructor(
    private readonly condition: ParsedCondition,
    private readonly key: Extract<KeyState, { state: 'present' }>,
  ) {}

  get why(): string {
    if (this.text === undefined) {
      const { condition, key } = this;
      const shown = key.multivalued ? JSON.stringify(key.values) : JSON.stringify(key.values[0]);
      this.text = `${condition.location}: ${shown} does not satisfy ${condition.operator} ${JSON.stringify(condition.values)}`;
    }
    return this.text;
  }
}

/**
 * Evaluates one condition (one key of one operator block) against what the request knows about
 * its key, following IAM's missing-key rules: `IfExists` and negated operators match a missing key,
 * `ForAllValues` matches a missing key, `Null: true` means "absent". Policy variables in the values
 * are resolved with `variables` (under Version 2012-10-17); a variable whose key the request lacks
 * is "effectively null" and equals nothing.
 */
export function evaluateCondition(
  condition: ParsedCondition,
  key: KeyState,
  version: string,
  variables: (key: string) => VariableValue = () => ({ unknown: 'no request context' }),
): Tri {
  const { base, setOperator, location } = condition;
  if (base === 'Null') {
    if (key.state === 'unknown') return { value: 'unknown', why: `${location}: ${key.why}` };
    const wanted = key.state === 'absent' ? 'true' : 'false';
    return condition.values.some((v) => v.toLowerCase() === wanted)
      ? TRUE
      : { value: false, why: `${location}: the key is ${key.state === 'absent' ? 'absent' : 'present'}` };
  }
  if (key.state === 'unknown') return { value: 'unknown', why: `${location}: ${key.why}` };
  if (key.state === 'absent') {
    if (matchesMissingKey(condition)) return TRUE;
    return { value: false, why: `${location}: the key is absent from the request` };
  }
  if (!comparisonOf(condition))
    return { value: 'unknown', why: `${location}: the ${base} operator is not evaluated by this analyzer` };
  if (!setOperator && key.multivalued)
    return {
      value: 'unknown',
      why: `${location}: a multivalued key needs ForAnyValue: or ForAllValues:; IAM's handling without one is not decided here`,
    };
  const values = resolvedValues(condition, version, variables);
  const results = key.values.map((requestValue) => valueSatisfies(condition, values, requestValue));
  const combined = setOperator === 'ForAllValues' ? allOf(results) : anyOf(results);
  if (combined === true) return TRUE;
  if (combined === 'unknown') {
    const unknownValue = values.find((value) => value.kind === 'unknown');
    return {
      value: 'unknown',
      why: `${location}: ${unknownValue?.kind === 'unknown' ? unknownValue.why : 'an ARN pattern is not a six-part ARN'}`,
    };
  }
  return new ConditionRejection(condition, key);
}

function anyOf(results: Array<boolean | 'unknown'>): boolean | 'unknown' {
  if (results.includes(true)) return true;
  return results.includes('unknown') ? 'unknown' : false;
}

function allOf(results: Array<boolean | 'unknown'>): boolean | 'unknown' {
  if (results.includes(false)) return false;
  return results.includes('unknown') ? 'unknown' : true;
}

/** Tri-valued AND: a false wins, otherwise an unknown, otherwise true. */
export function andTri(results: Tri[]): Tri {
  const failed = results.find((r) => r.value === false);
  if (failed) return failed;
  return results.find((r) => r.value === 'unknown') ?? TRUE;
}

const ACCOUNT_ROOT = /^arn:[^:]+:iam::(\d{12}):root$/;
const ROLE_ARN = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** Whether a principal element names the request's principal. */
export function principalMatches(spec: PrincipalSpec, context: Pick<RequestContext, 'principal'>): boolean {
  if (spec.any || spec.aws.includes('*')) return true;
  const principal = context.principal;
  if (principal.type === 'Federated') return spec.federated.includes(principal.arn);
  if (principal.type === 'Service') return spec.service.includes(principal.name);
  return spec.aws.some((entry) => {
    if (/^\d{12}$/.test(entry)) return entry === principal.accountId;
    const root = ACCOUNT_ROOT.exec(entry);
    if (root) return root[1] === principal.accountId;
    if (entry === principal.arn || entry === principal.sessionArn) return true;
    // A role principal matches its sessions; a session ARN carries no role path.
    const role = ROLE_ARN.exec(entry);
    return (
      principal.sessionArn !== undefined &&
      role !== null &&
      role[1] === principal.accountId &&
      role[2] === principal.roleName
    );
  });
}

/** Whether a statement's Action/NotAction covers an action (case-insensitive, with wildcards). */
export function actionMatches(statement: ParsedStatement, action: string): boolean {
  if (statement.actions)
    return statement.actions.some((p) => matchIamPattern(p, action, { ignoreCase: true }));
  return !(statement.notActions ?? []).some((p) => matchIamPattern(p, action, { ignoreCase: true }));
}

/** Whether a trust statement applies to the request for one action. */
function statementApplies(
  statement: ParsedStatement,
  context: RequestContext,
  action: string,
  version: string,
  variables: (key: string) => VariableValue,
): Tri {
  if (statement.principal && !principalMatches(statement.principal, context))
    return new StatementRejection(statement);
  if (!actionMatches(statement, action)) return new StatementRejection(statement, action);
  // andTri over the conditions, stopping at the first false: evaluating a condition has no effects.
  let unknown: Tri | undefined;
  for (const condition of statement.conditions) {
    const result = evaluateCondition(condition, context.lookup(condition.key, action), version, variables);
    if (result.value === false) return result;
    if (result.value === 'unknown') unknown ??= result;
  }
  return unknown ?? TRUE;
}

/** A statement's outcome for one action, used to combine statements with IAM's rules. */
export interface StatementOutcome {
  statement: ParsedStatement;
  applies: Tri;
  /** How messages name the statement; defaults to {@link statementLabel}. */
  label?: string;
}

function labelOf(outcome: StatementOutcome): string {
  return outcome.label ?? statementLabel(outcome.statement);
}

/**
 * Combines statement outcomes for one action: an explicit Deny wins; a Deny that might apply makes
 * an otherwise possible allow unknown; otherwise any applying Allow allows.
 */
export function combine(outcomes: StatementOutcome[], action: string, subject: string): AssumeDecision {
  const tally = emptyTally();
  for (const outcome of outcomes) count(tally, outcome);
  return decide(tally, action, subject);
}

/** What {@link combine} reads of the outcomes, gathered in one pass. */
interface Tally {
  /** The first Deny that applies. */
  deny?: StatementOutcome;
  /** The first Deny that might apply. */
  maybeDeny?: StatementOutcome;
  /** The first Allow, whatever its outcome. */
  closest?: StatementOutcome;
  allows: StatementOutcome[];
  maybeAllows: StatementOutcome[];
}

function emptyTally(): Tally {
  return { allows: [], maybeAllows: [] };
}

function count(tally: Tally, outcome: StatementOutcome): void {
  const { value } = outcome.applies;
  if (outcome.statement.effect === 'Deny') {
    if (value === true) tally.deny ??= outcome;
    else if (value === 'unknown') tally.maybeDeny ??= outcome;
    return;
  }
  if (outcome.statement.effect !== 'Allow') return;
  tally.closest ??= outcome;
  if (value === true) tally.allows.push(outcome);
  else if (value === 'unknown') tally.maybeAllows.push(outcome);
}

function decide(tally: Tally, action: string, subject: string): AssumeDecision {
  const { deny, maybeDeny, closest, allows, maybeAllows } = tally;
  if (deny)
    return {
      allowed: false,
      reason: `${labelOf(deny)} explicitly denies ${action} for ${subject}.`,
      allowingStatements: [],
    };
  if (maybeDeny && (allows.length > 0 || maybeAllows.length > 0))
    return {
      allowed: 'unknown',
      reason: `${labelOf(maybeDeny)} might deny ${action}: ${whyOf(maybeDeny.applies)}.`,
      allowingStatements: [...allows, ...maybeAllows].map((o) => o.statement.index),
    };
  if (allows.length > 0)
    return {
      allowed: true,
      reason: `${allows.map(labelOf).join(', ')} ${allows.length > 1 ? 'allow' : 'allows'} ${action} for ${subject}.`,
      allowingStatements: allows.map((o) => o.statement.index),
    };
  if (maybeAllows.length > 0)
    return {
      allowed: 'unknown',
      reason: `${labelOf(maybeAllows[0])} might allow ${action}: ${whyOf(maybeAllows[0].applies)}.`,
      allowingStatements: maybeAllows.map((o) => o.statement.index),
    };
  return {
    allowed: false,
    reason: closest
      ? `No statement allows ${action} for ${subject} (${whyOf(closest.applies)}).`
      : `No statement allows ${action} for ${subject}.`,
    allowingStatements: [],
  };
}

function whyOf(tri: Tri): string {
  return tri.value === true ? 'it applies' : tri.why;
}

/**
 * Throws, naming the field, for the shapes IAM rejects in a role trust policy: a statement without
 * `Principal`, `NotPrincipal` (IAM documents it as unsupported in role trust policies), and
 * `Resource`/`NotResource` ("Has prohibited field Resource").
 */
export function requireTrustPolicy(policy: ParsedPolicy): void {
  for (const statement of policy.statements) {
    const at = `Statement[${statement.index}]`;
    if (statement.notPrincipal)
      throw new InputError(
        `${at}.NotPrincipal: IAM does not accept NotPrincipal in a role trust policy; name the trusted principals in Principal (and exclude others with a Deny on aws:PrincipalArn)`,
      );
    if (!statement.principal) throw new InputError(`${at}: Principal is required in a trust policy`);
    if (statement.resources || statement.notResources)
      throw new InputError(
        `${at}.${statement.resources ? 'Resource' : 'NotResource'}: IAM does not accept a resource element in a role trust policy (the role itself is the resource)`,
      );
  }
}

const parsedTrustPolicies = new WeakMap<object, ParsedPolicy>();
const trustPolicySources = new WeakMap<object, string>();

/**
 * A trust policy parsed and checked with {@link requireTrustPolicy}, once per document object: an
 * audit asks many questions of each role's trust, and inventory documents do not change during it.
 * The result is shared and must not be modified.
 *
 * @throws InputError naming the field when the policy is malformed or is not a valid trust policy.
 * @example parseTrustPolicy(role.trustPolicy).statements.length
 */
export function parseTrustPolicy(document: unknown): ParsedPolicy {
  if (typeof document !== 'object' || document === null) {
    const policy = parsePolicy(document);
    requireTrustPolicy(policy);
    return policy;
  }
  let policy = parsedTrustPolicies.get(document);
  if (!policy) {
    policy = parsePolicy(document);
    requireTrustPolicy(policy);
    parsedTrustPolicies.set(document, policy);
  }
  return policy;
}

/**
 * Records what {@link parseTrustPolicy} would return for a decoded document, and the text it was
 * decoded from, when a reader has already parsed and checked it (snapshot validation does, for
 * every role): the policy is then decoded and parsed once per run.
 */
export function rememberTrustPolicy(document: object, policy: ParsedPolicy, sourceText: string): void {
  parsedTrustPolicies.set(document, policy);
  trustPolicySources.set(document, sourceText);
}

/** The text a decoded trust policy was read from, when {@link rememberTrustPolicy} recorded it. */
export function trustPolicySource(document: object): string | undefined {
  return trustPolicySources.get(document);
}

/**
 * Decides whether a trust policy lets a concrete request assume the role, with IAM semantics:
 * statements OR-ed, an explicit Deny wins, condition keys AND-ed and values OR-ed, missing keys per
 * IAM's rules. Every action the request needs (`sts:TagSession` too when it passes session tags)
 * must be allowed. Anything the analyzer cannot decide yields `allowed: 'unknown'` with the reason.
 *
 * @throws InputError naming the field when the policy or request is malformed.
 * @example canAssume(policy, { kind: 'irsa', providerArn, subject: 'system:serviceaccount:app:web' })
 */
export function canAssume(document: unknown, request: AssumeRequest): AssumeDecision {
  const policy = parsePolicy(document);
  requireTrustPolicy(policy);
  return canAssumeParsed(policy, request);
}

/**
 * {@link canAssume} for a policy already parsed and checked with `requireTrustPolicy`: callers that
 * ask many requests of one policy parse it once.
 *
 * @throws InputError when the request is malformed.
 */
export function canAssumeParsed(policy: ParsedPolicy, request: AssumeRequest): AssumeDecision {
  const context = requestContext(request);
  const decisions = context.actions.map((action) => {
    const variables = variablesOf(context, action);
    const tally = emptyTally();
    for (const statement of policy.statements) {
      count(tally, {
        statement,
        applies: statementApplies(statement, context, action, policy.version, variables),
      });
      // An applying Deny decides; judging the statements after it has no effect.
      if (tally.deny) break;
    }
    return decide(tally, action, context.description);
  });
  return mergeDecisions(decisions);
}

/** The request's values of policy variables when authorizing `action`. */
function variablesOf(context: RequestContext, action: string): (key: string) => VariableValue {
  // Returned, not assigned: the CLI's TypeScript loader names every assigned closure as it is made.
  return (key) => variableValueOf(context.lookup(key, action));
}

/** Every action must be allowed: the first denial decides, then the first unknown. */
function mergeDecisions(decisions: AssumeDecision[]): AssumeDecision {
  const denied = decisions.find((d) => d.allowed === false);
  if (denied) return denied;
  const unknown = decisions.find((d) => d.allowed === 'unknown');
  if (unknown) return unknown;
  const allowing = [...new Set(decisions.flatMap((d) => d.allowingStatements))].sort((a, b) => a - b);
  return {
    allowed: true,
    reason: decisions.map((d) => d.reason).join(' '),
    allowingStatements: allowing,
  };
}

/**
 * Evaluates identity-based (permission) policies for one action, e.g. whether a node role allows
 * `eks-auth:AssumeRoleForPodIdentity`. Action/NotAction and Resource/NotResource use IAM wildcards
 * (actions case-insensitive); an explicit Deny wins. A condition on a statement that would decide
 * the outcome makes the answer `'unknown'`, since no request context is given. Without `resource`,
 * only `"*"` resources are known to match.
 *
 * @throws InputError naming the document and field when a policy is malformed.
 */
export function identityPolicyAllows(
  documents: unknown[],
  action: string,
  resource?: string,
): AssumeDecision {
  const outcomes: StatementOutcome[] = [];
  documents.forEach((document, documentIndex) => {
    let policy: ParsedPolicy;
    try {
      policy = parsePolicy(document);
    } catch (error) {
      if (error instanceof InputError)
        throw new InputError(`policy ${documentIndex}: ${error.message}`, error.problems, { cause: error });
      throw error;
    }
    for (const statement of policy.statements) {
      const label = `policy ${documentIndex} ${statementLabel(statement)}`;
      outcomes.push({
        statement,
        label,
        applies: identityStatementApplies(statement, action, resource, label),
      });
    }
  });
  return combine(outcomes, action, 'the identity');
}

function identityStatementApplies(
  statement: ParsedStatement,
  action: string,
  resource: string | undefined,
  label: string,
): Tri {
  if (!actionMatches(statement, action)) return { value: false, why: `${label}: ${action} is not covered` };
  const resourceResult = resourceMatches(statement, resource, label);
  if (resourceResult.value !== true) return resourceResult;
  if (statement.conditions.length > 0)
    return {
      value: 'unknown',
      why: `${label} has conditions (${statement.conditions.map((c) => `${c.operator} ${c.key}`).join(', ')}) that need a request context`,
    };
  return TRUE;
}

function resourceMatches(statement: ParsedStatement, resource: string | undefined, label: string): Tri {
  if (!statement.resources && !statement.notResources) return TRUE;
  if (statement.resources) {
    if (statement.resources.includes('*')) return TRUE;
    if (resource === undefined)
      return {
        value: 'unknown',
        why: `${label} is limited to ${statement.resources.join(', ')} and no resource was given`,
      };
    return statement.resources.some((p) => matchIamPattern(p, resource))
      ? TRUE
      : { value: false, why: `${label}: ${resource} is not covered` };
  }
  const excluded = statement.notResources ?? [];
  if (excluded.includes('*')) return { value: false, why: `${label}: NotResource "*" excludes everything` };
  if (resource === undefined)
    return { value: 'unknown', why: `${label} excludes ${excluded.join(', ')} and no resource was given` };
  return excluded.some((p) => matchIamPattern(p, resource))
    ? { value: false, why: `${label}: ${resource} is excluded by NotResource` }
    : TRUE;
}
