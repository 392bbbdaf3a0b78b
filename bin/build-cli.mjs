#!/usr/bin/env node
// Builds the CLI into plain JavaScript under dist/cli (run by `npm ci` through `prepare`, or by
// `npm run build`). Running the TypeScript through tsx works too, and bin/eks-identity-audit.js falls
// back to it whenever this build is missing or older than a source file; the build only makes the
// CLI start faster and run leaner (tsx compiles every module at start-up and names every closure it
// creates, which is measurable on a 100k-association audit).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // Without esbuild (an install without tsx's dependencies) the CLI still runs through tsx.
  process.stderr.write(
    'eks-identity-audit: esbuild not installed; the CLI runs from its TypeScript sources\n',
  );
  process.exit(0);
}

/**
 * A module that finds files beside itself (`new URL('…', import.meta.url)`) keeps finding them once
 * bundled: its `import.meta.url` becomes its source file's URL, computed from wherever the bundle
 * lies, so a moved checkout still works.
 */
const ownModuleUrl = {
  name: 'own-module-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromBundle = relative(outdir, args.path).split('\\').join('/');
      return {
        contents: source.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`,
        ),
        loader: 'ts',
      };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await esbuild.build({
  entryPoints: { main: join(root, 'cli', 'main.ts') },
  outdir,
  bundle: true,
  // Each command's module stays a file of its own, loaded on demand as from the sources.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
  plugins: [ownModuleUrl],
});
// The launcher compares these sources' times with the build's, so an edited source is never
// shadowed by an older build.
const inputs = Object.keys(result.metafile.inputs)
  .map((input) => relative(root, join(process.cwd(), input)).split('\\').join('/'))
  .sort();
writeFileSync(join(outdir, 'inputs.json'), `${JSON.stringify({ inputs }, null, 2)}\n`);
