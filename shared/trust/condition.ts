import type { KeyState } from './context.js';
import { Language } from './language.js';
import type { ParsedCondition } from './parse.js';
import {
  type Comparison,
  compare,
  comparisonLanguage,
  type ResolvedValue,
  resolveValue,
  type VariableValue,
} from './pattern.js';

/**
 * The meaning of one condition (one key of one operator block), shared by the evaluator of
 * concrete requests and the symbolic analysis, so both answer with one set of IAM rules.
 */

/** Condition operators that state which request values are excluded; they match a missing key. */
export const NEGATED_OPERATORS: ReadonlySet<string> = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'ArnNotEquals',
  'ArnNotLike',
  'NotIpAddress',
  'NumericNotEquals',
  'DateNotEquals',
]);

const COMPARISONS: Readonly<Record<string, Comparison>> = {
  StringEquals: 'equals',
  StringNotEquals: 'equals',
  StringEqualsIgnoreCase: 'equals-ignore-case',
  StringNotEqualsIgnoreCase: 'equals-ignore-case',
  StringLike: 'like',
  StringNotLike: 'like',
  ArnEquals: 'arn',
  ArnLike: 'arn',
  ArnNotEquals: 'arn',
  ArnNotLike: 'arn',
  Bool: 'equals-ignore-case',
};

/** The comparison an operator makes, or undefined for the operators not evaluated (numeric, date, IP, binary). */
export function comparisonOf(condition: ParsedCondition): Comparison | undefined {
  return COMPARISONS[condition.base];
}

/** Whether a condition holds when its key is missing from the request (IAM's missing-key rules). */
export function matchesMissingKey(condition: ParsedCondition): boolean {
  if (condition.base === 'Null') return condition.values.some((v) => v.toLowerCase() === 'true');
  return (
    condition.setOperator === 'ForAllValues' ||
    condition.ifExists ||
    (!condition.setOperator && NEGATED_OPERATORS.has(condition.base))
  );
}

/** What a key's state says about a policy variable naming it. */
export function variableValueOf(key: KeyState): VariableValue {
  if (key.state === 'absent') return { absent: true };
  if (key.state === 'unknown') return { unknown: key.why };
  if (key.multivalued) return { unknown: 'a multivalued key cannot be substituted' };
  return { value: key.values[0] };
}

/**
 * The condition's values with their policy variables resolved. Variables are substituted only in
 * string and ARN comparisons (IAM documents no others); elsewhere `${` makes a value unknown.
 */
export function resolvedValues(
  condition: ParsedCondition,
  version: string,
  lookup: (key: string) => VariableValue,
): ResolvedValue[] {
  // Values without a variable read the same in every request: resolve each text once.
  if (!condition.values.some((raw) => raw.includes('${'))) return condition.values.map(constantValue);
  const substitutes = condition.base !== 'Bool';
  return condition.values.map((raw) => {
    if (!substitutes && version === '2012-10-17' && raw.includes('${'))
      return { kind: 'unknown', why: `${condition.operator} does not take policy variables` };
    return resolveValue(raw, substitutes ? version : '2008-10-17', lookup);
  });
}

const constantValues = new Map<string, ResolvedValue>();

function constantValue(raw: string): ResolvedValue {
  let value = constantValues.get(raw);
  if (!value) {
    value = resolveValue(raw, '2008-10-17', () => ({ absent: true }));
    if (constantValues.size >= 50_000) constantValues.clear();
    constantValues.set(raw, value);
  }
  return value;
}

/** Whether one present request value satisfies the (possibly negated) comparison. */
export function valueSatisfies(
  condition: ParsedCondition,
  values: readonly ResolvedValue[],
  requestValue: string,
): boolean | 'unknown' {
  const comparison = comparisonOf(condition);
  if (!comparison) return 'unknown';
  let positive: boolean | 'unknown' = false;
  for (const value of values) {
    const matched =
      value.kind === 'null'
        ? false
        : value.kind === 'unknown'
          ? 'unknown'
          : compare(comparison, value.pattern, requestValue);
    if (matched === true) {
      positive = true;
      break;
    }
    if (matched === 'unknown') positive = 'unknown';
  }
  if (positive === 'unknown') return 'unknown';
  return NEGATED_OPERATORS.has(condition.base) ? !positive : positive;
}

/**
 * The request values (of a present, single-valued key) that certainly satisfy the condition
 * (`yes`) and certainly do not (`no`); the rest is undecided, for the reason given.
 */
export interface ConditionLanguages {
  yes: Language;
  no: Language;
  unknown?: string;
}

/** The languages of {@link ConditionLanguages} for a condition on a present single-valued key. */
export function conditionLanguages(
  condition: ParsedCondition,
  values: readonly ResolvedValue[],
): ConditionLanguages {
  const comparison = comparisonOf(condition);
  if (!comparison)
    return {
      yes: Language.NONE,
      no: Language.NONE,
      unknown: `${condition.location}: the ${condition.base} operator is not evaluated by this analyzer`,
    };
  let matching = Language.NONE;
  let unknown: string | undefined;
  for (const value of values) {
    if (value.kind === 'null') continue;
    if (value.kind === 'unknown') {
      unknown ??= `${condition.location}: ${value.why}`;
      continue;
    }
    const language = comparisonLanguage(comparison, value.pattern);
    if (language instanceof Language) matching = matching.or(language);
    else unknown ??= `${condition.location}: ${language.unknown}`;
  }
  const negated = NEGATED_OPERATORS.has(condition.base);
  if (!negated)
    return unknown ? { yes: matching, no: Language.NONE, unknown } : { yes: matching, no: matching.not() };
  return unknown ? { yes: Language.NONE, no: matching, unknown } : { yes: matching.not(), no: matching };
}
