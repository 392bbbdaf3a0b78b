import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BASELINE_SYNTAXES,
  baselineExtension,
  ORGANIZATION_KINDS,
  type OrganizationKind,
  shapeForAssociations,
  writeBaselineFile,
  writeSnapshotFile,
} from '../../bench/support/offline-organization.js';
import { runAudit } from '../../shared/audit.js';
import { type Baseline, loadBaselineFile } from '../../shared/baseline/index.js';
import { loadInventory } from '../../shared/snapshot/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'offline-organization-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Two accounts of a kind: its snapshot and its baseline in every syntax. */
async function organization(kind: OrganizationKind) {
  const shape = shapeForAssociations(1, 7, kind);
  const snapshot = join(scratch, `${kind}.json`);
  await writeSnapshotFile({ ...shape, accounts: 2 }, snapshot);
  const baselines = new Map<string, { path: string; bindings: number }>();
  for (const syntax of BASELINE_SYNTAXES) {
    const path = join(scratch, `${kind}-${syntax}.${baselineExtension(syntax)}`);
    const { bindings } = await writeBaselineFile({ ...shape, accounts: 2 }, path, syntax);
    baselines.set(syntax, { path, bindings });
  }
  return { shape, inventory: await loadInventory(snapshot), baselines };
}

/** A baseline's declarations without where they were written. */
function declarations(baseline: Baseline) {
  const strip = <T extends { location?: unknown }>({ location: _, ...rest }: T) => rest;
  return {
    settings: baseline.settings,
    clusters: baseline.clusters.map(strip),
    podIdentity: baseline.podIdentity.map(strip),
    irsa: baseline.irsa.map(strip),
  };
}

describe('the offline benchmark organizations', () => {
  it.each(ORGANIZATION_KINDS)(
    'writes one valid %s baseline in block YAML, flow YAML and JSON',
    async (kind) => {
      // Prepare
      const { baselines } = await organization(kind);

      // Act
      const read = await Promise.all([...baselines.values()].map(({ path }) => loadBaselineFile(path)));

      // Assess
      const [block, ...others] = read.map(declarations);
      for (const other of others) expect(other).toEqual(block);
      expect(block.podIdentity.length + block.irsa.length).toBe(baselines.get('block')?.bindings);
    },
  );

  it('sizes an organization by associations, and the IRSA-heavy one by associations plus IRSA grants', () => {
    expect(shapeForAssociations(100_000, 7, 'standard').accounts).toBe(113);
    expect(shapeForAssociations(100_000, 7, 'finding-heavy').accounts).toBe(113);
    const irsaHeavy = shapeForAssociations(100_000, 7, 'irsa-heavy');
    const grants = irsaHeavy.irsaRoles * irsaHeavy.clusters * irsaHeavy.irsaSubjectsPerCluster;
    expect(irsaHeavy.accounts * (295 + grants)).toBeGreaterThan(97_000);
    expect(irsaHeavy.accounts * (295 + grants)).toBeLessThan(103_000);
  });

  it('makes findings and unknowns dominate the finding-heavy organization, and not the standard one', async () => {
    // Prepare
    const heavy = await organization('finding-heavy');
    const standard = await organization('standard');

    // Act
    const audit = async ({ inventory, baselines }: Awaited<ReturnType<typeof organization>>) =>
      runAudit({ inventory, baseline: await loadBaselineFile(baselines.get('json')?.path ?? '') });
    const [heavyRun, standardRun] = [await audit(heavy), await audit(standard)];

    // Assess: drift on many bindings, trust of any cluster or namespace, usage unknown in a third of the accounts.
    const byCheck = heavyRun.report.summary.byCheck;
    const associations = heavy.inventory.associations.length;
    expect(byCheck.PI_ASSOCIATION_UNDECLARED).toBeGreaterThan(associations * 0.15);
    expect(byCheck.PI_ASSOCIATION_CHANGED).toBeGreaterThan(associations * 0.05);
    expect(byCheck.PI_ASSOCIATION_MISSING).toBeGreaterThan(associations * 0.05);
    expect(byCheck.PI_TRUST_UNSCOPED).toBeGreaterThan(0);
    expect(byCheck.IRSA_SUBJECT_WILDCARD).toBeGreaterThan(0);
    expect(heavyRun.usageUnknown).toBeGreaterThan(associations * 0.2);
    expect(heavyRun.report.summary.total).toBeGreaterThan(associations * 1.2);
    expect(standardRun.report.summary.byCheck.PI_ASSOCIATION_CHANGED ?? 0).toBe(0);
    expect(standardRun.usageUnknown).toBeLessThan(standard.inventory.associations.length * 0.05);
  });

  it('gives every IRSA role of the IRSA-heavy organization a trust statement per cluster and service account', async () => {
    // Prepare
    const { inventory, shape } = await organization('irsa-heavy');

    // Act
    const irsaRoles = [...inventory.roles.values()].filter((role) => role.name.startsWith('irsa-app-'));

    // Assess
    expect(irsaRoles).toHaveLength(shape.irsaRoles * 2);
    for (const role of irsaRoles) {
      const statements = (role.trustPolicy as { Statement: unknown[] }).Statement;
      expect(statements.length).toBeGreaterThanOrEqual(shape.clusters * shape.irsaSubjectsPerCluster);
    }
  });
});
