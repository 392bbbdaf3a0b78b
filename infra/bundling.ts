import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';

/** The repository root: bundling entries are resolved from it. */
export const BUNDLE_PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The folders under `functions/` that hold a Lambda handler (`handler.ts`). */
export const FUNCTION_NAMES = [
  'plan-scopes',
  'collect-account',
  'analyze-shard',
  'analyze-publish',
  'cutover-check',
  'collect-trail-usage',
  'import-findings',
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
  // Code reached only through dynamic import() (the SDK's credential providers other than the
  // environment's, the user-agent parser) goes to files of its own beside index.mjs, read when
  // first used; beside it, not below, so each file's import.meta.url names the asset's root.
  splitting: true,
  chunkNames: '[name]-[hash]',
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

/** The shape schemas of an AWS SDK client (`@aws-sdk/client-*`, ES module build). */
const SDK_SCHEMAS = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** `const _h = "http";`, as the SDK's schema modules name their strings. */
const SCHEMA_STRING = /^const (_\w*) = "([^"\\]*)";$/gm;

/** A computed key naming one of those strings, `{ [_h]: … }`. */
const COMPUTED_KEY = /\[(_\w*)\](?=\s*:)/g;

/**
 * Writes the computed keys of the AWS SDK's schema modules (`{ [_h]: ["POST", "/findings/import"] }`)
 * as the string literals they name. esbuild cannot tell that a computed key has no side effect, so
 * it keeps every schema holding one and, through it, every schema and string it refers to: the
 * schemas of operations a function never calls (about 55 KB of Security Hub's and as much of S3's,
 * minified). With literal keys they are dropped like any unused value.
 */
function sdkSchemasWithLiteralKeys(): Plugin {
  return {
    name: 'sdk-schemas-with-literal-keys',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: SDK_SCHEMAS }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const strings = new Map<string, string>();
        for (const [, name, value] of source.matchAll(SCHEMA_STRING)) strings.set(name, value);
        const contents = source.replace(COMPUTED_KEY, (key, name: string) =>
          strings.has(name) ? JSON.stringify(strings.get(name)) : key,
        );
        return { contents, loader: 'js' };
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

/** The Japanese catalogue's file in a function's asset, beside {@link BUNDLE_FILE}. */
export const JAPANESE_CATALOGUE_FILE = 'i18n-ja.cjs';

/** The position-aware YAML parser's file in a function's asset. */
export const YAML_LIBRARY_FILE = 'yaml.cjs';

/**
 * A module a bundle leaves out, with what it brings: its file in the asset is required when first
 * used, synchronously (its callers are synchronous), so a run that never uses it neither reads nor
 * holds it.
 */
interface ModuleApart {
  /** The project module replaced in the bundle, from the project root. */
  module: string;
  /** Its file in the asset, beside {@link BUNDLE_FILE}. */
  file: string;
  /** What the file holds, bundled as CommonJS: a project module or a package's resolved path. */
  entry: () => string;
  /** The replacing module's source: the module's exports, reading `file` on first use. */
  standIn: string;
}

const requireFromHere = createRequire(import.meta.url);

const MODULES_APART: readonly ModuleApart[] = [
  {
    // About 140 KB minified; only a run in Japanese reads it.
    module: join('shared', 'i18n', 'ja.ts'),
    file: JAPANESE_CATALOGUE_FILE,
    entry: () => join(BUNDLE_PROJECT_ROOT, 'shared', 'i18n', 'ja.ts'),
    standIn: `import { createRequire } from 'node:module';
let catalogue;
const load = () => (catalogue ??= createRequire(import.meta.url)('./${JAPANESE_CATALOGUE_FILE}').ja);
export const ja = new Proxy({}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => ({ ...Reflect.getOwnPropertyDescriptor(load(), key), configurable: true }),
});
`,
  },
  {
    // About 115 KB minified; only a baseline with a problem (or one the fast path leaves alone) needs it.
    module: join('shared', 'baseline', 'yaml-library.ts'),
    file: YAML_LIBRARY_FILE,
    entry: () => requireFromHere.resolve('yaml'),
    standIn: `import { createRequire } from 'node:module';
let library;
export function yamlLibrary() {
  return (library ??= createRequire(import.meta.url)('./${YAML_LIBRARY_FILE}'));
}
`,
  },
];

const APART_NAMESPACE = 'module-apart';

/** Replaces each of {@link MODULES_APART} by its stand-in; {@link bundleFunction} writes their files. */
function modulesApart(projectRoot: string = BUNDLE_PROJECT_ROOT): Plugin {
  const byPath = new Map(MODULES_APART.map((apart) => [join(projectRoot, apart.module), apart]));
  const names = MODULES_APART.map((apart) => basename(apart.module, '.ts').replace(/[-.]/g, '\\$&'));
  return {
    name: 'modules-apart',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: new RegExp(`/(?:${names.join('|')})\\.js$`) }, async (args) => {
        if (args.pluginData === RESOLVING) return undefined;
        const resolved = await pluginBuild.resolve(args.path, {
          importer: args.importer,
          resolveDir: args.resolveDir,
          kind: args.kind,
          pluginData: RESOLVING,
        });
        return byPath.has(resolved.path) ? { path: resolved.path, namespace: APART_NAMESPACE } : undefined;
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: APART_NAMESPACE }, (args) => ({
        loader: 'js',
        contents: byPath.get(args.path)?.standIn,
      }));
    },
  };
}

/** Writes the file of a module left apart into `outdir`; resolves to its size. */
async function writeModuleApart(apart: ModuleApart, outdir: string): Promise<number> {
  const result = await build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: FUNCTION_BUNDLE_OPTIONS.target,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: BUNDLE_PROJECT_ROOT,
    entryPoints: [apart.entry()],
    outfile: join(outdir, apart.file),
    metafile: true,
    plugins: [zodNamespaceImports(), projectModulesWithoutSideEffects()],
  });
  return Object.values(result.metafile.outputs).reduce((total, output) => total + output.bytes, 0);
}

/** Marks the plugin's own nested resolve, so it does not recurse into itself. */
const RESOLVING = Symbol('resolving');

/** One bundled function. */
export interface FunctionBundle {
  name: string;
  /** Absolute path of the bundle ({@link BUNDLE_FILE}) inside the output folder. */
  file: string;
  /**
   * What importing the handler reads: {@link BUNDLE_FILE} and the files it imports statically,
   * minified, source maps excluded.
   */
  bytes: number;
  /** Every JavaScript file of the asset, the ones read only when first used included. */
  assetBytes: number;
  /** The outputs {@link bytes} counts, by path as the metafile names them. */
  loadedAtImport: string[];
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
    // The stand-ins first: the side-effect plugin would otherwise resolve their imports.
    plugins: [
      modulesApart(),
      zodNamespaceImports(),
      projectModulesWithoutSideEffects(),
      sdkSchemasWithLiteralKeys(),
    ],
    ...overrides,
  });
  const metafile = result.metafile as Metafile;
  let apartBytes = 0;
  for (const apart of MODULES_APART) {
    // Written when the bundle keeps its stand-in: tree-shaking drops it where nothing calls it.
    const standIn = `${APART_NAMESPACE}:${join(BUNDLE_PROJECT_ROOT, apart.module)}`;
    const kept = Object.values(metafile.outputs).some(
      (output) => (output.inputs[standIn]?.bytesInOutput ?? 0) > 0,
    );
    if (kept) apartBytes += await writeModuleApart(apart, outdir);
  }
  const file = join(outdir, BUNDLE_FILE);
  const entry = Object.keys(metafile.outputs).find((path) => path.endsWith(`/${BUNDLE_FILE}`));
  if (!entry) throw new Error(`esbuild wrote no ${BUNDLE_FILE} for ${name}`);
  const loadedAtImport = staticallyImported(metafile, entry);
  const sum = (paths: string[]) => paths.reduce((total, path) => total + metafile.outputs[path].bytes, 0);
  const scripts = Object.keys(metafile.outputs).filter((path) => !path.endsWith('.map'));
  return {
    name,
    file,
    bytes: sum(loadedAtImport),
    assetBytes: sum(scripts) + apartBytes,
    loadedAtImport,
    metafile,
  };
}

/** `entry` and the outputs it imports statically, directly or through one another. */
function staticallyImported(metafile: Metafile, entry: string): string[] {
  const found = new Set([entry]);
  for (const path of found) {
    for (const imported of metafile.outputs[path].imports) {
      if (imported.kind === 'import-statement' && !imported.external) found.add(imported.path);
    }
  }
  return [...found];
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
