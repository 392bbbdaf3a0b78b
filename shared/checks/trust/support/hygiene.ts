import type { RoleInventory } from '../../../model/inventory.js';
import type { Grant, TrustHygieneFinding } from '../../../trust/types.js';
import { indexesFor } from '../../indexes.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from '../../types.js';
import { eksIssuerRegion } from './workload.js';

/** The hygiene check ids the trust analyzer reports on its own. */
export type HygieneCheckId = TrustHygieneFinding['checkId'];

/** Ends a sentence with exactly one period. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The provider path after `oidc-provider/`, or undefined when the ARN is not an OIDC provider ARN. */
export function providerHostPath(providerArn: string): string | undefined {
  const index = providerArn.indexOf(':oidc-provider/');
  return index < 0 ? undefined : providerArn.slice(index + ':oidc-provider/'.length);
}

function grantEvidence(grant: Grant | undefined): Record<string, unknown> {
  if (!grant) return {};
  if (grant.kind === 'irsa') {
    return {
      subjects: grant.subjects,
      subjectMatch: grant.subjectMatch,
      audiences: grant.audiences,
      actions: grant.actions,
      ...(grant.unsatisfiable ? { unsatisfiable: grant.unsatisfiable } : {}),
    };
  }
  if (grant.kind === 'pod-identity') {
    return {
      constraints: grant.constraints,
      assumeRoleAllowed: grant.assumeRoleAllowed,
      tagSessionAllowed: grant.tagSessionAllowed,
      ...(grant.unsatisfiable ? { unsatisfiable: grant.unsatisfiable } : {}),
    };
  }
  if (grant.kind === 'aws') {
    return {
      principals: grant.principals,
      actions: grant.actions,
      ...(grant.unsatisfiable ? { unsatisfiable: grant.unsatisfiable } : {}),
    };
  }
  return { services: grant.services, actions: grant.actions };
}

function findingsFor(context: CheckContext, role: RoleInventory, checkId: HygieneCheckId): FindingDraft[] {
  const indexes = indexesFor(context);
  const analysis = indexes.trustOf(role.arn);
  if (!analysis) return [];
  const drafts: FindingDraft[] = [];
  const seen = new Set<string>();
  for (const hygiene of analysis.findings) {
    if (hygiene.checkId !== checkId) continue;
    const key = `${hygiene.statementIndex}\u0000${hygiene.providerArn ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const grant = analysis.grants.find(
      (candidate) =>
        candidate.statementIndex === hygiene.statementIndex &&
        (hygiene.providerArn === undefined ||
          (candidate.kind === 'irsa' && candidate.providerArn === hygiene.providerArn)),
    );
    const hostPath = hygiene.providerArn ? providerHostPath(hygiene.providerArn) : undefined;
    const region = hostPath ? eksIssuerRegion(hostPath) : undefined;
    const liveClusters = hostPath ? (indexes.clustersByIssuerHostPath.get(hostPath) ?? []) : [];
    const cluster = liveClusters.length === 1 ? liveClusters[0].name : undefined;
    drafts.push({
      severity: hygiene.severity,
      message: sentence(`Role ${role.name} (${role.arn}): ${hygiene.message}`),
      accountId: role.accountId,
      ...(region ? { region } : {}),
      ...(cluster ? { cluster } : {}),
      resource: { type: 'AwsIamRole', id: role.arn },
      identity: [String(hygiene.statementIndex), hygiene.providerArn ?? ''],
      evidence: {
        statementIndex: hygiene.statementIndex,
        ...(grant?.sid ? { sid: grant.sid } : {}),
        ...(hygiene.providerArn ? { providerArn: hygiene.providerArn } : {}),
        ...(liveClusters.length > 0 ? { clusters: liveClusters.map((live) => live.arn) } : {}),
        ...grantEvidence(grant),
      },
    });
  }
  return drafts;
}

/**
 * A check that turns the trust analyzer's hygiene findings of one kind into drafts: one per role,
 * statement and provider, for every role of the scanned accounts.
 */
export function hygieneCheck(meta: CheckMeta & { id: HygieneCheckId }): Check {
  return {
    meta,
    evaluate(context) {
      const drafts: FindingDraft[] = [];
      for (const role of context.inventory.roles.values())
        drafts.push(...findingsFor(context, role, meta.id));
      return drafts;
    },
  };
}
