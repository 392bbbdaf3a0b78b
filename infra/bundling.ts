import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';

/** The repository root: bundling entries are resolved from it. */
export const BUNDLE_PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The folders under `functions/` that hold a Lambda handler (`handler.ts`). */
export const FUNCTION_NAMES = [
  'plan-scopes',
  'collect-account',
  'analyze-publish',
  'cutover-check',
  'collect-trail-usage',
] as const;

/** The bundle's file name: `.mjs` makes the Lambda Node.js runtime load it as an ES module. */
const BUNDLE_FILE = 'index.mjs';

/** The Lambda handler setting for a bundle: the `handler` export of {@link BUNDLE_FILE}. */
export const BUNDLE_HANDLER = 'index.handler';

/**
 * The esbuild options of every function bundle, shared by the CDK app and `npm run bench -- lambda`
 * so the benchmark measures exactly what is deployed. The AWS SDK is bundled: the audit depends on
 * fields that only recent clients model (an older SDK drops `targetRoleArn` from Pod Identity
 * associations without an error), and the runtime's SDK version is not pinned.
 */
export const FUNCTION_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // ESM entry points of dual packages tree-shake better than their CommonJS builds.
  mainFields: ['module', 'main'],
  legalComments: 'none',
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  logLevel: 'warning',
} as const satisfies BuildOptions;

const ZOD_NAMED_IMPORT = /import\s*\{\s*z\s*\}\s*from\s*(['"])zod\1/g;

/**
 * Rewrites `import { z } from 'zod'` in the project's own sources to `import * as z from 'zod'`.
 * Both bind the same API, but esbuild keeps every export of a re-exported namespace object, so the
 * named form drags all of zod's ~40 error-message locales (about 380 KB minified) into each bundle;
 * member accesses on a namespace import are tree-shaken. Sources already in the namespace form are
 * left as they are.
 */
function zodNamespaceImports(projectRoot: string = BUNDLE_PROJECT_ROOT): Plugin {
  const nodeModules = `${sep}node_modules${sep}`;
  return {
    name: 'zod-namespace-imports',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(projectRoot) || args.path.includes(nodeModules)) return undefined;
        const source = await readFile(args.path, 'utf8');
        return { contents: source.replace(ZOD_NAMED_IMPORT, 'import * as z from $1zod$1'), loader: 'ts' };
      });
    },
  };
}

/**
 * Declares the project's own modules free of import-time side effects, as `"sideEffects": false`
 * would for a package: a module none of whose exports a function uses is left out with everything
 * it imports (collect-account, for one, then carries no YAML parser). True of this code base: no
 * module is imported for its side effects, which a test keeps true.
 */
export function projectModulesWithoutSideEffects(projectRoot: string = BUNDLE_PROJECT_ROOT): Plugin {
  const nodeModules = `${sep}node_modules${sep}`;
  return {
    name: 'project-modules-without-side-effects',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === RESOLVING || args.importer.includes(nodeModules)) return undefined;
        const resolved = await pluginBuild.resolve(args.path, {
          importer: args.importer,
          resolveDir: args.resolveDir,
          kind: args.kind,
          pluginData: RESOLVING,
        });
        const ours =
          resolved.errors.length === 0 &&
          resolved.path.startsWith(projectRoot) &&
          !resolved.path.includes(nodeModules);
        return ours ? { ...resolved, sideEffects: false } : undefined;
      });
    },
  };
}

/** Marks the plugin's own nested resolve, so it does not recurse into itself. */
const RESOLVING = Symbol('resolving');

/** One bundled function. */
export interface FunctionBundle {
  name: string;
  /** Absolute path of the bundle ({@link BUNDLE_FILE}) inside the output folder. */
  file: string;
  /** Size of the minified bundle, source map excluded. */
  bytes: number;
  metafile: Metafile;
}

/**
 * Bundles `functions/<name>/handler.ts` into `outdir/index.mjs` (+ source map) with
 * {@link FUNCTION_BUNDLE_OPTIONS}; `overrides` exist for measuring alternatives, never for deploying.
 *
 * @example const { bytes } = await bundleFunction('cutover-check', '/tmp/out');
 */
export async function bundleFunction(
  name: string,
  outdir: string,
  overrides: BuildOptions = {},
): Promise<FunctionBundle> {
  const result = await build({
    ...FUNCTION_BUNDLE_OPTIONS,
    absWorkingDir: BUNDLE_PROJECT_ROOT,
    entryPoints: { index: join(BUNDLE_PROJECT_ROOT, 'functions', name, 'handler.ts') },
    outdir,
    metafile: true,
    plugins: [zodNamespaceImports(), projectModulesWithoutSideEffects()],
    ...overrides,
  });
  const file = join(outdir, BUNDLE_FILE);
  const metafile = result.metafile as Metafile;
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(`/${BUNDLE_FILE}`));
  if (!output) throw new Error(`esbuild wrote no ${BUNDLE_FILE} for ${name}`);
  return { name, file, bytes: output[1].bytes, metafile };
}

/**
 * {@link bundleFunction} for CDK's synchronous local bundling: esbuild plugins need the async API,
 * so the bundle is built by a child Node process.
 *
 * @throws Error with esbuild's output when bundling fails.
 */
export function bundleFunctionSync(name: string, outdir: string): void {
  const script = fileURLToPath(new URL('./bundle-function.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, name, outdir], {
    cwd: BUNDLE_PROJECT_ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    throw new Error(
      `bundling ${name} failed (exit ${run.status ?? run.signal}):\n${run.stderr}${run.stdout}`,
    );
  }
}
