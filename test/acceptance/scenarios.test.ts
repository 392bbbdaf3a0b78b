import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../../shared/report/types.js';
import { type CliRun, runCli } from '../support/cli.js';

/**
 * Acceptance scenarios: each folder under test/fixtures/acceptance holds a snapshot written in the
 * contract format, a baseline, and the exact `[checkId, resourceId]` pairs the audit must report
 * (a third element `"suppressed"` marks a finding an exception suppresses).
 */
const scenariosDir = join(import.meta.dirname, '..', 'fixtures', 'acceptance');
const scenarios = readdirSync(scenariosDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

type ExpectedPair = [checkId: string, resourceId: string] | [string, string, 'suppressed'];
interface Expected {
  findings: ExpectedPair[];
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Runs `audit` of one scenario in-process. */
function audit(name: string, ...extra: string[]): Promise<CliRun> {
  const dir = join(scenariosDir, name);
  return runCli(
    'audit',
    '--snapshot',
    join(dir, 'snapshot.json'),
    '--baseline',
    join(dir, 'baseline.yaml'),
    ...extra,
  );
}

const pairKey = (pair: readonly string[]) => pair.join(' ');

function expectedOf(name: string): Expected {
  return JSON.parse(readFileSync(join(scenariosDir, name, 'expected.json'), 'utf8')) as Expected;
}

describe('acceptance scenarios through `audit --format json`', () => {
  it('has at least ten scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(10);
  });

  it.each(scenarios)('%s reports exactly the expected check ids per resource', async (name) => {
    // What could be read is judged; whether anything could not be read decides exit 1 (below).
    const { code, stdout: out } = await audit(
      name,
      '--format',
      'json',
      '--fail-on',
      'none',
      '--allow-incomplete',
    );
    expect(code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(out));
    const actual = report.findings.map((finding) =>
      pairKey([finding.checkId, finding.resource.id, ...(finding.suppressed ? ['suppressed'] : [])]),
    );
    expect(actual.sort()).toEqual(expectedOf(name).findings.map(pairKey).sort());
    // The summary counts what still needs action; suppressed findings are counted apart.
    expect(report.summary.total + (report.summary.suppressed ?? 0)).toBe(report.findings.length);
  });

  it.each(scenarios)(
    '%s exits 2 with --fail-on exactly when an unsuppressed finding reaches it',
    async (name) => {
      const { stdout: out } = await audit(name, '--format', 'json', '--fail-on', 'none');
      const report = ReportSchema.parse(JSON.parse(out));
      const open = report.findings.filter((finding) => !finding.suppressed);
      // An account or region not read at all exits 1 whatever --fail-on says, unless allowed.
      const blind = (report.collection?.unread.length ?? 0) > 0;
      for (const severity of ['CRITICAL', 'HIGH', 'LOW', 'INFORMATIONAL'] as const) {
        const order = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
        const reaches = open.some((finding) => order.indexOf(finding.severity) >= order.indexOf(severity));
        const { code } = await audit(name, '--format', 'json', '--fail-on', severity);
        expect(code, `--fail-on ${severity}`).toBe(blind ? 1 : reaches ? 2 : 0);
        const allowed = await audit(name, '--format', 'json', '--fail-on', severity, '--allow-incomplete');
        expect(allowed.code, `--fail-on ${severity} --allow-incomplete`).toBe(reaches ? 2 : 0);
      }
    },
  );

  it('exits 1 for the scenario that could not read an account, naming it', async () => {
    const { code, stderr } = await audit('collection-failures', '--format', 'json', '--fail-on', 'none');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ {2}\d{12}(?: [a-z0-9-]+)?: \S+ on [a-z]+:\w+ — /m);
  });
});

describe('acceptance: AWS text in the HTML report', () => {
  const hostileScenario = 'exceptions-hostile-text';

  it('renders tags, error messages and exception reasons escaped, never as markup', async () => {
    const { stdout: html } = await audit(hostileScenario, '--format', 'html', '--fail-on', 'none');
    expect(html).toMatch(/^<!doctype html>/i);
    // The hostile text reached the page (so the check below is meaningful), escaped.
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toMatch(/&lt;script&gt;alert\((document\.domain|1)\)&lt;\/script&gt;/);
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<script>alert/);
    expect(html).not.toMatch(/onerror=alert\(1\)>/);
    // Only the page's own script may appear, and no element carries an event handler attribute.
    expect(html.match(/<script\b/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
  });

  it('keeps the hostile text out of the Markdown report as raw HTML too', async () => {
    const { stdout: markdown } = await audit(hostileScenario, '--format', 'markdown', '--fail-on', 'none');
    expect(markdown).toContain('IRSA_SUBJECT_WILDCARD');
    // A backslash-escaped `\<` is literal text in Markdown; an unescaped one would open a tag.
    expect(markdown).toContain('\\<img src=x onerror=alert(1)\\>');
    expect(markdown).not.toMatch(/(?<!\\)<(img|script)/);
  });
});
