import type { FailureCause } from '../aws/errors.js';
import type { CollectionSummary, UnreadScope } from '../collect/verdict.js';
import type { FindingFacts, FindingLike } from '../model/facts.js';
import type { CheckCategory } from '../model/finding.js';
import type { CollectionError } from '../model/scope.js';
import type { BackfillFacts, BackfillSummary } from '../usage/backfill.js';
import type { Language } from './language.js';

/** Counts by severity, as `CRITICAL 2, HIGH 8, …` text (severity names stay as they are in every language). */
export type SeverityCounts = string;

/** The text of one check in one language: what reports, the catalogue and SARIF rules show. */
export interface CheckText {
  title: string;
  description: string;
  /**
   * The remediation template: prose with the commands in code spans and placeholders such as
   * `ROLE_NAME` where a finding fills in its values. Commands and placeholders are the same in
   * every language.
   */
  remediation: string;
}

/**
 * A finding's message in another language, built from what the finding states; undefined when the
 * finding lacks a fact the sentence needs (the renderer then says the title and the resource).
 */
export type FindingMessage = (facts: FindingFacts, finding: FindingLike) => string | undefined;

/**
 * Every text the renderers, notifications and CLI listings print, in one language. Sentences with
 * values are functions, so each language orders words its own way. Identifiers (check ids, ARNs,
 * severities, commands, statuses such as `COMPLETE`) are passed in, never translated.
 */
export interface Messages {
  defaultTitle: string;
  /** `Cluster prod-blue (ap-northeast-1)` */
  groupCluster: (cluster: string, region?: string) => string;
  groupRegion: (region: string) => string;
  groupAccountWide: string;
  accountHeading: (accountId: string) => string;
  /** Heading of findings that belong to no account (an expired exception of the baseline). */
  baselineHeading: string;
  scopeAccount: (accountId: string) => string;
  scopeRegion: (region: string) => string;
  scopeCluster: (cluster: string) => string;
  run: string;
  baseline: string;
  scopeCounts: (complete: number, incomplete: number) => string;
  incompleteScope: string;
  noFindings: string;
  /** A stored report too large to read lists its most severe findings; the JSON report has every one. */
  listedFindings: (listed: number, total: number, completeReport?: string) => string;
  suppressedHeading: string;
  suppressedReason: (reason: string) => string;
  suppressedDefaultReason: string;
  findingsFooter: (total: number, counts: SeverityCounts, suppressed: number) => string;
  usageUnknown: (count: number) => string;
  absenceUndecided: (count: number) => string;
  /**
   * The label of the usage evidence line, naming where the evidence comes from
   * (`Usage evidence (organization trail):`).
   */
  usageEvidenceLabel: (source: BackfillSummary['source']) => string;
  /**
   * How far the usage ledgers are from covering the window (the report's `usageEvidence`):
   * `usage known for 18 of 20 account-regions, backfill 93.1% done, done in about 3 nights`.
   */
  usageEvidence: (facts: BackfillFacts) => string;
  /** The summary line: `Collection: COMPLETE (13 scopes, …)`. */
  collectionComplete: (scopes: number) => string;
  collectionIncomplete: (incomplete: number, scopes: number, unread: number) => string;
  /** The top line of an incomplete collection; undefined when it was complete. */
  collectionHeadline: (summary: CollectionSummary) => string | undefined;
  /**
   * One line per account or region that could not be read at all, given the first error recorded
   * on it (absent for one missing from a snapshot).
   */
  unreadLine: (entry: UnreadScope, error?: CollectionError) => string;
  /** The label of a collection failure's cause class (`access denied`). */
  causeLabel: (cause: FailureCause) => string;
  fix: string;
  remediation: string;
  declaredAt: string;
  evidence: string;
  docs: string;
  carriedDocument: string;
  carriedCommand: string;
  /** A finding whose message the catalogue cannot say in this language: title and resource. */
  genericMessage: (title: string, resource: string) => string;

  html: {
    fixFirst: string;
    fixFirstIntro: string;
    fixFirstNone: string;
    fixFirstMore: (count: number) => string;
    affects: (workloads: number) => string;
    where: string;
    trend: string;
    trendIntro: (runs: number, total: number) => string;
    trendOpen: string;
    trendChanges: string;
    trendNew: string;
    trendResolved: string;
    trendIncomplete: string;
    trendTable: string;
    trendRun: string;
    trendNoBreakdown: string;
    summary: string;
    summaryNote: string;
    total: string;
    suppressed: string;
    usageUnknown: string;
    absenceUndecided: string;
    checks: string;
    check: string;
    severity: string;
    title: string;
    findings: string;
    scopes: string;
    scopesComplete: (count: number) => string;
    scopesIncomplete: (incomplete: number, complete: number) => string;
    scopesNote: string;
    account: string;
    region: string;
    cluster: string;
    level: string;
    status: string;
    errors: string;
    resource: string;
    findingAndRemediation: string;
    show: string;
    suppressedBox: string;
    commands: string;
  };

  markdown: {
    severity: string;
    findings: string;
    total: string;
    suppressed: string;
    incompleteScopes: string;
    resource: string;
    remediation: string;
    suppressedLine: string;
  };

  notification: {
    alertHeading: (count: number, threshold: string) => string;
    summaryHeading: string;
    runLine: (runId: string, finishedAt: string, previousRunId?: string) => string;
    openLine: (total: number, counts: SeverityCounts, suppressed: number) => string;
    changesLine: (added: number, resolved: number, stillOpen: number, unknown: number) => string;
    newAtThreshold: string;
    newFindings: string;
    resolvedFindings: string;
    where: (accountId: string, region?: string, cluster?: string) => string;
    resource: string;
    fix: string;
    omitted: (count: number) => string;
    whatToDo: string;
    applyRemediation: string;
    acceptRisk: string;
    fixAccess: string;
    report: string;
    console: string;
    chatAlertTitle: (count: number, threshold: string) => string;
    chatSummaryTitle: (added: number, resolved: number, open: number) => string;
    chatOpen: (total: number, counts: SeverityCounts, suppressed: number) => string;
    chatChanges: (added: number, resolved: number, stillOpen: number, unknown: number) => string;
    chatOmitted: (count: number) => string;
    chatOpenReport: (url: string) => string;
    chatOpenRunReport: string;
    chatApply: string;
    chatAccept: string;
    /** The chat notification's one-line summary (the SNS subject stays ASCII English). */
    chatSummary: (open: number, added: number, resolved: number, max: string) => string;
    chatAlertSummary: (count: number, threshold: string, max: string) => string;
  };

  catalogue: {
    check: string;
    severity: string;
    category: string;
    title: string;
    heading: string;
    generated: string;
    intro: (count: number) => string;
    categories: Readonly<Record<CheckCategory, string>>;
    meta: (title: string, severity: string, category: string) => string;
    remediation: string;
    documentation: string;
  };
}

/** Everything one language says. */
export interface Catalogue {
  language: Language;
  messages: Messages;
  /**
   * Check texts by check id. English reads them from the check registry's metadata, so the checks
   * keep their English text beside their logic; other languages hold translations.
   */
  checks: Readonly<Record<string, CheckText>>;
  /** Finding messages by check id; English keeps each finding's own message. */
  findingMessages: Readonly<Record<string, FindingMessage>>;
  /**
   * Remediation templates built from the finding, for checks whose advice depends on what the
   * finding found (the cause classes of a collection gap); others use the check's template.
   */
  findingRemediations?: Readonly<Record<string, FindingMessage>>;
}

/** A language's own part of the catalogue: its messages and its check translations. */
export interface Translation {
  messages: Messages;
  checks: Readonly<Record<string, CheckText>>;
  findingMessages: Readonly<Record<string, FindingMessage>>;
  findingRemediations: Readonly<Record<string, FindingMessage>>;
}
