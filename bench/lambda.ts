/**
 * Lambda benchmark: bundles each function exactly as the CDK app does (infra/bundling.ts, minified
 * ESM, AWS SDK bundled) and prints its size and its cold import time: a fresh Node process per
 * measurement imports the bundle's handler module, and the median of `--runs` processes is kept.
 * The size held to the target is what the import reads (index.mjs and the files it imports
 * statically); the whole asset, with the files read only when first used, is printed beside it.
 *
 *   node --import tsx bench/lambda.ts [--runs 7]
 *
 * Two alternatives are measured beside the deployed bundle, for comparison only: the AWS SDK left
 * to the Lambda runtime (`@aws-sdk/*` and `@smithy/*` external) and the bundle without the two
 * bundling plugins of infra/bundling.ts. Targets: each bundle ≤ 1 MB minified, cold import ≤ 300 ms.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BuildOptions } from 'esbuild';
import {
  BUNDLE_PROJECT_ROOT,
  bundleFunction,
  FUNCTION_NAMES,
  type FunctionBundle,
} from '../infra/bundling.js';
import { type BenchmarkTable, recordBenchmarkResult, target } from './support/results.js';

const MAX_BUNDLE_BYTES = 1_000_000;
const MAX_COLD_IMPORT_MS = 300;

/**
 * Bundles are written inside the project so that an external `@aws-sdk/*` import resolves to the
 * project's node_modules, as it would resolve to the runtime's SDK in Lambda.
 */
const OUT_ROOT = join(BUNDLE_PROJECT_ROOT, 'node_modules', '.cache', 'eks-identity-audit', 'bench-lambda');

/** The settings each handler validates at import (cold start); plausible values, never used to call AWS. */
const FUNCTION_ENVIRONMENT: Record<string, string> = {
  AUDIT_BUCKET: 'eks-identity-audit-111122223333',
  BASELINE_KEY: 'baseline.yaml',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:eks-identity-audit-findings',
  MEMBER_ROLE_NAME: 'EksIdentityAuditReadOnly',
  EXTERNAL_ID: 'eks-identity-audit',
  AUDIT_REGIONS: 'eu-west-1',
  AWS_REGION: 'eu-west-1',
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_METRICS_NAMESPACE: 'EksIdentityAudit',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/**
 * Imports the module named by BUNDLE_URL and prints the import's wall time and the CPU time it
 * used, in milliseconds. CPU time is what contention on a shared machine distorts least.
 */
const IMPORT_PROBE = `
const cpuBefore = process.cpuUsage();
const started = performance.now();
const module = await import(process.env.BUNDLE_URL);
const wall = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
if (typeof module.handler !== 'function') { console.error('no handler export'); process.exit(3); }
process.stdout.write(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1000 }));
`;

interface Variant {
  id: string;
  title: string;
  overrides: BuildOptions;
}

const VARIANTS: Variant[] = [
  { id: 'deployed', title: 'as deployed (SDK bundled)', overrides: {} },
  {
    id: 'runtime-sdk',
    title: 'SDK from the Lambda runtime (@aws-sdk/*, @smithy/* external)',
    overrides: { external: ['@aws-sdk/*', '@smithy/*'] },
  },
  {
    id: 'no-plugins',
    title:
      'without the bundling plugins (zod rewrite, side-effect-free project modules, Japanese catalogue apart)',
    overrides: { plugins: [] },
  },
];

interface Measured {
  bundle: FunctionBundle;
  /** Wall time of each cold import. */
  importMs: number[];
  /** CPU time of each cold import. */
  cpuMs: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One cold import in a fresh Node process. */
function coldImport(file: string): { wall: number; cpu: number } {
  const run = spawnSync(process.execPath, ['--input-type=module', '--eval', IMPORT_PROBE], {
    cwd: BUNDLE_PROJECT_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENVIRONMENT, BUNDLE_URL: pathToFileURL(file).href },
  });
  if (run.status !== 0) throw new Error(`importing ${file} failed (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as { wall: number; cpu: number };
}

async function bundleVariant(variant: Variant, name: string): Promise<Measured> {
  const outdir = join(OUT_ROOT, variant.id, name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const bundle = await bundleFunction(name, outdir, variant.overrides);
  return { bundle, importMs: [], cpuMs: [] };
}

/** Bytes read at import per package (or per project folder), largest first. */
function largestContributors(bundle: FunctionBundle, count: number): Array<[string, number]> {
  const inputs = bundle.loadedAtImport.flatMap((output) =>
    Object.entries(bundle.metafile.outputs[output].inputs),
  );
  const byPackage = new Map<string, number>();
  for (const [path, input] of inputs) {
    const inModules = path.lastIndexOf('node_modules/');
    const parts = (inModules >= 0 ? path.slice(inModules + 'node_modules/'.length) : path).split('/');
    const key =
      inModules >= 0
        ? parts.slice(0, parts[0].startsWith('@') ? 2 : 1).join('/')
        : parts.slice(0, 2).join('/');
    byPackage.set(key, (byPackage.get(key) ?? 0) + input.bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, count);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
  const runs = Number(values.runs);
  if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`--runs must be a positive whole number`);

  const loadAtStart = loadavg()[0];
  const results = new Map<string, Map<string, Measured>>();
  for (const variant of VARIANTS) {
    const perFunction = new Map<string, Measured>();
    for (const name of FUNCTION_NAMES) perFunction.set(name, await bundleVariant(variant, name));
    results.set(variant.id, perFunction);
  }
  // Round-robin, so that a burst of load from elsewhere falls on every bundle alike.
  for (let run = 0; run < runs; run += 1) {
    for (const perFunction of results.values()) {
      for (const measured of perFunction.values()) {
        const { wall, cpu } = coldImport(measured.bundle.file);
        measured.importMs.push(wall);
        measured.cpuMs.push(cpu);
      }
    }
  }
  rmSync(OUT_ROOT, { recursive: true, force: true });

  const deployed = results.get('deployed') as Map<string, Measured>;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
  const tables: BenchmarkTable[] = [
    {
      title: 'Lambda bundles as deployed',
      columns: [
        'function',
        'read at import (minified)',
        'whole asset',
        'cold import (median)',
        'cold import (min–max)',
        'CPU time of the import (median)',
      ],
      rows: FUNCTION_NAMES.map((name) => {
        const { bundle, importMs, cpuMs } = deployed.get(name) as Measured;
        return [
          name,
          kb(bundle.bytes),
          kb(bundle.assetBytes),
          ms(median(importMs)),
          `${ms(Math.min(...importMs))}–${ms(Math.max(...importMs))}`,
          ms(median(cpuMs)),
        ];
      }),
      notes: [
        "Read at import: index.mjs and the files it imports statically. The whole asset adds what is read only when first used: the Japanese catalogue (a run in Japanese), the credential providers other than the environment's, the user-agent parser.",
        `Cold import: a fresh Node process imports the bundle's handler module; median of ${runs} processes on ${machine}.`,
        'The import includes validating the function configuration, as a Lambda cold start does.',
        'Wall times swing with load from other processes on a shared machine; the CPU time of the import varies less.',
        `Load average (1 minute) at the start and at the end of the run: ${loadAtStart.toFixed(1)}, ${loadavg()[0].toFixed(1)}.`,
      ],
    },
    {
      title: 'Alternatives (for comparison; not deployed)',
      columns: ['function', ...VARIANTS.map((variant) => variant.title)],
      rows: FUNCTION_NAMES.map((name) => [
        name,
        ...VARIANTS.map((variant) => {
          const measured = results.get(variant.id)?.get(name) as Measured;
          return `${kb(measured.bundle.bytes)}, ${ms(median(measured.importMs))} (CPU ${ms(median(measured.cpuMs))})`;
        }),
      ]),
      notes: [
        'With the SDK external, the import reads the SDK from node_modules, as Lambda would read its own copy.',
      ],
    },
    {
      title: 'What the deployed bundles hold (largest packages)',
      columns: ['function', 'largest contributors'],
      rows: FUNCTION_NAMES.map((name) => [
        name,
        largestContributors((deployed.get(name) as Measured).bundle, 6)
          .map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`)
          .join(', '),
      ]),
    },
  ];
  const targets = FUNCTION_NAMES.flatMap((name) => {
    const { bundle, importMs } = deployed.get(name) as Measured;
    return [
      target(`${name}: bundle size read at import (minified)`, bundle.bytes, MAX_BUNDLE_BYTES, {
        unit: 'bytes',
      }),
      target(`${name}: cold import (median)`, Math.round(median(importMs)), MAX_COLD_IMPORT_MS, {
        unit: 'ms',
      }),
    ];
  });

  for (const table of tables) {
    process.stdout.write(`\n${table.title}\n  ${table.columns.join(' | ')}\n`);
    for (const row of table.rows) process.stdout.write(`  ${row.join(' | ')}\n`);
    for (const note of table.notes ?? []) process.stdout.write(`  note: ${note}\n`);
  }
  process.stdout.write('\nTargets\n');
  for (const item of targets) {
    process.stdout.write(
      `  ${item.met ? 'met ' : 'MISSED'} ${item.name}: ${item.measured} ${item.unit} (limit ${item.limit})\n`,
    );
  }
  recordBenchmarkResult({ benchmark: 'lambda', arguments: process.argv.slice(2), tables, targets });
}

await main();
