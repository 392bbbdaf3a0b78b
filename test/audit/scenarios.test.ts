import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import { loadBaselineFile } from '../../shared/baseline/index.js';
import { loadInventory } from '../../shared/snapshot/index.js';

const scenariosDir = join(import.meta.dirname, '..', 'fixtures', 'scenarios');
const scenarios = readdirSync(scenariosDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

interface Expected {
  findings: Array<{ checkId: string; resource: string; suppressed?: boolean }>;
}

const key = (finding: { checkId: string; resource: string; suppressed?: boolean }) =>
  `${finding.checkId} ${finding.resource}${finding.suppressed ? ' (suppressed)' : ''}`;

describe('scenario snapshots', () => {
  it('has scenarios to run', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(4);
  });

  it.each(scenarios)('%s produces exactly the expected findings', async (name) => {
    const dir = join(scenariosDir, name);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
    const { findings } = runAudit({
      inventory: await loadInventory(join(dir, 'snapshot.json')),
      baseline: await loadBaselineFile(join(dir, 'baseline.yaml')),
    });
    const actual = findings.map((finding) =>
      key({ checkId: finding.checkId, resource: finding.resource.id, suppressed: finding.suppressed }),
    );
    expect(actual.sort()).toEqual(expected.findings.map(key).sort());
  });
});
