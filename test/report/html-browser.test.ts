import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../shared/report/index.js';
import type { TrendPoint } from '../../shared/report/trend.js';
import { CATALOGUE } from './catalogue.js';
import { loadFixtureReport } from './fixture.js';

/**
 * The HTML report in a real browser: Debian's `chromium` (or CHROMIUM_PATH). CI machines without
 * it skip these tests, and the skipped suite's name says why.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const SCREENSHOTS = join(tmpdir(), 'eks-identity-audit-report-screenshots');

const report = loadFixtureReport();
const trend: TrendPoint[] = Array.from({ length: 14 }, (_, night) => ({
  runId: `nightly-${night}`,
  finishedAt: `2026-11-${String(16 + night).padStart(2, '0')}T02:03:12.000Z`,
  open: { CRITICAL: 4 - (night >> 2), HIGH: 8 + (night % 3), MEDIUM: 4, LOW: 5, INFORMATIONAL: 2 },
  new: { CRITICAL: night % 5 === 0 ? 1 : 0, HIGH: night % 3, MEDIUM: 0, LOW: 1, INFORMATIONAL: 0 },
  resolved: { CRITICAL: night % 4 === 0 ? 1 : 0, HIGH: (night + 1) % 3, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0 },
  newTotal: 1 + (night % 3) + (night % 5 === 0 ? 1 : 0),
  resolvedTotal: (night % 4 === 0 ? 1 : 0) + ((night + 1) % 3),
  ...(night === 9 ? { incompleteScopes: 2 } : {}),
}));

describe.skipIf(!available)(
  `HTML report in headless Chromium${available ? '' : ` (skipped: no Chromium at ${CHROMIUM}; install Debian's chromium or set CHROMIUM_PATH)`}`,
  () => {
    let browser: Browser;
    const files: Record<'en' | 'ja', string> = { en: '', ja: '' };

    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      for (const language of ['en', 'ja'] as const) {
        files[language] = join(SCREENSHOTS, `report-${language}.html`);
        writeFileSync(files[language], renderHtml(report, { checks: CATALOGUE, trend, language }));
      }
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** Opens a report, recording console errors, page errors and CSP violations. */
    async function open(file: string, width: number) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning')
          problems.push(`${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      // Init scripts run outside the page's CSP, so the listener sees every refusal.
      await page.addInitScript({
        content: `document.addEventListener('securitypolicyviolation', (event) => {
          (globalThis.violations ??= []).push(event.violatedDirective + ' ' + event.blockedURI);
        });`,
      });
      await page.goto(pathToFileURL(file).href);
      return { page, problems };
    }

    async function violations(page: Page): Promise<string[]> {
      return page.evaluate<string[]>('globalThis.violations ?? []');
    }

    for (const language of ['en', 'ja'] as const) {
      for (const width of [1280, 390]) {
        it(`renders in ${language} at ${width}px with no console error or CSP violation, what to fix on the first screen`, async () => {
          const { page, problems } = await open(files[language], width);
          const shot = join(SCREENSHOTS, `report-${language}-${width}.png`);
          await page.screenshot({ path: shot, fullPage: true });
          expect(statSync(shot).size).toBeGreaterThan(10_000);
          expect(problems).toEqual([]);
          expect(await violations(page)).toEqual([]);
          // The filter shows itself only when the inline script ran, i.e. its CSP hash matched.
          expect(await page.locator('#filter').isVisible()).toBe(true);
          const firstFix = await page.locator('#fix-first > li').first().boundingBox();
          expect(firstFix?.y ?? Number.POSITIVE_INFINITY).toBeLessThan(900);
          const overflow = await page.evaluate<number>(
            'document.documentElement.scrollWidth - document.documentElement.clientWidth',
          );
          expect(overflow).toBeLessThanOrEqual(0);
          const chart = await page.locator('#trend-open').boundingBox();
          expect(chart?.width ?? 0).toBeGreaterThan(300);
          expect(chart?.height ?? 0).toBeGreaterThan(50);
          await page.close();
        });
      }
    }

    it('hides the findings of an unticked severity and the suppressed ones, and shows them again', async () => {
      const { page, problems } = await open(files.en, 1280);
      const visible = (selector: string) =>
        page.evaluate<number>(
          `[...document.querySelectorAll(${JSON.stringify(selector)})].filter((row) => row.offsetParent !== null).length`,
        );
      const high = await page.locator('tr[data-severity="HIGH"]').count();
      expect(high).toBeGreaterThan(0);
      expect(await visible('tr[data-severity="HIGH"]')).toBe(high);

      await page.locator('input[name="severity"][value="HIGH"]').uncheck();
      expect(await visible('tr[data-severity="HIGH"]')).toBe(0);
      expect(await visible('tr[data-severity="CRITICAL"]')).toBe(
        await page.locator('tr[data-severity="CRITICAL"]').count(),
      );

      await page.locator('input[name="suppressed"]').uncheck();
      expect(await visible('tr[data-suppressed="true"]')).toBe(0);

      // A cluster group whose every finding is hidden disappears with them.
      for (const severity of ['CRITICAL', 'MEDIUM', 'LOW', 'INFORMATIONAL'])
        await page.locator(`input[name="severity"][value="${severity}"]`).uncheck();
      expect(await visible('section[data-group="cluster"]')).toBe(0);

      await page.locator('input[name="severity"][value="HIGH"]').check();
      expect(await visible('tr[data-severity="HIGH"][data-suppressed="false"]')).toBe(
        await page.locator('tr[data-severity="HIGH"][data-suppressed="false"]').count(),
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'report-en-filtered.png') });
      expect(problems).toEqual([]);
      await page.close();
    });

    it('keeps its CSP: a script or style added to the page is refused', async () => {
      const { page } = await open(files.en, 1280);
      const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      expect(policy).toContain("default-src 'none'");
      expect(policy).not.toContain('unsafe-inline');
      const ran = await page.evaluate<{ injected: boolean; display: string }>(`(async () => {
        const script = document.createElement('script');
        script.textContent = 'globalThis.injected = true;';
        document.body.append(script);
        const style = document.createElement('style');
        style.textContent = 'body { display: none; }';
        document.head.append(style);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { injected: globalThis.injected === true, display: getComputedStyle(document.body).display };
      })()`);
      expect(ran).toEqual({ injected: false, display: 'block' });
      const refused = await violations(page);
      expect(refused.some((line) => line.startsWith('script-src'))).toBe(true);
      expect(refused.some((line) => line.startsWith('style-src'))).toBe(true);
      await page.close();
    });
  },
);
