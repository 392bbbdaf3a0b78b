import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/**
 * The CLI's module graph as its build sees it (bin/build-cli.mjs: packages stay external), so a
 * module counts as loaded at start-up only when a chain of static imports reaches it.
 */
let inputs: Metafile['inputs'];

beforeAll(async () => {
  const result = await build({
    entryPoints: [join(root, 'cli', 'main.ts')],
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outdir: join(root, 'dist', 'start-up-test'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  inputs = result.metafile.inputs;
});

/** Every module and package the command module imports statically, directly or through others. */
function loadedWith(entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let module = queue.shift(); module !== undefined; module = queue.shift()) {
    for (const imported of inputs[module]?.imports ?? []) {
      if (imported.kind !== 'import-statement' || seen.has(imported.path)) continue;
      seen.add(imported.path);
      queue.push(imported.path);
    }
  }
  return seen;
}

const isAwsSdk = (path: string) => /^@(aws-sdk|smithy)\//.test(path);

describe('CLI start-up', () => {
  it('audits files without loading an AWS SDK client, the collectors or the publisher', () => {
    const loaded = loadedWith('cli/audit.ts');
    // The graph is read: the audit does load the checks and the report renderers.
    expect(loaded).toContain('shared/checks/index.ts');
    expect(loaded).toContain('shared/report/json.ts');
    expect([...loaded].filter(isAwsSdk)).toEqual([]);
    expect([...loaded].filter((path) => /^shared\/(collect\/index|publish\/index)\.ts$/.test(path))).toEqual(
      [],
    );
  });

  it('still loads the AWS SDK when a run needs it, from the modules that use it', () => {
    const dynamic = Object.values(inputs).flatMap((input) =>
      input.imports.filter((imported) => imported.kind === 'dynamic-import').map((imported) => imported.path),
    );
    expect(dynamic).toEqual(
      expect.arrayContaining(['@aws-sdk/client-sts', 'shared/aws/s3-commands.ts', 'shared/aws/clients.ts']),
    );
    // The S3 commands come from a module of their own: a dynamic import of the whole client would
    // keep every one of its commands in a Lambda bundle that imports it statically elsewhere.
    expect(dynamic).not.toContain('@aws-sdk/client-s3');
    expect([...loadedWith('shared/aws/s3-commands.ts')]).toContain('@aws-sdk/client-s3');
    // Loading the clients' module loads the SDK with it: the walk sees packages.
    expect([...loadedWith('shared/aws/clients.ts')].filter(isAwsSdk).length).toBeGreaterThan(0);
  });
});
