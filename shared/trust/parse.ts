import { InputError } from '../errors.js';
import { isRecord } from '../model/identity.js';
import { decodePolicyDocument } from '../model/policy-document.js';

/**
 * The typed form of an IAM policy document. The parser normalizes every shape IAM accepts (single
 * values or lists, `"*"` principals, numbers and booleans as condition values) and names the field
 * of the first problem it finds; the evaluator and the grant extractor read only this form.
 */
export interface ParsedPolicy {
  /** `2012-10-17` (policy variables are substituted) or `2008-10-17` (they are literal). */
  version: string;
  statements: ParsedStatement[];
}

/** A principal element: `"*"` (`any`) or lists per principal type. */
export interface PrincipalSpec {
  any: boolean;
  aws: string[];
  service: string[];
  federated: string[];
  canonicalUser: string[];
}

export interface ParsedStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Exactly one of principal / notPrincipal is set for trust policies; neither for identity policies. */
  principal?: PrincipalSpec;
  notPrincipal?: PrincipalSpec;
  /** Exactly one of actions / notActions is set. */
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  conditions: ParsedCondition[];
}

/** Base operators the evaluator implements. */
export const EVALUATED_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Bool',
  'Null',
] as const;

/** Valid IAM operators that the evaluator does not implement: they make a decision `'unknown'`. */
export const UNEVALUATED_OPERATORS = [
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'IpAddress',
  'NotIpAddress',
  'BinaryEquals',
] as const;

export type EvaluatedOperator = (typeof EVALUATED_OPERATORS)[number];
export type BaseOperator = EvaluatedOperator | (typeof UNEVALUATED_OPERATORS)[number];

/** One key of one operator block: `"ForAnyValue:StringLikeIfExists": { "key": [values] }`. */
export interface ParsedCondition {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  base: BaseOperator;
  setOperator?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
  /** The key as written (keys are compared case-insensitively). */
  key: string;
  /** The key in lower case, for comparisons. */
  keyLower: string;
  values: string[];
  /** Where it was written, for messages: `Statement[0].Condition.StringEquals.<key>`. */
  location: string;
}

const OPERATOR_BY_LOWER = new Map<string, BaseOperator>(
  [...EVALUATED_OPERATORS, ...UNEVALUATED_OPERATORS].map((op) => [op.toLowerCase(), op]),
);

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

/**
 * Parses an IAM policy document (object, JSON string or URL-encoded JSON) into its typed form.
 *
 * @throws InputError naming the field, e.g. `Statement[1].Condition.StringEquals: expected an object`.
 */
export function parsePolicy(document: unknown): ParsedPolicy {
  let decoded: unknown;
  try {
    decoded = decodePolicyDocument(document);
  } catch (error) {
    throw new InputError(`policy document: ${error instanceof Error ? error.message : String(error)}`, [], {
      cause: error,
    });
  }
  if (!isRecord(decoded)) throw new InputError('policy document: expected a JSON object');
  for (const key of Object.keys(decoded)) {
    if (!['Version', 'Id', 'Statement'].includes(key))
      throw new InputError(`${key}: unknown policy element (expected Version, Id, Statement)`);
  }
  const version = decoded.Version ?? '2008-10-17';
  if (version !== '2012-10-17' && version !== '2008-10-17')
    throw new InputError(`Version: expected "2012-10-17" or "2008-10-17", got ${JSON.stringify(version)}`);
  if (decoded.Statement === undefined) throw new InputError('Statement: required');
  const rawStatements = Array.isArray(decoded.Statement) ? decoded.Statement : [decoded.Statement];
  const statements = rawStatements.map((raw, index) => parseStatement(raw, index));
  return { version, statements };
}

function parseStatement(raw: unknown, index: number): ParsedStatement {
  const at = `Statement[${index}]`;
  if (!isRecord(raw)) throw new InputError(`${at}: expected an object`);
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_KEYS.has(key)) throw new InputError(`${at}.${key}: unknown statement element`);
  }
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string')
    throw new InputError(`${at}.Sid: expected a string`);
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny')
    throw new InputError(`${at}.Effect: expected "Allow" or "Deny", got ${JSON.stringify(raw.Effect)}`);
  if (raw.Principal !== undefined && raw.NotPrincipal !== undefined)
    throw new InputError(`${at}: Principal and NotPrincipal cannot both be set`);
  if (raw.Action !== undefined && raw.NotAction !== undefined)
    throw new InputError(`${at}: Action and NotAction cannot both be set`);
  if (raw.Action === undefined && raw.NotAction === undefined)
    throw new InputError(`${at}: Action or NotAction is required`);
  if (raw.Resource !== undefined && raw.NotResource !== undefined)
    throw new InputError(`${at}: Resource and NotResource cannot both be set`);
  const statement: ParsedStatement = {
    index,
    effect: raw.Effect,
    conditions: raw.Condition === undefined ? [] : parseConditionBlock(raw.Condition, `${at}.Condition`),
  };
  if (typeof raw.Sid === 'string' && raw.Sid !== '') statement.sid = raw.Sid;
  if (raw.Principal !== undefined) statement.principal = parsePrincipal(raw.Principal, `${at}.Principal`);
  if (raw.NotPrincipal !== undefined)
    statement.notPrincipal = parsePrincipal(raw.NotPrincipal, `${at}.NotPrincipal`);
  if (raw.Action !== undefined) statement.actions = stringList(raw.Action, `${at}.Action`);
  if (raw.NotAction !== undefined) statement.notActions = stringList(raw.NotAction, `${at}.NotAction`);
  if (raw.Resource !== undefined) statement.resources = stringList(raw.Resource, `${at}.Resource`);
  if (raw.NotResource !== undefined)
    statement.notResources = stringList(raw.NotResource, `${at}.NotResource`);
  return statement;
}

function parsePrincipal(raw: unknown, at: string): PrincipalSpec {
  const spec: PrincipalSpec = { any: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (raw === '*') return { ...spec, any: true };
  if (!isRecord(raw)) throw new InputError(`${at}: expected "*" or an object with AWS, Service or Federated`);
  const fields = Object.keys(raw);
  if (fields.length === 0) throw new InputError(`${at}: expected at least one principal type`);
  for (const type of fields) {
    const values = stringList(raw[type], `${at}.${type}`);
    if (type === 'AWS') spec.aws.push(...values);
    else if (type === 'Service') spec.service.push(...values);
    else if (type === 'Federated') spec.federated.push(...values);
    else if (type === 'CanonicalUser') spec.canonicalUser.push(...values);
    else throw new InputError(`${at}.${type}: unknown principal type (expected AWS, Service, Federated)`);
  }
  return spec;
}

function parseConditionBlock(raw: unknown, at: string): ParsedCondition[] {
  if (!isRecord(raw)) throw new InputError(`${at}: expected an object`);
  const conditions: ParsedCondition[] = [];
  for (const [operator, block] of Object.entries(raw)) {
    const opAt = `${at}.${operator}`;
    const { base, setOperator, ifExists } = parseOperator(operator, opAt);
    if (!isRecord(block)) throw new InputError(`${opAt}: expected an object`);
    for (const [key, rawValues] of Object.entries(block)) {
      const keyAt = `${opAt}.${key}`;
      if (key === '') throw new InputError(`${opAt}: empty condition key`);
      const values = conditionValues(rawValues, keyAt);
      const condition: ParsedCondition = {
        operator,
        base,
        ifExists,
        key,
        keyLower: key.toLowerCase(),
        values,
        location: keyAt,
      };
      if (setOperator) condition.setOperator = setOperator;
      conditions.push(condition);
    }
  }
  return conditions;
}

function parseOperator(
  operator: string,
  at: string,
): { base: BaseOperator; setOperator?: 'ForAnyValue' | 'ForAllValues'; ifExists: boolean } {
  let rest = operator;
  let setOperator: 'ForAnyValue' | 'ForAllValues' | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === 'foranyvalue') setOperator = 'ForAnyValue';
    else if (prefix === 'forallvalues') setOperator = 'ForAllValues';
    else throw new InputError(`${at}: unknown set operator (expected ForAnyValue: or ForAllValues:)`);
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith('ifexists')) {
    ifExists = true;
    rest = rest.slice(0, -'ifexists'.length);
  }
  const base = OPERATOR_BY_LOWER.get(rest.toLowerCase());
  if (!base) throw new InputError(`${at}: unknown condition operator`);
  if (base === 'Null' && (ifExists || setOperator))
    throw new InputError(`${at}: Null takes neither IfExists nor a set operator`);
  return setOperator ? { base, setOperator, ifExists } : { base, ifExists };
}

function conditionValues(raw: unknown, at: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (Array.isArray(raw) && raw.length === 0) throw new InputError(`${at}: expected at least one value`);
  return list.map((value, i) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'boolean' || typeof value === 'number') return String(value);
    const where = Array.isArray(raw) ? `${at}[${i}]` : at;
    throw new InputError(`${where}: expected a string, number or boolean`);
  });
}

function stringList(raw: unknown, at: string): string[] {
  if (typeof raw === 'string') return [raw];
  if (!Array.isArray(raw)) throw new InputError(`${at}: expected a string or a list of strings`);
  if (raw.length === 0) throw new InputError(`${at}: expected at least one value`);
  return raw.map((value, i) => {
    if (typeof value !== 'string') throw new InputError(`${at}[${i}]: expected a string`);
    return value;
  });
}
