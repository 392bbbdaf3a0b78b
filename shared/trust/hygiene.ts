import { CaseModel, type Mode } from './analysis.js';
import { TooComplexError } from './automaton.js';
import { comparisonOf, NEGATED_OPERATORS } from './condition.js';
import { actionMatches, statementLabel } from './evaluate.js';
import {
  allowedActions,
  allowedValues,
  awsGrant,
  podIdentityConstraints,
  serviceGrant,
  withSid,
} from './grants.js';
import { Language } from './language.js';
import type { ParsedCondition, ParsedPolicy, ParsedStatement } from './parse.js';
import { type Comparison, comparisonLanguage, hasWildcard, type Pattern } from './pattern.js';
import { POD_IDENTITY_SERVICE, type ProviderArnParts, parseProviderArn } from './providers.js';
import {
  atomRepresentatives,
  type Box,
  constrainRegion,
  existsForAll,
  findCell,
  fixVariable,
  pickPoint,
  type Region,
  type Variable,
} from './region.js';
import {
  clusterArnsOfAccount,
  IRSA_AUDIENCE,
  IRSA_SUBJECT,
  irsaSpace,
  PARTITIONS,
  PI_CLUSTER_ARN,
  PI_CLUSTER_NAME,
  PI_NAMESPACE,
  PI_POD_NAME,
  PI_POD_UID,
  PI_SERVICE_ACCOUNT,
  PI_SOURCE_ACCOUNT,
  podIdentitySpace,
  STS_AUDIENCE,
} from './space.js';
import type {
  AssumeRequest,
  Grant,
  HygieneFact,
  IrsaGrant,
  PodIdentityGrant,
  TrustAnalysis,
  TrustFinding,
  UndecidedQuestion,
  UnsatisfiableReason,
} from './types.js';

/**
 * The trust-hygiene questions, each asked of the whole policy through the case models of
 * `analysis.ts` (so Denies, each action on its own, session tags present and absent, IfExists,
 * Null, set operators, IgnoreCase and policy variables all count as the evaluator counts them):
 *
 * - `unsatisfiable`: does the statement take part in allowing no request at all?
 * - `any-subject`: is there an audience with which every service account of the cluster is allowed
 *   through the statement?
 * - `unnamed-subjects`: does it allow a service account the policy does not name (and do such
 *   service accounts span namespaces)?
 * - `any-audience`: does it allow an audience other than `sts.amazonaws.com`?
 * - `any-association`: is there an account every association of which (any cluster, namespace and
 *   service account), with session tags or without, is allowed through the statement?
 *
 * Admission answers come with a witness request the evaluator allows; a question that only an
 * undecided condition could settle is reported as undecided, never as a finding.
 */

/** What the analysis may know besides the policy. */
export interface AnalysisOptions {
  /** The role's account: witnesses of "every association of an account" use it when they can. */
  accountId?: string;
}

/** The whole analysis of a parsed trust policy (checked by `requireTrustPolicy` first). */
export function analyzeParsedTrust(policy: ParsedPolicy, options: AnalysisOptions = {}): TrustAnalysis {
  const grants: Grant[] = [];
  const findings: TrustFinding[] = [];
  const undecided: UndecidedQuestion[] = [];
  const providers = new Map<string, IrsaProvider | undefined>();
  let podIdentity: PodIdentityQuestions | undefined;
  for (const statement of policy.statements) {
    if (statement.effect !== 'Allow' || !statement.principal) continue;
    const principal = statement.principal;
    if (principal.any || principal.aws.includes('*')) {
      grants.push(awsGrant(statement, ['*'], policy));
      continue;
    }
    for (const providerArn of principal.federated) {
      if (!providerArn.includes(':oidc-provider/')) continue;
      if (!providers.has(providerArn)) providers.set(providerArn, irsaProvider(policy, providerArn));
      grants.push(irsaStatement(providers.get(providerArn), providerArn, statement, findings, undecided));
    }
    if (principal.service.includes(POD_IDENTITY_SERVICE)) {
      podIdentity ??= podIdentityQuestions(policy, options.accountId);
      grants.push(podIdentityStatement(podIdentity, statement, findings, undecided));
    }
    const otherServices = principal.service.filter((service) => service !== POD_IDENTITY_SERVICE);
    if (otherServices.length > 0) grants.push(serviceGrant(statement, otherServices));
    if (principal.aws.length > 0) grants.push(awsGrant(statement, principal.aws, policy));
  }
  return { grants, findings, undecided };
}

/** Runs a question, turning "too complex to decide" into an undecided answer. */
function attempt<T>(question: () => T): T | TooComplex {
  try {
    return question();
  } catch (error) {
    if (error instanceof TooComplexError) return { tooComplex: error.message };
    throw error;
  }
}

interface TooComplex {
  tooComplex: string;
}

function isTooComplex(value: unknown): value is TooComplex {
  return typeof value === 'object' && value !== null && 'tooComplex' in value;
}

/**
 * Asks a question of a statement's certain admissions; when the answer is no but an undecided
 * condition could make it yes, records the question as undecided instead.
 */
function ask<T>(
  model: CaseModel,
  statement: ParsedStatement,
  regions: { cert: Region; poss: Region },
  question: (region: Region) => T | undefined,
  onUndecided: (reason: string) => void,
): T | undefined {
  const answer = attempt(() => question(regions.cert));
  if (isTooComplex(answer)) {
    onUndecided(answer.tooComplex);
    return undefined;
  }
  if (answer !== undefined || regions.poss === regions.cert) return answer;
  const possible = attempt(() => question(regions.poss));
  if (isTooComplex(possible)) onUndecided(possible.tooComplex);
  else if (possible !== undefined)
    onUndecided(model.uncertainty(statement) ?? 'a condition cannot be decided');
  return undefined;
}

/** A statement's certain and possible contributions (the same region when nothing is undecided). */
function contributions(model: CaseModel, statement: ParsedStatement): { cert: Region; poss: Region } {
  const cert = model.contribution(statement, 'cert');
  return { cert, poss: model.exact ? cert : model.contribution(statement, 'poss') };
}

// ---------------------------------------------------------------------------------------------
// IRSA

interface IrsaProvider {
  model: CaseModel;
  hostPath: string;
  isEksIssuer: boolean;
  /** Every subject the policy spells out on this issuer's `:sub` key (wildcard-free values). */
  named: Language;
  /** The wildcard-free `:sub` values of the Deny statements. */
  deniedLiterals: string[];
  /** The issuer's `:sub` condition key, in lower case. */
  subKey: string;
  parsed: ProviderArnParts;
}

const WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity';

function irsaProvider(policy: ParsedPolicy, providerArn: string): IrsaProvider | undefined {
  const space = irsaSpace(providerArn);
  const parsed = parseProviderArn(providerArn);
  if (!space || !parsed) return undefined;
  const model = new CaseModel(space, space.cases[0], policy);
  const provider: IrsaProvider = {
    model,
    hostPath: parsed.hostPath,
    isEksIssuer: parsed.isEksIssuer,
    named: Language.NONE,
    deniedLiterals: [],
    subKey: `${parsed.hostPath.toLowerCase()}:sub`,
    parsed,
  };
  const literals: string[] = [];
  let named = Language.NONE;
  for (const statement of policy.statements)
    for (const { condition, pattern } of subjectValues(provider, statement)) {
      if (hasWildcard(pattern)) continue;
      const comparison = comparisonOf(condition) as Comparison;
      if (comparison === 'equals' || comparison === 'like') literals.push(pattern.text);
      else {
        const language = comparisonLanguage(comparison, pattern);
        if (language instanceof Language) named = named.or(language);
      }
    }
  provider.named = named.or(Language.of(literals));
  provider.deniedLiterals = policy.statements
    .filter((statement) => statement.effect === 'Deny')
    .flatMap((statement) => ownLiterals(provider, statement));
  return provider;
}

/** The resolved values of a statement's comparisons on the provider's `:sub` key. */
function subjectValues(
  provider: IrsaProvider,
  statement: ParsedStatement,
): Array<{ condition: ParsedCondition; pattern: Pattern }> {
  const values: Array<{ condition: ParsedCondition; pattern: Pattern }> = [];
  for (const condition of statement.conditions) {
    if (condition.keyLower !== provider.subKey || !comparisonOf(condition)) continue;
    for (const value of provider.model.valuesOf(condition, WEB_IDENTITY))
      if (value.kind === 'pattern') values.push({ condition, pattern: value.pattern });
  }
  return values;
}

/** The wildcard-free `:sub` values written in a statement and in the Deny statements, as subjects. */
function literalSubjects(provider: IrsaProvider, statement: ParsedStatement): string[] {
  return [...new Set([...ownLiterals(provider, statement), ...provider.deniedLiterals])];
}

/** The wildcard-free `:sub` values of one statement (lower-cased too under IgnoreCase). */
function ownLiterals(provider: IrsaProvider, statement: ParsedStatement): string[] {
  const literals: string[] = [];
  for (const { condition, pattern } of subjectValues(provider, statement)) {
    if (hasWildcard(pattern)) continue;
    literals.push(pattern.text);
    if (condition.base.includes('IgnoreCase')) literals.push(pattern.text.toLowerCase());
  }
  return literals;
}

function irsaStatement(
  provider: IrsaProvider | undefined,
  providerArn: string,
  statement: ParsedStatement,
  findings: TrustFinding[],
  undecidedQuestions: UndecidedQuestion[],
): IrsaGrant {
  const parsed = provider?.parsed ?? parseProviderArn(providerArn);
  const hostPath =
    parsed?.hostPath ?? providerArn.slice(providerArn.indexOf(':oidc-provider/') + ':oidc-provider/'.length);
  const grant: IrsaGrant = {
    kind: 'irsa',
    statementIndex: statement.index,
    providerArn,
    issuerHostPath: hostPath,
    isEksIssuer: parsed?.isEksIssuer ?? false,
    subjects: null,
    subjectMatch: null,
    audienceChecked: false,
    audiences: allowedValues(statement, `${hostPath}:aud`) ?? [],
    actions: allowedActions(statement),
  };
  if (parsed?.region) grant.region = parsed.region;
  withSid(grant, statement);
  if (!provider) return grant;
  const { model } = provider;
  let regions: { cert: Region; poss: Region };
  let satisfiable: boolean;
  try {
    regions = contributions(model, statement);
    satisfiable = findCell(regions.poss, model.variables) !== undefined;
  } catch (error) {
    if (!(error instanceof TooComplexError)) throw error;
    if (grant.isEksIssuer)
      undecidedQuestions.push({
        fact: 'unsatisfiable',
        statementIndex: statement.index,
        providerArn,
        reason: error.message,
      });
    return grant;
  }
  if (!satisfiable) {
    const reasons = unsatisfiableReasons([model], statement, 'poss');
    grant.unsatisfiable = reasonText(reasons);
    grant.audienceChecked = true;
    writtenSubjects(provider, statement, grant);
    if (grant.isEksIssuer)
      findings.push({
        fact: 'unsatisfiable',
        ...factBase(statement, providerArn, hostPath),
        unsatisfiable: grant.unsatisfiable,
        reasons,
      });
    return grant;
  }
  const ownSubjects = literalSubjects(provider, statement);
  describeSubjects(provider, statement, regions.poss, grant, ownSubjects);
  // Boxes that list their audiences and subjects decide the usual policies without a search.
  const onlyStsAudience = listsOnly(regions.poss, IRSA_AUDIENCE, undefined);
  grant.audienceChecked =
    onlyStsAudience ||
    attempt(() =>
      findCell(
        constrainRegion(regions.poss, IRSA_AUDIENCE, OTHER_AUDIENCE, model.variables),
        model.variables,
      ),
    ) === undefined;
  if (!grant.isEksIssuer) return grant;
  if (onlyStsAudience && listsOnly(regions.poss, IRSA_SUBJECT, provider.named)) return grant;
  irsaAdmissions(provider, statement, regions, ownSubjects, onlyStsAudience, findings, undecidedQuestions);
  return grant;
}

/** The fields every fact about a statement carries. */
function factBase(statement: ParsedStatement, providerArn?: string, issuerHostPath?: string) {
  return {
    statementIndex: statement.index,
    ...(statement.sid !== undefined ? { sid: statement.sid } : {}),
    ...(providerArn !== undefined ? { providerArn } : {}),
    ...(issuerHostPath !== undefined ? { issuerHostPath } : {}),
  };
}

/** The admission questions of a satisfiable IRSA statement of an EKS issuer. */
function irsaAdmissions(
  provider: IrsaProvider,
  statement: ParsedStatement,
  regions: { cert: Region; poss: Region },
  ownSubjects: readonly string[],
  onlyStsAudience: boolean,
  findings: TrustFinding[],
  undecidedQuestions: UndecidedQuestion[],
): void {
  const { model } = provider;
  const variables = model.variables;
  const providerArn = (model.spaceCase.principal as { arn: string }).arn;
  const base = factBase(statement, providerArn, provider.hostPath);
  const undecided = (fact: HygieneFact) => (reason: string) =>
    undecidedQuestions.push({ fact, statementIndex: statement.index, providerArn, reason });
  const prefer = (v: number) => (v === IRSA_SUBJECT ? ownSubjects : []);
  const everySubject = ask(
    model,
    statement,
    regions,
    (region) => existsForAll(region, variables, [IRSA_AUDIENCE], [IRSA_SUBJECT]),
    undecided('any-subject'),
  );
  if (everySubject) {
    const audience = everySubject.get(IRSA_AUDIENCE) as string;
    const examples = variables[IRSA_SUBJECT].examples;
    const subject = examples.find((example) => !provider.named.has(example)) ?? examples[0];
    findings.push({
      fact: 'any-subject',
      ...base,
      witness: model.spaceCase.request([subject, audience]),
      universal: `every service account of the cluster, with audience ${JSON.stringify(audience)}`,
    });
  } else {
    const unnamed = ask(
      model,
      statement,
      regions,
      (region) => {
        const outside = constrainRegion(region, IRSA_SUBJECT, provider.named.not(), variables);
        const cell = findCell(outside, variables);
        if (!cell) return undefined;
        const point = pickPoint(cell, variables, prefer);
        const namespace = namespaceOf(point[IRSA_SUBJECT]);
        const elsewhere =
          namespace === undefined
            ? undefined
            : findCell(
                constrainRegion(outside, IRSA_SUBJECT, inNamespace(namespace).not(), variables),
                variables,
              );
        return { point, elsewhere: elsewhere ? pickPoint(elsewhere, variables, prefer) : undefined };
      },
      undecided('unnamed-subjects'),
    );
    if (unnamed)
      findings.push({
        fact: 'unnamed-subjects',
        ...base,
        witness: model.spaceCase.request(unnamed.point),
        crossesNamespaces: unnamed.elsewhere !== undefined,
        ...(unnamed.elsewhere ? { otherWitness: model.spaceCase.request(unnamed.elsewhere) } : {}),
      });
  }
  if (onlyStsAudience) return;
  const anyAudience = ask(
    model,
    statement,
    regions,
    (region) => {
      const cell = findCell(constrainRegion(region, IRSA_AUDIENCE, OTHER_AUDIENCE, variables), variables);
      return cell ? pickPoint(cell, variables, prefer) : undefined;
    },
    undecided('any-audience'),
  );
  if (anyAudience)
    findings.push({
      fact: 'any-audience',
      ...base,
      witness: model.spaceCase.request(anyAudience),
    });
}

/**
 * True when nothing is taken away from the region and every box of it lists the values of variable
 * `v` (a finite set), each in `allowed` (or, without it, each `sts.amazonaws.com`): then no request
 * of the region has another value.
 */
function listsOnly(region: Region, v: number, allowed: Language | undefined): boolean {
  if (region.exclude.length > 0) return false;
  for (const box of region.include) {
    const part = box[v];
    if (!part?.isFiniteSet) return false;
    for (const value of part.values) if (allowed ? !allowed.has(value) : value !== STS_AUDIENCE) return false;
  }
  return true;
}

/** Audiences other than `sts.amazonaws.com`. */
const OTHER_AUDIENCE = Language.of([STS_AUDIENCE]).not();

const SUBJECT_PREFIX = 'system:serviceaccount:';

function namespaceOf(subject: string): string | undefined {
  if (!subject.startsWith(SUBJECT_PREFIX)) return undefined;
  const rest = subject.slice(SUBJECT_PREFIX.length);
  const colon = rest.indexOf(':');
  return colon < 0 ? undefined : rest.slice(0, colon);
}

/** Subjects of one namespace: `system:serviceaccount:NAMESPACE:*` (names never contain `:`). */
function inNamespace(namespace: string): Language {
  const text = `${SUBJECT_PREFIX}${namespace}:*`;
  return comparisonLanguage('like', {
    text,
    wild: Array.from({ length: text.length }, (_, i) => i === text.length - 1),
  }) as Language;
}

/**
 * Fills the grant's `subjects`/`subjectMatch` from what the statement may admit: null when every
 * subject; `equals` with the subjects when it admits only subjects the statement or a Deny spells
 * out; else `like` with the statement's patterns (a description, which may say more than it admits).
 */
function describeSubjects(
  provider: IrsaProvider,
  statement: ParsedStatement,
  poss: Region,
  grant: IrsaGrant,
  literals: readonly string[],
): void {
  const { model } = provider;
  const variables = model.variables;
  const described = attempt((): Pick<IrsaGrant, 'subjects' | 'subjectMatch'> => {
    // The common shape: every admitting box lists its subjects and nothing is denied.
    if (poss.exclude.length === 0 && poss.include.every((box) => box[IRSA_SUBJECT]?.isFiniteSet)) {
      const subjects = new Set<string>();
      for (const box of poss.include)
        for (const subject of (box[IRSA_SUBJECT] as Language).values) subjects.add(subject);
      return { subjects: [...subjects], subjectMatch: 'equals' };
    }
    if (existsForAll(poss, variables, [IRSA_AUDIENCE], [IRSA_SUBJECT]))
      return { subjects: null, subjectMatch: null };
    const admitted = literals.filter(
      (subject) =>
        variables[IRSA_SUBJECT].domain.has(subject) &&
        findCell(constrainRegion(poss, IRSA_SUBJECT, Language.of([subject]), variables), variables) !==
          undefined,
    );
    if (!findCell(constrainRegion(poss, IRSA_SUBJECT, Language.of(literals).not(), variables), variables))
      return { subjects: admitted, subjectMatch: 'equals' };
    return {
      subjects: [...new Set([...statementPatterns(provider, statement), ...admitted])],
      subjectMatch: 'like',
    };
  });
  if (isTooComplex(described)) {
    grant.subjects = statementPatterns(provider, statement);
    grant.subjectMatch = 'like';
  } else {
    grant.subjects = described.subjects;
    grant.subjectMatch = described.subjectMatch;
  }
  if (grant.subjectMatch === 'like' && grant.subjects?.length === 0)
    grant.subjects = [grant.isEksIssuer ? `${SUBJECT_PREFIX}*` : '*'];
}

/**
 * Fills the grant's `subjects`/`subjectMatch` with what the statement's positive `:sub` conditions
 * write (for a statement that admits nothing, so readers still see what it meant).
 */
function writtenSubjects(provider: IrsaProvider, statement: ParsedStatement, grant: IrsaGrant): void {
  const written = subjectValues(provider, statement).filter(
    ({ condition }) => !NEGATED_OPERATORS.has(condition.base),
  );
  if (written.length === 0) return;
  grant.subjects = [...new Set(written.map(({ pattern }) => pattern.text))];
  grant.subjectMatch = written.some(
    ({ condition, pattern }) => /Like$/.test(condition.base) && hasWildcard(pattern),
  )
    ? 'like'
    : 'equals';
}

/** The wildcard patterns of the statement's positive `:sub` conditions. */
function statementPatterns(provider: IrsaProvider, statement: ParsedStatement): string[] {
  return subjectValues(provider, statement)
    .filter(({ condition, pattern }) => /Like$/.test(condition.base) && hasWildcard(pattern))
    .map(({ pattern }) => pattern.text);
}

// ---------------------------------------------------------------------------------------------
// Unsatisfiable

/** Why a statement takes part in allowing no request of the models' cases (one reason per case). */
function unsatisfiableReasons(
  models: CaseModel[],
  statement: ParsedStatement,
  mode: Mode,
): UnsatisfiableReason[] {
  const label = statementLabel(statement);
  const covered = models.map((model) =>
    model.spaceCase.actions.filter((action) => model.applies(statement, action)),
  );
  if (covered.every((actions) => actions.length === 0)) {
    const needed = [...new Set(models.flatMap((model) => model.spaceCase.actions))];
    const allowed = allowedActions(statement);
    return [
      {
        why: `${label} allows none of ${needed.join(', ')}, the ${needed.length > 1 ? 'actions' : 'only action'} ${models.length > 1 ? 'EKS Pod Identity calls' : `${models[0].spaceCase.label} can call`} (it allows ${allowed.join(', ') || 'no STS action'})`,
      },
    ];
  }
  const single = models.length === 1;
  return models.map((model, index) => {
    const caseLabel = single ? {} : { case: model.spaceCase.name };
    const actions = covered[index];
    if (actions.length === 0)
      return {
        ...caseLabel,
        why: `${label} allows none of ${model.spaceCase.actions.join(', ')}, which ${model.spaceCase.label} needs`,
      };
    for (const action of actions) {
      const impossible = model.impossibleReason(statement, action);
      if (impossible) return { ...caseLabel, ...impossible };
    }
    const { include } = model.contribution(statement, mode);
    if (include.length === 0) {
      const missing = model.spaceCase.actions.filter(
        (action) => !actions.includes(action) || model.allows(action, mode).length === 0,
      );
      return {
        ...caseLabel,
        why: `${model.spaceCase.label} also needs ${missing.join(' and ')}, which no statement allows for the requests ${label} admits`,
      };
    }
    const denying = model.policy.statements
      .filter((other) => other.effect === 'Deny')
      .filter((other) =>
        model.spaceCase.actions.some((action) => {
          const box = model.boxesOf(other, action)?.[mode === 'cert' ? 'poss' : 'cert'];
          return box !== undefined && include.some((own) => boxesMeet(own, box));
        }),
      )
      .map(statementLabel);
    return {
      ...caseLabel,
      why: `every ${model.spaceCase.label.replace(/^an? /, '')} that ${label} admits is denied by ${denying.join(', ') || 'a Deny statement'}`,
    };
  });
}

function boxesMeet(a: Box, b: Box): boolean {
  return a.every((part, v) => {
    const other = b[v];
    return part === undefined || other === undefined || !part.and(other).isEmpty();
  });
}

function reasonText(reasons: UnsatisfiableReason[]): string {
  return reasons.map((reason) => (reason.case ? `${reason.case}: ${reason.why}` : reason.why)).join('; ');
}

// ---------------------------------------------------------------------------------------------
// Pod Identity

interface PodIdentityQuestions {
  tagged: CaseModel;
  untagged: CaseModel;
  policy: ParsedPolicy;
  /** The role's account, tried first as "the account". */
  accountId?: string;
}

function podIdentityQuestions(policy: ParsedPolicy, accountId?: string): PodIdentityQuestions {
  const space = podIdentitySpace();
  return {
    tagged: new CaseModel(space, space.cases[0], policy),
    untagged: new CaseModel(space, space.cases[1], policy),
    policy,
    ...(accountId !== undefined ? { accountId } : {}),
  };
}

function podIdentityStatement(
  questions: PodIdentityQuestions,
  statement: ParsedStatement,
  findings: TrustFinding[],
  undecidedQuestions: UndecidedQuestion[],
): PodIdentityGrant {
  const grant: PodIdentityGrant = {
    kind: 'pod-identity',
    statementIndex: statement.index,
    assumeRoleAllowed: actionMatches(statement, 'sts:AssumeRole'),
    tagSessionAllowed: actionMatches(statement, 'sts:TagSession'),
    constraints: podIdentityConstraints(statement),
    unscoped: false,
  };
  withSid(grant, statement);
  const base: TrustFinding = {
    fact: 'unsatisfiable',
    statementIndex: statement.index,
    ...(statement.sid !== undefined ? { sid: statement.sid } : {}),
  };
  const undecided = (fact: HygieneFact) => (reason: string) =>
    undecidedQuestions.push({ fact, statementIndex: statement.index, reason });
  const models = [questions.tagged, questions.untagged];
  const regions = attempt(() => models.map((model) => contributions(model, statement)));
  const satisfiable = isTooComplex(regions)
    ? regions
    : attempt(() => regions.some((region, i) => findCell(region.poss, models[i].variables) !== undefined));
  if (isTooComplex(regions) || isTooComplex(satisfiable)) {
    undecided('unsatisfiable')((isTooComplex(regions) ? regions : (satisfiable as TooComplex)).tooComplex);
    return grant;
  }
  if (!satisfiable) {
    const reasons = unsatisfiableReasons(models, statement, 'poss');
    grant.unsatisfiable = reasonText(reasons);
    findings.push({ ...base, fact: 'unsatisfiable', unsatisfiable: grant.unsatisfiable, reasons });
    return grant;
  }
  for (const [i, model] of models.entries()) {
    const witness = ask(
      model,
      statement,
      regions[i],
      (region) => unscopedWitness(model, region, questions),
      undecided('any-association'),
    );
    if (!witness) continue;
    grant.unscoped = true;
    findings.push({
      ...base,
      fact: 'any-association',
      witness,
      universal: `every association of account ${witness.kind === 'pod-identity' ? witness.sourceAccount : ''} ${model.spaceCase.name}, on any cluster, namespace and service account`,
    });
    break;
  }
  return grant;
}

const ASSOCIATION_VARIABLES = [PI_CLUSTER_ARN, PI_CLUSTER_NAME, PI_NAMESPACE, PI_SERVICE_ACCOUNT];

/**
 * A request showing that every association of some account (any cluster, namespace and service
 * account, some pod) is allowed in this region, or undefined.
 */
function unscopedWitness(
  model: CaseModel,
  region: Region,
  { policy, accountId }: PodIdentityQuestions,
): AssumeRequest | undefined {
  if (region.include.length === 0) return undefined;
  // A union of boxes each listing the values of some association attribute misses the others.
  if (region.include.every((box) => ASSOCIATION_VARIABLES.some((v) => box[v]?.isFiniteSet))) return undefined;
  const variables = model.variables;
  const partitions = writtenPartitions(policy);
  for (const account of candidateAccounts(region, variables, policy, accountId))
    for (const partition of partitions) {
      const fixed = fixVariable(region, PI_SOURCE_ACCOUNT, account);
      const arns = clusterArnsOfAccount(account, partition);
      const chosen = existsForAll(fixed, variables, [PI_POD_NAME, PI_POD_UID], ASSOCIATION_VARIABLES, {
        domainOf: (v) => (v === PI_CLUSTER_ARN ? arns : variables[v].domain),
      });
      if (!chosen) continue;
      const name = variables[PI_CLUSTER_NAME].examples[0];
      const point = variables.map((variable) => variable.examples[0]);
      point[PI_SOURCE_ACCOUNT] = account;
      point[PI_CLUSTER_NAME] = name;
      point[PI_CLUSTER_ARN] =
        `arn:${partition}:eks:${EXAMPLE_REGIONS[partition] ?? 'us-east-1'}:${account}:cluster/${name}`;
      point[PI_POD_NAME] = chosen.get(PI_POD_NAME) as string;
      point[PI_POD_UID] = chosen.get(PI_POD_UID) as string;
      return model.spaceCase.request(point);
    }
  return undefined;
}

/** A region of each partition, for witness cluster ARNs (any region works: every cluster is admitted). */
const EXAMPLE_REGIONS: Record<string, string> = { 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' };

/** The partitions to try for "the account": `aws` and every partition an ARN of the policy names. */
function writtenPartitions(policy: ParsedPolicy): string[] {
  const partitions = new Set(['aws']);
  for (const statement of policy.statements)
    for (const condition of statement.conditions)
      for (const value of condition.values)
        for (const match of value.matchAll(/arn:(aws[a-z-]*):/g))
          if (PARTITIONS.includes(match[1])) partitions.add(match[1]);
  return [...partitions];
}

/** 12-digit account ids written anywhere in the policy's condition values. */
function writtenAccounts(policy: ParsedPolicy): string[] {
  const accounts = new Set<string>();
  for (const statement of policy.statements)
    for (const condition of statement.conditions)
      for (const value of condition.values)
        for (const match of value.matchAll(/\d{12}/g)) accounts.add(match[0]);
  return [...accounts];
}

/** Accounts to try: one per atom of the account languages, and every account the policy writes. */
function candidateAccounts(
  region: Region,
  variables: readonly Variable[],
  policy: ParsedPolicy,
  accountId: string | undefined,
): string[] {
  const { domain } = variables[PI_SOURCE_ACCOUNT];
  const examples =
    accountId !== undefined && domain.has(accountId) ? [accountId] : variables[PI_SOURCE_ACCOUNT].examples;
  const parts = new Set<Language>();
  for (const box of [...region.include, ...region.exclude]) {
    const part = box[PI_SOURCE_ACCOUNT];
    if (part) parts.add(part);
  }
  const constrainsArns = [...region.include, ...region.exclude].some(
    (box) => box[PI_CLUSTER_ARN] !== undefined,
  );
  if (parts.size === 0 && !constrainsArns) return [examples[0]];
  const literals = writtenAccounts(policy).filter((account) => domain.has(account));
  return [
    ...new Set([
      ...examples.slice(0, 1),
      ...literals,
      ...atomRepresentatives(domain, [...parts], [...literals, '123456789012', ...examples]),
    ]),
  ];
}
