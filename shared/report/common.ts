import { type CollectionSummary, summarizeCollection } from '../collect/verdict.js';
import { en } from '../i18n/en.js';
import type { Language } from '../i18n/language.js';
import type { Messages } from '../i18n/types.js';
import type { CheckMeta } from '../model/check.js';
import { compareText } from '../model/compare.js';
import type { Finding } from '../model/finding.js';
import { mapLevel } from '../parts-map.js';
import { type Localizer, localizer } from './localize.js';
import type { TrendPoint } from './trend.js';
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
  /** Language of the text the human formats print (default English); identifiers stay as they are. */
  language?: Language;
  /** `table`: print each open finding's fix under it (default true; `--no-remediation` turns it off). */
  remediation?: boolean;
  /** `html`: the stored run history, oldest first, for the trend chart (the nightly report has it). */
  trend?: TrendPoint[];
  /**
   * `markdown` and `html`: list at most this many findings, the most severe first, and say where
   * the complete list is (the stored reports of a large organization; counts stay complete).
   */
  maxListedFindings?: number;
  /** Where the JSON report with every finding is, for the sentence under a capped list. */
  completeReport?: string;
}

/**
 * The findings a human-read report lists: all of them, or the first `maxListedFindings` (the
 * report's order is most severe first), and the sentence that says so when some are left out.
 */
export function listedFindings(
  report: Report,
  options: RenderOptions,
  localized: Localizer,
): { findings: Report['findings']; note?: string } {
  const max = options.maxListedFindings;
  if (max === undefined || report.findings.length <= max) return { findings: report.findings };
  return {
    findings: report.findings.slice(0, max),
    note: localized.t.listedFindings(max, report.findings.length, options.completeReport),
  };
}

/** Heading used when {@link RenderOptions.title} is absent. */
export const DEFAULT_TITLE = en.defaultTitle;

/** The finding text and renderer messages of the options' language. */
export function localizerFor(options: RenderOptions): Localizer {
  return localizer(options.language, options.checks);
}

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
    const groups = mapLevel(accounts, finding.accountId);
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
export function scopeLabel(scope: Scope, t: Messages = en): string {
  const parts = [t.scopeAccount(scope.accountId)];
  if (scope.region) parts.push(t.scopeRegion(scope.region));
  if (scope.cluster) parts.push(t.scopeCluster(scope.cluster));
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
export function groupLabel(group: ClusterGroup, t: Messages = en): string {
  if (group.cluster) return t.groupCluster(group.cluster, group.region);
  if (group.region) return t.groupRegion(group.region);
  return t.groupAccountWide;
}

/** The report's collection summary; reports written before it existed get one from their scopes. */
export function collectionOf(report: Report): CollectionSummary {
  return (report.collection as CollectionSummary | undefined) ?? summarizeCollection(report.scopes);
}

/**
 * What goes at the top of every format when the collection was incomplete: the headline, then one
 * line per account or region that could not be read at all. Empty when it was complete.
 */
export function collectionBanner(
  report: Report,
  text: Localizer = localizer('en', []),
): { headline?: string; unread: string[] } {
  return text.collectionBanner(collectionOf(report), report.scopes);
}

/**
 * The summary line that says whether the collection was complete, with its `COMPLETE` or
 * `INCOMPLETE` status (the report's `collection` field).
 */
export function collectionLine(report: Report, t: Messages = en): string {
  const summary = collectionOf(report);
  const incomplete = Math.max(scopeCounts(report).incomplete, summary.incompleteScopes);
  const scopes = Math.max(report.scopes.length, incomplete);
  return summary.status === 'complete' && incomplete === 0
    ? t.collectionComplete(scopes)
    : t.collectionIncomplete(incomplete, scopes, summary.unread.length);
}

/**
 * The usage evidence line (`Usage evidence (organization trail): usage known for 18 of 20
 * account-regions, …`), put beside the collection status; undefined when the report carries no
 * `usageEvidence` (usage did not come from ledgers).
 */
export function usageEvidenceLine(report: Report, t: Messages = en): string | undefined {
  const evidence = report.usageEvidence;
  if (!evidence) return undefined;
  return `${t.usageEvidenceLabel(evidence.source)} ${t.usageEvidence(evidence)}`;
}

/** True when the report says usage is not yet known for every planned account-region. */
export function usageStillUnknown(report: Report): boolean {
  const evidence = report.usageEvidence;
  return evidence !== undefined && evidence.known < evidence.total;
}
