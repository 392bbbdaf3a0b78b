import type { Severity } from '../../model/index.js';
import type { RoleInventory } from '../../model/inventory.js';
import { sentence } from '../../text.js';
import { statementLabel } from '../../trust/evaluate.js';
import { analyzeTrust, canAssumeCommand } from '../../trust/index.js';
import { parseProviderArn } from '../../trust/providers.js';
import type { Grant, HygieneFact, TrustAnalysis, TrustFinding } from '../../trust/types.js';
import { eksIssuerRegion } from '../../trust/workload.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from '../types.js';
import { indexesFor } from './indexes.js';

/** The provider path after `oidc-provider/`, or undefined when the ARN is not an OIDC provider ARN. */
export function providerHostPath(providerArn: string): string | undefined {
  return parseProviderArn(providerArn)?.hostPath;
}

/** How a fact reads: the check's severity for it and one sentence about the statement. */
export interface HygieneWording {
  severity: Severity;
  message: string;
}

/** A trust-hygiene check: its metadata, the analyzer's fact it reports, and how it words it. */
export interface HygieneCheck extends Check {
  /** The fact of the trust analyzer this check reports (the analyzer knows no check ids). */
  fact: HygieneFact;
  /** The severity and wording of a fact about a statement, given its grant. */
  explain(finding: TrustFinding, grant: Grant | undefined): HygieneWording;
}

/** How messages name a fact's statement: {@link statementLabel}, `Statement[2] (Sid "AllowIrsa")`. */
export function statementName(finding: { statementIndex: number; sid?: string }): string {
  return statementLabel({ index: finding.statementIndex, sid: finding.sid });
}

/** The grant a fact is about: same statement and, for IRSA, same provider. */
export function grantOf(analysis: TrustAnalysis, finding: TrustFinding): Grant | undefined {
  return analysis.grants.find(
    (candidate) =>
      candidate.statementIndex === finding.statementIndex &&
      (finding.providerArn === undefined
        ? candidate.kind === 'pod-identity'
        : candidate.kind === 'irsa' && candidate.providerArn === finding.providerArn),
  );
}

function grantEvidence(grant: Grant | undefined): Record<string, unknown> {
  if (!grant) return {};
  if (grant.kind === 'irsa') {
    return {
      subjects: grant.subjects,
      subjectMatch: grant.subjectMatch,
      audiences: grant.audiences,
      actions: grant.actions,
    };
  }
  if (grant.kind === 'pod-identity') {
    return {
      constraints: grant.constraints,
      assumeRoleAllowed: grant.assumeRoleAllowed,
      tagSessionAllowed: grant.tagSessionAllowed,
    };
  }
  if (grant.kind === 'aws') return { principals: grant.principals, actions: grant.actions };
  return { services: grant.services, actions: grant.actions };
}

/**
 * The evidence of a fact: the witness request with the `trust can-assume` command that replays it
 * against the role's trust policy saved as `trust-policy.json`, or why nothing can match.
 */
function factEvidence(finding: TrustFinding, role?: RoleInventory): Record<string, unknown> {
  const evidence: Record<string, unknown> = {};
  if (finding.witness) {
    evidence.witness = finding.witness;
    evidence.canAssume = canAssumeCommand(finding.witness);
    if (role)
      evidence.saveTrustPolicy = `aws iam get-role --role-name ${role.name} --query Role.AssumeRolePolicyDocument --output json > trust-policy.json`;
  }
  if (finding.universal) evidence.admits = finding.universal;
  if (finding.crossesNamespaces !== undefined) evidence.crossesNamespaces = finding.crossesNamespaces;
  if (finding.otherWitness) {
    evidence.otherWitness = finding.otherWitness;
    evidence.otherCanAssume = canAssumeCommand(finding.otherWitness);
  }
  if (finding.unsatisfiable) {
    evidence.unsatisfiable = finding.unsatisfiable;
    evidence.reasons = finding.reasons ?? [];
  }
  return evidence;
}

const invalidTrustReported = new WeakMap<object, Set<string>>();

/**
 * Records, once per role and audit, that a role's trust policy could not be analyzed (a policy IAM
 * would reject, such as one with `NotPrincipal`): its trust questions are then unknown, not clean.
 */
function reportInvalidTrust(context: CheckContext, role: RoleInventory): void {
  let reported = invalidTrustReported.get(context.inventory);
  if (!reported) {
    reported = new Set();
    invalidTrustReported.set(context.inventory, reported);
  }
  if (reported.has(role.arn)) return;
  reported.add(role.arn);
  let reason = 'the trust policy could not be analyzed';
  try {
    analyzeTrust(role.trustPolicy);
  } catch (error) {
    reason = `the trust policy is not one IAM accepts: ${error instanceof Error ? error.message : String(error)}`;
  }
  context.recordUnknown?.({ kind: 'trust', checkId: 'TRUST_UNSATISFIABLE', resourceId: role.arn, reason });
}

function findingsFor(context: CheckContext, role: RoleInventory, check: HygieneCheck): FindingDraft[] {
  const indexes = indexesFor(context);
  const analysis = indexes.trustOf(role.arn);
  if (!analysis) {
    reportInvalidTrust(context, role);
    return [];
  }
  for (const open of analysis.undecided) {
    if (open.fact !== check.fact) continue;
    context.recordUnknown?.({
      kind: 'trust',
      checkId: check.meta.id,
      resourceId: role.arn,
      reason: `${statementName(open)}${open.providerArn ? ` for ${open.providerArn}` : ''}: ${open.reason}`,
    });
  }
  const drafts: FindingDraft[] = [];
  const seen = new Set<string>();
  for (const finding of analysis.findings) {
    if (finding.fact !== check.fact) continue;
    const key = `${finding.statementIndex}\u0000${finding.providerArn ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const grant = grantOf(analysis, finding);
    const { severity, message } = check.explain(finding, grant);
    const hostPath = finding.providerArn ? providerHostPath(finding.providerArn) : undefined;
    const region = hostPath ? eksIssuerRegion(hostPath) : undefined;
    const liveClusters = hostPath ? (indexes.clustersByIssuerHostPath.get(hostPath) ?? []) : [];
    const cluster = liveClusters.length === 1 ? liveClusters[0].name : undefined;
    drafts.push({
      severity,
      message: sentence(`Role ${role.name} (${role.arn}): ${message}`),
      accountId: role.accountId,
      ...(region ? { region } : {}),
      ...(cluster ? { cluster } : {}),
      resource: { type: 'AwsIamRole', id: role.arn },
      identity: [String(finding.statementIndex), finding.providerArn ?? ''],
      evidence: {
        statementIndex: finding.statementIndex,
        ...(finding.sid ? { sid: finding.sid } : {}),
        ...(finding.providerArn ? { providerArn: finding.providerArn } : {}),
        ...(liveClusters.length > 0 ? { clusters: liveClusters.map((live) => live.arn) } : {}),
        ...grantEvidence(grant),
        ...factEvidence(finding, role),
      },
    });
  }
  return drafts;
}

/**
 * A check that turns the trust analyzer's facts of one kind into drafts (one per role, statement
 * and provider, for every role of the scanned accounts), worded and rated by the check, and records
 * the questions the analyzer left undecided as unknowns.
 */
export function hygieneCheck(
  fact: HygieneFact,
  meta: CheckMeta,
  explain: HygieneCheck['explain'],
): HygieneCheck {
  const check: HygieneCheck = {
    meta,
    fact,
    explain,
    evaluate(context) {
      const drafts: FindingDraft[] = [];
      for (const role of context.inventory.roles.values()) drafts.push(...findingsFor(context, role, check));
      return drafts;
    },
  };
  return check;
}

/** `"a", "b"`: how messages list values. */
export function quoted(values: readonly string[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ');
}
