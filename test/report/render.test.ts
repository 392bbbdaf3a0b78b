import { describe, expect, it } from 'vitest';
import { isReportFormat, REPORT_FORMATS, ReportSchema, renderReport } from '../../shared/report/index.js';
import { CATALOGUE } from './catalogue.js';
import { loadFixtureReport } from './fixture.js';

const report = loadFixtureReport();

describe('renderReport', () => {
  it('renders JSON that validates as report v1 and equals the report', () => {
    const json = JSON.parse(renderReport(report, 'json', { checks: CATALOGUE }));
    expect(ReportSchema.safeParse(json).success).toBe(true);
    expect(json).toEqual(report);
  });

  it('renders every format, each ending with one newline', () => {
    for (const format of REPORT_FORMATS) {
      const output = renderReport(report, format, { checks: CATALOGUE });
      expect(output.endsWith('\n')).toBe(true);
      expect(output.endsWith('\n\n')).toBe(false);
    }
  });

  it('applies colour to the table only', () => {
    for (const format of REPORT_FORMATS.filter((candidate) => candidate !== 'table'))
      expect(renderReport(report, format, { checks: CATALOGUE, color: true })).toBe(
        renderReport(report, format, { checks: CATALOGUE }),
      );
  });

  it('recognizes the report format names and nothing else', () => {
    expect(REPORT_FORMATS.every(isReportFormat)).toBe(true);
    expect(isReportFormat('yaml')).toBe(false);
    expect(isReportFormat('TABLE')).toBe(false);
  });
});
