import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderCatalogue } from '../../cli/checks.js';
import { checks } from '../../shared/checks/index.js';
import type { Check } from '../../shared/checks/types.js';
import { CheckCategorySchema } from '../../shared/model/finding.js';
import { SEVERITIES } from '../../shared/model/severity.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const checksDir = join(root, 'shared', 'checks');
const CHECK_FILE = /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\.ts$/;

/** Every `<CHECK_ID>.ts` under shared/checks, with its id. */
function checkFiles(dir = checksDir): Array<{ path: string; id: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return checkFiles(path);
    const match = CHECK_FILE.exec(entry.name);
    return match ? [{ path, id: match[1] }] : [];
  });
}

/** The check ids of the public catalogue contract: never renamed, never dropped. */
const CONTRACT_IDS = [
  'PI_ASSOCIATION_MISSING',
  'PI_ASSOCIATION_UNDECLARED',
  'PI_ASSOCIATION_CHANGED',
  'IRSA_BINDING_MISSING',
  'IRSA_BINDING_UNDECLARED',
  'ROLE_NOT_FOUND',
  'CLUSTER_MISSING',
  'CLUSTER_UNDECLARED',
  'IRSA_NO_SUBJECT_CONDITION',
  'IRSA_SUBJECT_WILDCARD',
  'IRSA_NO_AUDIENCE_CONDITION',
  'IRSA_UNKNOWN_PROVIDER',
  'IRSA_STALE_PROVIDER',
  'TRUST_UNSATISFIABLE',
  'PI_TRUST_UNSCOPED',
  'PI_TRUST_MISSING',
  'PI_TRUST_EXCLUDES_ASSOCIATION',
  'PI_TARGET_ROLE_TRUST_MISMATCH',
  'PI_AGENT_MISSING',
  'PI_ON_FARGATE',
  'PI_NODE_ROLE_MISSING_PERMISSION',
  'IDENTITY_DUAL_BINDING',
  'OIDC_PROVIDER_DANGLING',
  'IRSA_MIGRATION_CANDIDATE',
  'ROLE_UNUSED',
  'PI_ASSOCIATION_UNUSED',
  'IRSA_BINDING_UNUSED',
  'PI_ASSUME_DENIED',
  'UNDECLARED_USAGE',
  'COLLECTION_INCOMPLETE',
  'BASELINE_INVALID',
  'SUPPRESSION_EXPIRED',
];

describe('check registry', () => {
  it('registers every <CHECK_ID>.ts file, whose check carries that id', async () => {
    const files = checkFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const module = (await import(pathToFileURL(file.path).href)) as { check?: Check };
      const where = relative(root, file.path);
      expect(module.check, `${where} exports \`check\``).toBeDefined();
      expect(module.check?.meta.id, `${where} meta.id`).toBe(file.id);
      expect(checks.includes(module.check as Check), `${where} is in the registry`).toBe(true);
    }
    expect(checks.map((check) => check.meta.id).sort()).toEqual(files.map((file) => file.id).sort());
  });

  it('has no duplicate ids and covers the catalogue contract', () => {
    const ids = checks.map((check) => check.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of CONTRACT_IDS) expect(ids, id).toContain(id);
  });

  it('gives every check complete metadata', () => {
    for (const { meta } of checks) {
      expect(meta.id).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
      expect(SEVERITIES, meta.id).toContain(meta.severity);
      expect(CheckCategorySchema.safeParse(meta.category).success, meta.id).toBe(true);
      expect(meta.title.length, meta.id).toBeGreaterThan(5);
      expect(meta.description.length, meta.id).toBeGreaterThan(40);
      expect(meta.remediation.length, meta.id).toBeGreaterThan(20);
      expect(meta.docsUrl, meta.id).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
  });

  it('matches docs/checks.md, which `npm run docs` generates from it', () => {
    const docs = readFileSync(join(root, 'docs', 'checks.md'), 'utf8');
    for (const { meta } of checks) expect(docs, meta.id).toContain(`### ${meta.id}\n`);
    expect(docs, 'docs/checks.md is stale: run `npm run docs`').toBe(
      renderCatalogue(
        checks.map((check) => check.meta),
        'markdown',
      ),
    );
  });
});
