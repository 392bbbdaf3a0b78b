/**
 * Runs the benchmarks of this folder one after another (those in {@link BENCHMARKS}, in that order),
 * each in its own Node process so its duration and peak RSS are its own.
 *
 *   npm run bench                      # every benchmark, in a shape that keeps the whole run short
 *   npm run bench -- audit             # only the ones named, with their own defaults
 *   npm run bench -- collect --large   # flags after the names go to the named benchmarks
 *
 * Each benchmark hands its tables and targets back through the file named by
 * `EKS_IDENTITY_AUDIT_BENCH_RESULT`; the runner merges them into `bench/results.json` (with the
 * machine's CPU, cores, RAM and Node version) and `bench/results.md`, replacing the results of the
 * benchmarks it ran and keeping the others'.
 *
 * Exits 1 when a benchmark fails or a name is unknown; the others still run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  machineFacts,
  mergeResults,
  parseResultsFile,
  renderMarkdown,
  type StoredResult,
} from './support/merge.js';
import { type BenchmarkResult, RESULT_FILE_VARIABLE } from './support/results.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);

/**
 * Flags for the run of every benchmark where a benchmark's own default takes minutes: the usage
 * benchmark's 90-day backfill reads LookupEvents at CloudTrail's 2 requests per second.
 */
const QUICK_FLAGS: Readonly<Record<string, string[]>> = {
  usage: ['--accounts', '20'],
  'busy-usage': ['--nights', '3', '--trail-window-days', '3'],
  collect: ['--sizes', '10,100', '--naive-sample', '1'],
};

const RESULTS_JSON = join(BENCH_DIR, 'results.json');
const RESULTS_MARKDOWN = join(BENCH_DIR, 'results.md');

/**
 * The benchmarks, in the order a full run takes them; other scripts beside them (the standalone
 * snapshot generator) are tools, not benchmarks.
 */
const BENCHMARKS = [
  'collect',
  'usage',
  'busy-usage',
  'audit',
  'lambda',
  'org-plan',
  'securityhub-import',
] as const;

/** The benchmark names that have a script beside this file. */
async function benchmarkNames(): Promise<string[]> {
  const files = new Set(await readdir(BENCH_DIR));
  return BENCHMARKS.filter((name) => files.has(`${name}.ts`));
}

/** Splits `[NAME...] [--flag ...]`: names before the first flag, everything from it on is passed through. */
function parseRunArguments(args: string[]): { names: string[]; flags: string[] } {
  const firstFlag = args.findIndex((arg) => arg.startsWith('-'));
  return firstFlag < 0
    ? { names: args, flags: [] }
    : { names: args.slice(0, firstFlag), flags: args.slice(firstFlag) };
}

function runBenchmark(name: string, flags: string[], resultFile: string): Promise<number> {
  return new Promise((resolve) => {
    // --expose-gc lets a benchmark collect garbage between measurements.
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(BENCH_DIR, `${name}.ts`), ...flags],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: {
          ...process.env,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          [RESULT_FILE_VARIABLE]: resultFile,
        },
      },
    );
    child.on('error', () => resolve(1));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const available = await benchmarkNames();
  const { names, flags } = parseRunArguments(process.argv.slice(2));
  const unknown = names.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
    return 1;
  }
  if (names.length === 0 && flags.length > 0) {
    // Each benchmark has its own flags: passing one's flags to all would fail the others.
    process.stderr.write(
      `name the benchmark the flags are for, e.g. npm run bench -- collect ${flags.join(' ')}\n`,
    );
    return 1;
  }
  const selected = names.length > 0 ? available.filter((name) => names.includes(name)) : available;
  const results: Array<{ name: string; code: number; seconds: number }> = [];
  const stored: StoredResult[] = [];
  const machine = machineFacts();
  const quick = names.length === 0;
  const resultDir = mkdtempSync(join(tmpdir(), 'bench-results-'));
  for (const name of selected) {
    const benchmarkFlags = quick ? (QUICK_FLAGS[name] ?? []) : flags;
    const note =
      quick && QUICK_FLAGS[name]
        ? ` (quick: ${benchmarkFlags.join(' ')}; npm run bench -- ${name} for its default)`
        : '';
    process.stdout.write(`\n== ${name}${note} ==\n`);
    const started = performance.now();
    const resultFile = join(resultDir, `${name}.json`);
    const code = await runBenchmark(name, benchmarkFlags, resultFile);
    const seconds = (performance.now() - started) / 1000;
    results.push({ name, code, seconds });
    if (existsSync(resultFile)) {
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as BenchmarkResult;
      stored.push({ ...result, ranAt: new Date().toISOString(), machine, seconds, exitCode: code });
    }
  }
  rmSync(resultDir, { recursive: true, force: true });
  if (stored.length > 0) {
    const earlier = parseResultsFile(
      existsSync(RESULTS_JSON) ? readFileSync(RESULTS_JSON, 'utf8') : undefined,
    );
    const merged = mergeResults(earlier, stored, new Date().toISOString());
    writeFileSync(RESULTS_JSON, `${JSON.stringify(merged, null, 2)}\n`);
    // In the project's JSON style, so the committed file passes the lint; unformatted if Biome is absent.
    spawnSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', RESULTS_JSON], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    writeFileSync(RESULTS_MARKDOWN, renderMarkdown(merged));
    process.stdout.write(`\nresults: ${RESULTS_JSON}, ${RESULTS_MARKDOWN}\n`);
  }
  process.stdout.write(
    `\n${results
      .map(
        ({ name, code, seconds }) =>
          `${name}: ${code === 0 ? 'done' : `failed (exit ${code})`} in ${seconds.toFixed(1)} s`,
      )
      .join('\n')}\n`,
  );
  return results.every((result) => result.code === 0) ? 0 : 1;
}

process.exitCode = await main();
