import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPORT_FORMATS, renderReport } from '../../shared/report/index.js';
import { CATALOGUE } from './catalogue.js';
import { FIXTURE_DIR, loadFixtureReport } from './fixture.js';

// UPDATE_GOLDEN=1 rewrites the expected files from the current renderers; review the diff by eye.
const update = process.env.UPDATE_GOLDEN === '1';

describe('report goldens', () => {
  const report = loadFixtureReport();

  for (const format of REPORT_FORMATS) {
    it(`renders the fixture report as ${format} exactly as the golden file`, () => {
      // Prepare
      const golden = `${FIXTURE_DIR}expected.golden.${format}`;
      // Act
      const rendered = renderReport(report, format, {
        checks: CATALOGUE,
        baselineFile: 'config/eks-identity/baseline.yaml',
        title: 'Nightly EKS identity audit',
      });
      if (update) writeFileSync(golden, rendered);
      // Assess
      expect(rendered).toBe(readFileSync(golden, 'utf8'));
    });
  }

  it('renders the same bytes twice (no clock, no randomness)', () => {
    for (const format of REPORT_FORMATS) {
      const first = renderReport(report, format, { checks: CATALOGUE });
      expect(renderReport(structuredClone(report), format, { checks: CATALOGUE })).toBe(first);
    }
  });
});
