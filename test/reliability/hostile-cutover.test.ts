import { describe, expect, it } from 'vitest';
import { type CutoverResult, renderCutover, runCutover } from '../../shared/cutover/index.js';
import { MAX_TEXT_LENGTH } from '../../shared/report/index.js';
import { baseline, irsaTrustOn, NEW, OLD, scenario } from '../cutover/scenario.js';

/** Attacker-chosen text of the kinds a role name, namespace, message or command can carry. */
const HOSTILE =
  '*x* [l](javascript:alert(1)) <script>alert(1)</script> | `tick` ``` <!channel> @here ' +
  '\u001b[31m\r\nFORGED\u0000\u0007 \u202Eevil\u2066\u200B \uD800 ' +
  'Z'.repeat(20_000);

/** Fields that hold one of a fixed set of words, which the renderer switches on. */
const ENUM_FIELDS = new Set([
  'phase',
  'verdict',
  'status',
  'mechanism',
  'severity',
  'checkId',
  'change',
  'kind',
  'sources',
]);

/** A copy of the result with hostile text appended to every free-text string. */
function poisoned(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return ENUM_FIELDS.has(key) ? value : `${value}${HOSTILE}`;
  if (Array.isArray(value)) return value.map((item) => poisoned(item, key));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([field, item]) => [field, poisoned(item, field)]));
  return value;
}

const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
const INVISIBLE = /[\p{Cf}\p{Cs}]/u;

describe('hostile AWS strings in cutover reports', () => {
  // A pre-phase result with workloads, findings, plan commands and trust-policy changes.
  const result = runCutover({
    inventory: scenario({
      notReplicated: ['s3-reader'],
      externalDnsTrust: irsaTrustOn([OLD]),
    }),
    baseline: baseline(),
    cluster: 'prod',
    from: OLD,
    to: NEW,
    phase: 'pre',
  });
  const hostile = poisoned(result) as CutoverResult;

  it('starts from a result with workloads, findings, commands and a trust-policy change', () => {
    expect(result.workloads.length).toBeGreaterThan(0);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.plan.commands.length).toBeGreaterThan(0);
    expect(result.plan.trustPolicies.length).toBeGreaterThan(0);
  });

  it('table: no terminal escape, control or bidi character, and bounded lines', () => {
    const table = renderCutover(hostile, 'table');
    expect(table).not.toMatch(RAW_CONTROL);
    expect(table).not.toMatch(INVISIBLE);
    expect(table).toContain('<U+202E>');
    expect(table).not.toContain('Z'.repeat(MAX_TEXT_LENGTH + 1));
    expect(table).not.toMatch(/^FORGED/m);
  });

  it('markdown: data cannot start a line or open emphasis, links or HTML outside code blocks', () => {
    const markdown = renderCutover(hostile, 'markdown');
    expect(markdown).not.toMatch(RAW_CONTROL);
    // The only invisible characters are the zero-width spaces that break mentions and links.
    expect(markdown.replaceAll('\u200B', '')).not.toMatch(INVISIBLE);
    // Outside code blocks and code spans, every metacharacter from data is escaped.
    const prose = markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '').replace(/(?<!\\)`[^`\n]*`/g, '');
    expect(prose).not.toMatch(/^FORGED/m);
    expect(prose).not.toMatch(/(?<!\\)\*x\*/);
    expect(prose).not.toMatch(/(?<!\\)\]\(javascript:/);
    expect(prose).not.toMatch(/(?<!\\)<(script|!channel)/);
    expect(prose).not.toMatch(/(^|[^\w\u200B])@here/);
    expect(prose).not.toContain('Z'.repeat(MAX_TEXT_LENGTH + 1));
    // Fences stay closed: each opening fence has a matching closing line.
    const fences = markdown.split('\n').filter((line) => /^`{3,}/.test(line));
    expect(fences.length % 2).toBe(0);
  });

  it('json: keeps the values exactly (the machine contract) and is valid JSON', () => {
    expect(JSON.parse(renderCutover(hostile, 'json'))).toEqual(JSON.parse(JSON.stringify(hostile)));
  });
});
