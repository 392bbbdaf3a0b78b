import { indexesFor } from '../../checks/support/indexes.js';
import type { RoleInventory } from '../../model/inventory.js';
import { clause } from '../../text.js';
import type { IrsaGrant } from '../../trust/types.js';
import { irsaGrantsOf } from '../../trust/workload.js';
import {
  type Cleanup,
  cleanupOf,
  type Deletion,
  deletionOf,
  mergeDeletions,
  notPlanned,
  withheldRemediation,
} from '../cleanup.js';
import {
  type CutoverCheck,
  type CutoverContext,
  type CutoverDraft,
  type CutoverRun,
  oncePerRun,
  type PlanEffects,
} from '../context.js';
import { removeOldIssuer } from '../trust-policy.js';
import { ANY_SUBJECT, irsaKey } from '../workloads.js';

/** A role still trusts OLD's issuer after the switch. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_OLD_ISSUER_STILL_TRUSTED',
    phase: 'post',
    category: 'cutover',
    title: "A role still trusts the old cluster's issuer",
    severity: 'MEDIUM',
    description:
      "After the switch, a trust statement still grants tokens from OLD's OIDC issuer; it takes space in the 2,048-character trust policy and is a stale grant once OLD is gone. The plan removes a statement only when NEW serves every subject it grants (the evaluator admits the subject from NEW's issuer and NEW's provider exists) and the data it rests on is complete.",
    remediation:
      "Remove OLD's statements (the plan gives the full policy): `aws iam update-assume-role-policy --role-name ROLE --policy-document file://ROLE-trust-policy.json`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
  },
  evaluate: (context) => oldIssuerTrust(context).drafts,
};

/** What the post phase does about the roles that trust OLD's issuer. */
export interface OldIssuerTrust {
  drafts: CutoverDraft[];
  /** Role ARN → the statements the plan removes OLD's issuer from. */
  removed: Map<string, Set<number>>;
}

/**
 * Roles still trusting OLD's issuer (worked out once per run: the provider's clean-up needs to know
 * which grants the plan removes). A statement loses OLD's issuer only when NEW serves every subject
 * it grants; the others stay.
 */
export const oldIssuerTrust: (context: CutoverContext) => OldIssuerTrust = oncePerRun(findOldIssuerTrust);

/** Statement index → the OLD-issuer subjects it grants (unsatisfiable grants serve no one). */
function oldStatements(grants: IrsaGrant[]): Map<number, string[]> {
  const statements = new Map<number, string[]>();
  for (const grant of grants) {
    const subjects = statements.get(grant.statementIndex) ?? [];
    if (!grant.unsatisfiable) subjects.push(...(grant.subjects ?? [ANY_SUBJECT]));
    statements.set(grant.statementIndex, subjects);
  }
  return statements;
}

/** Whether one statement of OLD's issuer may lose it: NEW serves every subject it grants. */
function statementDeletion(
  run: CutoverRun,
  cleanup: Cleanup,
  role: RoleInventory,
  index: number,
  subjects: string[],
): Deletion {
  for (const subject of new Set(subjects)) {
    const serving = cleanup.serving(irsaKey(subject, role.arn));
    if (serving.state === 'served') continue;
    return {
      planned: false,
      status: serving.state,
      reason: `statement ${index} grants ${subject === ANY_SUBJECT ? 'every service account' : subject}, and ${serving.state === 'unknown' ? `whether ${run.input.to} serves it is unknown` : `${run.input.to} does not serve it`}: ${clause(serving.reason)}`,
    };
  }
  return { planned: true };
}

function findOldIssuerTrust(context: CutoverContext): OldIssuerTrust {
  const { run, inventory } = context;
  const { oldIssuers, clusters, input } = run;
  const trust: OldIssuerTrust = { drafts: [], removed: new Map() };
  if (oldIssuers.size === 0) return trust;
  const cleanup = cleanupOf(context);
  const indexes = indexesFor(context);
  for (const role of inventory.roles.values()) {
    const grants = irsaGrantsOf(indexes.trustOf(role.arn)).filter((grant) =>
      oldIssuers.has(grant.issuerHostPath),
    );
    if (grants.length === 0) continue;
    const hosts = [...new Set(grants.map((grant) => grant.issuerHostPath))];
    const workloads = run.workloads
      .filter((workload) => workload.mechanism === 'irsa' && workload.roleArn === role.arn)
      .map((workload) => workload.key);
    const removable = new Set<number>();
    const kept: Array<Exclude<Deletion, { planned: true }>> = [];
    for (const [index, subjects] of oldStatements(grants)) {
      const deletion = deletionOf(cleanup, [cleanup.iamGap(role.accountId)], () =>
        statementDeletion(run, cleanup, role, index, subjects),
      );
      if (deletion.planned) removable.add(index);
      else kept.push(deletion);
    }
    const change =
      removable.size > 0 ? removeOldIssuer(role, hosts, clusters.new.issuerHostPath, removable) : undefined;
    if (change) trust.removed.set(role.arn, new Set(change.statements));
    const withheld = kept.length > 0 ? mergeDeletions(kept) : undefined;
    // The updated policy and the withheld statements belong to the role: planned with its first finding.
    let plan: PlanEffects | undefined = {
      ...(change ? { trustPolicy: change } : {}),
      ...(change?.command
        ? {
            commands: [
              {
                description: `Remove ${input.from}'s issuer from role ${role.name}${kept.length > 0 ? ` (statements ${[...removable].join(', ')} only)` : ''}`,
                command: change.command,
              },
            ],
          }
        : {}),
      ...(withheld ? { withheld: { status: withheld.status, reason: withheld.reason, workloads } } : {}),
    };
    const resource = { type: 'AwsIamRole' as const, id: role.arn };
    const subjects = grants.flatMap((grant) => grant.subjects ?? [ANY_SUBJECT]);
    for (const host of hosts) {
      const planned = change
        ? change.policy === null
          ? `; it trusts nothing else${workloads.length > 0 ? `, so ${input.to}'s workloads cannot use it either: add ${input.to}'s issuer first (cutover --phase pre)` : ': delete the role once nothing uses it'}`
          : change.message
            ? `; ${change.message}`
            : ''
        : '';
      trust.drafts.push({
        message: `Role ${role.name} (${role.arn}) still trusts ${host} (${oldIssuers.get(host)?.why}) for ${[...new Set(subjects)].join(', ')}${planned}${withheld ? notPlanned(withheld) : ''}`,
        accountId: role.accountId,
        region: clusters.region,
        resource,
        workloads,
        identity: [host],
        evidence: {
          issuerHostPath: host,
          statements: grants
            .filter((grant) => grant.issuerHostPath === host)
            .map((grant) => grant.statementIndex),
          subjects,
          removedStatements: change ? change.statements : [],
          ...(withheld ? { withheld: { status: withheld.status, reason: withheld.reason } } : {}),
        },
        remediation: change?.command
          ? `${change.command} (the plan gives ${change.file})`
          : change?.message
            ? change.message
            : withheld
              ? withheldRemediation(withheld.status, input)
              : `Remove the statements naming ${host} from the trust policy of ${role.name}.`,
        ...(plan && Object.keys(plan).length > 0 ? { plan } : {}),
      });
      plan = undefined;
    }
  }
  return trust;
}
