import { TooComplexError } from './automaton.js';
import { conditionLanguages, matchesMissingKey, resolvedValues, variableValueOf } from './condition.js';
import { evaluateCondition, principalMatches } from './evaluate.js';
import { coversAction } from './grants.js';
import type { Language } from './language.js';
import type { ParsedCondition, ParsedPolicy, ParsedStatement } from './parse.js';
import type { ResolvedValue, VariableValue } from './pattern.js';
import { type Box, intersectBoxes, type Region } from './region.js';
import type { RequestSpace, SpaceCase } from './space.js';
import type { UnsatisfiableReason } from './types.js';

/**
 * The policy read as sets of requests, in one case of a request space: for every statement and
 * action, the box of requests its conditions certainly admit (`cert`) and the box they might admit
 * (`poss`; wider when a condition is undecided). Everything the hygiene questions ask is a region
 * built from these boxes with the evaluator's rules: an action is allowed when an Allow applies and
 * no Deny does; a request needs every action of its case; a condition means exactly what
 * `evaluateCondition` decides for a concrete request.
 */

/** `cert`: requests certainly in; `poss`: requests possibly in. */
export type Mode = 'cert' | 'poss';

/** One statement's boxes for one action. */
export interface StatementBoxes {
  /** Requests that certainly satisfy every condition; undefined when none does. */
  cert?: Box;
  /** Requests that might satisfy them; undefined when none can. Equal to `cert` when nothing is undecided. */
  poss?: Box;
  /** Why `cert` is narrower than `poss`. */
  uncertain?: string;
  /** What makes `poss` empty: a condition that never holds, or a variable no value satisfies. */
  impossible?: { condition: ParsedCondition; state: 'absent' | 'present' | 'other' } | { variable: number };
}

/**
 * One case of a request space, with every statement compiled once into boxes per action and the
 * Allow and Deny boxes of each action collected.
 */
export class CaseModel {
  private readonly boxes: Array<Map<string, StatementBoxes>>;
  private readonly effects = new Map<string, Box[]>();
  private readonly lookups = new Map<string, (key: string) => VariableValue>();
  /** Resolved condition values, kept when the case has one action (so they never depend on it). */
  private readonly resolved = new Map<ParsedCondition, ResolvedValue[]>();
  /** True when no condition is undecided, so certain and possible answers coincide. */
  readonly exact: boolean;

  constructor(
    readonly space: RequestSpace,
    readonly spaceCase: SpaceCase,
    readonly policy: ParsedPolicy,
  ) {
    let exact = true;
    this.boxes = policy.statements.map((statement) => {
      const perAction = new Map<string, StatementBoxes>();
      for (const action of spaceCase.actions) {
        const boxes = this.build(statement, action);
        if (!boxes) continue;
        if (boxes.uncertain) exact = false;
        perAction.set(action, boxes);
      }
      return perAction;
    });
    this.exact = exact;
  }

  get variables() {
    return this.space.variables;
  }

  /** The statement's boxes for an action, or undefined when it does not apply (principal, action). */
  boxesOf(statement: ParsedStatement, action: string): StatementBoxes | undefined {
    return this.boxes[statement.index]?.get(action);
  }

  /** Whether the statement names this case's principal and covers the action. */
  applies(statement: ParsedStatement, action: string): boolean {
    return this.boxesOf(statement, action) !== undefined;
  }

  /** The Allow boxes of an action. */
  allows(action: string, mode: Mode): Box[] {
    return this.effectBoxes('Allow', action, mode);
  }

  /**
   * The Deny boxes that take requests away: for certain admission every Deny that might apply, for
   * possible admission only the Denies that certainly apply.
   */
  denies(action: string, mode: Mode): Box[] {
    return this.effectBoxes('Deny', action, mode === 'cert' ? 'poss' : 'cert');
  }

  private effectBoxes(effect: 'Allow' | 'Deny', action: string, mode: Mode): Box[] {
    const key = `${effect} ${action} ${mode}`;
    let result = this.effects.get(key);
    if (!result) {
      result = [];
      for (const statement of this.policy.statements) {
        if (statement.effect !== effect) continue;
        const box = this.boxesOf(statement, action)?.[mode];
        if (box) result.push(box);
      }
      this.effects.set(key, result);
    }
    return result;
  }

  /**
   * The requests of this case the policy allows with `statement` among the statements allowing one
   * of its actions: the statement's box for that action, the other actions allowed by any
   * statement, and no Deny for any action.
   *
   * @throws TooComplexError when a language is too large to decide.
   */
  contribution(statement: ParsedStatement, mode: Mode): Region {
    const include: Box[] = [];
    const { actions } = this.spaceCase;
    for (const action of actions) {
      const own = this.boxesOf(statement, action)?.[mode];
      if (!own) continue;
      const others = actions.filter((other) => other !== action);
      for (const box of this.alsoAllowed([own], others, mode)) if (!include.includes(box)) include.push(box);
    }
    return this.minusDenies(include, mode);
  }

  /** The requests of this case the whole policy allows: every action allowed, none denied. */
  allowed(mode: Mode): Region {
    const [first, ...others] = this.spaceCase.actions;
    return this.minusDenies(this.alsoAllowed(this.allows(first, mode), others, mode), mode);
  }

  /** The parts of `boxes` for which some Allow statement also allows each of `actions`. */
  private alsoAllowed(boxes: Box[], actions: readonly string[], mode: Mode): Box[] {
    let result = boxes;
    for (const action of actions) {
      const next: Box[] = [];
      for (const box of result)
        for (const allow of this.allows(action, mode)) {
          const both = intersectBoxes(box, allow);
          if (both) next.push(both);
        }
      result = next;
    }
    return result;
  }

  /** The region of `include` without what a Deny for any action of the case takes away. */
  private minusDenies(include: Box[], mode: Mode): Region {
    if (include.length === 0) return { include, exclude: [] };
    return { include, exclude: this.spaceCase.actions.flatMap((action) => this.denies(action, mode)) };
  }

  /** A condition's values with their policy variables resolved as in every request of this case. */
  valuesOf(condition: ParsedCondition, action: string): ResolvedValue[] {
    const key = this.spaceCase.actions.length === 1 ? condition : undefined;
    const cached = key && this.resolved.get(key);
    if (cached) return cached;
    const values = resolvedValues(condition, this.policy.version, this.variablesOf(action));
    if (key) this.resolved.set(key, values);
    return values;
  }

  /** How policy variables read in this case, for one action (one function per action). */
  private variablesOf(action: string): (key: string) => VariableValue {
    let lookup = this.lookups.get(action);
    if (!lookup) {
      lookup = this.variableReader(action);
      this.lookups.set(action, lookup);
    }
    return lookup;
  }

  private variableReader(action: string): (key: string) => VariableValue {
    // Returned, not assigned: the CLI's TypeScript loader names every assigned closure as it is made.
    return (key) => this.variableOf(key, action);
  }

  /** Why this case's answers about a statement may be undecided: its own or another statement's open condition. */
  uncertainty(statement: ParsedStatement): string | undefined {
    const all = [statement, ...this.policy.statements.filter((other) => other !== statement)];
    for (const candidate of all)
      for (const action of this.spaceCase.actions) {
        const reason = this.boxesOf(candidate, action)?.uncertain;
        if (reason) return reason;
      }
    return undefined;
  }

  /** Why a statement's conditions admit no request for an action, or undefined when they may. */
  impossibleReason(statement: ParsedStatement, action: string): UnsatisfiableReason | undefined {
    const impossible = this.boxesOf(statement, action)?.impossible;
    if (!impossible) return undefined;
    if ('variable' in impossible) return this.emptyVariableReason(statement, action, impossible.variable);
    return constantReason(impossible.condition, impossible.state, this.spaceCase);
  }

  private variableOf(key: string, action: string): VariableValue {
    const state = this.spaceCase.key(key, action);
    if (typeof state === 'number')
      return {
        unknown: `it takes the value of ${this.variables[state].label}, which varies between requests`,
      };
    return variableValueOf(state);
  }

  private build(statement: ParsedStatement, action: string): StatementBoxes | undefined {
    const { spaceCase } = this;
    if (
      !statement.principal ||
      !principalMatches(statement.principal, spaceCase) ||
      !coversAction(statement, action)
    )
      return undefined;
    const { variables, policy } = this;
    let cert: Array<Language | undefined> | undefined;
    let poss: Array<Language | undefined> | undefined;
    let certDead = false;
    let uncertain: string | undefined;
    for (const condition of statement.conditions) {
      const state = spaceCase.key(condition.key, action);
      if (typeof state === 'number') {
        if (condition.base === 'Null') {
          if (!condition.values.some((value) => value.toLowerCase() === 'false'))
            return { impossible: { condition, state: 'present' } };
          continue;
        }
        const languages = conditionLanguages(condition, this.valuesOf(condition, action));
        const domain = variables[state].domain;
        cert ??= new Array(variables.length).fill(undefined);
        const before = cert[state];
        const narrowedCert = (before ?? domain).and(languages.yes);
        cert[state] = narrowedCert === domain ? undefined : narrowedCert;
        if (languages.unknown || poss) {
          uncertain ??= languages.unknown;
          if (!poss) {
            poss = [...cert];
            poss[state] = before;
          }
          const narrowedPoss = (poss[state] ?? domain).and(languages.no.not());
          poss[state] = narrowedPoss === domain ? undefined : narrowedPoss;
        }
        continue;
      }
      const decided = evaluateCondition(condition, state, policy.version, this.variablesOf(action));
      if (decided.value === false)
        return {
          impossible: { condition, state: state.state === 'unknown' ? 'other' : state.state },
          ...(uncertain ? { uncertain } : {}),
        };
      if (decided.value === 'unknown') {
        certDead = true;
        uncertain ??= decided.why;
      }
    }
    const certBox: Box = cert ?? NO_CONSTRAINT[variables.length] ?? unconstrained(variables.length);
    const possBox: Box = poss ?? certBox;
    const result: StatementBoxes = {};
    if (uncertain) result.uncertain = uncertain;
    const empty = possBox.findIndex((part) => emptyOrUndecided(part) === true);
    if (empty >= 0) {
      result.impossible = { variable: empty };
      return result;
    }
    result.poss = possBox;
    if (!certDead && (certBox === possBox || !certBox.some((part) => emptyOrUndecided(part) === true)))
      result.cert = certBox;
    return result;
  }

  /** Why no value of variable `v` satisfies the statement's conditions on it. */
  private emptyVariableReason(statement: ParsedStatement, action: string, v: number): UnsatisfiableReason {
    const variable = this.variables[v];
    const conditions = statement.conditions.filter((c) => this.spaceCase.key(c.key, action) === v);
    const written = conditions.map(describeCondition);
    const hints: string[] = [];
    for (const condition of conditions) {
      const literalWildcard = condition.values.find((value) => /[*?]/.test(value));
      if (literalWildcard && /^String(Not)?Equals/.test(condition.base))
        hints.push(
          `${condition.operator} compares ${JSON.stringify(literalWildcard)} literally, and no value of ${variable.label} contains * or ?; StringLike was probably meant`,
        );
      const subject = condition.values.find((value) => value.startsWith('system:serviceaccount:'));
      if (subject && condition.key.toLowerCase().endsWith(':aud'))
        hints.push(
          `the subject ${JSON.stringify(subject)} is written under the ${condition.key} key; it belongs under :sub`,
        );
    }
    const what =
      conditions.length > 1
        ? `the conditions on ${variable.label} (${written.join(' and ')}) exclude each other`
        : `no value of ${variable.label} satisfies ${written.join(' and ')}`;
    return {
      key: conditions[0]?.key ?? variable.label,
      conditions: written,
      why: `${what} among ${variable.domainLabel}${hints.length > 0 ? `: ${hints.join('; ')}` : ''}`,
    };
  }
}

/** Boxes without constraints, one per arity, shared so "no condition" is the same box everywhere. */
const NO_CONSTRAINT: Box[] = [];

function unconstrained(arity: number): Box {
  NO_CONSTRAINT[arity] = new Array(arity).fill(undefined);
  return NO_CONSTRAINT[arity];
}

function emptyOrUndecided(part: Language | undefined): boolean | 'unknown' {
  if (!part) return false;
  try {
    return part.isEmpty();
  } catch (error) {
    if (error instanceof TooComplexError) return 'unknown';
    throw error;
  }
}

/** `StringEquals ["a","b"]`: how a reason shows a condition. */
function describeCondition(condition: ParsedCondition): string {
  return `${condition.operator} ${JSON.stringify(condition.values)}`;
}

function constantReason(
  condition: ParsedCondition,
  state: 'absent' | 'present' | 'other',
  spaceCase: SpaceCase,
): UnsatisfiableReason {
  const base = { key: condition.key, conditions: [describeCondition(condition)] };
  if (state === 'absent' && !matchesMissingKey(condition))
    return {
      ...base,
      why: `${condition.location} tests ${condition.key}, which ${spaceCase.label} never carries`,
    };
  if (state === 'present' && condition.base === 'Null')
    return {
      ...base,
      why: `${condition.location} requires ${condition.key} to be absent, but ${spaceCase.label} always carries it`,
    };
  return { ...base, why: `${condition.location} never holds for ${spaceCase.label}` };
}
