/**
 * How `bench/run.ts` turns the benchmarks' results into `bench/results.json` and
 * `bench/results.md`: each run replaces the results of the benchmarks it ran and keeps the others'.
 */
import { cpus, totalmem } from 'node:os';
import { compareText } from '../../shared/model/compare.js';
import type { BenchmarkResult, BenchmarkTable, BenchmarkTarget } from './results.js';

/** The machine a result was measured on. */
export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** One benchmark's result as stored: when, where, how long it ran, and how it ended. */
export interface StoredResult extends BenchmarkResult {
  ranAt: string;
  machine: MachineFacts;
  seconds: number;
  exitCode: number;
}

/** The content of `bench/results.json`. */
export interface ResultsFile {
  updatedAt: string;
  results: StoredResult[];
}

/** Facts about this machine. */
export function machineFacts(): MachineFacts {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Reads a results file's content; anything unreadable counts as no earlier results. */
export function parseResultsFile(text: string | undefined): ResultsFile {
  if (!text) return { updatedAt: '', results: [] };
  try {
    const parsed = JSON.parse(text) as Partial<ResultsFile>;
    return {
      updatedAt: String(parsed.updatedAt ?? ''),
      results: Array.isArray(parsed.results) ? parsed.results : [],
    };
  } catch {
    return { updatedAt: '', results: [] };
  }
}

/** The earlier results with every benchmark of this run replaced, in benchmark-name order. */
export function mergeResults(earlier: ResultsFile, fresh: StoredResult[], updatedAt: string): ResultsFile {
  const byName = new Map(earlier.results.map((result) => [result.benchmark, result]));
  for (const result of fresh) byName.set(result.benchmark, result);
  return {
    updatedAt,
    results: [...byName.values()].sort((a, b) => compareText(a.benchmark, b.benchmark)),
  };
}

/** A table cell: pipes and line breaks would break the Markdown table. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function renderTable(table: BenchmarkTable): string[] {
  return [
    `### ${cell(table.title)}`,
    '',
    `| ${table.columns.map(cell).join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
    ...(table.notes ?? []).map((note) => `- ${note}`),
    ...(table.notes?.length ? [''] : []),
  ];
}

function describeMachine(machine: MachineFacts): string {
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ${machine.platform}`;
}

/** A figure to at most three decimals: measured values carry timer noise beyond that. */
function figure(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

function formatMeasured(target: BenchmarkTarget): string {
  return `${figure(target.measured)}${target.unit ? ` ${target.unit}` : ''}`;
}

/** `bench/results.md`: the targets first, then every benchmark's tables with the machine it ran on. */
export function renderMarkdown(file: ResultsFile): string {
  const targets = file.results.flatMap((result) =>
    result.targets.map((entry) => ({ benchmark: result.benchmark, entry })),
  );
  const lines = [
    '# Benchmark results',
    '',
    `Updated ${file.updatedAt} by \`npm run bench\`.`,
    '',
    '## Targets',
    '',
    '| benchmark | target | measured | limit | met |',
    '| --- | --- | --- | --- | --- |',
    ...targets.map(
      ({ benchmark, entry }) =>
        `| ${cell(benchmark)} | ${cell(entry.name)} | ${cell(formatMeasured(entry))} | ${entry.atLeast ? '≥' : '≤'} ${cell(String(entry.limit))}${entry.unit ? ` ${cell(entry.unit)}` : ''} | ${entry.met ? 'met' : '**missed**'} |`,
    ),
    ...(targets.length === 0 ? ['| – | no targets recorded | | | |'] : []),
    '',
  ];
  for (const result of file.results) {
    lines.push(
      `## ${cell(result.benchmark)}`,
      '',
      `Ran ${result.ranAt} in ${result.seconds.toFixed(1)} s${result.exitCode === 0 ? '' : ` (failed, exit ${result.exitCode})`}` +
        `${result.arguments.length ? ` with \`${result.arguments.join(' ')}\`` : ''} on ${describeMachine(result.machine)}.`,
      '',
      ...result.tables.flatMap(renderTable),
    );
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
