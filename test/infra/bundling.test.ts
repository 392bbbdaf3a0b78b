import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFunction, FUNCTION_BUNDLE_OPTIONS } from '../../infra/bundling.js';

const outdirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eks-identity-audit-bundle-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** The source files esbuild put into a bundle. */
function inputsOf(bundle: Awaited<ReturnType<typeof bundleFunction>>): string[] {
  return Object.values(bundle.metafile.outputs).flatMap((output) => Object.keys(output.inputs));
}

describe('function bundles', () => {
  it('are minified ESM with the AWS SDK inside, and carry neither zod locales nor the X-Ray SDK', async () => {
    // Act
    const bundle = await bundleFunction('cutover-check', tempDir());

    // Assess
    expect(FUNCTION_BUNDLE_OPTIONS).toMatchObject({ format: 'esm', minify: true, bundle: true });
    const inputs = inputsOf(bundle);
    expect(inputs.some((path) => path.includes('node_modules/@aws-sdk/client-eks/'))).toBe(true);
    expect(inputs.filter((path) => path.includes('zod/v4/locales/') && !path.endsWith('/en.js'))).toEqual([]);
    expect(inputs.filter((path) => path.includes('aws-xray-sdk'))).toEqual([]);
  }, 60_000);

  it('would carry every zod locale without the namespace-import rewrite (near miss)', async () => {
    const bundle = await bundleFunction('cutover-check', tempDir(), { plugins: [] });
    expect(inputsOf(bundle).some((path) => path.endsWith('zod/v4/locales/he.js'))).toBe(true);
  }, 60_000);
});
