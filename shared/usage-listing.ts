import { emptyBaseline } from './baseline/index.js';
import type { Baseline } from './baseline/types.js';
import { evaluateCheck } from './checks/evaluate.js';
import { usageIndexFor, usageWindow } from './checks/support/usage.js';
import type { CheckContext, FindingDraft, UnknownOutcome } from './checks/types.js';
import { check as IRSA_BINDING_UNUSED } from './checks/usage/IRSA_BINDING_UNUSED.js';
import { check as PI_ASSOCIATION_UNUSED } from './checks/usage/PI_ASSOCIATION_UNUSED.js';
import { compareText } from './model/compare.js';
import type { Inventory } from './model/inventory.js';
import type { EvidenceSource, UsageSummary } from './usage/index.js';

/** Whether a workload identity was used in the window, provably not, or cannot be told. */
export type UsageStatus = 'used' | 'unused' | 'unknown';

/** One workload identity (cluster, namespace, service account → role) and its usage. */
export interface WorkloadIdentityUsage {
  via: 'pod-identity' | 'irsa';
  accountId: string;
  region: string;
  /** Undefined for IRSA tokens from an issuer that belongs to no collected cluster. */
  cluster?: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  status: UsageStatus;
  /** Sessions in the window. */
  count: number;
  /** Latest sign of use: CloudTrail inside the window, else IAM RoleLastUsed of the role. */
  lastSeen: string | null;
  source: EvidenceSource | null;
  /** Why the status is unknown. */
  reason?: string;
}

export interface UsageListing {
  window: { from: string; to: string; days: number };
  identities: WorkloadIdentityUsage[];
}

const WORKLOAD_ID = /^arn:[^:]+:eks:([^:]+):(\d{12}):cluster\/(.+)\/serviceaccount\/([^/]+)\/([^/]+)$/;

/** The IRSA row of a workload identity id and role, or undefined when either is not one. */
function irsaRow(
  workloadId: string,
  roleArn: string | undefined,
): Omit<WorkloadIdentityUsage, 'status' | 'count' | 'lastSeen' | 'source'> | undefined {
  const match = WORKLOAD_ID.exec(workloadId);
  if (!match || !roleArn) return undefined;
  return {
    via: 'irsa',
    accountId: match[2],
    region: match[1],
    cluster: match[3],
    namespace: match[4],
    serviceAccount: match[5],
    roleArn,
  };
}

/**
 * Lists every workload identity with its status over the baseline's window: Pod Identity
 * associations and IRSA bindings (decided exactly as PI_ASSOCIATION_UNUSED and IRSA_BINDING_UNUSED
 * decide), plus identities CloudTrail shows in use that no collected association or trust names.
 * Every collected account is listed, declared in the baseline or not.
 *
 * @example listWorkloadUsage({ inventory, baseline, usageIndex }).identities.filter((i) => i.status === 'unused')
 */
export function listWorkloadUsage(input: {
  inventory: Inventory;
  baseline?: Baseline;
  usageIndex?: CheckContext['usageIndex'];
}): UsageListing {
  const { inventory } = input;
  const base = input.baseline ?? emptyBaseline();
  const baseline: Baseline = {
    ...base,
    accounts: [
      ...new Set([...base.accounts, ...inventory.accounts.map((account) => account.accountId)]),
    ].sort(),
  };
  const unknowns: UnknownOutcome[] = [];
  const context: CheckContext = {
    inventory,
    baseline,
    now: new Date(inventory.capturedAt),
    recordUnknown: (outcome) => unknowns.push(outcome),
    ...(input.usageIndex ? { usageIndex: input.usageIndex } : {}),
  };
  const window = usageWindow(context);
  const usage = usageIndexFor(context);
  const rows = new Map<string, WorkloadIdentityUsage>();
  const key = (
    row: Pick<
      WorkloadIdentityUsage,
      'via' | 'accountId' | 'region' | 'cluster' | 'namespace' | 'serviceAccount' | 'roleArn'
    >,
  ) =>
    [
      row.via,
      row.accountId,
      row.region,
      row.cluster ?? '',
      row.namespace,
      row.serviceAccount,
      row.roleArn,
    ].join('\u0000');
  const lastUsedOf = (roleArn: string) => inventory.roles.get(roleArn)?.lastUsedDate ?? null;
  const usedRow = (
    row: Omit<WorkloadIdentityUsage, 'status' | 'count' | 'lastSeen' | 'source'>,
    summary: UsageSummary,
  ): WorkloadIdentityUsage => ({
    ...row,
    status: 'used',
    count: summary.count,
    lastSeen: summary.lastSeen,
    source: summary.sources[0] ?? null,
  });
  const notUsedRow = (
    row: Omit<WorkloadIdentityUsage, 'status' | 'count' | 'lastSeen' | 'source'>,
    status: UsageStatus,
    reason?: string,
  ): WorkloadIdentityUsage => {
    const lastUsed = lastUsedOf(row.roleArn);
    return {
      ...row,
      status,
      count: 0,
      lastSeen: lastUsed,
      source: lastUsed ? 'iam:RoleLastUsed' : null,
      ...(reason ? { reason } : {}),
    };
  };

  // Pod Identity: every association of a collected account.
  const unusedAssociations = new Set(
    evaluateCheck(PI_ASSOCIATION_UNUSED, context).map((draft) => draft.resource.id),
  );
  // Looked up once per association, so indexed rather than searched.
  const undecidedAssociations = new Map(
    unknowns
      .filter((outcome) => outcome.checkId === PI_ASSOCIATION_UNUSED.meta.id)
      .map((outcome) => [outcome.resourceId, outcome.reason]),
  );
  for (const association of inventory.associations) {
    const row = {
      via: 'pod-identity' as const,
      accountId: association.accountId,
      region: association.region,
      cluster: association.clusterName,
      namespace: association.namespace,
      serviceAccount: association.serviceAccount,
      roleArn: association.roleArn,
    };
    const summary =
      usage.podIdentityUsage(
        row.accountId,
        row.region,
        row.cluster,
        row.namespace,
        row.serviceAccount,
        row.roleArn,
      ) ?? (association.disableSessionTags ? usage.untaggedPodIdentityUsage(row.roleArn) : undefined);
    rows.set(
      key(row),
      summary
        ? usedRow(row, summary)
        : unusedAssociations.has(association.associationArn)
          ? notUsedRow(row, 'unused')
          : notUsedRow(
              row,
              'unknown',
              undecidedAssociations.get(association.associationArn) ?? 'no decision was possible',
            ),
    );
  }

  // IRSA: bindings the trust grants, unused or undecided; used ones come from the evidence below.
  const irsaDrafts: FindingDraft[] = evaluateCheck(IRSA_BINDING_UNUSED, context);
  for (const draft of irsaDrafts) {
    const roleArn = String((draft.evidence as { roleArn?: unknown }).roleArn ?? '');
    const row = irsaRow(draft.resource.id, roleArn);
    if (row) rows.set(key(row), notUsedRow(row, 'unused'));
  }
  for (const outcome of unknowns) {
    if (outcome.checkId !== IRSA_BINDING_UNUSED.meta.id) continue;
    const [workloadId, roleArn] = outcome.resourceId.split(' ');
    const row = irsaRow(workloadId, roleArn);
    if (row) rows.set(key(row), notUsedRow(row, 'unknown', outcome.reason));
  }

  // Everything CloudTrail shows in use (IRSA bindings, and sessions of since-deleted associations).
  for (const workload of usage.workloads()) {
    const row = {
      via: workload.via,
      accountId: workload.accountId,
      region: workload.region,
      ...(workload.clusterName ? { cluster: workload.clusterName } : {}),
      namespace: workload.namespace,
      serviceAccount: workload.serviceAccount,
      roleArn: workload.roleArn,
    };
    rows.set(key(row), usedRow(row, workload.usage));
  }

  return {
    window: { from: window.start.toISOString(), to: window.end.toISOString(), days: window.days },
    identities: [...rows.entries()].sort(([a], [b]) => compareText(a, b)).map(([, row]) => row),
  };
}
