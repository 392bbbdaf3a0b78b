/**
 * Test support for engine and check tests: a small realistic estate (one workloads account, a
 * blue/green logical cluster) built with the snapshot builder, baselines written as YAML, and
 * helpers that run one check the way the engine does.
 */
import { stringify } from 'yaml';
import { parseBaseline } from '../../shared/baseline/index.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { evaluateCheck } from '../../shared/checks/evaluate.js';
import type { Check, FindingDraft, UnknownOutcome } from '../../shared/checks/types.js';
import type { Inventory } from '../../shared/model/inventory.js';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import {
  type AccountBuilder,
  irsaTrust,
  oidcIdFor,
  podIdentityTrust,
  type RegionBuilder,
  roleArnOf,
  type SnapshotBuilder,
  snapshot,
} from '../support/snapshot-builder.js';

export const WORKLOADS = '111122223333';
export const DATA = '444455556666';
export const OTHER = '555566667777';
export const REGION = 'ap-northeast-1';
export const NOW = '2026-11-29T02:00:00Z';
/** Older than every 90-day window ending at NOW. */
export const LONG_AGO = '2025-06-01T00:00:00Z';
/** Inside the 90-day window ending at NOW. */
export const RECENTLY = '2026-11-20T10:00:00Z';

export const roleArn = (name: string, account = WORKLOADS) => roleArnOf(account, name);

/** Normalizes a builder's snapshot exactly as `audit --snapshot` would. */
export function inventoryOf(builder: SnapshotBuilder): Inventory {
  return normalizeSnapshot(parseSnapshot(builder.build(), 'snapshot.json'));
}

export interface BaselineSpec {
  members?: string[];
  podIdentity?: Array<Record<string, unknown>>;
  irsa?: Array<Record<string, unknown>>;
  accounts?: string[];
  exceptions?: Array<Record<string, unknown>>;
  unusedAfterDays?: number;
  clusters?: Record<string, { account: string; region: string; members: string[] }>;
}

/** A baseline with logical cluster `prod` (members default to prod-blue) parsed from YAML, with line numbers. */
export function baselineOf(spec: BaselineSpec = {}): Baseline {
  const document: Record<string, unknown> = {
    version: 1,
    settings: { unusedAfterDays: spec.unusedAfterDays ?? 90 },
    clusters: spec.clusters ?? {
      prod: { account: WORKLOADS, region: REGION, members: spec.members ?? ['prod-blue'] },
    },
    podIdentity: spec.podIdentity ?? [],
    irsa: spec.irsa ?? [],
  };
  if (spec.accounts) document.accounts = spec.accounts;
  if (spec.exceptions) document.exceptions = spec.exceptions;
  return parseBaseline(stringify(document), 'baseline.yaml');
}

/** A declared Pod Identity binding on logical cluster prod. */
export function pi(
  namespace: string,
  serviceAccount: string,
  role: string,
  extra: Record<string, unknown> = {},
) {
  return {
    cluster: 'prod',
    namespace,
    serviceAccount,
    roleArn: role.startsWith('arn:') ? role : roleArn(role),
    ...extra,
  };
}

/** A declared IRSA binding on logical cluster prod. */
export function irsa(namespace: string, serviceAccount: string, role: string) {
  return {
    cluster: 'prod',
    namespace,
    serviceAccount,
    roleArn: role.startsWith('arn:') ? role : roleArn(role),
  };
}

/** The IRSA trust for a service account of the named clusters' issuers in the workloads account. */
export function irsaTrustFor(
  clusters: string[],
  subject: string | string[] | null,
  operator?: 'StringEquals' | 'StringLike',
) {
  const statements = clusters.flatMap(
    (cluster) =>
      irsaTrust({
        accountId: WORKLOADS,
        region: REGION,
        oidcId: oidcIdFor(cluster),
        subject,
        subjectOperator: operator,
      }).Statement,
  );
  return { Version: '2012-10-17', Statement: statements };
}

/** The standard snapshot: workloads account with the given roles and region contents. */
export function estate(
  build: { account?: (account: AccountBuilder) => unknown; region?: (region: RegionBuilder) => unknown } = {},
): SnapshotBuilder {
  return snapshot({ capturedAt: NOW }).account(WORKLOADS, (account) => {
    build.account?.(account);
    account.region(REGION, (region) => build.region?.(region));
  });
}

export { podIdentityTrust };

/** What a check returned, and what it declined to decide. */
export interface CheckRun {
  drafts: FindingDraft[];
  unknowns: UnknownOutcome[];
}

/** Runs one check as the engine does (now = capturedAt; absence claims from complete evidence only). */
export function runCheck(check: Check, inventory: Inventory, baseline: Baseline): CheckRun {
  const unknowns: UnknownOutcome[] = [];
  const drafts = evaluateCheck(check, {
    inventory,
    baseline,
    now: new Date(inventory.capturedAt),
    recordUnknown: (outcome) => unknowns.push(outcome),
  });
  return { drafts, unknowns };
}

/** Resource ids of the drafts, sorted. */
export function resources(run: CheckRun | FindingDraft[]): string[] {
  const drafts = Array.isArray(run) ? run : run.drafts;
  return drafts.map((draft) => draft.resource.id).sort();
}
