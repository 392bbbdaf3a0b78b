import { type AuditResult, runAudit } from './audit.js';
import type { Baseline } from './baseline/types.js';
import type { FindingDraft, UnknownOutcome } from './checks/types.js';
import { compareText } from './model/compare.js';
import type { Finding } from './model/finding.js';
import { buildReport } from './report/index.js';
import type { Report } from './report/types.js';
import { provenanceOf } from './run/provenance.js';
import { normalizeSnapshot } from './snapshot/normalize.js';
import type {
  ManagedPolicyDetail,
  RoleDetail,
  SnapshotAccount,
  SnapshotCluster,
  SnapshotRegion,
} from './snapshot/schema.js';
import type { UsageIndex, UsageIndexOptions } from './usage/index.js';

/**
 * Sharded analysis: the organization's accounts are audited in shards, and the union of the shards'
 * findings is exactly what one audit of the whole organization finds.
 *
 * Every relation between two accounts that a check follows is written down, in one of the two
 * accounts, as data that names the other: an ARN or account id of the other account (a
 * cross-account Pod Identity target role and the trust that lets the source role in, an association
 * whose role is elsewhere, CloudTrail evidence about another account's role), or the OIDC issuer of
 * a cluster the account does not own (cross-account IRSA: the role and its provider here, the
 * cluster there). So each account publishes, beside its part, its *join facts*: the account reduced
 * to its scope statuses, clusters and OIDC providers (small, and read by "no live cluster has this
 * issuer" questions anywhere) plus every role, association and CloudTrail event that names another
 * account or a foreign issuer. A shard audits its own accounts in full with every other account's
 * join facts as context and keeps the findings about its own accounts. The one relation the data of
 * neither side shows — an association or declaration naming a role in another account whose trust
 * does not name this one — is resolved by reading that role from its owner's part
 * ({@link unresolvedRoleReferences}).
 */

/** Twelve digits standing alone: an account id, in an ARN or as a bare principal. */
const ACCOUNT_ID = /(?<![0-9])[0-9]{12}(?![0-9])/g;
/** An EKS cluster's OIDC issuer host path (`oidc.eks.R.amazonaws.com/id/ID`). */
const EKS_ISSUER = /oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/id\/[A-Za-z0-9]+/g;
/** An IAM role ARN: its account and its name (the last path segment). */
const ROLE_ARN = /arn:aws[a-z-]*:iam::([0-9]{12}):role\/(?:[^"\s]*\/)?([^"\s/]+)/g;

/** JSON of a value with URL-encoded strings (IAM's policy documents) decoded, for the marker scan. */
function decodedText(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) => {
    if (typeof entry !== 'string' || !entry.includes('%')) return entry;
    try {
      return decodeURIComponent(entry);
    } catch {
      return entry;
    }
  });
}

/** The EKS issuers of an account's own clusters. */
function ownIssuers(account: SnapshotAccount): Set<string> {
  const issuers = new Set<string>();
  for (const region of account.regions ?? [])
    for (const cluster of region.clusters ?? [])
      for (const issuer of JSON.stringify(cluster.cluster).match(EKS_ISSUER) ?? []) issuers.add(issuer);
  return issuers;
}

/** Whether a datum of `accountId` names another account or an issuer of no cluster of its own. */
function namesAnother(value: unknown, accountId: string, issuers: ReadonlySet<string>): boolean {
  const text = decodedText(value);
  for (const id of text.match(ACCOUNT_ID) ?? []) if (id !== accountId) return true;
  for (const issuer of text.match(EKS_ISSUER) ?? []) if (!issuers.has(issuer)) return true;
  return false;
}

/**
 * The join facts of one collected account: a snapshot v1 account that keeps every error (so every
 * scope's completeness is the same), every cluster with its add-ons, node groups and Fargate
 * profiles, every OIDC provider and the CloudTrail windows' bounds, but only the roles,
 * associations and CloudTrail events that name another account or a foreign issuer (with the
 * managed policies those roles attach). Small: a few kilobytes for an account without
 * cross-account relations.
 */
export function joinFactsOf(account: SnapshotAccount): SnapshotAccount {
  const { accountId } = account;
  const issuers = ownIssuers(account);
  const foreign = (value: unknown) => namesAnother(value, accountId, issuers);
  const facts: SnapshotAccount = { accountId, ...(account.errors ? { errors: account.errors } : {}) };
  if (account.iam) {
    const roles = account.iam.roles.filter(foreign);
    facts.iam = {
      roles,
      ...(account.iam.policies ? { policies: policiesOf(roles, account.iam.policies) } : {}),
      ...(account.iam.openIdConnectProviders
        ? { openIdConnectProviders: account.iam.openIdConnectProviders }
        : {}),
      ...(account.iam.errors ? { errors: account.iam.errors } : {}),
    };
  }
  if (account.regions) facts.regions = account.regions.map((region) => regionFacts(region, foreign));
  return facts;
}

function regionFacts(region: SnapshotRegion, foreign: (value: unknown) => boolean): SnapshotRegion {
  return {
    region: region.region,
    ...(region.errors ? { errors: region.errors } : {}),
    ...(region.clusters
      ? {
          clusters: region.clusters.map(
            (cluster): SnapshotCluster => ({
              ...cluster,
              ...(cluster.podIdentityAssociations
                ? { podIdentityAssociations: cluster.podIdentityAssociations.filter(foreign) }
                : {}),
            }),
          ),
        }
      : {}),
    ...(region.cloudTrail
      ? { cloudTrail: { ...region.cloudTrail, events: region.cloudTrail.events.filter(foreign) } }
      : {}),
  };
}

/** The managed policies these roles attach. */
function policiesOf(
  roles: readonly RoleDetail[],
  policies: readonly ManagedPolicyDetail[],
): ManagedPolicyDetail[] {
  const attached = new Set(
    roles.flatMap((role) => (role.AttachedManagedPolicies ?? []).map((policy) => policy.PolicyArn)),
  );
  return policies.filter((policy) => attached.has(policy.Arn));
}

/**
 * Role names, by account, that the shard's own accounts (or the baseline's declarations) name in
 * another planned account and that the context does not hold: roles whose trust does not name the
 * referring account (a misconfigured Pod Identity target, a declared role in another account), so
 * their owner's join facts left them out. Read them from the owner's part and add them with
 * {@link withRoles}.
 */
export function unresolvedRoleReferences(input: {
  own: readonly SnapshotAccount[];
  context: readonly SnapshotAccount[];
  baseline: Baseline;
}): Map<string, Set<string>> {
  const contextAccounts = new Map(input.context.map((account) => [account.accountId, account]));
  const known = new Set(
    input.context.flatMap((account) =>
      (account.iam?.roles ?? []).map((role) => `${account.accountId}/${role.RoleName}`),
    ),
  );
  const wanted = new Map<string, Set<string>>();
  const scan = (text: string) => {
    for (const [, accountId, name] of text.matchAll(ROLE_ARN)) {
      if (!accountId || !name || !contextAccounts.has(accountId)) continue;
      if (known.has(`${accountId}/${name}`)) continue;
      const names = wanted.get(accountId) ?? new Set<string>();
      names.add(name);
      wanted.set(accountId, names);
    }
  };
  for (const account of input.own)
    for (const region of account.regions ?? [])
      for (const cluster of region.clusters ?? [])
        scan(
          decodedText([
            cluster.podIdentityAssociations,
            cluster.addons,
            cluster.nodegroups,
            cluster.fargateProfiles,
          ]),
        );
  scan(decodedText(input.baseline.clusters));
  return wanted;
}

/** The account's join facts with these roles of its part (and the managed policies they attach) added. */
export function withRoles(
  facts: SnapshotAccount,
  part: SnapshotAccount,
  names: ReadonlySet<string>,
): SnapshotAccount {
  if (!facts.iam || !part.iam) return facts;
  const present = new Set(facts.iam.roles.map((role) => role.RoleName));
  const added = part.iam.roles.filter((role) => names.has(role.RoleName) && !present.has(role.RoleName));
  if (added.length === 0) return facts;
  const roles = [...facts.iam.roles, ...added];
  const policies = part.iam.policies ? policiesOf(roles, part.iam.policies) : facts.iam.policies;
  return { ...facts, iam: { ...facts.iam, roles, ...(policies ? { policies } : {}) } };
}

/**
 * The context accounts whose usage ledgers a shard reads besides its own (ledger mode): those whose
 * join facts name one of the shard's accounts or an EKS issuer the shard's data names (its
 * clusters', its providers', its trust policies'). Evidence about a shard's roles, associations and
 * issuers is logged in its own accounts or in these; an account whose cross-account relations lead
 * elsewhere is not read.
 */
export function linkedAccounts(
  own: readonly SnapshotAccount[],
  context: readonly SnapshotAccount[],
): Set<string> {
  const ownIds = new Set(own.map((account) => account.accountId));
  const issuers = new Set<string>();
  for (const account of own)
    for (const issuer of decodedText(account).match(EKS_ISSUER) ?? []) issuers.add(issuer);
  const linked = new Set<string>();
  for (const facts of context) {
    const text = decodedText([
      facts.iam?.roles,
      (facts.regions ?? []).map((region) => [
        region.cloudTrail?.events,
        (region.clusters ?? []).map((cluster) => cluster.podIdentityAssociations),
      ]),
    ]);
    const names =
      (text.match(ACCOUNT_ID) ?? []).some((id) => ownIds.has(id)) ||
      (text.match(EKS_ISSUER) ?? []).some((issuer) => issuers.has(issuer));
    if (names) linked.add(facts.accountId);
  }
  return linked;
}

/** Splits the planned accounts, in plan order, into shards of at most `size` accounts. */
export function planShards<T>(accounts: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`shard size must be a positive integer, got ${size}`);
  const shards: T[][] = [];
  for (let start = 0; start < accounts.length; start += size)
    shards.push(accounts.slice(start, start + size));
  return shards;
}

/** What one shard found: only what concerns its own accounts. */
export interface ShardAudit {
  /** The findings about the shard's accounts, in report order. */
  findings: Finding[];
  /** The scopes of the shard's accounts. */
  scopes: Report['scopes'];
  /** Usage questions left undecided, by resource (sorted, distinct): counted once over the shards. */
  usageUnknown: string[];
  /** Absence claims withheld, by finding id (sorted, distinct): counted once over the shards. */
  absenceUnknown: string[];
  /** Finding ids withheld as undecided (sorted, distinct), for the publish diff. */
  undecided: string[];
}

/** What {@link auditShard} judges. */
export interface ShardAuditInput {
  /** The shard's own accounts, as collected. */
  own: readonly SnapshotAccount[];
  /** Every other planned account's join facts (with resolved role references). */
  context: readonly SnapshotAccount[];
  /**
   * Whether this shard also keeps the findings about no planned account (expired baseline
   * exceptions, declared accounts that were not planned): exactly one shard of a run does.
   */
  keepsUnplanned: boolean;
  capturedAt: string;
  baseline: Baseline;
  runId: string;
  startedAt: string;
  finishedAt: string;
  /** Usage evidence from ledgers (ledger mode), for the inventory the shard builds. */
  usageIndex?: (inventory: ReturnType<typeof normalizeSnapshot>) => {
    inventory: ReturnType<typeof normalizeSnapshot>;
    usageIndex: (options: UsageIndexOptions) => UsageIndex;
  };
}

/** Sorted distinct strings. */
function distinctSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareText);
}

/**
 * Audits one shard: the shard's accounts in full, every other planned account as join facts, and
 * keeps what concerns the shard's accounts. The union of every shard's findings over a run is the
 * whole organization's, ids and all (`test/audit/sharded-audit.test.ts` holds it to that).
 */
export function auditShard(input: ShardAuditInput): ShardAudit {
  const ownIds = new Set(input.own.map((account) => account.accountId));
  const planned = new Set([...ownIds, ...input.context.map((account) => account.accountId)]);
  const keeps = (accountId: string) =>
    ownIds.has(accountId) || (input.keepsUnplanned && !planned.has(accountId));
  const collected = normalizeSnapshot({
    snapshotVersion: 1,
    capturedAt: input.capturedAt,
    accounts: [...input.own, ...input.context],
  });
  const usage = input.usageIndex?.(collected);
  const usageUnknown: string[] = [];
  const absenceUnknown: string[] = [];
  const undecided: string[] = [];
  const audit: AuditResult = runAudit({
    inventory: usage?.inventory ?? collected,
    baseline: input.baseline,
    runId: input.runId,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    ...(usage ? { usageIndex: usage.usageIndex } : {}),
    onUnknown: (outcome: UnknownOutcome, claim?: FindingDraft) => {
      // Usage and absence questions come from the engine with the claim, which names its account.
      if (!claim || !keeps(claim.accountId)) return;
      if (outcome.kind === 'usage') usageUnknown.push(outcome.resourceId);
      if (outcome.kind === 'absence' && outcome.findingId) absenceUnknown.push(outcome.findingId);
      if (outcome.findingId) undecided.push(outcome.findingId);
    },
  });
  return {
    findings: audit.report.findings.filter((finding) => keeps(finding.accountId)),
    scopes: audit.report.scopes.filter((scope) => ownIds.has(scope.accountId)),
    usageUnknown: distinctSorted(usageUnknown),
    absenceUnknown: distinctSorted(absenceUnknown),
    undecided: distinctSorted(undecided),
  };
}

/** What {@link mergeShardAudits} needs besides the shards. */
export interface MergeInput {
  runId: string;
  startedAt: string;
  finishedAt: string;
  baseline: Baseline;
}

/**
 * The whole run's report from its shards' audits, as one audit of the whole organization would
 * have built it: findings and scopes are the shards' own (disjoint), and an undecided question is
 * counted once however many shards saw it.
 */
export function mergeShardAudits(shards: readonly ShardAudit[], input: MergeInput): Report {
  return buildReport({
    runId: input.runId,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    baseline: provenanceOf(input.baseline),
    scopes: shards.flatMap((shard) => shard.scopes),
    findings: shards.flatMap((shard) => shard.findings),
    usageUnknown: new Set(shards.flatMap((shard) => shard.usageUnknown)).size,
    absenceUnknown: new Set(shards.flatMap((shard) => shard.absenceUnknown)).size,
  });
}
