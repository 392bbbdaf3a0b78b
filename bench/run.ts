/**
 * Runs the benchmarks of this folder one after another (every `bench/*.ts` but this file, in name
 * order), each in its own Node process so its duration and peak RSS are its own.
 *
 *   npm run bench                      # every benchmark, in a shape that keeps the whole run short
 *   npm run bench -- audit             # only the ones named, with their own defaults
 *   npm run bench -- collect --large   # flags after the names go to the named benchmarks
 *
 * Exits 1 when a benchmark fails or a name is unknown; the others still run.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);

/**
 * Flags for the run of every benchmark where a benchmark's own default takes minutes: the usage
 * benchmark's 90-day backfill reads LookupEvents at CloudTrail's 2 requests per second.
 */
const QUICK_FLAGS: Readonly<Record<string, string[]>> = { usage: ['--workloads', '5'] };

/** The benchmark names found beside this file (`collect`, `usage`, `audit`, …). */
async function benchmarkNames(): Promise<string[]> {
  const self = basename(fileURLToPath(import.meta.url), '.ts');
  return (await readdir(BENCH_DIR))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => basename(file, '.ts'))
    .filter((name) => name !== self)
    .sort();
}

/** Splits `[NAME...] [--flag ...]`: names before the first flag, everything from it on is passed through. */
function parseRunArguments(args: string[]): { names: string[]; flags: string[] } {
  const firstFlag = args.findIndex((arg) => arg.startsWith('-'));
  return firstFlag < 0
    ? { names: args, flags: [] }
    : { names: args.slice(0, firstFlag), flags: args.slice(firstFlag) };
}

function runBenchmark(name: string, flags: string[]): Promise<number> {
  return new Promise((resolve) => {
    // --expose-gc lets a benchmark collect garbage between measurements.
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(BENCH_DIR, `${name}.ts`), ...flags],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
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
  const quick = names.length === 0;
  for (const name of selected) {
    const benchmarkFlags = quick ? (QUICK_FLAGS[name] ?? []) : flags;
    const note =
      quick && QUICK_FLAGS[name]
        ? ` (quick: ${benchmarkFlags.join(' ')}; npm run bench -- ${name} for its default)`
        : '';
    process.stdout.write(`\n== ${name}${note} ==\n`);
    const started = performance.now();
    const code = await runBenchmark(name, benchmarkFlags);
    results.push({ name, code, seconds: (performance.now() - started) / 1000 });
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
