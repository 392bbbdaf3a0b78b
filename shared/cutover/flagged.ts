/**
 * Grants the pre-phase plan copies (IRSA) or lets NEW reuse (Pod Identity) that the audit's own
 * trust checks flag as too broad. The plan never carries one over silently: each is marked with the
 * narrower statement to use instead. "Flagged" is whatever the registered checks say, by check id;
 * this module never judges a policy with rules of its own.
 */

import { evaluateCheck, toFinding } from '../checks/evaluate.js';
import { check as IRSA_NO_AUDIENCE_CONDITION } from '../checks/trust/IRSA_NO_AUDIENCE_CONDITION.js';
import { check as IRSA_NO_SUBJECT_CONDITION } from '../checks/trust/IRSA_NO_SUBJECT_CONDITION.js';
import { check as IRSA_SUBJECT_WILDCARD } from '../checks/trust/IRSA_SUBJECT_WILDCARD.js';
import { check as PI_TRUST_UNSCOPED } from '../checks/trust/PI_TRUST_UNSCOPED.js';
import type { Check, CheckContext } from '../checks/types.js';
import { compareText } from '../model/compare.js';
import { oidcProviderArn, serviceAccountSubject } from '../model/identity.js';
import type { AssociationInventory, RoleInventory } from '../model/inventory.js';
import { bySeverityDesc, maxSeverity } from '../model/severity.js';
import { clause } from '../text.js';
import { podIdentityAssumeRequest, withoutPerPodConditions } from '../trust/workload.js';
import { associationOn, type CutoverContext, decision } from './context.js';
import { addNote, type CutoverOutputs } from './sink.js';
import { statementsOf } from './trust-policy.js';
import type { GrantFlag } from './types.js';
import { ANY_SUBJECT, retiredCandidate, type WorkloadDraft } from './workloads.js';

type Json = Record<string, unknown>;

/**
 * The audit's trust checks whose findings mean a grant admits more than it should: the registered
 * check objects themselves (one file per check id), imported one by one so the cutover-check bundle
 * carries no other check. Their findings are read by check id and `evidence.statementIndex` only.
 */
export const GRANT_BREADTH_CHECKS: readonly Check[] = [
  IRSA_NO_SUBJECT_CONDITION,
  IRSA_SUBJECT_WILDCARD,
  IRSA_NO_AUDIENCE_CONDITION,
  PI_TRUST_UNSCOPED,
];

/** Flags that the exact-subject condition answers. */
const SUBJECT_FLAGS = new Set(['IRSA_NO_SUBJECT_CONDITION', 'IRSA_SUBJECT_WILDCARD']);
/** Flags that the `:aud` condition answers. */
const AUDIENCE_FLAGS = new Set(['IRSA_NO_AUDIENCE_CONDITION']);

const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';
const PLACEHOLDER_SERVICE_ACCOUNT = 'SERVICE_ACCOUNT';
const PLACEHOLDER_NAMESPACE = 'NAMESPACE';

/**
 * Runs the breadth checks on one role as if its trust policy were `trustPolicy`, and returns their
 * findings on the role by statement index, most severe first.
 */
export function grantFlags(
  context: CheckContext,
  role: RoleInventory,
  trustPolicy: unknown = role.trustPolicy,
): Map<number, GrantFlag[]> {
  const scoped: CheckContext = {
    inventory: { ...context.inventory, roles: new Map([[role.arn, { ...role, trustPolicy }]]) },
    baseline: context.baseline,
    now: context.now,
  };
  const flags = new Map<number, GrantFlag[]>();
  for (const check of GRANT_BREADTH_CHECKS) {
    const id = check.meta.id;
    for (const draft of evaluateCheck(check, scoped)) {
      const finding = toFinding(check, draft);
      const index = finding.evidence.statementIndex;
      if (finding.resource.id !== role.arn || typeof index !== 'number') continue;
      const list = flags.get(index) ?? [];
      if (!list.some((flag) => flag.checkId === id && flag.message === finding.message))
        list.push({ checkId: id, severity: finding.severity, message: finding.message });
      flags.set(index, list);
    }
  }
  for (const list of flags.values())
    list.sort((a, b) => bySeverityDesc(a, b) || compareText(a.checkId, b.checkId));
  return flags;
}

/** Marks every flagged grant the pre-phase plan copies or reuses (see the module comment). */
export function markFlaggedGrants(context: CutoverContext, outputs: CutoverOutputs): void {
  markIrsaCopies(context, outputs);
  markPodIdentityReuse(context, outputs);
  outputs.flaggedGrants.sort(
    (a, b) =>
      compareText(a.roleArn, b.roleArn) ||
      (a.copyIndex ?? a.statementIndex ?? -1) - (b.copyIndex ?? b.statementIndex ?? -1),
  );
}

function checkIdsOf(flags: GrantFlag[]): string {
  return [...new Set(flags.map((flag) => flag.checkId))].join(', ');
}

function withCondition(statement: Json, condition: Json): Json {
  const copy: Json = { ...structuredClone(statement) };
  if (Object.keys(condition).length > 0) copy.Condition = condition;
  else delete copy.Condition;
  return copy;
}

function conditionBlocks(statement: Json): Array<[string, Json]> {
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return [];
  return Object.entries(condition as Json).filter(
    (entry): entry is [string, Json] =>
      typeof entry[1] === 'object' && entry[1] !== null && !Array.isArray(entry[1]),
  );
}

function hasKey(statement: Json, key: string): boolean {
  return conditionBlocks(statement).some(([, block]) =>
    Object.keys(block).some((candidate) => candidate.toLowerCase() === key.toLowerCase()),
  );
}

/**
 * The IRSA statement as the docs write it: the exact subjects under `StringEquals` (replacing any
 * `:sub` condition) when a subject flag fired, and `:aud` = `sts.amazonaws.com` when it is missing.
 */
function narrowIrsa(statement: Json, host: string, subjects: string[], flags: GrantFlag[]): Json {
  const subjectKey = `${host}:sub`.toLowerCase();
  const narrowSubject = flags.some((flag) => SUBJECT_FLAGS.has(flag.checkId));
  const condition: Json = {};
  for (const [operator, block] of conditionBlocks(statement)) {
    const entries = Object.entries(block).filter(
      ([key]) => !(narrowSubject && key.toLowerCase() === subjectKey),
    );
    if (entries.length > 0) condition[operator] = Object.fromEntries(structuredClone(entries));
  }
  const equals: Json = { ...((condition.StringEquals as Json | undefined) ?? {}) };
  const wantAudience =
    narrowSubject ||
    flags.some((flag) => AUDIENCE_FLAGS.has(flag.checkId)) ||
    !hasKey(statement, `${host}:aud`);
  if (wantAudience && !hasKey(statement, `${host}:aud`)) equals[`${host}:aud`] = 'sts.amazonaws.com';
  if (narrowSubject) equals[`${host}:sub`] = subjects.length === 1 ? subjects[0] : subjects;
  condition.StringEquals = equals;
  return withCondition(statement, condition);
}

function placeholderSubject(pattern: string | undefined): string {
  const namespace = pattern ? /^system:serviceaccount:([^:*?]+):/.exec(pattern)?.[1] : undefined;
  return serviceAccountSubject(namespace ?? PLACEHOLDER_NAMESPACE, PLACEHOLDER_SERVICE_ACCOUNT);
}

function exact(subject: string | undefined): subject is string {
  return subject !== undefined && subject !== ANY_SUBJECT && !/[*?]/.test(subject);
}

/** IRSA: the statements the plan's updated trust policies add for NEW's issuer. */
function markIrsaCopies(context: CutoverContext, outputs: CutoverOutputs): void {
  const { run } = context;
  const { clusters, input } = run;
  const checkContext: CheckContext = context;
  const host = clusters.new.issuerHostPath;
  if (!host) return;
  for (const change of outputs.trustPolicies) {
    if (change.change !== 'extend' || change.policy === null) continue;
    const role = checkContext.inventory.roles.get(change.roleArn);
    if (!role || typeof role.trustPolicy !== 'object' || role.trustPolicy === null) continue;
    const originalCount = statementsOf(role.trustPolicy as Json).length;
    const statements = statementsOf(change.policy);
    const flagged = [...grantFlags(checkContext, role, change.policy)].filter(
      ([index]) => index >= originalCount,
    );
    if (flagged.length === 0) continue;
    const providerArn = oidcProviderArn(role.accountId, host, role.arn.split(':')[1]);
    const users = run.workloads.filter(
      (workload) =>
        workload.mechanism === 'irsa' && workload.roleArn === role.arn && !retiredCandidate(workload),
    );
    // Service accounts known to use the role: declared or seen as exact subjects, and those seen in
    // CloudTrail under a pattern grant of OLD's issuer.
    const known = new Set(users.map((workload) => workload.subject).filter(exact));
    for (const use of run.usage.workloads())
      if (
        use.via === 'irsa' &&
        use.roleArn === role.arn &&
        use.issuerHostPath === clusters.old?.issuerHostPath
      )
        known.add(serviceAccountSubject(use.namespace, use.serviceAccount));
    const admittedBy = (statement: Json, subject: string) =>
      decision({ Version: '2012-10-17', Statement: [statement] }, { kind: 'irsa', providerArn, subject })
        .allowed === true;
    const narrowed = new Map<number, { statement: Json; subjects: string[]; placeholders: boolean }>();
    for (const [index, flags] of flagged) {
      const copy = statements[index];
      const subjects = [...known].filter((subject) => admittedBy(copy, subject)).sort();
      const placeholders = subjects.length === 0 && flags.some((flag) => SUBJECT_FLAGS.has(flag.checkId));
      const pattern = users.find((workload) => !exact(workload.subject))?.subject;
      const used = placeholders ? [placeholderSubject(pattern)] : subjects;
      narrowed.set(index, { statement: narrowIrsa(copy, host, used, flags), subjects: used, placeholders });
    }
    const narrowerPolicy = {
      ...change.policy,
      Statement: statements.map((statement, index) => narrowed.get(index)?.statement ?? statement),
    };
    const stillFlagged = grantFlags(checkContext, role, narrowerPolicy);
    for (const [index, flags] of flagged) {
      const entry = narrowed.get(index)!;
      const source = change.statements[index - originalCount];
      const verified =
        !entry.placeholders &&
        !stillFlagged.has(index) &&
        entry.subjects.every(
          (subject) => decision(narrowerPolicy, { kind: 'irsa', providerArn, subject }).allowed === true,
        );
      const workloads = users
        .filter(
          (workload) =>
            workload.subject === ANY_SUBJECT || admittedBy(statements[index], workload.subject ?? ''),
        )
        .map((workload) => workload.key);
      const severity = maxSeverity(flags.map((flag) => flag.severity))!;
      const what =
        source === undefined
          ? `The statement the plan writes for ${input.to}'s issuer (statement ${index} of ${change.file})`
          : `Statement ${source} of ${role.name}'s trust policy, which the plan copies for ${input.to}'s issuer as statement ${index} of ${change.file},`;
      const message = `${what} is flagged by ${checkIdsOf(flags)} (${severity}): use the narrower statement instead${entry.placeholders ? ', after replacing the placeholder with the service accounts that use the role (none is declared or seen in CloudTrail)' : ''}`;
      outputs.flaggedGrants.push({
        roleArn: role.arn,
        roleName: role.name,
        mechanism: 'irsa',
        ...(source !== undefined ? { statementIndex: source } : {}),
        copyIndex: index,
        file: change.file,
        commands: change.command ? [change.command] : [],
        flags,
        severity,
        narrower: [entry.statement],
        subjects: entry.subjects,
        placeholders: entry.placeholders,
        verified,
        workloads,
        message: `${message}.`,
      });
      for (const key of workloads) addNote(outputs, key, message);
    }
    markPlan(
      outputs,
      change.command,
      role.name,
      flagged.flatMap(([, flags]) => flags),
    );
  }
}

/** Appends the mark to the plan command and to the findings whose remediation it is. */
function markPlan(
  outputs: CutoverOutputs,
  command: string | undefined,
  roleName: string,
  flags: GrantFlag[],
): void {
  if (!command) return;
  const severity = maxSeverity(flags.map((flag) => flag.severity));
  const mark = `carries a grant of ${roleName} flagged by ${checkIdsOf(flags)} (${severity}): see plan.flaggedGrants for the narrower statement`;
  for (const entry of outputs.commands)
    if (entry.command === command && !entry.description.includes(mark)) entry.description += ` — ${mark}`;
  for (const finding of outputs.findings)
    if (finding.remediation.includes(command) && !finding.message.includes(mark))
      finding.message = `${clause(finding.message)}; the plan ${mark}.`;
}

function isPodIdentityStatement(statement: Json | undefined): boolean {
  if (statement?.Effect !== 'Allow') return false;
  const principal = statement.Principal;
  if (typeof principal !== 'object' || principal === null) return false;
  const service = (principal as Json).Service;
  return (Array.isArray(service) ? service : [service]).some(
    (value) => typeof value === 'string' && value.toLowerCase() === POD_IDENTITY_SERVICE,
  );
}

/**
 * The Pod Identity statement pinned as the docs recommend: `aws:SourceAccount`, and with session tags
 * the cluster, namespace and service-account tags (one statement per namespace), or without them
 * `aws:SourceArn` = the clusters. Keys the statement already conditions on are left as they are.
 */
function narrowPodIdentity(statement: Json, associations: AssociationInventory[]): Json[] {
  const accounts = [...new Set(associations.map((association) => association.accountId))].sort();
  const clusters = [...new Set(associations.map((association) => association.clusterArn))].sort();
  const tagged = associations.every((association) => !association.disableSessionTags);
  const single = (values: string[]) => (values.length === 1 ? values[0] : values);
  const addAbsent = (condition: Json, operator: string, key: string, value: unknown) => {
    if (hasKey(statement, key)) return;
    condition[operator] = { ...((condition[operator] as Json | undefined) ?? {}), [key]: value };
  };
  const base = (): Json => Object.fromEntries(structuredClone(conditionBlocks(statement)));
  if (!tagged) {
    const condition = base();
    addAbsent(condition, 'StringEquals', 'aws:SourceAccount', single(accounts));
    addAbsent(condition, 'ArnEquals', 'aws:SourceArn', single(clusters));
    return [withCondition(statement, condition)];
  }
  const byNamespace = new Map<string, Set<string>>();
  for (const association of associations) {
    const accounts = byNamespace.get(association.namespace) ?? new Set<string>();
    accounts.add(association.serviceAccount);
    byNamespace.set(association.namespace, accounts);
  }
  const namespaces = [...byNamespace.keys()].sort();
  return namespaces.map((namespace, position) => {
    const condition = base();
    addAbsent(condition, 'StringEquals', 'aws:SourceAccount', single(accounts));
    addAbsent(condition, 'StringEquals', 'aws:RequestTag/eks-cluster-arn', single(clusters));
    addAbsent(condition, 'StringEquals', 'aws:RequestTag/kubernetes-namespace', namespace);
    addAbsent(
      condition,
      'StringEquals',
      'aws:RequestTag/kubernetes-service-account',
      single([...(byNamespace.get(namespace) ?? [])].sort()),
    );
    const narrowed = withCondition(statement, condition);
    if (namespaces.length > 1 && typeof statement.Sid === 'string')
      narrowed.Sid = `${statement.Sid}${position + 1}`;
    return narrowed;
  });
}

/** Pod Identity: the roles whose associations the plan creates (or updates) on NEW. */
function markPodIdentityReuse(context: CutoverContext, outputs: CutoverOutputs): void {
  const { run } = context;
  const { clusters, input } = run;
  const checkContext: CheckContext = context;
  const pending = new Map<string, { workloads: WorkloadDraft[]; commands: Set<string> }>();
  for (const finding of outputs.findings) {
    if (finding.checkId !== 'CUTOVER_ASSOCIATION_NOT_REPLICATED' || !finding.blocking) continue;
    if (!outputs.commands.some((entry) => entry.command === finding.remediation)) continue;
    for (const key of finding.workloads) {
      const workload = run.workloads.find((candidate) => candidate.key === key);
      if (!workload) continue;
      const entry = pending.get(workload.roleArn) ?? { workloads: [], commands: new Set<string>() };
      entry.workloads.push(workload);
      entry.commands.add(finding.remediation);
      pending.set(workload.roleArn, entry);
    }
  }
  for (const [roleArn, { workloads, commands }] of pending) {
    const role = checkContext.inventory.roles.get(roleArn);
    if (!role || typeof role.trustPolicy !== 'object' || role.trustPolicy === null) continue;
    const statements = statementsOf(role.trustPolicy as Json);
    const flagged = [...grantFlags(checkContext, role)].filter(([index]) =>
      isPodIdentityStatement(statements[index]),
    );
    if (flagged.length === 0) continue;
    // Every association the role serves once the plan is applied: all clusters, not only OLD and NEW.
    const planned = workloads.map((workload) =>
      associationOn(clusters, clusters.new.name, clusters.new.arn, workload),
    );
    const associations = [
      ...checkContext.inventory.associations.filter((association) => association.roleArn === roleArn),
      ...planned,
    ];
    const narrowed = new Map(
      flagged.map(([index]) => [index, narrowPodIdentity(statements[index], associations)]),
    );
    const narrowerPolicy = {
      ...(role.trustPolicy as Json),
      Statement: statements.flatMap((statement, index) => narrowed.get(index) ?? [statement]),
    };
    const remaining = grantFlags(checkContext, role, narrowerPolicy);
    const narrowedIndexes = new Set<number>();
    let at = 0;
    statements.forEach((_, index) => {
      const count = narrowed.get(index)?.length ?? 1;
      if (narrowed.has(index))
        for (let offset = 0; offset < count; offset++) narrowedIndexes.add(at + offset);
      at += count;
    });
    const admitted = associations.every(
      (association) =>
        decision(withoutPerPodConditions(narrowerPolicy), podIdentityAssumeRequest(association)).allowed ===
        true,
    );
    const verified = admitted && ![...remaining.keys()].some((index) => narrowedIndexes.has(index));
    const subjects = [
      ...new Set(
        associations.map((association) =>
          serviceAccountSubject(association.namespace, association.serviceAccount),
        ),
      ),
    ].sort();
    for (const [index, flags] of flagged) {
      const severity = maxSeverity(flags.map((flag) => flag.severity))!;
      const message = `Statement ${index} of ${role.name}'s trust policy is flagged by ${checkIdsOf(flags)} (${severity}), and the plan gives ${input.to} association(s) that use it: pin the statement as the narrower one does (it admits the ${associations.length - planned.length} association(s) of the role in the snapshot and the ${planned.length} the plan creates) before or with the new association`;
      outputs.flaggedGrants.push({
        roleArn: role.arn,
        roleName: role.name,
        mechanism: 'pod-identity',
        statementIndex: index,
        commands: [...commands].sort(),
        flags,
        severity,
        narrower: narrowed.get(index) ?? [],
        subjects,
        placeholders: false,
        verified,
        workloads: workloads.map((workload) => workload.key).sort(),
        message: `${message}.`,
      });
      for (const workload of workloads) addNote(outputs, workload.key, message);
    }
    for (const command of commands)
      markPlan(
        outputs,
        command,
        role.name,
        flagged.flatMap(([, flags]) => flags),
      );
  }
}
