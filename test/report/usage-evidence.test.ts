import { describe, expect, it } from 'vitest';
import type { Language } from '../../shared/i18n/index.js';
import { escapeHtml, type Report, ReportSchema, renderReport } from '../../shared/report/index.js';
import { BACKFILLING_EVIDENCE } from '../support/usage-evidence.js';
import { CATALOGUE } from './catalogue.js';
import { HOSTILE, loadFixtureReport } from './fixture.js';

const HUMAN_FORMATS = ['table', 'markdown', 'html'] as const;

/** The fixture report with the backfill state a busy organization reports on its third night. */
function withEvidence(usageEvidence: NonNullable<Report['usageEvidence']>): Report {
  return ReportSchema.parse({ ...loadFixtureReport(), usageEvidence });
}

const backfilling = withEvidence(BACKFILLING_EVIDENCE);

const stuck = withEvidence({
  source: 'org-trail',
  known: 16,
  total: 20,
  percentDone: 71.4,
  nightsLeft: null,
  cannotCatchUp: ['111122223333/eu-west-1', `444455556666/${HOSTILE.scriptTag}`],
  text: 'usage known for 16 of 20 account-regions, backfill 71.4% done, 2 account-region(s) cannot catch up',
});

const EXPECTED: Record<Language, { backfilling: string; stuck: string }> = {
  en: {
    backfilling:
      'Usage evidence (CloudTrail LookupEvents): usage known for 18 of 20 account-regions, backfill 93.1% done, done in about 3 nights',
    stuck:
      'Usage evidence (organization trail): usage known for 16 of 20 account-regions, backfill 71.4% done, 2 account-region(s) cannot catch up at their rate (111122223333/eu-west-1, 444455556666/',
  },
  ja: {
    backfilling:
      '利用状況のエビデンス (CloudTrail LookupEvents): 利用状況が判明しているアカウント・リージョン: 20 件中 18 件、バックフィル 93.1% 完了、あと約 3 回の夜間実行で完了する見込みです',
    stuck:
      '利用状況のエビデンス (組織の証跡): 利用状況が判明しているアカウント・リージョン: 20 件中 16 件、バックフィル 71.4% 完了。2 件のアカウント・リージョン (111122223333/eu-west-1、444455556666/',
  },
};

function render(report: Report, format: (typeof HUMAN_FORMATS)[number], language: Language): string {
  return renderReport(report, format, { checks: CATALOGUE, language });
}

/**
 * Text without its whitespace: the table wraps at 120 columns, in Japanese anywhere in a word, so
 * a sentence is compared without the spaces and line breaks the wrapping moved.
 */
function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The lines `after` has where `before` has none, when they differ by one inserted block only. */
function insertedLines(before: string, after: string): string[] | undefined {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;
  if (head + tail !== a.length) return undefined;
  return b.slice(head, b.length - tail);
}

describe('usage evidence in the human reports', () => {
  for (const language of ['en', 'ja'] as const) {
    for (const format of HUMAN_FORMATS) {
      it(`says how far the usage backfill is in ${format} (${language}), beside the collection status`, () => {
        const output = squash(render(backfilling, format, language));
        expect(output).toContain(squash(EXPECTED[language].backfilling));
        // Near the collection status: after it, before the findings.
        const collection = output.indexOf(language === 'en' ? 'Collection:' : '収集:');
        const usage = output.indexOf(squash(EXPECTED[language].backfilling));
        expect(collection).toBeGreaterThanOrEqual(0);
        expect(usage).toBeGreaterThan(collection);
        expect(usage - collection).toBeLessThan(600);
      });

      it(`names the account-regions that cannot catch up in ${format} (${language})`, () => {
        expect(squash(render(stuck, format, language))).toContain(squash(EXPECTED[language].stuck));
      });
    }

    it(`renders exactly as before without usage evidence (${language})`, () => {
      const without = loadFixtureReport();
      for (const format of HUMAN_FORMATS) {
        const output = render(without, format, language);
        expect(output).not.toContain(language === 'en' ? 'Usage evidence' : '利用状況のエビデンス');
        expect(output).not.toContain('usage-evidence');
        // The field adds one line (or, in HTML, one span in the status paragraph) and changes nothing else.
        const added = render(backfilling, format, language);
        const plain = render(without, format, language);
        if (format === 'html') {
          const span = /<br><span class="status incomplete" id="usage-evidence">[^<]*<\/span>/;
          expect(added).toMatch(span);
          expect(added.replace(span, '')).toBe(plain);
        } else {
          const inserted = insertedLines(plain, added);
          expect(squash(inserted?.join('') ?? '')).toBe(squash(EXPECTED[language].backfilling));
        }
      }
    });
  }

  it('escapes the account-regions in HTML and keeps the page free of inline styles', () => {
    const html = render(stuck, 'html', 'en');
    expect(html).not.toContain(HOSTILE.scriptTag);
    expect(html).toContain(escapeHtml(`444455556666/${HOSTILE.scriptTag}`));
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).toMatch(/<span class="status incomplete" id="usage-evidence">/);
  });

  it('escapes the account-regions in Markdown', () => {
    const line = render(stuck, 'markdown', 'en')
      .split('\n')
      .find((candidate) => candidate.startsWith('Usage evidence'));
    expect(line).not.toContain(HOSTILE.scriptTag);
    expect(line).toContain('444455556666/\\<script\\>alert(1)\\</script\\>');
  });

  it('does not flag the line once usage is known everywhere', () => {
    const known = withEvidence({
      source: 'ledger',
      known: 20,
      total: 20,
      percentDone: 100,
      nightsLeft: 0,
      cannotCatchUp: [],
      text: 'usage known for 20 of 20 account-regions, backfill 100% done, nothing left to read',
    });
    const html = render(known, 'html', 'en');
    expect(html).toContain(
      '<span class="status" id="usage-evidence">Usage evidence (usage ledgers): usage known for 20 of 20 account-regions, backfill 100% done, nothing left to read</span>',
    );
    expect(squash(render(known, 'table', 'ja'))).toContain(
      squash('20 件中 20 件、バックフィル 100% 完了、残りはありません'),
    );
  });

  it('says when the rate is not measured yet', () => {
    const unmeasured = withEvidence({
      source: 'lookup',
      known: 0,
      total: 4,
      percentDone: 0,
      cannotCatchUp: [],
      text: 'usage known for 0 of 4 account-regions, backfill 0% done, rate not measured yet',
    });
    expect(squash(render(unmeasured, 'table', 'en'))).toContain(
      squash('backfill 0% done, rate not measured yet'),
    );
    expect(squash(render(unmeasured, 'table', 'ja'))).toContain('読み取り速度はまだ測定されていません');
  });
});
