import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditApp } from '../../infra/build.js';
import { cdkJsonContext, stateMachineDefinition, templates } from './support.js';

/** asl-validator ships CommonJS without type declarations. */
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

const outdirs: string[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `eks-identity-audit-${name}-`));
  outdirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const cfnLintAvailable = cfnLint.status === 0;
if (!cfnLintAvailable)
  console.warn('cfn-lint is not installed: skipping the CloudFormation lint of the templates');

describe('synthesized templates', () => {
  let outdir: string;

  beforeAll(() => {
    outdir = tempDir('synth');
    const context = { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], regions: ['eu-west-1'] };
    buildAuditApp({ context, outdir }).app.synth();
  });

  it.skipIf(!cfnLintAvailable)(
    'pass cfn-lint without errors',
    () => {
      // Act
      const files = readdirSync(outdir)
        .filter((file) => file.endsWith('.template.json'))
        .map((file) => join(outdir, file));
      const run = spawnSync('cfn-lint', ['--format', 'parseable', ...files], { encoding: 'utf8' });

      // Assess: exit code bit 2 means errors; warnings (4) and informational (8) are allowed.
      expect(files).toHaveLength(2);
      const errors = run.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
      expect(errors).toEqual([]);
      expect(run.status === null ? 2 : run.status & 2).toBe(0);
      // cfn-lint starts a Python interpreter and loads every resource schema: seconds on a quiet
      // machine, more than the default 30 s on a loaded one.
    },
    180_000,
  );

  it('hold a state machine definition that asl-validator accepts', () => {
    // Prepare
    const definition = stateMachineDefinition(templates().audit);

    // Act
    const { isValid, errorsText } = aslValidator(definition);

    // Assess
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('would be rejected by asl-validator if a state pointed nowhere (near miss)', () => {
    const definition = stateMachineDefinition(templates().audit) as {
      States: Record<string, Record<string, unknown>>;
    };
    definition.States.CollectAccounts.Next = 'NoSuchState';
    expect(aslValidator(definition).isValid).toBe(false);
  });
});

describe('bundling', () => {
  it('bundles every handler with the local esbuild into an ESM file with a source map', () => {
    // Prepare
    const outdir = tempDir('bundle');

    // Act: a real synth, bundling included (no Docker).
    buildAuditApp({ context: { ...cdkJsonContext(), regions: ['eu-west-1'] }, outdir }).app.synth();

    // Assess
    const assets = readdirSync(outdir).filter(
      (entry) => entry.startsWith('asset.') && existsSync(join(outdir, entry, 'index.mjs')),
    );
    expect(assets).toHaveLength(6);
    for (const asset of assets) {
      const bundle = join(outdir, asset, 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      expect(existsSync(`${bundle}.map`), `${bundle}.map`).toBe(true);
      expect(statSync(bundle).size).toBeGreaterThan(10_000);
      const code = readFileSync(bundle, 'utf8');
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
      expect(code).toContain('createRequire');
    }
  }, 180_000);
});
