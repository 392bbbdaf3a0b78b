import { describe, expect, it } from 'vitest';
import { CHUNK_CHARACTERS, joinedChunks, trimmedEndChunks } from '../../shared/report/chunks.js';
import { renderHtml, renderHtmlChunks } from '../../shared/report/html.js';
import { renderMarkdown, renderMarkdownChunks } from '../../shared/report/markdown.js';
import { CATALOGUE } from './catalogue.js';
import { loadFixtureReport } from './fixture.js';

const report = loadFixtureReport();

describe('joinedChunks', () => {
  it('hands over items.join(separator) in pieces, empty items and all', () => {
    for (const items of [
      [],
      [''],
      ['', ''],
      ['a'],
      ['a', '', 'b'],
      ['x'.repeat(CHUNK_CHARACTERS + 5), 'y', ''],
    ])
      expect([...joinedChunks(items, '\n')].join('')).toBe(items.join('\n'));
  });

  it('cuts many small items into chunks of about CHUNK_CHARACTERS each', () => {
    const items = Array.from({ length: 100_000 }, (_, index) => `line ${index}`);
    const chunks = [...joinedChunks(items, '\n')];
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(CHUNK_CHARACTERS);
      expect(chunk.length).toBeLessThan(CHUNK_CHARACTERS + 20);
    }
    expect(chunks.join('')).toBe(items.join('\n'));
  });
});

describe('trimmedEndChunks', () => {
  it('equals trimEnd of the whole text, whitespace spread over chunk ends included', () => {
    const cases = [
      [],
      ['   '],
      ['a  ', '  ', '\n\n'],
      ['a  ', ' b', '\n'],
      ['a', ' \t', '', 'b ', '\u00a0\n'],
      ['\n', 'a'],
    ];
    for (const chunks of cases)
      expect([...trimmedEndChunks(chunks)].join('')).toBe(chunks.join('').trimEnd());
  });
});

describe('Markdown and HTML in pieces', () => {
  const options = { checks: CATALOGUE };
  const large = { ...report, findings: Array.from({ length: 200 }, () => report.findings).flat() };

  it('puts together the same text as the one-string renderers, for a small report', () => {
    expect([...renderMarkdownChunks(report, options)].join('')).toBe(renderMarkdown(report, options));
    expect([...renderHtmlChunks(report, options)].join('')).toBe(renderHtml(report, options));
  });

  it('hands a large report over in bounded pieces', () => {
    const markdown = [...renderMarkdownChunks(large, options)];
    const html = [...renderHtmlChunks(large, options)];
    expect(markdown.length).toBeGreaterThan(3);
    expect(html.length).toBeGreaterThan(3);
    // A chunk ends at the first line that takes it past the size; no line is near that long.
    for (const chunk of [...markdown, ...html]) expect(chunk.length).toBeLessThan(2 * CHUNK_CHARACTERS);
    expect(markdown.join('')).toBe(renderMarkdown(large, options));
    expect(markdown.join('').endsWith('\n')).toBe(true);
    expect(html.join('').endsWith('</html>\n')).toBe(true);
  });
});

describe('a capped listing of findings (stored reports of large organizations)', () => {
  const options = { checks: CATALOGUE, maxListedFindings: 5, completeReport: 's3://audit/reports/run.json' };

  it('lists the most severe findings, says how many of how many, and names the complete JSON report', () => {
    const markdown = renderMarkdown(report, options);
    const html = renderHtml(report, options);
    const note = `Listed here: the 5 most severe of ${report.findings.length} findings. The JSON report holds every one: s3://audit/reports/run.json.`;
    expect(markdown).toContain(`**${note}**`);
    expect(html).toContain(`<p class="banner" id="findings-listed">${note}</p>`);
    // Rows of the listing: the report's first five findings, the most severe.
    expect(html.match(/<tr class="(open|suppressed)" id=/g)).toHaveLength(5);
    for (const finding of report.findings.slice(0, 5)) expect(html).toContain(`id="${finding.id}"`);
    expect(html).not.toContain(`id="${report.findings[5].id}"`);
    // The counts stay those of the whole run.
    expect(markdown).toContain(`| **${report.summary.total}** |`);
  });

  it('changes nothing when the report has no more findings than the cap', () => {
    const roomy = { ...options, maxListedFindings: report.findings.length };
    expect(renderMarkdown(report, roomy)).toBe(renderMarkdown(report, { checks: CATALOGUE }));
    expect(renderHtml(report, roomy)).toBe(renderHtml(report, { checks: CATALOGUE }));
  });
});
