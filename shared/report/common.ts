import {
  type CollectionSummary,
  collectionHeadline,
  summarizeCollection,
  unreadLine,
} from '../collect/verdict.js';
import type { CheckMeta } from '../model/check.js';
import { compareText } from '../model/compare.js';
import type { Finding } from '../model/finding.js';
import type { Report } from './types.js';

/** How a report is rendered. */
export interface RenderOptions {
  /** The check catalogue (metadata of every registered check): rule texts, titles, links. */
  checks: CheckMeta[];
  /** Colour the `table` format; pass true only when stdout is a terminal. Ignored by other formats. */
  color?: boolean;
  /** The baseline file path as SARIF should cite it (relative to the repository root, ideally). */
  baselineFile?: string;
  /** Heading of the Markdown and HTML reports and the table header. */
  title?: string;
}

/** Heading used when {@link RenderOptions.title} is absent. */
export const DEFAULT_TITLE = 'EKS workload identity audit';

type Scope = Report['scopes'][number];

/** Findings of one cluster, or of the account (or one region of it) when `cluster` is undefined. */
export interface ClusterGroup {
  region?: string;
  cluster?: string;
  findings: Finding[];
}

export interface AccountGroup {
  accountId: string;
  groups: ClusterGroup[];
}

/**
 * Groups findings by account, then by region and cluster. Accounts and clusters come in code-point
 * order, account- and region-wide findings before the clusters; findings keep their report order.
 */
export function groupByAccountAndCluster(findings: Finding[]): AccountGroup[] {
  const accounts = new Map<string, Map<string, ClusterGroup>>();
  for (const finding of findings) {
    let groups = accounts.get(finding.accountId);
    if (!groups) {
      groups = new Map();
      accounts.set(finding.accountId, groups);
    }
    const key = `${finding.cluster === undefined ? 0 : 1}\u0000${finding.region ?? ''}\u0000${finding.cluster ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { region: finding.region, cluster: finding.cluster, findings: [] };
      groups.set(key, group);
    }
    group.findings.push(finding);
  }
  return [...accounts.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([accountId, groups]) => ({
      accountId,
      groups: [...groups.entries()].sort(([a], [b]) => compareText(a, b)).map(([, group]) => group),
    }));
}

/** The catalogue indexed by check id. */
export function catalogueById(checks: CheckMeta[]): Map<string, CheckMeta> {
  return new Map(checks.map((check) => [check.id, check]));
}

/** `account 111122223333 / region us-east-1 / cluster prod-blue` style label of a scope. */
export function scopeLabel(scope: Scope): string {
  const parts = [`account ${scope.accountId}`];
  if (scope.region) parts.push(`region ${scope.region}`);
  if (scope.cluster) parts.push(`cluster ${scope.cluster}`);
  if (scope.level && !['account', 'region', 'cluster'].includes(scope.level)) parts.push(`(${scope.level})`);
  return parts.join(' / ');
}

/** One collection error as a line of text: `eks ListPodIdentityAssociations: AccessDeniedException: …`. */
export function errorLine(error: Scope['errors'][number]): string {
  const resource = error.resource ? ` (${error.resource})` : '';
  return `${error.service} ${error.operation}${resource}: ${error.code}: ${error.message}`;
}

/** Counts of complete and incomplete scopes. */
export function scopeCounts(report: Report): { complete: number; incomplete: number } {
  let incomplete = 0;
  for (const scope of report.scopes) if (scope.status === 'incomplete') incomplete += 1;
  return { complete: report.scopes.length - incomplete, incomplete };
}

/** Where a group of findings is: `Cluster prod-blue (ap-northeast-1)`, `Region us-east-1`, `Account-wide`. */
export function groupLabel(group: ClusterGroup): string {
  if (group.cluster) return `Cluster ${group.cluster}${group.region ? ` (${group.region})` : ''}`;
  if (group.region) return `Region ${group.region}`;
  return 'Account-wide';
}

/** The report's collection summary; reports written before it existed get one from their scopes. */
export function collectionOf(report: Report): CollectionSummary {
  return (report.collection as CollectionSummary | undefined) ?? summarizeCollection(report.scopes);
}

/**
 * What goes at the top of every format when the collection was incomplete: the headline, then one
 * line per account or region that could not be read at all. Empty when it was complete.
 */
export function collectionBanner(report: Report): { headline?: string; unread: string[] } {
  const summary = collectionOf(report);
  const headline = collectionHeadline(summary);
  return headline === undefined ? { unread: [] } : { headline, unread: summary.unread.map(unreadLine) };
}
