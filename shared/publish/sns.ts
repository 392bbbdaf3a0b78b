import {
  type MessageAttributeValue,
  PublishCommand,
  type PublishCommandInput,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { errorCode, errorMessage } from '../aws/errors.js';
import type { Language } from '../i18n/language.js';
import type { CheckMeta } from '../model/check.js';
import { compareText } from '../model/compare.js';
import type { Finding } from '../model/finding.js';
import { atOrAbove, bySeverityDesc, maxSeverity, SEVERITIES, type Severity } from '../model/severity.js';
import { usageEvidenceLine, usageStillUnknown } from '../report/common.js';
import {
  cleanText,
  escapeMarkdown,
  MAX_IDENTIFIER_LENGTH,
  MAX_TEXT_LENGTH,
  neutralizeMentions,
  truncate,
} from '../report/escape.js';
import { type Localizer, localizer } from '../report/localize.js';
import type { Report } from '../report/types.js';
import { plural } from '../text.js';
import type { RunDiff } from './diff.js';
import { type RetryPolicy, withRetry } from './retry.js';
import type { SummaryMode } from './settings.js';

/** SNS's limit for one message: body and attributes together (256 KB). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** Room kept below the limit for what SNS adds to the envelope of a structured message. */
const SIZE_MARGIN_BYTES = 1024;
/** Findings listed per list in e-mail and JSON bodies, even when more would fit. */
export const MAX_LISTED = 200;
/** Findings listed per list in the chat notification: chat is for a glance, the report has the rest. */
export const CHAT_MAX_LISTED = 10;
/** Largest `accountIds` attribute value; beyond it the accounts of the listed findings are named. */
const MAX_ACCOUNT_IDS_BYTES = 16 * 1024;

/** What a notification is: the nightly summary, the alert for new findings, or the chat copy of either. */
export type NotificationKind = 'summary' | 'alert' | 'chat';

/** A finding as notifications list it: a report finding, or a previous run's recorded finding. */
export type ListedFinding = Omit<Finding, 'evidence'>;

/** Where the stored report is. */
export interface ReportLinks {
  /** `s3://bucket/reports/YYYY/MM/DD/<runId>.html` */
  s3Uri: string;
  /** The S3 console page of that object. */
  consoleUrl: string;
}

export interface NotificationInput {
  report: Report;
  diff: RunDiff<ListedFinding>;
  topicArn: string;
  summary: SummaryMode;
  alertThreshold: Severity;
  links?: ReportLinks;
  /** Run id of the previous run, when there was one. */
  previousRunId?: string;
  /** Check metadata, for the documentation link of each listed finding and its translated texts. */
  checks?: ReadonlyArray<
    Pick<CheckMeta, 'id' | 'docsUrl'> & Partial<Pick<CheckMeta, 'title' | 'description' | 'remediation'>>
  >;
  /** Language of the e-mail and chat text (default English); the subject stays ASCII English. */
  language?: Language;
  /** Size limit per message; defaults to SNS's 256 KB. */
  maxMessageBytes?: number;
}

/** The content one notification is built from, before rendering. */
interface Content {
  kind: 'summary' | 'alert';
  input: NotificationInput;
  newFindings: ListedFinding[];
  resolvedFindings: ListedFinding[];
  maxSeverity: Severity | undefined;
  accountIds: string[];
  /** The finding and message text of the chosen language. */
  text: Localizer;
}

/**
 * Builds the SNS messages of one run, pure: the nightly summary (per the `summary` setting) and the
 * alert for new findings at or above the threshold. Each goes out twice on the same topic:
 * - a structured message (`MessageStructure: 'json'`, attribute `kind` = `summary` | `alert`) with
 *   `default` and `email` as plain text and `https`, `lambda` and `sqs` as compact JSON;
 * - a chat message (attribute `kind` = `chat`) whose raw body is an Amazon Q Developer in chat
 *   applications custom notification. The chat service subscribes over HTTPS and would otherwise get the
 *   `https` JSON, which it cannot render; subscription filter policies route the two apart.
 *
 * Every message keeps to SNS's limits: the subject is ASCII, one line, under 100 characters; when the
 * findings do not fit in 256 KB, the most severe ones are listed and the rest counted, with the report link.
 *
 * @example buildNotifications({ report, diff, topicArn, summary: 'on-change', alertThreshold: 'HIGH', links })
 */
export function buildNotifications(input: NotificationInput): PublishCommandInput[] {
  const messages: PublishCommandInput[] = [];
  const { diff } = input;
  const text = localizer(
    input.language,
    (input.checks ?? []).map((check) => ({
      id: check.id,
      title: check.title ?? '',
      description: check.description ?? '',
      remediation: check.remediation ?? '',
    })),
  );
  const changed = diff.new.length > 0 || diff.resolved.length > 0;
  if (input.summary === 'always' || (input.summary === 'on-change' && changed)) {
    const open = [...diff.new, ...diff.stillOpen];
    messages.push(
      ...render({
        kind: 'summary',
        input,
        newFindings: sortForListing(diff.new),
        resolvedFindings: sortForListing(diff.resolved),
        maxSeverity: maxSeverity(open.map((finding) => finding.severity)),
        accountIds: uniqueSorted([...open, ...diff.resolved].map((finding) => finding.accountId)),
        text,
      }),
    );
  }
  const alerting = diff.new.filter((finding) => atOrAbove(finding.severity, input.alertThreshold));
  if (alerting.length > 0) {
    messages.push(
      ...render({
        kind: 'alert',
        input,
        newFindings: sortForListing(alerting),
        resolvedFindings: [],
        maxSeverity: maxSeverity(alerting.map((finding) => finding.severity)),
        accountIds: uniqueSorted(alerting.map((finding) => finding.accountId)),
        text,
      }),
    );
  }
  return messages;
}

function render(content: Content): PublishCommandInput[] {
  const limit = content.input.maxMessageBytes ?? SNS_MAX_MESSAGE_BYTES;
  const structured = fitting(
    (listed) => structuredMessage(content, listed),
    Math.min(MAX_LISTED, longestList(content)),
    limit,
  );
  const chat = fitting(
    (listed) => chatMessage(content, listed),
    Math.min(CHAT_MAX_LISTED, longestList(content)),
    limit,
  );
  return [structured, chat];
}

function longestList(content: Content): number {
  return Math.max(content.newFindings.length, content.resolvedFindings.length);
}

/** The message listing the most findings (at most `most`) that still fits in `limit` bytes. */
function fitting(
  build: (listed: number) => PublishCommandInput,
  most: number,
  limit: number,
): PublishCommandInput {
  const budget = limit - SIZE_MARGIN_BYTES;
  const full = build(most);
  if (messageBytes(full) <= budget) return full;
  let low = 0;
  let high = most - 1;
  let best = build(0);
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const candidate = build(middle);
    if (messageBytes(candidate) <= budget) {
      best = candidate;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return best;
}

/**
 * Bytes SNS counts against the 256 KB limit: the message, the subject, and every attribute's name,
 * type and value.
 */
export function messageBytes(message: PublishCommandInput): number {
  let bytes = Buffer.byteLength(message.Message ?? '') + Buffer.byteLength(message.Subject ?? '');
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
    bytes += value.BinaryValue?.byteLength ?? 0;
  }
  return bytes;
}

/**
 * An SNS subject: printable ASCII only, one line, at most 99 characters.
 *
 * @example toSubject('Audit: 3 new\nfindings — é') // 'Audit: 3 new findings - ?'
 */
export function toSubject(text: string): string {
  const ascii = text
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  const subject = ascii.length > 99 ? `${ascii.slice(0, 96)}...` : ascii;
  return subject === '' ? 'EKS identity audit' : subject;
}

function subjectOf(content: Content): string {
  const { diff } = content.input;
  const max = content.maxSeverity ?? 'none';
  if (content.kind === 'alert') {
    const count = content.newFindings.length;
    return toSubject(
      `EKS identity audit ALERT: ${count} new ${plural(count, 'finding')} at or above ${content.input.alertThreshold} (max ${max})`,
    );
  }
  const open = diff.new.length + diff.stillOpen.length;
  return toSubject(
    `EKS identity audit: ${open} open, ${diff.new.length} new, ${diff.resolved.length} resolved (max ${max})`,
  );
}

/**
 * The accounts a message names: every account with findings, or, when their list passes
 * {@link MAX_ACCOUNT_IDS_BYTES} (thousands of accounts), those of the listed new findings: the
 * attribute and the JSON body each carry the list, and the message must stay within 256 KB.
 */
function namedAccounts(content: Content): string[] {
  const accounts = content.accountIds;
  return Buffer.byteLength(JSON.stringify(accounts)) > MAX_ACCOUNT_IDS_BYTES
    ? uniqueSorted(content.newFindings.slice(0, MAX_LISTED).map((finding) => finding.accountId))
    : accounts;
}

function attributes(content: Content, kind: NotificationKind): Record<string, MessageAttributeValue> {
  const accounts = namedAccounts(content);
  const result: Record<string, MessageAttributeValue> = {
    kind: { DataType: 'String', StringValue: kind },
    notificationType: { DataType: 'String', StringValue: content.kind },
    maxSeverity: { DataType: 'String', StringValue: content.maxSeverity ?? 'NONE' },
  };
  // SNS rejects empty attribute values; a run without findings names no account.
  if (accounts.length > 0)
    result.accountIds = { DataType: 'String.Array', StringValue: JSON.stringify(accounts) };
  return result;
}

function structuredMessage(content: Content, listed: number): PublishCommandInput {
  const text = plainText(content, listed);
  const compact = JSON.stringify(compactJson(content, listed));
  return {
    TopicArn: content.input.topicArn,
    Subject: subjectOf(content),
    MessageStructure: 'json',
    Message: JSON.stringify({ default: text, email: text, https: compact, lambda: compact, sqs: compact }),
    MessageAttributes: attributes(content, content.kind),
  };
}

function chatMessage(content: Content, listed: number): PublishCommandInput {
  return {
    TopicArn: content.input.topicArn,
    Subject: subjectOf(content),
    Message: JSON.stringify(chatNotification(content, listed)),
    MessageAttributes: attributes(content, 'chat'),
  };
}

// ---------------------------------------------------------------------------------------------
// Plain text (e-mail and the default body)

/**
 * AWS text for a plain-text body: one line, invisible characters shown, at most `max` characters,
 * no mention or link a mail or chat client would act on.
 */
function plain(text: string, max = 300): string {
  return neutralizeMentions(cleanText(text, max));
}

function countsLine(bySeverity: Record<string, number>): string {
  return SEVERITIES.map((severity) => `${severity} ${bySeverity[severity] ?? 0}`).join(', ');
}

function whereText(finding: ListedFinding, text: Localizer): string {
  return text.t.notification.where(
    plain(finding.accountId, 40),
    finding.region ? plain(finding.region, 40) : undefined,
    finding.cluster ? plain(finding.cluster, 120) : undefined,
  );
}

function plainList(
  heading: string,
  findings: ListedFinding[],
  listed: number,
  withFix: boolean,
  text: Localizer,
): string[] {
  if (findings.length === 0) return [];
  const n = text.t.notification;
  const lines = [`${heading} (${findings.length}):`];
  findings.slice(0, listed).forEach((finding, index) => {
    lines.push(
      `  ${index + 1}. [${finding.severity}] ${finding.checkId}: ${plain(text.title(finding), 200)}`,
    );
    lines.push(`     ${whereText(finding, text)}`);
    lines.push(`     ${n.resource}: ${plain(finding.resource.id, 400)}`);
    // The fix with every placeholder the finding knows filled in, so the command can be run as it is.
    const fix = withFix ? text.remediation(finding) : '';
    if (fix) lines.push(`     ${n.fix}: ${plain(fix, 600)}`);
  });
  const omitted = findings.length - Math.min(listed, findings.length);
  if (omitted > 0) lines.push(`  ${n.omitted(omitted)}`);
  lines.push('');
  return lines;
}

function plainText(content: Content, listed: number): string {
  const { report, diff, links, previousRunId } = content.input;
  const { summary } = report;
  const { text } = content;
  const n = text.t.notification;
  const lines: string[] = [];
  lines.push(
    content.kind === 'alert'
      ? n.alertHeading(content.newFindings.length, content.input.alertThreshold)
      : n.summaryHeading,
  );
  lines.push(n.runLine(report.runId, report.finishedAt, previousRunId));
  lines.push('');
  lines.push(n.openLine(summary.total, countsLine(summary.bySeverity), summary.suppressed ?? 0));
  lines.push(
    n.changesLine(diff.new.length, diff.resolved.length, diff.stillOpen.length, diff.unknown.length),
  );
  const usage = pendingUsageLine(report, text);
  if (usage) lines.push(plain(usage, 600));
  lines.push('');
  lines.push(
    ...plainList(
      content.kind === 'alert' ? n.newAtThreshold : n.newFindings,
      content.newFindings,
      listed,
      true,
      text,
    ),
  );
  lines.push(...plainList(n.resolvedFindings, content.resolvedFindings, listed, false, text));
  lines.push(n.whatToDo);
  lines.push(`  - ${n.applyRemediation}`);
  lines.push(`  - ${n.acceptRisk}`);
  if (diff.unknown.length > 0) lines.push(`  - ${n.fixAccess}`);
  lines.push('');
  if (links) {
    lines.push(`${n.report}: ${links.s3Uri}`);
    lines.push(`${n.console}: ${links.consoleUrl}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Compact JSON (https, lambda and sqs subscribers)

/** A finding for JSON subscribers: values as in the report, each cut at a stated maximum. */
function compactFinding(finding: ListedFinding) {
  const bound = (value: string) => truncate(value, MAX_IDENTIFIER_LENGTH);
  return {
    id: bound(finding.id),
    checkId: bound(finding.checkId),
    severity: finding.severity,
    accountId: bound(finding.accountId),
    ...(finding.region ? { region: bound(finding.region) } : {}),
    ...(finding.cluster ? { cluster: bound(finding.cluster) } : {}),
    resource: { type: finding.resource.type, id: bound(finding.resource.id) },
    title: truncate(finding.title, MAX_TEXT_LENGTH),
  };
}

function compactJson(content: Content, listed: number) {
  const { report, diff, links, previousRunId } = content.input;
  const accountIds = namedAccounts(content);
  const omittedAccounts = content.accountIds.length - accountIds.length;
  return {
    kind: content.kind,
    runId: report.runId,
    finishedAt: report.finishedAt,
    ...(previousRunId ? { previousRunId } : {}),
    ...(content.kind === 'alert' ? { alertThreshold: content.input.alertThreshold } : {}),
    maxSeverity: content.maxSeverity ?? null,
    accountIds,
    summary: {
      total: report.summary.total,
      suppressed: report.summary.suppressed ?? 0,
      bySeverity: report.summary.bySeverity,
    },
    changes: {
      new: diff.new.length,
      resolved: diff.resolved.length,
      stillOpen: diff.stillOpen.length,
      unknown: diff.unknown.length,
    },
    newFindings: content.newFindings.slice(0, listed).map(compactFinding),
    resolvedFindings: content.resolvedFindings.slice(0, listed).map(compactFinding),
    omitted: {
      newFindings: Math.max(0, content.newFindings.length - listed),
      resolvedFindings: Math.max(0, content.resolvedFindings.length - listed),
      ...(omittedAccounts > 0 ? { accountIds: omittedAccounts } : {}),
    },
    ...(links ? { report: { uri: links.s3Uri, consoleUrl: links.consoleUrl } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Chat (Amazon Q Developer in chat applications custom notification)

/** The custom notification schema of Amazon Q Developer in chat applications (Slack, Microsoft Teams). */
export interface ChatNotification {
  version: '1.0';
  source: 'custom';
  id: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps: string[];
    keywords: string[];
  };
  metadata: {
    threadId: string;
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
  };
}

/** AWS text for chat Markdown: escaped, and unable to trigger a mention or a link. */
function chatText(text: string, max = 200): string {
  return escapeMarkdown(neutralizeMentions(cleanText(text, max)));
}

function chatList(heading: string, findings: ListedFinding[], listed: number, text: Localizer): string[] {
  if (findings.length === 0) return [];
  const lines = [`**${heading} (${findings.length})**`];
  for (const finding of findings.slice(0, listed)) {
    const where = [finding.accountId, finding.region, finding.cluster]
      .filter((part): part is string => part !== undefined && part !== '')
      .map((part) => chatText(part, 100))
      .join(' / ');
    lines.push(
      `- \`${finding.severity}\` \`${finding.checkId}\` ${chatText(text.title(finding))} (${where})`,
    );
  }
  const omitted = findings.length - Math.min(listed, findings.length);
  if (omitted > 0) lines.push(`- ${text.t.notification.chatOmitted(omitted)}`);
  return lines;
}

/**
 * The usage evidence line while usage is not yet known for every account-region; once it is known
 * everywhere, notifications say nothing about it.
 */
function pendingUsageLine(report: Report, text: Localizer): string | undefined {
  return usageStillUnknown(report) ? usageEvidenceLine(report, text.t) : undefined;
}

function chatUsageLine(report: Report, text: Localizer): string[] {
  const evidence = report.usageEvidence;
  if (!evidence || !usageStillUnknown(report)) return [];
  return [
    `**${chatText(text.t.usageEvidenceLabel(evidence.source))}** ${chatText(text.t.usageEvidence(evidence), 600)}`,
  ];
}

function chatNotification(content: Content, listed: number): ChatNotification {
  const { report, diff, links } = content.input;
  const { summary } = report;
  const { text } = content;
  const n = text.t.notification;
  const alert = content.kind === 'alert';
  const title = alert
    ? `:rotating_light: ${n.chatAlertTitle(content.newFindings.length, content.input.alertThreshold)}`
    : `:clipboard: ${n.chatSummaryTitle(diff.new.length, diff.resolved.length, summary.total)}`;
  const description = [
    n.chatOpen(summary.total, countsLine(summary.bySeverity), summary.suppressed ?? 0),
    n.chatChanges(diff.new.length, diff.resolved.length, diff.stillOpen.length, diff.unknown.length),
    ...chatUsageLine(report, text),
    ...chatList(alert ? n.newAtThreshold : n.newFindings, content.newFindings, listed, text),
    ...chatList(n.resolvedFindings, content.resolvedFindings, listed, text),
  ].join('\n');
  const nextSteps = [
    links ? n.chatOpenReport(links.consoleUrl) : n.chatOpenRunReport,
    n.chatApply,
    n.chatAccept,
  ];
  const max = content.maxSeverity ?? 'none';
  // English keeps the subject as the summary; another language says it in its own words.
  const chatSummary =
    text.language === 'en'
      ? subjectOf(content)
      : alert
        ? n.chatAlertSummary(content.newFindings.length, content.input.alertThreshold, max)
        : n.chatSummary(diff.new.length + diff.stillOpen.length, diff.new.length, diff.resolved.length, max);
  return {
    version: '1.0',
    source: 'custom',
    id: `${report.runId}/${content.kind}`,
    content: {
      textType: 'client-markdown',
      title,
      description,
      nextSteps,
      keywords: ['eks-identity-audit', content.kind, ...(content.maxSeverity ? [content.maxSeverity] : [])],
    },
    metadata: {
      threadId: `eks-identity-audit/${report.runId}`,
      summary: chatSummary,
      eventType: alert ? 'EksIdentityAuditAlert' : 'EksIdentityAuditSummary',
      relatedResources: content.newFindings
        .slice(0, listed)
        .map((finding) => chatText(finding.resource.id, 300)),
      additionalContext: {
        runId: report.runId,
        newFindings: String(diff.new.length),
        resolvedFindings: String(diff.resolved.length),
        openFindings: String(summary.total),
        maxSeverity: content.maxSeverity ?? 'NONE',
        ...(links ? { reportUri: links.s3Uri } : {}),
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------

function sortForListing<T extends ListedFinding>(findings: T[]): T[] {
  return [...findings].sort((a, b) => bySeverityDesc(a, b) || compareText(a.id, b.id));
}

function uniqueSorted(values: string[]): string[] {
  return [...new Set(values.filter((value) => value !== ''))].sort();
}

/** The outcome of publishing a run's notifications. */
export interface SnsPublishResult {
  /** True when every message was accepted by SNS. */
  published: boolean;
  messageIds: string[];
  /** Messages SNS did not accept after every retry. */
  failed: number;
  /** The first failure, when there was one (`Code: message`). */
  error?: string;
}

/**
 * Publishes messages one by one, retrying throttling, 5xx answers and network errors with backoff.
 * A message that still fails is counted and the rest are still sent; nothing is thrown.
 */
export async function publishNotifications(
  sns: SNSClient,
  messages: PublishCommandInput[],
  policy: RetryPolicy,
): Promise<SnsPublishResult> {
  const result: SnsPublishResult = { published: true, messageIds: [], failed: 0 };
  for (const message of messages) {
    try {
      const response = await withRetry(policy, () => sns.send(new PublishCommand(message)));
      if (response.MessageId) result.messageIds.push(response.MessageId);
    } catch (error) {
      result.published = false;
      result.failed += 1;
      result.error ??= `${errorCode(error)}: ${errorMessage(error)}`;
    }
  }
  return result;
}
