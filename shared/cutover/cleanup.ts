/**
 * What the post phase may delete. Nothing that a workload of OLD still needs: a deletion is planned
 * only when NEW serves the workload (the evaluator admits it there), the pre phase would be READY,
 * and every scope the answer rests on was fully collected.
 */

import { findingId } from '../model/finding.js';
import { oidcProviderArn } from '../model/identity.js';
import { clause, shellWord } from '../text.js';
import {
  hasPodIdentityAgent,
  podIdentityAssumeRequest,
  targetRoleAssumeRequest,
  withoutPerPodConditions,
} from '../trust/workload.js';
import { type CutoverContext, decision, oncePerRun } from './context.js';
import { assumeFailures, check as CUTOVER_ASSUME_FAILURES } from './post/CUTOVER_ASSUME_FAILURES.js';
import { preChecks } from './pre/index.js';
import { cutoverContext, emptyOutputs, runCutoverPack } from './sink.js';
import { sampleSubject } from './trust-policy.js';
import type { WithheldStatus, WorkloadStatus } from './types.js';
import type { WorkloadDraft } from './workloads.js';

/** Whether NEW serves a workload of OLD, and why not. */
export type Serving =
  | { state: 'served' }
  | { state: 'not-served'; reason: string }
  | { state: 'unknown'; reason: string };

/** What the pre phase would say now. */
export interface Readiness {
  /** The pre-phase verdict would be READY. */
  ready: boolean;
  /** Its blocking findings. */
  blocking: Array<{ checkId: string; message: string; resource: string; workloads: string[] }>;
  /** Each workload's status in the pre phase and the check ids that touch it (blocking or not). */
  status: Map<string, { status: WorkloadStatus; checkIds: string[]; undecided: string[] }>;
}

/** Whether a deletion may go into the plan. */
export type Deletion = { planned: true } | { planned: false; status: WithheldStatus; reason: string };

/** The answers every post-phase deletion shares. */
export interface Cleanup {
  readiness: Readiness;
  /**
   * Set when the pre phase would not be READY: NEW does not serve every workload of OLD yet, so
   * nothing is deleted at all. `gate` explains it in full, `gateReason` in short for each item.
   */
  gate?: string;
  gateReason?: string;
  /** Scopes every deletion rests on (NEW, and OLD or the region's EKS listing) that are incomplete. */
  gaps: string[];
  /** Whether NEW serves this workload (by key). */
  serving(key: string): Serving;
  /** The incomplete IAM scope of an account, if it is. */
  iamGap(accountId: string): string | undefined;
}

/** Runs the pre-phase pack on scratch outputs: the same answer `cutover --phase pre` gives. */
export function assessReadiness(context: CutoverContext): Readiness {
  const scratch = emptyOutputs();
  runCutoverPack(preChecks, cutoverContext(context, context.run, scratch), scratch);
  const status = new Map<string, { status: WorkloadStatus; checkIds: string[]; undecided: string[] }>();
  for (const workload of context.run.workloads) {
    const findings = scratch.findings.filter((finding) => finding.workloads.includes(workload.key));
    const undecided = scratch.undecided
      .filter((entry) => entry.workloads.includes(workload.key))
      .map((entry) => entry.reason);
    status.set(workload.key, {
      status: findings.some((finding) => finding.blocking)
        ? 'blocked'
        : undecided.length > 0
          ? 'unknown'
          : 'ready',
      checkIds: [...new Set(findings.map((finding) => finding.checkId))].sort(),
      undecided,
    });
  }
  const blocking = scratch.findings
    .filter((finding) => finding.blocking)
    .map((finding) => ({
      checkId: finding.checkId,
      message: finding.message,
      resource: finding.resource.id,
      workloads: finding.workloads,
    }));
  return { ready: blocking.length === 0, blocking, status };
}

function who(workload: WorkloadDraft): string {
  return workload.mechanism === 'irsa' && workload.subject && /[*?]/.test(workload.subject)
    ? workload.subject
    : `${workload.namespace}/${workload.serviceAccount}`;
}

/**
 * The post phase's shared answers: readiness, the gate, incomplete scopes, and serving per workload
 * (worked out once per run: every post-phase check reads them).
 */
export const cleanupOf: (context: CutoverContext) => Cleanup = oncePerRun(buildCleanup);

function buildCleanup(context: CutoverContext): Cleanup {
  const { run, inventory } = context;
  const { clusters, input } = run;
  const { completeness } = inventory;
  const readiness = assessReadiness(context);
  const gaps: string[] = [];
  if (!completeness.clusterComplete(clusters.accountId, clusters.region, clusters.new.name))
    gaps.push(`cluster ${clusters.new.name} was not fully collected`);
  if (clusters.old) {
    if (!completeness.clusterComplete(clusters.accountId, clusters.region, clusters.old.name))
      gaps.push(`cluster ${clusters.old.name} was not fully collected`);
  } else if (!completeness.regionComplete(clusters.accountId, clusters.region)) {
    gaps.push(
      `the EKS listing of ${clusters.accountId}/${clusters.region} was not fully collected (so ${input.from}'s state is not known)`,
    );
  }
  let gate: string | undefined;
  if (!readiness.ready) {
    const blocked = run.workloads.filter(
      (workload) => readiness.status.get(workload.key)?.status === 'blocked',
    );
    const shown = blocked
      .slice(0, 5)
      .map((workload) => `${who(workload)} (${readiness.status.get(workload.key)?.checkIds.join(', ')})`);
    const more = blocked.length > shown.length ? ` and ${blocked.length - shown.length} more` : '';
    const what =
      blocked.length > 0
        ? `${blocked.length} of ${run.workloads.length} workload(s) of ${input.from} are blocked on ${input.to}: ${shown.join('; ')}${more}`
        : `the pre phase has ${readiness.blocking.length} blocking finding(s) (${[...new Set(readiness.blocking.map((item) => item.checkId))].join(', ')})`;
    gate = `${input.to} does not yet serve every workload of ${input.from} (the pre phase would say NOT_READY): ${what}`;
  }
  const cache = new Map<string, Serving>();
  return {
    readiness,
    ...(gate
      ? {
          gate,
          gateReason: `${input.to} does not yet serve every workload of ${input.from} (see CUTOVER_NEW_NOT_SERVING)`,
        }
      : {}),
    gaps,
    serving(key) {
      let answer = cache.get(key);
      if (!answer) {
        answer = servingOf(context, readiness, key);
        cache.set(key, answer);
      }
      return answer;
    },
    iamGap(accountId) {
      return completeness.hasAccount(accountId) && completeness.iamComplete(accountId)
        ? undefined
        : `the IAM data of account ${accountId} was not fully collected`;
    },
  };
}

function servingOf(context: CutoverContext, readiness: Readiness, key: string): Serving {
  const { run } = context;
  const workload = run.workloads.find((candidate) => candidate.key === key);
  if (!workload)
    return { state: 'unknown', reason: `${key} is not among the workloads of ${run.input.from}` };
  const failures = assumeFailures(context).filter((failure) => failure.workloads?.includes(key));
  if (failures.length > 0)
    return {
      state: 'not-served',
      reason: `CloudTrail shows credential failures of ${who(workload)} on ${run.input.to} (${failures.map((failure) => findingId(CUTOVER_ASSUME_FAILURES.meta.id, failure.resource.id, ...(failure.identity ?? []))).join(', ')})`,
    };
  const pre = readiness.status.get(key);
  if (pre?.status === 'unknown')
    return {
      state: 'unknown',
      reason: `the pre phase cannot decide ${who(workload)} on ${run.input.to}: ${pre.undecided.join('; ')}`,
    };
  if (pre && pre.checkIds.length > 0)
    return {
      state: 'not-served',
      reason: `the pre phase reports ${pre.checkIds.join(', ')} for ${who(workload)} on ${run.input.to}`,
    };
  return workload.mechanism === 'pod-identity'
    ? podIdentityServing(context, workload)
    : irsaServing(context, workload);
}

function fromDecision(allowed: boolean | 'unknown', reason: string, what: string): Serving | undefined {
  if (allowed === true) return undefined;
  const because = clause(reason);
  return allowed === 'unknown'
    ? { state: 'unknown', reason: `the evaluator cannot decide whether ${what}: ${because}` }
    : { state: 'not-served', reason: `${what} is refused: ${because}` };
}

/** NEW has the same association, and the evaluator admits its session (and the chain into the target role). */
function podIdentityServing(context: CutoverContext, workload: WorkloadDraft): Serving {
  const cluster = context.run.clusters.new;
  const { roles } = context.inventory;
  const name = `${workload.namespace}/${workload.serviceAccount}`;
  if (!hasPodIdentityAgent(cluster))
    return { state: 'not-served', reason: `${cluster.name} has no Pod Identity agent` };
  const association = cluster.associations.find(
    (candidate) =>
      candidate.namespace === workload.namespace && candidate.serviceAccount === workload.serviceAccount,
  );
  if (!association)
    return { state: 'not-served', reason: `${cluster.name} has no Pod Identity association for ${name}` };
  if (
    association.roleArn !== workload.roleArn ||
    (association.targetRoleArn ?? '') !== (workload.targetRoleArn ?? '') ||
    association.disableSessionTags !== (workload.disableSessionTags ?? false)
  )
    return {
      state: 'not-served',
      reason: `${cluster.name}'s association ${association.associationId} for ${name} differs from ${context.run.input.from}'s`,
    };
  const role = roles.get(workload.roleArn);
  if (!role) return { state: 'unknown', reason: `role ${workload.roleArn} is not in the snapshot` };
  // Per-pod tags differ for every pod: judged with the most permissive reading, as the pre phase does.
  const onNew = decision(withoutPerPodConditions(role.trustPolicy), podIdentityAssumeRequest(association));
  const refused = fromDecision(
    onNew.allowed,
    onNew.reason,
    `the Pod Identity session of ${name} on ${cluster.name} for role ${role.name}`,
  );
  if (refused) return refused;
  if (workload.targetRoleArn) {
    const target = roles.get(workload.targetRoleArn);
    if (!target)
      return { state: 'unknown', reason: `target role ${workload.targetRoleArn} is not in the snapshot` };
    const chained = decision(target.trustPolicy, targetRoleAssumeRequest(association));
    const refusedTarget = fromDecision(
      chained.allowed,
      chained.reason,
      `the chain of ${name} on ${cluster.name} into target role ${target.name}`,
    );
    if (refusedTarget) return refusedTarget;
  }
  return { state: 'served' };
}

/** NEW's issuer has an IAM OIDC provider in the role's account, and the role's trust admits the subject from it. */
function irsaServing(context: CutoverContext, workload: WorkloadDraft): Serving {
  const cluster = context.run.clusters.new;
  const { inventory } = context;
  const host = cluster.issuerHostPath;
  if (!host) return { state: 'not-served', reason: `${cluster.name} has no OIDC issuer` };
  const role = inventory.roles.get(workload.roleArn);
  if (!role) return { state: 'unknown', reason: `role ${workload.roleArn} is not in the snapshot` };
  const providerArn = oidcProviderArn(role.accountId, host, role.arn.split(':')[1]);
  if (!inventory.oidcProviders.some((provider) => provider.arn === providerArn))
    return {
      state: 'not-served',
      reason: `account ${role.accountId} has no IAM OIDC provider for ${cluster.name}'s issuer`,
    };
  const subject = workload.subject ?? '*';
  const verdict = decision(role.trustPolicy, { kind: 'irsa', providerArn, subject: sampleSubject(subject) });
  return (
    fromDecision(
      verdict.allowed,
      verdict.reason,
      `${subject === '*' ? 'a service account' : subject} from ${cluster.name}'s issuer for role ${role.name}`,
    ) ?? { state: 'served' }
  );
}

/** The first reason found, in order: an incomplete scope, the gate, then the item's own. */
export function deletionOf(cleanup: Cleanup, gaps: Array<string | undefined>, own: () => Deletion): Deletion {
  const missing = [...cleanup.gaps, ...gaps.filter((gap): gap is string => gap !== undefined)];
  if (missing.length > 0)
    return { planned: false, status: 'unknown', reason: [...new Set(missing)].join('; ') };
  if (cleanup.gate)
    return { planned: false, status: 'not-ready', reason: cleanup.gateReason ?? cleanup.gate };
  return own();
}

/** What to do instead of deleting, by why the deletion is withheld. */
export function withheldRemediation(
  status: WithheldStatus,
  input: { from: string; to: string; cluster: string },
): string {
  switch (status) {
    case 'not-ready':
    case 'not-served':
      return `Make ${input.to} serve the workload first (eks-identity-audit cutover --cluster ${shellWord(input.cluster)} --from ${shellWord(input.from)} --to ${shellWord(input.to)} --phase pre, and apply its plan), then run the post phase again.`;
    case 'still-needed':
      return `Keep it until nothing needs it; run the post phase again once ${input.to} serves those workloads.`;
    default:
      return 'Collect again until the scopes named here are complete, then run the post phase again; until then nothing is deleted.';
  }
}

/** One reason for several withheld deletions: unknown wins (the data cannot tell), then the gate. */
export function mergeDeletions(
  deletions: Array<Exclude<Deletion, { planned: true }>>,
): Exclude<Deletion, { planned: true }> {
  const order: WithheldStatus[] = ['unknown', 'not-ready', 'still-needed', 'not-served'];
  const status = order.find((candidate) => deletions.some((deletion) => deletion.status === candidate))!;
  return {
    planned: false,
    status,
    reason: [...new Set(deletions.map((deletion) => clause(deletion.reason)))].join('; '),
  };
}

/** What a withheld deletion adds to a finding's message. */
export function notPlanned(deletion: Exclude<Deletion, { planned: true }>): string {
  const why = clause(deletion.reason);
  return deletion.status === 'unknown'
    ? `; whether it can go is unknown, so it is not planned for deletion: ${why}`
    : `; not planned for deletion: ${why}`;
}
