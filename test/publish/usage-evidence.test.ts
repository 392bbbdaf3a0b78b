import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { Language } from '../../shared/i18n/index.js';
import { diffRuns } from '../../shared/publish/diff.js';
import { buildNotifications } from '../../shared/publish/sns.js';
import { BACKFILLING_EVIDENCE, type UsageEvidence } from '../support/usage-evidence.js';
import { ChatNotificationSchema } from './chat-schema.js';
import { CHECK_META, finding, report, TOPIC_ARN } from './support.js';

const BACKFILLING = BACKFILLING_EVIDENCE;

const KNOWN: UsageEvidence = {
  source: 'org-trail',
  known: 20,
  total: 20,
  percentDone: 100,
  nightsLeft: 0,
  cannotCatchUp: [],
  text: 'usage known for 20 of 20 account-regions, backfill 100% done, nothing left to read',
};

const SENTENCE: Record<Language, { label: string; sentence: string }> = {
  en: {
    label: 'Usage evidence (CloudTrail LookupEvents):',
    sentence: 'usage known for 18 of 20 account-regions, backfill 93.1% done, done in about 3 nights',
  },
  ja: {
    label: '利用状況のエビデンス (CloudTrail LookupEvents):',
    sentence:
      '利用状況が判明しているアカウント・リージョン: 20 件中 18 件、バックフィル 93.1% 完了、あと約 3 回の夜間実行で完了する見込みです',
  },
};

function notifications(usageEvidence: UsageEvidence | undefined, language: Language) {
  const run = report('run-2', [finding({ name: 'payments-api' })]);
  if (usageEvidence) run.usageEvidence = usageEvidence;
  return buildNotifications({
    report: run,
    diff: diffRuns([], run.findings, run.scopes, { checks: CHECK_META }),
    topicArn: TOPIC_ARN,
    summary: 'always',
    alertThreshold: 'HIGH',
    previousRunId: 'run-1',
    checks: CHECK_META,
    language,
  });
}

function emailOf(messages: PublishCommandInput[], type = 'summary'): string {
  const message = messages.find(
    (candidate) =>
      candidate.MessageAttributes?.kind?.StringValue === type &&
      candidate.MessageAttributes?.notificationType?.StringValue === type,
  );
  return JSON.parse(message?.Message ?? '{}').email as string;
}

function chatOf(messages: PublishCommandInput[], type = 'summary'): string {
  const message = messages.find(
    (candidate) =>
      candidate.MessageAttributes?.kind?.StringValue === 'chat' &&
      candidate.MessageAttributes?.notificationType?.StringValue === type,
  );
  return ChatNotificationSchema.parse(JSON.parse(message?.Message ?? '{}')).content.description;
}

describe('usage evidence in notifications', () => {
  for (const language of ['en', 'ja'] as const) {
    const { label, sentence } = SENTENCE[language];

    it(`mentions the backfill in one line of the e-mail while usage is not known everywhere (${language})`, () => {
      const messages = notifications(BACKFILLING, language);
      for (const type of ['summary', 'alert']) {
        const lines = emailOf(messages, type).split('\n');
        expect(lines.filter((line) => line.includes(sentence))).toEqual([`${label} ${sentence}`]);
      }
    });

    it(`mentions the backfill in one line of the chat message while usage is not known everywhere (${language})`, () => {
      const messages = notifications(BACKFILLING, language);
      for (const type of ['summary', 'alert']) {
        const lines = chatOf(messages, type).split('\n');
        // Chat Markdown: the label in bold, the sentence escaped (nothing in it needs escaping).
        expect(lines.filter((line) => line.includes('93.1%'))).toEqual([`**${label}** ${sentence}`]);
      }
    });

    it(`says nothing about usage once it is known everywhere, or without ledgers (${language})`, () => {
      const without = notifications(undefined, language);
      const known = notifications(KNOWN, language);
      expect(emailOf(known)).toBe(emailOf(without));
      expect(chatOf(known)).toBe(chatOf(without));
      expect(emailOf(without)).not.toContain(label.split(' (')[0]);
    });
  }

  it('escapes the account-regions that cannot catch up in the chat text', () => {
    const messages = notifications(
      {
        ...BACKFILLING,
        nightsLeft: null,
        cannotCatchUp: ['111122223333/<!channel>', '222233334444/us-east-1'],
        text: 'usage known for 18 of 20 account-regions, backfill 93.1% done, 2 account-region(s) cannot catch up',
      },
      'en',
    );
    const chat = chatOf(messages);
    expect(chat).toContain('2 account-region(s) cannot catch up at their rate');
    expect(chat).not.toContain('<!channel>');
    expect(emailOf(messages)).not.toContain('<!channel>');
  });
});
