/**
 * The usage window and what evidence over it proves: whether a CloudTrail window covers it, whether a
 * resource is old enough to be called unused, and what IAM's `RoleLastUsed` adds. Pure evidence
 * helpers; the checks and the ledger scopes judge with them.
 */
import type { RoleInventory } from '../model/inventory.js';
import type { Coverage, EvidenceSource, UsageIndex } from './index.js';
import { DAY_MS } from './ledger.js';

/**
 * Collectors stamp `capturedAt` after the CloudTrail lookups end, so a window may stop a little
 * before it; a gap this small cannot hide a day of usage.
 */
const WINDOW_END_TOLERANCE_MS = 15 * 60 * 1000;

/** The `unusedAfterDays` window that ends at the snapshot's `capturedAt`. */
export interface UsageWindow {
  start: Date;
  end: Date;
  days: number;
  /** `start` and `end` as ISO text, written once rather than for every finding. */
  startIso: string;
  endIso: string;
}

/** The `days` long window that ends at `end`. */
export function windowEndingAt(end: Date, days: number): UsageWindow {
  const start = new Date(end.getTime() - days * DAY_MS);
  return { start, end, days, startIso: start.toISOString(), endIso: end.toISOString() };
}

/** Why a CloudTrail window cannot prove absence over the usage window, or undefined when it can. */
export function coverageGap(
  coverage: Coverage | undefined,
  window: UsageWindow,
  where: string,
): string | undefined {
  if (!coverage) return `no CloudTrail evidence was collected for ${where}`;
  if (!coverage.complete) return `CloudTrail collection for ${where} was incomplete`;
  if (Date.parse(coverage.from) > window.start.getTime()) {
    return `CloudTrail evidence for ${where} starts ${coverage.from}, after the window start ${window.startIso}`;
  }
  if (Date.parse(coverage.to) < window.end.getTime() - WINDOW_END_TOLERANCE_MS) {
    return `CloudTrail evidence for ${where} ends ${coverage.to}, before ${window.endIso}`;
  }
  return undefined;
}

/** Why a resource created at `created` is too young to be called unused, or undefined when it is old enough. */
export function ageGap(created: string | undefined, window: UsageWindow, what: string): string | undefined {
  if (!created) return `the creation time of ${what} is unknown`;
  const time = Date.parse(created);
  if (Number.isNaN(time)) return `the creation time of ${what} is not a date`;
  if (time > window.start.getTime()) return `${what} was created ${created}, within the window`;
  return undefined;
}

/** True when IAM's `RoleLastUsed` falls inside the window: the role is in use (though not which binding). */
export function roleUsedPerIam(role: RoleInventory | undefined, window: UsageWindow): boolean {
  if (!role?.lastUsedDate) return false;
  const time = Date.parse(role.lastUsedDate);
  return !Number.isNaN(time) && time >= window.start.getTime();
}

/** A use of a role that IAM reports and the CloudTrail evidence does not explain. */
export interface UnexplainedUse {
  /** IAM `RoleLastUsed.LastUsedDate`. */
  lastUsed: string;
  /** IAM `RoleLastUsed.Region`: where the role's credentials last made a request. */
  region?: string;
  /** The latest use of the role in the CloudTrail evidence, if any. */
  lastSeen?: string;
}

/**
 * IAM `RoleLastUsed` (the last request made with the role's credentials, in any region, over the
 * trailing 400 days) against the CloudTrail evidence: a last use inside the window that is later
 * than every use the collected CloudTrail shows is unexplained. It may be a session whose assume
 * was logged where no CloudTrail was collected (IRSA workloads call whichever regional STS endpoint
 * their SDK is configured for). Undefined when IAM reports no use in the window, or none later than
 * the evidence.
 */
export function unexplainedUse(
  role: RoleInventory | undefined,
  window: UsageWindow,
  usage: UsageIndex,
): UnexplainedUse | undefined {
  if (!role?.lastUsedDate || !roleUsedPerIam(role, window)) return undefined;
  const lastSeen = usage.roleUsage(role.arn)?.lastSeen;
  if (lastSeen && Date.parse(role.lastUsedDate) <= Date.parse(lastSeen)) return undefined;
  return {
    lastUsed: role.lastUsedDate,
    ...(role.lastUsedRegion ? { region: role.lastUsedRegion } : {}),
    ...(lastSeen ? { lastSeen } : {}),
  };
}

/** The unexplained use in words: `IAM reports role R last used T in REGION, later than …`. */
export function describeUnexplainedUse(roleName: string, use: UnexplainedUse): string {
  return `IAM reports role ${roleName} last used ${use.lastUsed}${use.region ? ` in ${use.region}` : ''}, later than ${use.lastSeen ? `the latest use CloudTrail shows (${use.lastSeen})` : 'any use CloudTrail shows (none)'}`;
}

/**
 * The evidence fields of an "unused" finding: what was consulted, the window, and the last sign of
 * life before it (IAM `RoleLastUsed` of the role, when `lastSeenFromRole`; else only as context).
 */
export function unusedEvidence(
  window: UsageWindow,
  consulted: EvidenceSource[],
  role: RoleInventory | undefined,
  lastSeenFromRole: boolean,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const lastSeen = lastSeenFromRole ? (role?.lastUsedDate ?? null) : null;
  return {
    lastSeen,
    source: lastSeen ? 'iam:RoleLastUsed' : null,
    eventIds: [],
    consulted,
    window: {
      from: window.startIso,
      to: window.endIso,
      days: window.days,
    },
    ...(lastSeenFromRole ? {} : { roleLastUsed: role?.lastUsedDate ?? null }),
    ...extra,
  };
}
