import { describe, expect, it } from 'vitest';
import { renderJsonChunks } from '../../shared/report/json.js';
import type { Report } from '../../shared/report/types.js';
import { loadFixtureReport } from './fixture.js';

const report = loadFixtureReport();

/** What the renderer must equal byte for byte: the one-string form. */
const expected = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The chunked form, put together. */
const renderJson = (value: Report) => [...renderJsonChunks(value)].join('');

describe('renderJsonChunks', () => {
  it('writes the report exactly as JSON.stringify with two-space indentation', () => {
    expect(renderJson(report)).toBe(expected(report));
  });

  it('writes a report without findings, and one whose findings are not the last member', () => {
    expect(renderJson({ ...report, findings: [] })).toBe(expected({ ...report, findings: [] }));
    const { findings, ...rest } = report;
    const reordered = { findings, ...rest } as Report;
    expect(renderJson(reordered)).toBe(expected(reordered));
  });

  it('leaves out members whose value is undefined, as JSON.stringify does', () => {
    const sparse = { ...report, collection: undefined } as unknown as Report;
    expect(renderJson(sparse)).toBe(expected(sparse));
  });

  it('keeps messages with newlines, quotes and non-ASCII text on one escaped line', () => {
    const finding = { ...report.findings[0], message: 'line one\nline "two"\r\n\u2028 ü \\n' };
    const tricky = { ...report, findings: [finding, finding] };
    expect(renderJson(tricky)).toBe(expected(tricky));
  });

  it('hands a large report over in pieces whose concatenation is the same text', () => {
    const many = { ...report, findings: Array.from({ length: 100 }, () => report.findings).flat() };
    const chunks = [...renderJsonChunks(many)];
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(expected(many));
  });

  it.each([1, 2, 40])('hands the same text over in pieces of %i finding(s)', (findingsPerChunk) => {
    const many = { ...report, findings: Array.from({ length: 7 }, () => report.findings).flat() };
    const chunks = [...renderJsonChunks(many, findingsPerChunk)];
    expect(chunks.join('')).toBe(expected(many));
  });
});
