import { FAILURE_CAUSE_LABELS } from '../collect/causes.js';
import { collectionHeadline, unreadLine } from '../collect/verdict.js';
import { plural } from '../text.js';
import { type BackfillSummary, backfillText } from '../usage/backfill.js';
import type { Messages } from './types.js';

/** Where usage evidence comes from, as the usage evidence line names it. */
const USAGE_SOURCES: Readonly<Record<BackfillSummary['source'], string>> = {
  lookup: 'CloudTrail LookupEvents',
  'org-trail': 'organization trail',
  ledger: 'usage ledgers',
};

/**
 * English: the renderers' and notifications' own text. Check titles, descriptions and remediation
 * are not here: English reads them from each check's metadata (see `catalogueFor`).
 */
export const en: Messages = {
  defaultTitle: 'EKS workload identity audit',
  groupCluster: (cluster, region) => `Cluster ${cluster}${region ? ` (${region})` : ''}`,
  groupRegion: (region) => `Region ${region}`,
  groupAccountWide: 'Account-wide',
  accountHeading: (accountId) => `Account ${accountId}`,
  baselineHeading: 'Baseline',
  scopeAccount: (accountId) => `account ${accountId}`,
  scopeRegion: (region) => `region ${region}`,
  scopeCluster: (cluster) => `cluster ${cluster}`,
  run: 'Run',
  baseline: 'Baseline',
  scopeCounts: (complete, incomplete) => `Scopes: ${complete} complete, ${incomplete} incomplete`,
  incompleteScope: 'incomplete:',
  noFindings: 'No findings.',
  listedFindings: (listed, total, completeReport) =>
    `Listed here: the ${listed} most severe of ${total} findings. The JSON report holds every one${completeReport ? `: ${completeReport}` : ''}.`,
  suppressedHeading: 'SUPPRESSED',
  suppressedReason: (reason) => `suppressed: ${reason}`,
  suppressedDefaultReason: 'baseline exception',
  findingsFooter: (total, counts, suppressed) => `Findings: ${total} (${counts}); suppressed: ${suppressed}`,
  usageUnknown: (count) => `Usage unknown (evidence did not cover the window): ${count}`,
  absenceUndecided: (count) => `Absence undecided (a scope it rests on was not fully collected): ${count}`,
  usageEvidenceLabel: (source) => `Usage evidence (${USAGE_SOURCES[source]}):`,
  // The backfill's own wording (shared/usage) is the English text: it is said once, there.
  usageEvidence: backfillText,
  collectionComplete: (scopes) =>
    `Collection: COMPLETE (${scopes} ${plural(scopes, 'scope')}, every requested account and region read)`,
  collectionIncomplete: (incomplete, scopes, unread) =>
    `Collection: INCOMPLETE (${incomplete} of ${scopes} ${plural(scopes, 'scope')} incomplete` +
    `${unread > 0 ? `; ${unread} ${plural(unread, 'account or region', 'accounts or regions')} not read at all` : ''}); nothing inside an incomplete scope is reported as missing or unused`,
  // The collection's own wording (shared/collect) is the English text: it is said once, there.
  collectionHeadline,
  unreadLine: (entry) => unreadLine(entry),
  causeLabel: (cause) => FAILURE_CAUSE_LABELS[cause],
  fix: 'fix:',
  remediation: 'Remediation:',
  declaredAt: 'Declared at',
  evidence: 'Evidence',
  docs: 'docs',
  carriedDocument: 'Document',
  carriedCommand: 'Command',
  genericMessage: (title, resource) => `${title}: ${resource}.`,

  html: {
    fixFirst: 'Fix first',
    fixFirstIntro:
      'Open findings, most severe first, then those that affect the most workloads, each with its exact command.',
    fixFirstNone: 'Nothing to fix: no open findings.',
    fixFirstMore: (count) =>
      `${count} more open ${plural(count, 'finding')}, all listed under Findings below.`,
    affects: (workloads) => `affects ${workloads} ${plural(workloads, 'workload')}`,
    where: 'Where',
    trend: 'Trend',
    trendIntro: (runs, total) =>
      `Open, new and resolved findings by severity for the last ${runs} of ${total} stored ${plural(total, 'run')}, oldest first.`,
    trendOpen: 'Open findings',
    trendChanges: 'New (above the line) and resolved (below)',
    trendNew: 'new',
    trendResolved: 'resolved',
    trendIncomplete: 'incomplete collection',
    trendTable: 'The numbers',
    trendRun: 'Run',
    trendNoBreakdown: 'no severity breakdown stored for this run',
    summary: 'Summary',
    summaryNote: 'Counts by severity exclude suppressed findings; counts by check include them.',
    total: 'Total',
    suppressed: 'Suppressed',
    usageUnknown: 'Usage unknown',
    absenceUndecided: 'Absence undecided',
    checks: 'Checks',
    check: 'Check',
    severity: 'Severity',
    title: 'Title',
    findings: 'Findings',
    scopes: 'Scopes',
    scopesComplete: (count) => `All ${count} ${plural(count, 'scope')} complete.`,
    scopesIncomplete: (incomplete, complete) =>
      `${incomplete} incomplete ${plural(incomplete, 'scope')}, ${complete} complete.`,
    scopesNote: 'Inside an incomplete scope no missing or unused finding is reported.',
    account: 'Account',
    region: 'Region',
    cluster: 'Cluster',
    level: 'Level',
    status: 'Status',
    errors: 'Errors',
    resource: 'Resource',
    findingAndRemediation: 'Finding and remediation',
    show: 'Show:',
    suppressedBox: 'suppressed',
    commands: 'Commands',
  },

  markdown: {
    severity: 'Severity',
    findings: 'Findings',
    total: 'Total',
    suppressed: 'Suppressed',
    incompleteScopes: '**Incomplete scopes**: missing and unused findings are not reported inside them.',
    resource: 'Resource',
    remediation: 'Remediation',
    suppressedLine: 'Suppressed',
  },

  notification: {
    alertHeading: (count, threshold) =>
      `EKS workload identity audit - ALERT: ${count} new ${plural(count, 'finding')} at or above ${threshold}`,
    summaryHeading: 'EKS workload identity audit - nightly summary',
    runLine: (runId, finishedAt, previousRunId) =>
      `Run ${runId}, finished ${finishedAt}${previousRunId ? `; compared with run ${previousRunId}` : '; no previous run to compare with'}.`,
    openLine: (total, counts, suppressed) =>
      `Open findings: ${total} (${counts}). Suppressed: ${suppressed}.`,
    changesLine: (added, resolved, stillOpen, unknown) =>
      `Since the previous run: ${added} new, ${resolved} resolved, ${stillOpen} still open` +
      (unknown > 0 ? `, ${unknown} unknown (their scope was not fully collected in this run).` : '.'),
    newAtThreshold: 'New findings at or above the threshold',
    newFindings: 'New findings',
    resolvedFindings: 'Resolved findings',
    where: (accountId, region, cluster) =>
      [`account ${accountId}`, region, cluster ? `cluster ${cluster}` : undefined]
        .filter((part) => part !== undefined)
        .join(', '),
    resource: 'resource',
    fix: 'fix',
    omitted: (count) => `...and ${count} more (most severe listed first): see the full report.`,
    whatToDo: 'What to do:',
    applyRemediation:
      'Open the full report and apply the remediation of each new finding (the exact command is in the report).',
    acceptRisk:
      'To accept a risk, add an exception to the baseline (check, resource, reason, expires): the finding is then suppressed.',
    fixAccess:
      'Fix the access behind the COLLECTION_INCOMPLETE findings: findings in those scopes could not be re-checked.',
    report: 'Report',
    console: 'Console',
    chatAlertTitle: (count, threshold) =>
      `EKS identity audit: ${count} new ${plural(count, 'finding')} at or above ${threshold}`,
    chatSummaryTitle: (added, resolved, open) =>
      `EKS identity audit: ${added} new, ${resolved} resolved, ${open} open`,
    chatOpen: (total, counts, suppressed) =>
      `**Open findings:** ${total} (${counts}) · suppressed ${suppressed}`,
    chatChanges: (added, resolved, stillOpen, unknown) =>
      `**Since the previous run:** ${added} new, ${resolved} resolved, ${stillOpen} still open${unknown > 0 ? `, ${unknown} unknown (scope not fully collected)` : ''}`,
    chatOmitted: (count) => `...and ${count} more in the report`,
    chatOpenReport: (url) => `Open the report: ${url}`,
    chatOpenRunReport: 'Open the run report',
    chatApply: 'Apply the remediation of each new finding (the exact command is in the report)',
    chatAccept: 'Accept a risk with a baseline exception (check, resource, reason, expires)',
    chatSummary: (open, added, resolved, max) =>
      `EKS identity audit: ${open} open, ${added} new, ${resolved} resolved (max ${max})`,
    chatAlertSummary: (count, threshold, max) =>
      `EKS identity audit ALERT: ${count} new ${plural(count, 'finding')} at or above ${threshold} (max ${max})`,
  },

  catalogue: {
    check: 'CHECK',
    severity: 'SEVERITY',
    category: 'CATEGORY',
    title: 'TITLE',
    heading: 'Check catalogue',
    generated:
      'Generated from the check registry (shared/checks/index.ts) by `npm run docs`; do not edit by hand.',
    intro: (count) =>
      `${count} checks. The severity shown is the default a finding carries; check ids are stable and never renamed. ` +
      'Suppress a finding with an `exceptions:` entry in the baseline (check id plus a glob on the resource id).',
    categories: {
      drift: 'Drift: deployed against declared',
      trust: 'Trust policies',
      runtime: 'Runtime readiness',
      usage: 'Usage evidence',
      meta: 'The audit itself',
      cutover: 'Blue/green cutover',
    },
    meta: (title, severity, category) => `**${title}** · severity ${severity} · category ${category}`,
    remediation: 'Remediation:',
    documentation: 'AWS documentation:',
  },
};
