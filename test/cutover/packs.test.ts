import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CutoverCheck } from '../../shared/cutover/index.js';
import { CUTOVER_CHECKS, cutoverCheck, cutoverChecks, cutoverPacks } from '../../shared/cutover/index.js';
import { SEVERITIES } from '../../shared/model/severity.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cutoverDir = join(root, 'shared', 'cutover');
const CHECK_FILE = /^(CUTOVER_[A-Z0-9]+(?:_[A-Z0-9]+)*)\.ts$/;
/** The folder a check file sits in says which phase runs it. */
const PHASE_OF_FOLDER = { pre: 'pre', post: 'post', meta: 'both' } as const;

/** Every `CUTOVER_<ID>.ts` under shared/cutover/{pre,post,meta}, with its id and folder. */
function checkFiles(): Array<{ path: string; id: string; folder: keyof typeof PHASE_OF_FOLDER }> {
  return (Object.keys(PHASE_OF_FOLDER) as Array<keyof typeof PHASE_OF_FOLDER>).flatMap((folder) =>
    readdirSync(join(cutoverDir, folder)).flatMap((name) => {
      const match = CHECK_FILE.exec(name);
      return match ? [{ path: join(cutoverDir, folder, name), id: match[1], folder }] : [];
    }),
  );
}

describe('cutover packs', () => {
  it('run every CUTOVER_<ID>.ts file, whose check carries that id and its folder’s phase', async () => {
    const files = checkFiles();
    expect(files.length).toBe(14);
    for (const file of files) {
      const module = (await import(pathToFileURL(file.path).href)) as { check?: CutoverCheck };
      const where = relative(root, file.path);
      expect(module.check, `${where} exports \`check\``).toBeDefined();
      expect(module.check?.meta.id, `${where} meta.id`).toBe(file.id);
      expect(module.check?.meta.phase, `${where} meta.phase`).toBe(PHASE_OF_FOLDER[file.folder]);
      expect(cutoverChecks.includes(module.check as CutoverCheck), `${where} is in a pack`).toBe(true);
    }
    expect(cutoverChecks.map((check) => check.meta.id).sort()).toEqual(files.map((file) => file.id).sort());
  });

  it('give each phase the collection check first, then only checks of that phase, each id once', () => {
    for (const phase of ['pre', 'post'] as const) {
      const { collection, checks } = cutoverPacks[phase];
      expect(collection.meta.id).toBe('CUTOVER_COLLECTION_INCOMPLETE');
      for (const check of checks) expect(check.meta.phase, check.meta.id).toBe(phase);
      const ids = [collection, ...checks].map((check) => check.meta.id);
      expect(new Set(ids).size, phase).toBe(ids.length);
    }
    const ids = cutoverChecks.map((check) => check.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('give every check complete metadata, listed in CUTOVER_CHECKS and in docs/cutover.md', () => {
    const docs = readFileSync(join(root, 'docs', 'cutover.md'), 'utf8');
    expect(CUTOVER_CHECKS.map((meta) => meta.id)).toEqual(cutoverChecks.map((check) => check.meta.id));
    for (const { meta } of cutoverChecks) {
      expect(meta.category, meta.id).toBe('cutover');
      expect(SEVERITIES, meta.id).toContain(meta.severity);
      expect(meta.title.length, meta.id).toBeGreaterThan(5);
      expect(meta.description.length, meta.id).toBeGreaterThan(40);
      expect(meta.remediation.length, meta.id).toBeGreaterThan(20);
      expect(meta.docsUrl, meta.id).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(cutoverCheck(meta.id), meta.id).toBe(meta);
      expect(docs, `docs/cutover.md lists ${meta.id}`).toContain(`| \`${meta.id}\` | ${meta.phase} |`);
    }
    expect(cutoverCheck('CUTOVER_NOT_A_CHECK')).toBeUndefined();
  });
});
