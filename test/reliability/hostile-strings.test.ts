import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { log } from '../../cli/output.js';
import { runAudit } from '../../shared/audit.js';
import { parseBaseline } from '../../shared/baseline/index.js';
import { checks } from '../../shared/checks/index.js';
import type { Finding } from '../../shared/model/finding.js';
import { toAsff, validateAsff } from '../../shared/publish/asff.js';
import { diffRuns } from '../../shared/publish/diff.js';
import { buildNotifications } from '../../shared/publish/sns.js';
import {
  MAX_EVIDENCE_LENGTH,
  MAX_IDENTIFIER_LENGTH,
  MAX_TEXT_LENGTH,
  REPORT_FORMATS,
  type Report,
  type ReportFormat,
  renderReport,
} from '../../shared/report/index.js';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { runCli } from '../support/cli.js';
import {
  collectionError,
  irsaTrust,
  irsaWebIdentityEvent,
  podIdentityTrust,
  snapshot,
} from '../support/snapshot-builder.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const CAPTURED_AT = '2026-11-29T02:00:00Z';
const CATALOGUE = checks.map((check) => check.meta);

/** The 100,000-character value: one letter that occurs nowhere else in the corpus or the templates. */
const HUGE = 'Q'.repeat(100_000);

/**
 * Attacker-chosen text as it can reach a role path, tag, namespace, service account, cluster name,
 * session name or error message. Each entry names what it attacks.
 */
const HOSTILE_CORPUS: Record<string, string> = {
  markdownEmphasis: '*bold* _italic_ __strong__ ~~strike~~',
  markdownLink: '[click me](javascript:alert(1))',
  markdownImage: '![x](https://evil.example/pixel.png)',
  markdownAutolink: '<https://evil.example/login>',
  markdownTablePipe: 'a | b | c',
  markdownCode: '`code` ```fence```',
  markdownHeading: '# Heading',
  markdownList: '- item\n1. item',
  markdownQuote: '> quoted',
  htmlScript: '<script>alert(1)</script>',
  htmlAttribute: '"><img src=x onerror=alert(1)>',
  htmlSingleQuote: "' onmouseover='alert(1)",
  htmlEntity: '&lt;b&gt; &amp; &#x3C;',
  htmlComment: '<!-- hidden -->',
  slackChannel: '<!channel>',
  slackHere: '<!here> @here @channel @everyone',
  slackUser: '<@U123ABC>',
  slackSubteam: '<!subteam^S123|@team>',
  slackLink: '<https://evil.example|click>',
  bareUrl: 'https://evil.example/login www.evil.example',
  ansiColour: '\u001b[31mred\u001b[0m',
  ansiTitle: '\u001b]0;pwned\u0007',
  ansiClear: '\u001b[2J\u001b[H',
  carriageReturn: 'safe\rFORGED',
  newlines: 'line1\nline2\r\nline3',
  nul: 'a\u0000b',
  bell: 'ding\u0007',
  c1Control: 'x\u009bmeta',
  lineSeparator: 'a\u2028b\u2029c',
  rightToLeftOverride: 'invoice\u202Efdp.exe',
  bidiIsolates: '\u2066a\u2067b\u2068c\u2069',
  bidiMarks: 'x\u200Fy\u200Ez\u061C',
  bidiEmbedding: '\u202Aleft\u202Bright\u202C\u202D',
  zeroWidth: 'prod\u200B-blue\u200C\u200D\u2060\uFEFF',
  loneHighSurrogate: 'a\uD800b',
  loneLowSurrogate: 'a\uDC00b',
  tagCharacters: 'x\u{E0041}\u{E007F}',
  emoji: 'ok 😀 ünïcödé 日本語',
  huge: HUGE,
};

const CORPUS = Object.values(HOSTILE_CORPUS);
/** Corpus entries that fit where AWS returns no line break (names inside ARNs). */
const ONE_LINE = CORPUS.map((value) => value.replace(/[\r\n\u2028\u2029]/g, ' '));

/** The event with the caller's user agent (free text the caller chooses) set to `userAgent`. */
function withUserAgent(event: Record<string, unknown>, userAgent: string): Record<string, unknown> {
  const record = JSON.parse(event.CloudTrailEvent as string);
  record.userAgent = userAgent;
  return { ...event, CloudTrailEvent: JSON.stringify(record) };
}

function hostileSnapshot(): unknown {
  return snapshot({ capturedAt: CAPTURED_AT })
    .account(ACCOUNT, (account) => {
      // Roles whose trust carries hostile IRSA subjects, and a Pod Identity role with hostile tags.
      ONE_LINE.forEach((value, index) => {
        account.role(`irsa-${index}`, {
          trust: irsaTrust({
            accountId: ACCOUNT,
            region: REGION,
            oidcId: 'PRODBLUE',
            subject: `system:serviceaccount:${value}:*`,
            subjectOperator: 'StringLike',
          }),
          tags: { owner: value },
          description: value,
        });
      });
      account.role('shared', { trust: podIdentityTrust(), path: `/${ONE_LINE[1]}/` });
      account.region(REGION, (region) => {
        region.cluster('prod-blue', { oidcId: 'PRODBLUE' }, (cluster) => {
          CORPUS.forEach((value, index) => {
            cluster.association({
              namespace: `ns-${index}-${value}`,
              serviceAccount: value,
              roleName: 'shared',
            });
          });
          cluster.error(collectionError('eks', 'DescribeAddon', 'AccessDeniedException', CORPUS.join(' ')));
        });
        ONE_LINE.forEach((value, index) => {
          region.cluster(`c${index}${value}`, {});
        });
        region.event(
          ...CORPUS.map((value, index) =>
            withUserAgent(
              irsaWebIdentityEvent({
                accountId: ACCOUNT,
                region: REGION,
                oidcId: 'PRODBLUE',
                namespace: `web-${index}`,
                serviceAccount: 'frontend',
                roleArn: account.roleArn(`irsa-${index}`),
                eventTime: '2026-11-20T10:00:00Z',
              }),
              value,
            ),
          ),
        );
      });
    })
    .build();
}

const BASELINE = `version: 1
clusters:
  prod:
    account: "${ACCOUNT}"
    region: ${REGION}
    members: [prod-blue]
exceptions:
  - check: PI_TRUST_UNSCOPED
    resource: "arn:aws:iam::${ACCOUNT}:role/*"
    reason: "${'*accepted* <!channel> \\u202E'.replace(/"/g, '\\"')}"
    expires: 2027-03-31
`;

function hostileAudit(): Report {
  const inventory = normalizeSnapshot(parseSnapshot(hostileSnapshot(), 'hostile.json'));
  return runAudit({ inventory, baseline: parseBaseline(BASELINE, 'baseline.yaml') }).report;
}

// C0 and C1 controls other than the line feed that separates lines of a multi-line format.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
const INVISIBLE = /[\p{Cf}\p{Cs}]/u;
// Our own neutralizer inserts zero-width spaces after `<` and `@` and inside URLs; nothing else may.
const ZWSP = '\u200B';
const LIVE_SLACK = /<[!@#]|<https?:|(^|[^\p{L}\p{N}_])@(here|channel|everyone)\b/u;
const TOO_LONG = 'Q'.repeat(MAX_TEXT_LENGTH + 1);

function unescapeHtml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

function expectNoRawControlOrInvisible(text: string, allowZwsp = false): void {
  expect(text).not.toMatch(RAW_CONTROL);
  expect(allowZwsp ? text.replaceAll(ZWSP, '') : text).not.toMatch(INVISIBLE);
}

describe('hostile AWS strings through the audit and every report format', () => {
  const report = hostileAudit();
  const rendered = Object.fromEntries(
    REPORT_FORMATS.map((format) => [format, renderReport(report, format, { checks: CATALOGUE })]),
  ) as Record<ReportFormat, string>;

  it('carries the hostile values into findings (so the rest of this suite tests something)', () => {
    const checkIds = new Set(report.findings.map((finding) => finding.checkId));
    // No hostile namespace is a Kubernetes name, so each hostile subject pattern is unsatisfiable.
    for (const checkId of [
      'PI_ASSOCIATION_UNDECLARED',
      'CLUSTER_UNDECLARED',
      'TRUST_UNSATISFIABLE',
      'COLLECTION_INCOMPLETE',
    ])
      expect(checkIds).toContain(checkId);
    const messages = report.findings.map((finding) => finding.message).join('\n');
    expect(messages).toContain('\u202E');
    expect(messages).toContain('<script>');
    expect(messages).toContain(HUGE);
    // The baseline exception's reason (with its own Markdown, mention and bidi override) is shown too.
    expect(
      report.findings.some((finding) => finding.suppressed && finding.suppressionReason?.includes('\u202E')),
    ).toBe(true);
  });

  it('json keeps every value exactly (the machine contract) and is valid JSON', () => {
    expect(JSON.parse(rendered.json)).toEqual(report);
  });

  it('table passes no terminal escape, control or bidi character and bounds each value', () => {
    const table = rendered.table;
    expect(table).not.toContain('\u001b');
    expectNoRawControlOrInvisible(table);
    expect(table).toContain('<U+202E>');
    expect(table).not.toContain(TOO_LONG);
    expect(table).toContain(`${'Q'.repeat(100)}…`);
  });

  it('markdown has no live emphasis, link, HTML, mention or control character from data', () => {
    const markdown = rendered.markdown;
    expectNoRawControlOrInvisible(markdown, true);
    // Text inside a code span is literal; outside, every metacharacter from data must be escaped.
    const prose = markdown.replace(/(?<!\\)`[^`\n]*`/g, '');
    expect(prose).not.toMatch(/(?<!\\)\*bold\*/);
    expect(prose).not.toMatch(/(?<!\\)_italic_/);
    expect(prose).not.toMatch(/(?<!\\)~~strike/);
    expect(prose).not.toMatch(/(?<!\\)\]\(javascript:/);
    expect(prose).not.toMatch(/(?<!\\)!(?<!\\)\[x/);
    expect(prose).not.toMatch(/(?<![\\`])<(script|img|!--|https)/);
    expect(markdown).not.toMatch(LIVE_SLACK);
    expect(markdown).not.toContain('https://evil');
    // Data never starts a line, so no heading, list or quote can come from it.
    for (const line of markdown.split('\n'))
      expect(line).not.toMatch(/^(#+ Heading|- item|1\. item|> quoted)/);
    expect(markdown).not.toContain(TOO_LONG);
  });

  it('html has only the renderer own tags, one script, and bounded escaped text', () => {
    const html = rendered.html;
    expectNoRawControlOrInvisible(html);
    const tags = [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((match) => match[1].toLowerCase());
    const allowed = new Set(
      'html head meta title style body h1 h2 h3 h4 p br code div strong table thead tbody tr th td ul li section form label input span a details summary pre script ol svg line rect text'.split(
        ' ',
      ),
    );
    for (const tag of tags) expect(allowed).toContain(tag);
    expect(tags.filter((tag) => tag === 'script')).toHaveLength(2);
    expect(html).not.toMatch(/<img|<!--|onerror=alert\(1\)>/);
    // Evidence blocks have their own, larger bound; everything else is cut at the text maximum.
    expect(html.replace(/<pre>[\s\S]*?<\/pre>/g, '')).not.toContain(TOO_LONG);
    const evidence = [...html.matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((match) => match[1]);
    expect(evidence.some((block) => block.includes(`${'Q'.repeat(100)}…`))).toBe(true);
    for (const block of evidence)
      expect(Array.from(unescapeHtml(block)).length).toBeLessThanOrEqual(MAX_EVIDENCE_LENGTH);
  });

  it('sarif is valid JSON whose messages are one bounded line without links or invisible characters', () => {
    const sarif = JSON.parse(rendered.sarif);
    const run = sarif.runs[0];
    const texts: string[] = [
      ...run.results.map((result: { message: { text: string } }) => result.message.text),
      ...run.invocations[0].toolExecutionNotifications.map(
        (note: { message: { text: string } }) => note.message.text,
      ),
    ];
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) {
      expectNoRawControlOrInvisible(text);
      expect(text.length).toBeLessThanOrEqual(MAX_TEXT_LENGTH * 9);
      expect(text).not.toMatch(/(?<!\\)\[[^\]]*(?<!\\)\]\(/);
    }
    for (const result of run.results)
      for (const location of result.locations)
        for (const logical of location.logicalLocations ?? [])
          expect(Array.from(logical.fullyQualifiedName as string).length).toBeLessThanOrEqual(
            MAX_IDENTIFIER_LENGTH,
          );
  });
});

describe('hostile AWS strings in every SNS body and in Security Hub', () => {
  const report = hostileAudit();
  const diff = diffRuns<Finding>(undefined, report.findings, report.scopes, { checks: CATALOGUE });
  const messages = buildNotifications({
    report,
    diff,
    topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:eks-identity-audit-findings`,
    summary: 'always',
    alertThreshold: 'LOW',
    checks: CATALOGUE,
  });

  it('sends structured and chat messages of both kinds within the SNS limit', () => {
    expect(messages.length).toBe(4);
    for (const message of messages) {
      expect(Buffer.byteLength(message.Message ?? '')).toBeLessThan(256 * 1024);
      expect(message.Subject).toMatch(/^[\x20-\x7e]{1,99}$/);
    }
  });

  it('default and email bodies are plain lines: no control, bidi, live mention or link', () => {
    for (const message of messages.filter((m) => m.MessageStructure === 'json')) {
      const bodies = JSON.parse(message.Message ?? '');
      for (const protocol of ['default', 'email']) {
        const text: string = bodies[protocol];
        expectNoRawControlOrInvisible(text, true);
        expect(text).not.toMatch(LIVE_SLACK);
        expect(text).not.toContain('https://evil');
        expect(text).not.toContain(TOO_LONG);
      }
      for (const protocol of ['https', 'lambda', 'sqs']) {
        const compact = JSON.parse(bodies[protocol]);
        expect(compact.newFindings.length).toBeGreaterThan(0);
        for (const listed of compact.newFindings)
          expect(Array.from(listed.resource.id as string).length).toBeLessThanOrEqual(MAX_IDENTIFIER_LENGTH);
      }
    }
  });

  it('the chat notification escapes Markdown and breaks every mention and link', () => {
    for (const message of messages.filter((m) => m.MessageAttributes?.kind?.StringValue === 'chat')) {
      const chat = JSON.parse(message.Message ?? '');
      const texts: string[] = [
        chat.content.title,
        chat.content.description,
        ...chat.content.nextSteps,
        ...chat.metadata.relatedResources,
      ];
      for (const text of texts) {
        expectNoRawControlOrInvisible(text, true);
        expect(text).not.toMatch(LIVE_SLACK);
        expect(text).not.toMatch(/(?<!\\)\]\(javascript:/);
        expect(text).not.toContain('https://evil');
      }
      expect(chat.content.description).not.toContain(TOO_LONG);
    }
  });

  it('ASFF findings respect every field limit and carry no control or bidi character', () => {
    const asff: AwsSecurityFinding[] = report.findings.map((finding: Finding) =>
      toAsff(finding, {
        awsAccountId: ACCOUNT,
        region: REGION,
        runId: 'run-1',
        createdAt: CAPTURED_AT,
        updatedAt: CAPTURED_AT,
        state: finding.suppressed ? 'suppressed' : 'active',
      }),
    );
    expect(asff.length).toBe(report.findings.length);
    for (const finding of asff) {
      expect(validateAsff(finding)).toEqual([]);
      for (const text of [
        finding.Title ?? '',
        finding.Description ?? '',
        finding.Remediation?.Recommendation?.Text ?? '',
        ...Object.values(finding.ProductFields ?? {}),
      ])
        expectNoRawControlOrInvisible(text);
    }
  });
});

describe('hostile AWS strings through the CLI', () => {
  const directory = mkdtempSync(join(tmpdir(), 'hostile-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('audit --format table prints no terminal escape, control or bidi character from the snapshot', async () => {
    // Prepare
    const snapshotFile = join(directory, 'snapshot.json');
    const baselineFile = join(directory, 'baseline.yaml');
    writeFileSync(snapshotFile, JSON.stringify(hostileSnapshot()));
    writeFileSync(baselineFile, BASELINE);
    // Act
    const run = await runCli(
      'audit',
      '--snapshot',
      snapshotFile,
      '--baseline',
      baselineFile,
      '--format',
      'table',
      '--fail-on',
      'none',
    );
    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('PI_ASSOCIATION_UNDECLARED');
    expect(run.stdout).not.toContain('\u001b');
    expectNoRawControlOrInvisible(run.stdout);
    expect(run.stdout).not.toContain(TOO_LONG);
  });

  it('usage --format table prints hostile namespaces and service accounts as bounded visible cells', async () => {
    // Prepare
    const snapshotFile = join(directory, 'usage-snapshot.json');
    writeFileSync(snapshotFile, JSON.stringify(hostileSnapshot()));
    // Act
    const run = await runCli('usage', '--snapshot', snapshotFile, '--format', 'table');
    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('<U+202E>');
    expectNoRawControlOrInvisible(run.stdout);
    expect(run.stdout).not.toContain(TOO_LONG);
  });

  it('trust explain --format table prints hostile subjects as one visible line each', async () => {
    // Prepare
    const policyFile = join(directory, 'trust.json');
    const policy = irsaTrust({
      accountId: ACCOUNT,
      region: REGION,
      oidcId: 'PRODBLUE',
      subject: CORPUS.map((value) => `system:serviceaccount:${value}:*`),
      subjectOperator: 'StringLike',
    });
    writeFileSync(policyFile, JSON.stringify(policy));
    // Act
    const run = await runCli('trust', 'explain', '--file', policyFile, '--format', 'table');
    // Assess
    expect(run.code).toBe(0);
    // No hostile namespace is a Kubernetes name: the statement can never match, and says why.
    expect(run.stdout).toContain('TRUST_UNSATISFIABLE');
    expect(run.stdout.split('\n').filter((line) => line.startsWith('#0\tirsa'))).toHaveLength(1);
    expectNoRawControlOrInvisible(run.stdout.replaceAll('\t', ' '));
    expect(run.stdout).toContain('<U+202E>');
  });

  it('log lines quoting AWS text stay one bounded line with bidi characters shown', () => {
    // Prepare
    let written = '';
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    // Act
    try {
      log(`  incomplete: ${CORPUS.join(' ')}`);
    } finally {
      stderr.mockRestore();
    }
    // Assess
    expect(written.split('\n')).toHaveLength(2);
    expect(written.endsWith('\n')).toBe(true);
    expectNoRawControlOrInvisible(written.slice(0, -1));
    expect(written).toContain('<U+202E>');
    expect(written).not.toContain(TOO_LONG);
  });

  it('an error quoting hostile input reaches stderr as one visible line', async () => {
    // Prepare
    const policyFile = join(directory, 'bad-trust.json');
    writeFileSync(
      policyFile,
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow\u202E\u001b[2J\u0085x' }] }),
    );
    // Act
    const run = await runCli('trust', 'explain', '--file', policyFile);
    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Statement[0].Effect');
    expectNoRawControlOrInvisible(run.stderr);
    expect(run.stderr).toContain('<U+202E>');
  });
});
