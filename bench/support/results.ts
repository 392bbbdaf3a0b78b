/**
 * How a benchmark hands its figures to `bench/run.ts`: it calls {@link recordBenchmarkResult} once,
 * and the runner merges every benchmark's result into `bench/results.json` and `bench/results.md`.
 * Run on its own (without the runner), a benchmark only prints.
 */
import { writeFileSync } from 'node:fs';

/** The environment variable through which the runner names the file a benchmark writes its result to. */
export const RESULT_FILE_VARIABLE = 'EKS_IDENTITY_AUDIT_BENCH_RESULT';

/** One table of figures, rendered as a Markdown table (cells are already formatted text). */
export interface BenchmarkTable {
  title: string;
  columns: string[];
  rows: string[][];
  /** What the reader needs to read the table: limits assumed, how a bound is computed. */
  notes?: string[];
}

/** A target from the performance requirements and whether this run met it. */
export interface BenchmarkTarget {
  /** What is measured, e.g. "live collection, 100 accounts: wall time ÷ lower bound". */
  name: string;
  measured: number;
  /** The limit the measured value must not exceed (or, with `atLeast`, must reach). */
  limit: number;
  unit?: string;
  /** The target is a minimum rather than a maximum. */
  atLeast?: boolean;
  met: boolean;
}

/** Everything one benchmark reports. */
export interface BenchmarkResult {
  /** The benchmark's name: the file name under `bench/` without `.ts`. */
  benchmark: string;
  /** The benchmark's flags, for reproducing the run. */
  arguments: string[];
  tables: BenchmarkTable[];
  targets: BenchmarkTarget[];
}

/** Whether a measured value meets a limit. */
export function target(
  name: string,
  measured: number,
  limit: number,
  options: { unit?: string; atLeast?: boolean } = {},
): BenchmarkTarget {
  const met = options.atLeast ? measured >= limit : measured <= limit;
  return { name, measured, limit, ...options, met };
}

/** Writes the result where the runner asked for it; does nothing when run directly. */
export function recordBenchmarkResult(result: BenchmarkResult): void {
  const file = process.env[RESULT_FILE_VARIABLE];
  if (file) writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}
