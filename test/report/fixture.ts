import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Report, ReportSchema } from '../../shared/report/index.js';

/** Directory of the report fixtures and goldens. */
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/report/', import.meta.url));

/**
 * The realistic report fixture: 22 findings across three accounts and three clusters, every
 * severity, one suppressed finding, two incomplete scopes, baseline locations, and AWS-derived
 * strings that try to inject markup, mentions and links.
 */
export function loadFixtureReport(): Report {
  return ReportSchema.parse(JSON.parse(readFileSync(`${FIXTURE_DIR}report.json`, 'utf8')));
}

/** Hostile strings planted in the fixture's AWS-derived fields. */
export const HOSTILE = {
  scriptTag: '<script>alert(1)</script>',
  imgOnerror: '"><img src=x onerror=alert(document.cookie)>',
  here: '@here',
  channel: '<!channel>',
  slackUser: '<@U012AB3CD>',
  slackLink: '<http://evil.example/login|click here>',
  bareUrl: 'https://evil.example/x',
} as const;
