import type { PublishCommandInput } from '@aws-sdk/client-sns';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/model/finding.js';
import { diffRuns } from '../../shared/publish/diff.js';
import {
  buildNotifications,
  messageBytes,
  type NotificationInput,
  SNS_MAX_MESSAGE_BYTES,
  toSubject,
} from '../../shared/publish/sns.js';
import { ChatNotificationSchema, CompactSchema, StructuredSchema } from './chat-schema.js';
import { CHECK_META, finding, report, TOPIC_ARN } from './support.js';

const links = {
  s3Uri: 's3://eks-identity-audit-reports-111122223333/reports/2026/11/29/run-2.html',
  consoleUrl:
    'https://us-east-1.console.aws.amazon.com/s3/object/eks-identity-audit-reports-111122223333?region=us-east-1&prefix=reports%2F2026%2F11%2F29%2Frun-2.html',
};

function inputFor(
  previous: Finding[] | undefined,
  current: Finding[],
  overrides: Partial<NotificationInput> = {},
) {
  const run = report('run-2', current);
  return {
    report: run,
    diff: diffRuns(previous, run.findings, run.scopes, { checks: CHECK_META }),
    topicArn: TOPIC_ARN,
    summary: 'always' as const,
    alertThreshold: 'HIGH' as const,
    links,
    previousRunId: 'run-1',
    checks: CHECK_META,
    ...overrides,
  };
}

function byKind(messages: PublishCommandInput[], kind: string, type?: string) {
  return messages.filter(
    (message) =>
      message.MessageAttributes?.kind?.StringValue === kind &&
      (type === undefined || message.MessageAttributes?.notificationType?.StringValue === type),
  );
}

const wildcard = finding({ name: 'payments-api' });
const agent = finding({ checkId: 'PI_AGENT_MISSING', name: 'prod-green', severity: 'MEDIUM' });
const critical = finding({ checkId: 'PI_TRUST_UNSCOPED', name: 'job-runner', severity: 'CRITICAL' });

describe('buildNotifications', () => {
  it('sends a structured summary whose bodies parse per protocol, and its chat copy', () => {
    // Prepare
    const input = inputFor([wildcard, agent], [wildcard, critical]);
    // Act
    const messages = buildNotifications(input);
    // Assess
    const [summary] = byKind(messages, 'summary');
    expect(summary.MessageStructure).toBe('json');
    const bodies = StructuredSchema.parse(JSON.parse(summary.Message ?? ''));
    expect(bodies.default).toBe(bodies.email);
    expect(bodies.email).toContain('Open findings: 2 (CRITICAL 1, HIGH 1, MEDIUM 0, LOW 0, INFORMATIONAL 0)');
    expect(bodies.email).toContain('Since the previous run: 1 new, 1 resolved, 1 still open.');
    expect(bodies.email).toContain('[CRITICAL] PI_TRUST_UNSCOPED');
    expect(bodies.email).toContain(`Report: ${links.s3Uri}`);
    expect(bodies.email).toContain('What to do:');
    const compact = CompactSchema.parse(JSON.parse(bodies.https));
    expect(compact).toMatchObject({
      kind: 'summary',
      runId: 'run-2',
      maxSeverity: 'CRITICAL',
      changes: { new: 1, resolved: 1 },
    });
    expect(compact.resolvedFindings.map((item) => item.id)).toEqual([agent.id]);
    expect(JSON.parse(bodies.lambda)).toEqual(JSON.parse(bodies.https));
    expect(summary.MessageAttributes).toMatchObject({
      kind: { DataType: 'String', StringValue: 'summary' },
      maxSeverity: { DataType: 'String', StringValue: 'CRITICAL' },
      accountIds: { DataType: 'String.Array', StringValue: JSON.stringify(['222233334444']) },
    });

    const [chat] = byKind(messages, 'chat', 'summary');
    expect(chat.MessageStructure).toBeUndefined();
    const notification = ChatNotificationSchema.parse(JSON.parse(chat.Message ?? ''));
    expect(notification.content.textType).toBe('client-markdown');
    expect(notification.content.nextSteps?.[0]).toContain(links.consoleUrl);
    expect(notification.metadata?.threadId).toBe('eks-identity-audit/run-2');
  });

  it('alerts on new findings at or above the threshold only', () => {
    const messages = buildNotifications(inputFor([wildcard], [wildcard, critical, agent]));
    const [alert] = byKind(messages, 'alert');
    const compact = CompactSchema.parse(
      JSON.parse(StructuredSchema.parse(JSON.parse(alert.Message ?? '')).https),
    );
    expect(compact.newFindings.map((item) => item.id)).toEqual([critical.id]);
    expect(alert.MessageAttributes?.maxSeverity?.StringValue).toBe('CRITICAL');
    expect(byKind(messages, 'chat', 'alert')).toHaveLength(1);
  });

  it('sends no alert when the only new finding is below the threshold', () => {
    const messages = buildNotifications(inputFor([wildcard], [wildcard, agent]));
    expect(byKind(messages, 'alert')).toEqual([]);
    expect(byKind(messages, 'chat', 'alert')).toEqual([]);
  });

  it('sends no alert for a still-open HIGH finding', () => {
    expect(byKind(buildNotifications(inputFor([wildcard], [wildcard])), 'alert')).toEqual([]);
  });

  it('skips an unchanged summary when set to on-change, and any summary when set to never', () => {
    expect(buildNotifications(inputFor([wildcard], [wildcard], { summary: 'on-change' }))).toEqual([]);
    expect(
      byKind(buildNotifications(inputFor([wildcard], [], { summary: 'on-change' })), 'summary'),
    ).toHaveLength(1);
    const never = buildNotifications(inputFor([], [critical], { summary: 'never' }));
    expect(byKind(never, 'summary')).toEqual([]);
    expect(byKind(never, 'alert')).toHaveLength(1);
  });

  it('keeps a 5,000-finding run under 256 KB per message and still names the most severe findings', () => {
    // Prepare: 5,000 new findings with long AWS names, one CRITICAL among them.
    const many = Array.from({ length: 5000 }, (_, index) =>
      finding({ name: `workload-${index}-${'n'.repeat(40)}`, severity: index % 2 === 0 ? 'HIGH' : 'MEDIUM' }),
    );
    const worst = finding({ name: 'the-worst-one', severity: 'CRITICAL', checkId: 'PI_TRUST_UNSCOPED' });
    // Act
    const messages = buildNotifications(inputFor([], [...many, worst]));
    // Assess
    expect(messages).toHaveLength(4);
    for (const message of messages) {
      expect(messageBytes(message)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
      expect(Buffer.byteLength(message.Message ?? '')).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    }
    const [summary] = byKind(messages, 'summary');
    const bodies = StructuredSchema.parse(JSON.parse(summary.Message ?? ''));
    const compact = CompactSchema.parse(JSON.parse(bodies.https));
    expect(compact.newFindings[0].id).toBe(worst.id);
    expect(compact.omitted.newFindings).toBeGreaterThan(4000);
    expect(bodies.email).toContain('the-worst-one');
    expect(bodies.email).toMatch(/\.\.\.and \d+ more \(most severe listed first\): see the full report\./);
    expect(bodies.email).toContain(links.consoleUrl);
    const chat = ChatNotificationSchema.parse(
      JSON.parse(byKind(messages, 'chat', 'summary')[0].Message ?? ''),
    );
    expect(chat.content.description).toContain('the-worst-one');
    expect(chat.content.description).toContain('more in the report');
  });

  it('keeps a 5,000-account run under 256 KB per message, naming the accounts of the listed findings', () => {
    // Prepare: one finding in each of 5,000 accounts (the account list alone is 85 KB, thrice in the JSON bodies).
    const accounts = Array.from({ length: 5000 }, (_, index) => String(600000000000 + index));
    const many = accounts.map((accountId, index) =>
      finding({ name: `workload-${index}`, accountId, severity: index === 4321 ? 'CRITICAL' : 'HIGH' }),
    );
    // Act
    const messages = buildNotifications(inputFor([], many));
    // Assess
    expect(messages).toHaveLength(4);
    for (const message of messages) expect(messageBytes(message)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    const [summary] = byKind(messages, 'summary');
    const compact = JSON.parse(StructuredSchema.parse(JSON.parse(summary.Message ?? '')).https) as {
      accountIds: string[];
      newFindings: { accountId: string }[];
      omitted: { accountIds?: number };
    };
    expect(compact.newFindings[0].accountId).toBe(accounts[4321]);
    expect(compact.accountIds).toContain(accounts[4321]);
    expect(compact.accountIds.length).toBeLessThan(accounts.length);
    expect(compact.accountIds.length + (compact.omitted.accountIds ?? 0)).toBe(accounts.length);
  });

  it('names every account when the list is small', () => {
    const messages = buildNotifications(inputFor([], [wildcard, critical]));
    const [summary] = byKind(messages, 'summary');
    const compact = JSON.parse(StructuredSchema.parse(JSON.parse(summary.Message ?? '')).https) as {
      accountIds: string[];
      omitted: Record<string, number>;
    };
    expect(compact.accountIds).toEqual([...new Set([wildcard.accountId, critical.accountId])].sort());
    expect(compact.omitted).not.toHaveProperty('accountIds');
  });

  it('shrinks the listing to fit a smaller limit rather than exceed it', () => {
    const many = Array.from({ length: 50 }, (_, index) => finding({ name: `role-${index}` }));
    const messages = buildNotifications(inputFor([], many, { maxMessageBytes: 12_000 }));
    for (const message of messages) expect(messageBytes(message)).toBeLessThanOrEqual(12_000);
    const compact = CompactSchema.parse(
      JSON.parse(StructuredSchema.parse(JSON.parse(messages[0].Message ?? '')).https),
    );
    expect(compact.newFindings.length).toBeGreaterThan(0);
    expect(compact.newFindings.length + compact.omitted.newFindings).toBe(50);
  });

  it('neutralizes mentions, chat links and Markdown in AWS text', () => {
    // Prepare: a role whose tag-derived title and message carry chat control sequences.
    const hostile = finding({
      name: 'hostile',
      severity: 'CRITICAL',
      title: 'Role @here <!channel> <@U123ABC> <http://x|click> *x* `rm -rf` [a](https://evil.example)',
      message: 'ping @channel',
      cluster: '<!here>',
      resource: { type: 'WorkloadIdentity', id: 'ns/@everyone/<!subteam^S1>' },
    });
    // Act
    const messages = buildNotifications(inputFor([], [hostile]));
    // Assess
    const texts: string[] = [];
    for (const message of messages) {
      const parsed = JSON.parse(message.Message ?? '');
      if (message.MessageStructure === 'json') texts.push(parsed.default, parsed.email);
      else {
        const chat = ChatNotificationSchema.parse(parsed);
        texts.push(
          chat.content.title ?? '',
          chat.content.description,
          ...(chat.metadata?.relatedResources ?? []),
        );
      }
    }
    for (const text of texts) {
      expect(text).not.toMatch(/(^|[^\w])@(here|channel|everyone)\b/);
      expect(text).not.toMatch(/<[!@#]/);
      expect(text).not.toContain('<http://x|click>');
      expect(text).not.toContain('http://x');
      expect(text).not.toContain('https://evil.example');
    }
    const chat = ChatNotificationSchema.parse(
      JSON.parse(byKind(messages, 'chat', 'summary')[0].Message ?? ''),
    );
    expect(chat.content.description).toContain('\\*x\\*');
    expect(chat.content.description).toContain('\\`rm -rf\\`');
    expect(chat.content.description).not.toMatch(/(^|[^\\])\*x\*/);
  });

  it('keeps every subject ASCII, on one line and under 100 characters', () => {
    for (const message of buildNotifications(inputFor([], [wildcard, critical]))) {
      expect(message.Subject).toMatch(/^[\x20-\x7e]{1,99}$/);
    }
  });
});

describe('toSubject', () => {
  it('turns any text into a valid SNS subject', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        expect(toSubject(text)).toMatch(/^[\x20-\x7e]{1,99}$/);
      }),
    );
  });

  it('keeps a short ASCII subject as it is', () => {
    expect(toSubject('EKS identity audit: 2 open')).toBe('EKS identity audit: 2 open');
  });
});

describe('notifications in another language and with filled commands', () => {
  const templated = finding({
    checkId: 'PI_AGENT_MISSING',
    name: 'prod-green',
    resource: { type: 'AwsEksCluster', id: 'arn:aws:eks:us-east-1:222233334444:cluster/prod-green' },
    cluster: 'prod-green',
    remediation:
      'Install the add-on: `aws eks create-addon --cluster-name CLUSTER --addon-name eks-pod-identity-agent --region REGION`.',
  });

  it('fills the placeholders of a fix in the e-mail with what the finding knows', () => {
    const [summary] = byKind(buildNotifications(inputFor([], [templated])), 'summary');
    const email = JSON.parse(summary?.Message ?? '{}').email as string;
    expect(email).toContain(
      'fix: Install the add-on: `aws eks create-addon --cluster-name prod-green --addon-name eks-pod-identity-agent --region us-east-1`.',
    );
  });

  it('writes the e-mail and the chat message in Japanese, keeping check ids, resources, commands and an ASCII subject', () => {
    const messages = buildNotifications(inputFor([], [templated, critical], { language: 'ja' }));
    const [summary] = byKind(messages, 'summary');
    const email = JSON.parse(summary?.Message ?? '{}').email as string;
    expect(email).toContain('EKS ワークロードアイデンティティ監査 - 夜間サマリー');
    expect(email).toContain('前回の実行からの変化: 新規 2 件');
    expect(email).toContain('[HIGH] PI_AGENT_MISSING: Pod Identity の関連付けがあるクラスターに');
    expect(email).toContain(
      'aws eks create-addon --cluster-name prod-green --addon-name eks-pod-identity-agent --region us-east-1',
    );
    expect(email).toContain('リソース: arn:aws:eks:us-east-1:222233334444:cluster/prod-green');
    expect(summary?.Subject).toMatch(/^[\x20-\x7e]+$/);
    const [chat] = byKind(messages, 'chat', 'summary');
    const notification = ChatNotificationSchema.parse(JSON.parse(chat?.Message ?? '{}'));
    expect(notification.content.title).toContain('EKS アイデンティティ監査: 新規 2 件');
    expect(notification.content.description).toContain('`PI_AGENT_MISSING`');
    expect((notification.content.nextSteps ?? []).join('\n')).toContain('レポートを開く: https://');
    expect(notification.metadata?.summary).toContain('未対処');
  });
});
