/**
 * Offline engine benchmark: `audit --snapshot` at organization scale, on organizations of three kinds
 * and baselines in three syntaxes, held to the parse floor of the same snapshot.
 *
 * For each kind (`standard`, `finding-heavy`, `irsa-heavy`, see `support/offline-organization.ts`)
 * and size, it generates a snapshot and the platform team's baseline in block YAML, flow YAML and
 * JSON, then runs in fresh Node processes, each measured from spawn to exit (wall time, CPU time of
 * user and system, the process's own peak RSS):
 *
 *   node -e "JSON.parse(readFileSync(SNAPSHOT))"     the floor: nothing can read the snapshot faster
 *   eks-identity-audit audit --snapshot S --baseline B --format json --output /dev/null --fail-on none
 *   eks-identity-audit baseline validate B
 *
 * and reports the audit's CPU time as a multiple of the floor's, measured in the same run, beside
 * wall time and peak RSS. Every syntax is audited at the target size (100k associations); the other
 * sizes use the first syntax and give the growth ratio. `baseline validate` runs on each kind's
 * baseline grown to 100k bindings, in every syntax.
 *
 *   npm run bench -- audit [--kinds standard,finding-heavy,irsa-heavy] [--sizes 100000,200000]
 *                          [--syntaxes block,flow,json] [--repeats 3] [--seed 7] [--format json|table]
 *   npm run bench -- audit --snapshot FILE --baseline FILE [--repeats 3]   # a pair of your own
 *   npm run bench -- audit --phases [--kind K] [--associations 100000] [--checks ID,ID]   # in-process phases, for profiling
 *
 * The same organizations can be written to files with `bench/generate-snapshot.ts` (any kind, size,
 * syntax and seed) and audited by hand, or measured here with `--snapshot/--baseline`.
 *
 * Targets (issue 17), for 100k associations of any kind and any baseline syntax: ≤ 8 s wall time,
 * ≤ 1.2 GiB peak RSS, CPU time ≤ 4 × the JSON.parse floor; doubling the input at most 2.1 × the
 * time; `baseline validate` ≤ 1.5 s.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runAudit } from '../shared/audit.js';
import { loadBaselineFile } from '../shared/baseline/index.js';
import { checks } from '../shared/checks/index.js';
import type { CheckContext } from '../shared/checks/types.js';
import type { Inventory } from '../shared/model/inventory.js';
import { renderReport } from '../shared/report/index.js';
import { loadInventory, loadInventoryFile } from '../shared/snapshot/index.js';
import { type CliMeasure, measureCli, measureJsonParse } from './support/offline-measure.js';
import {
  BASELINE_SYNTAXES,
  type BaselineSyntax,
  baselineExtension,
  ORGANIZATION_KINDS,
  type OrganizationKind,
  type SnapshotFigures,
  shapeForAssociations,
  shapeForBindings,
  writeBaselineFile,
  writeSnapshotFile,
} from './support/offline-organization.js';
import {
  type BenchmarkTable,
  type BenchmarkTarget,
  recordBenchmarkResult,
  target,
} from './support/results.js';

/** Issue 17's targets for the offline audit. */
const TARGET = {
  seconds: 8,
  peakRssMiB: 1.2 * 1024,
  floorRatio: 4,
  doublingRatio: 2.1,
  validateSeconds: 1.5,
  associations: 100_000,
  bindings: 100_000,
} as const;

const MiB = 2 ** 20;

type ReportFlag = 'json' | 'table';

/** The median of each figure of repeated runs (wall time, CPU time and peak RSS on their own). */
function median(runs: CliMeasure[]): CliMeasure {
  const middle = (by: (run: CliMeasure) => number) =>
    by([...runs].sort((a, b) => by(a) - by(b))[Math.floor((runs.length - 1) / 2)]);
  const byWall = [...runs].sort((a, b) => a.wallSeconds - b.wallSeconds)[Math.floor((runs.length - 1) / 2)];
  return {
    ...byWall,
    cpuSeconds: middle((run) => run.cpuSeconds),
    peakRssMiB: middle((run) => run.peakRssMiB),
  };
}

/** Runs a measurement `repeats` times; a failed run stops the benchmark with the process's own error. */
async function repeat(
  what: string,
  measure: () => Promise<CliMeasure>,
  repeats: number,
  accept: (code: number) => boolean = (code) => code === 0,
): Promise<CliMeasure> {
  const runs: CliMeasure[] = [];
  for (let run = 0; run < repeats; run += 1) {
    noteLoad();
    const result = await measure();
    if (!accept(result.exitCode))
      throw new Error(`${what} exited ${result.exitCode}:\n${result.stderr.trim()}`);
    runs.push(result);
  }
  return median(runs);
}

function sizeLabel(associations: number): string {
  return associations >= 1000 && associations % 1000 === 0 ? `${associations / 1000}k` : String(associations);
}

function auditArguments(snapshot: string, baseline: string, format: ReportFlag, scratch: string): string[] {
  const output = format === 'json' ? '/dev/null' : join(scratch, 'report.txt');
  return [
    'audit',
    '--snapshot',
    snapshot,
    '--baseline',
    baseline,
    '--format',
    format,
    '--output',
    output,
    '--fail-on',
    'none',
  ];
}

/** The CLI's closing summary line (`N findings (M suppressed), usage unknown for U…`). */
function summaryLine(stderr: string): string {
  return (
    stderr
      .trim()
      .split('\n')
      .findLast((line) => /\bfindings?\b/.test(line)) ?? ''
  );
}

/** Findings and usage-unknown counts from the summary line. */
function summaryCounts(stderr: string): { findings: string; unknown: string } {
  const line = summaryLine(stderr);
  return {
    findings: /^(\d+) findings?/.exec(line)?.[1] ?? '?',
    unknown: /usage unknown for (\d+)/.exec(line)?.[1] ?? '?',
  };
}

/** What a pair holds, counted from the inventory (loaded here, outside the measured processes). */
async function figuresOf(snapshot: string): Promise<SnapshotFigures> {
  const inventory = await loadInventory(snapshot);
  return {
    bytes: statSync(snapshot).size,
    associations: inventory.associations.length,
    roles: inventory.roles.size,
    oidcProviders: inventory.oidcProviders.length,
    events: inventory.cloudTrail.reduce((sum, window) => sum + window.events.length, 0),
  };
}

/** The 1-minute load averages seen while the benchmark ran (other work shares the machine). */
const loadSeen: number[] = [];

/** Notes the machine's 1-minute load average; called as each measurement starts. */
function noteLoad(): void {
  loadSeen.push(loadavg()[0]);
}

function loadAverages(): string {
  if (loadSeen.length === 0) noteLoad();
  const low = Math.min(...loadSeen);
  const high = Math.max(...loadSeen);
  return low === high ? low.toFixed(1) : `${low.toFixed(1)}–${high.toFixed(1)}`;
}

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.versions.node}`;
}

/** One audited pair: an organization at one size with its baseline in one syntax. */
interface AuditMeasure {
  kind: string;
  /** The size asked for (for irsa-heavy, associations plus IRSA grants). */
  requested: number;
  size: string;
  syntax: string;
  figures: SnapshotFigures;
  baselineBytes: number;
  floor: CliMeasure;
  audit: CliMeasure;
}

/** `baseline validate` of one baseline. */
interface ValidateMeasure {
  kind: string;
  syntax: string;
  bindings?: number;
  bytes: number;
  run: CliMeasure;
}

const seconds = (value: number) => `${value.toFixed(2)} s`;

function auditTable(measures: AuditMeasure[], format: ReportFlag, repeats: number): BenchmarkTable {
  return {
    title: `Offline audit (audit --snapshot, --format ${format}) by kind of organization and baseline syntax, fresh process per run`,
    columns: [
      'kind',
      'size',
      'baseline',
      'associations',
      'roles',
      'events',
      'findings',
      'usage unknown',
      'snapshot',
      'baseline file',
      'wall time',
      'CPU time',
      'JSON.parse CPU',
      'CPU ÷ JSON.parse',
      'peak RSS',
    ],
    rows: measures.map((measure) => {
      const counts = summaryCounts(measure.audit.stderr);
      return [
        measure.kind,
        measure.size,
        measure.syntax,
        String(measure.figures.associations),
        String(measure.figures.roles),
        String(measure.figures.events),
        counts.findings,
        counts.unknown,
        `${(measure.figures.bytes / MiB).toFixed(1)} MiB`,
        `${(measure.baselineBytes / MiB).toFixed(1)} MiB`,
        seconds(measure.audit.wallSeconds),
        seconds(measure.audit.cpuSeconds),
        seconds(measure.floor.cpuSeconds),
        `${(measure.audit.cpuSeconds / measure.floor.cpuSeconds).toFixed(2)} ×`,
        `${measure.audit.peakRssMiB.toFixed(0)} MiB`,
      ];
    }),
    notes: [
      `machine: ${machine()}; load average (1 min) ${loadAverages()}`,
      `${repeats === 1 ? 'one run each' : `median of ${repeats} runs each, figure by figure`}; wall time includes Node start and module loading; on a shared machine wall time is noisy, CPU time (user + system, all threads) less so, and the ratio to JSON.parse, measured in the same run, least`,
      'JSON.parse: a fresh Node process that reads the snapshot and parses it, nothing else',
      'irsa-heavy counts IRSA grants (role × cluster × service account its trust names) in its size, beside the associations',
      "peak RSS: the process's own ru_maxrss, written by a preloaded exit hook",
    ],
  };
}

function growthTable(measures: AuditMeasure[]): BenchmarkTable {
  const rows: string[][] = [];
  for (const kind of new Set(measures.map((measure) => measure.kind))) {
    const ofKind = measures.filter(
      (measure) => measure.kind === kind && measure.syntax === measures[0].syntax,
    );
    for (let index = 1; index < ofKind.length; index += 1) {
      const [small, large] = [ofKind[index - 1], ofKind[index]];
      rows.push([
        kind,
        `${large.size} / ${small.size}`,
        `${(large.requested / small.requested).toFixed(2)} ×`,
        `${(large.audit.wallSeconds / small.audit.wallSeconds).toFixed(2)} ×`,
        `${(large.audit.cpuSeconds / small.audit.cpuSeconds).toFixed(2)} ×`,
        `${(large.audit.peakRssMiB / small.audit.peakRssMiB).toFixed(2)} ×`,
      ]);
    }
  }
  return {
    title: 'Growth between sizes',
    columns: ['kind', 'sizes', 'input', 'wall time', 'CPU time', 'peak RSS'],
    rows,
    notes: [
      'a fixed start-up cost (about 1 s of Node and module loading) makes small sizes look cheaper per association',
    ],
  };
}

function validateTable(
  measures: ValidateMeasure[],
  startup: CliMeasure | undefined,
  repeats: number,
): BenchmarkTable {
  return {
    title: 'baseline validate, fresh process per run',
    columns: ['kind', 'baseline', 'bindings', 'file', 'wall time', 'CPU time', 'peak RSS'],
    rows: [
      ...measures.map((measure) => [
        measure.kind,
        measure.syntax,
        measure.bindings === undefined ? '?' : String(measure.bindings),
        `${(measure.bytes / MiB).toFixed(1)} MiB`,
        seconds(measure.run.wallSeconds),
        seconds(measure.run.cpuSeconds),
        `${measure.run.peakRssMiB.toFixed(0)} MiB`,
      ]),
      ...(startup
        ? [
            [
              '(start-up)',
              'block',
              '0',
              '0.0 MiB',
              seconds(startup.wallSeconds),
              seconds(startup.cpuSeconds),
              `${startup.peakRssMiB.toFixed(0)} MiB`,
            ],
          ]
        : []),
    ],
    notes: [
      `${repeats === 1 ? 'one run each' : `median of ${repeats} runs each`}; (start-up) is a one-line baseline: the CLI's fixed cost, included in every row`,
    ],
  };
}

function printTable(table: BenchmarkTable): void {
  const widths = table.columns.map((column, index) =>
    Math.max(column.length, ...table.rows.map((row) => row[index]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index]))
      .join('  ')
      .trimEnd();
  process.stdout.write(
    `\n${table.title}\n${line(table.columns)}\n${table.rows.map(line).join('\n')}\n${(table.notes ?? []).map((note) => `  ${note}`).join('\n')}\n`,
  );
}

function printTargets(targets: BenchmarkTarget[]): void {
  if (targets.length === 0) return;
  process.stdout.write(
    `\ntargets\n${targets.map((t) => `  ${t.met ? 'met ' : 'MISSED'}  ${t.name}: ${t.measured.toFixed(2)} ${t.unit ?? ''} (limit ${t.limit} ${t.unit ?? ''})`).join('\n')}\n`,
  );
}

function nearTarget(associations: number): boolean {
  return associations >= TARGET.associations * 0.95 && associations <= TARGET.associations * 1.05;
}

interface MatrixOptions {
  kinds: OrganizationKind[];
  sizes: number[];
  syntaxes: BaselineSyntax[];
  seed: number;
  format: ReportFlag;
  repeats: number;
}

async function benchmarkMatrix(options: MatrixOptions, argv: string[]): Promise<void> {
  const { kinds, sizes, syntaxes, seed, format, repeats } = options;
  const scratch = mkdtempSync(join(tmpdir(), 'eks-identity-audit-bench-'));
  const audits: AuditMeasure[] = [];
  const validations: ValidateMeasure[] = [];
  let startup: CliMeasure | undefined;
  try {
    const tiny = join(scratch, 'one-line.yaml');
    writeFileSync(tiny, 'version: 1\n');
    startup = await repeat('baseline validate', () => measureCli(['baseline', 'validate', tiny]), repeats);
    for (const kind of kinds) {
      for (const size of sizes) {
        const shape = shapeForAssociations(size, seed, kind);
        const snapshot = join(scratch, `snapshot-${kind}-${size}.json`);
        process.stdout.write(`${kind} ${sizeLabel(size)} (${shape.accounts} accounts): generating… `);
        const figures = await writeSnapshotFile(shape, snapshot);
        const atTarget = nearTarget(size);
        // Every syntax at the target size; the first one elsewhere, for the growth ratio.
        const measured = atTarget ? syntaxes : syntaxes.slice(0, 1);
        process.stdout.write('JSON.parse… ');
        const floor = await repeat('JSON.parse', () => measureJsonParse(snapshot), repeats);
        process.stdout.write(`${seconds(floor.cpuSeconds)} CPU\n`);
        for (const syntax of measured) {
          const baseline = join(scratch, `baseline-${kind}-${size}.${baselineExtension(syntax)}`);
          const written = await writeBaselineFile(shape, baseline, syntax);
          process.stdout.write(`  ${syntax} baseline: auditing… `);
          const audit = await repeat(
            'audit',
            () => measureCli(auditArguments(snapshot, baseline, format, scratch)),
            repeats,
          );
          audits.push({
            kind,
            requested: size,
            size: sizeLabel(size),
            syntax,
            figures,
            baselineBytes: written.bytes,
            floor,
            audit,
          });
          process.stdout.write(
            `${seconds(audit.wallSeconds)} (CPU ${seconds(audit.cpuSeconds)}, ${(audit.cpuSeconds / floor.cpuSeconds).toFixed(2)} × JSON.parse), ${audit.peakRssMiB.toFixed(0)} MiB; ${summaryLine(audit.stderr)}\n`,
          );
          rmSync(baseline, { force: true });
        }
        rmSync(snapshot, { force: true });
      }
      // The kind's baseline grown to the target number of bindings, in every syntax (no snapshot needed).
      const declared = shapeForBindings(TARGET.bindings, seed, kind);
      for (const syntax of syntaxes) {
        const baseline = join(scratch, `validate-${kind}.${baselineExtension(syntax)}`);
        const written = await writeBaselineFile(declared, baseline, syntax);
        const run = await repeat(
          'baseline validate',
          () => measureCli(['baseline', 'validate', baseline]),
          repeats,
        );
        validations.push({ kind, syntax, bindings: written.bindings, bytes: written.bytes, run });
        process.stdout.write(
          `${kind} baseline of ${written.bindings} bindings, ${syntax}: validate ${seconds(run.wallSeconds)} (CPU ${seconds(run.cpuSeconds)})\n`,
        );
        rmSync(baseline, { force: true });
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const tables = [
    auditTable(audits, format, repeats),
    growthTable(audits),
    validateTable(validations, startup, repeats),
  ];
  for (const table of tables) printTable(table);

  const targets: BenchmarkTarget[] = [];
  for (const measure of audits) {
    if (!nearTarget(measure.requested)) continue;
    const what = `offline audit, ${measure.kind} ${measure.size}, ${measure.syntax} baseline`;
    targets.push(
      target(`${what}: wall time`, measure.audit.wallSeconds, TARGET.seconds, { unit: 's' }),
      target(`${what}: peak RSS`, measure.audit.peakRssMiB, TARGET.peakRssMiB, { unit: 'MiB' }),
      target(
        `${what}: CPU time ÷ JSON.parse of the snapshot`,
        measure.audit.cpuSeconds / measure.floor.cpuSeconds,
        TARGET.floorRatio,
        {
          unit: '×',
        },
      ),
    );
  }
  for (const kind of kinds) {
    const ofKind = audits.filter((measure) => measure.kind === kind && measure.syntax === syntaxes[0]);
    for (let index = 1; index < ofKind.length; index += 1) {
      const input = ofKind[index].requested / ofKind[index - 1].requested;
      // Only a doubling is held to the limit; other steps are shown in the growth table.
      if (Math.abs(input - 2) > 0.1) continue;
      targets.push(
        target(
          `offline audit, ${kind} ${ofKind[index].size} / ${ofKind[index - 1].size}: wall time ratio when the input doubles`,
          ofKind[index].audit.wallSeconds / ofKind[index - 1].audit.wallSeconds,
          TARGET.doublingRatio,
          { unit: '×' },
        ),
      );
    }
  }
  for (const measure of validations) {
    targets.push(
      target(
        `baseline validate, ${measure.kind} ${measure.bindings} bindings, ${measure.syntax}: wall time`,
        measure.run.wallSeconds,
        TARGET.validateSeconds,
        { unit: 's' },
      ),
    );
  }
  printTargets(targets);
  recordBenchmarkResult({ benchmark: 'audit', arguments: argv, tables, targets });
}

async function benchmarkPair(
  snapshot: string,
  baseline: string,
  format: ReportFlag,
  repeats: number,
  argv: string[],
) {
  const scratch = mkdtempSync(join(tmpdir(), 'eks-identity-audit-bench-'));
  try {
    const floor = await repeat('JSON.parse', () => measureJsonParse(snapshot), repeats);
    const audit = await repeat(
      'audit',
      () => measureCli(auditArguments(snapshot, baseline, format, scratch)),
      repeats,
    );
    // An invalid baseline is worth timing too: validate exits 1 then, after locating every problem.
    const validate = await repeat(
      'baseline validate',
      () => measureCli(['baseline', 'validate', baseline]),
      repeats,
      (code) => code <= 1,
    );
    const figures = await figuresOf(snapshot);
    const measure: AuditMeasure = {
      kind: snapshot,
      requested: figures.associations,
      size: sizeLabel(figures.associations),
      syntax: baseline,
      figures,
      baselineBytes: statSync(baseline).size,
      floor,
      audit,
    };
    const tables = [
      auditTable([measure], format, repeats),
      validateTable(
        [{ kind: snapshot, syntax: baseline, bytes: statSync(baseline).size, run: validate }],
        undefined,
        repeats,
      ),
    ];
    for (const table of tables) printTable(table);
    process.stdout.write(`${summaryLine(audit.stderr)}\n`);
    recordBenchmarkResult({ benchmark: 'audit', arguments: argv, tables, targets: [] });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Times each check on its own after one pass over every check that fills the caches they share
 * (trust analyses, indexes, the usage index): the best of three runs each.
 */
function timeChecks(context: CheckContext, only: Set<string> | undefined): Array<[string, number]> {
  for (const check of checks) check.evaluate(context);
  const perCheck: Array<[string, number]> = [];
  const collectGarbage = (globalThis as { gc?: () => void }).gc;
  for (const check of checks) {
    if (only && !only.has(check.meta.id)) continue;
    collectGarbage?.();
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      check.evaluate(context);
      best = Math.min(best, performance.now() - started);
    }
    perCheck.push([check.meta.id, best]);
  }
  return perCheck.sort(([, a], [, b]) => b - a);
}

/** The in-process breakdown of one audit, phase by phase, with CPU time and the heap after each. */
async function benchmarkPhases(
  kind: OrganizationKind,
  associations: number,
  seed: number,
  only: Set<string> | undefined,
) {
  const scratch = mkdtempSync(join(tmpdir(), 'eks-identity-audit-bench-'));
  try {
    const shape = shapeForAssociations(associations, seed, kind);
    const snapshotPath = join(scratch, 'snapshot.json');
    const baselinePath = join(scratch, 'baseline.yaml');
    await writeSnapshotFile(shape, snapshotPath);
    await writeBaselineFile(shape, baselinePath);
    const rows: string[][] = [];
    const phase = async <T>(label: string, work: () => T | Promise<T>): Promise<T> => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const result = await work();
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const memory = process.memoryUsage();
      rows.push([
        label,
        seconds(ms / 1000),
        seconds((used.user + used.system) / 1e6),
        `${(memory.heapUsed / MiB).toFixed(0)} MiB`,
        `${(memory.rss / MiB).toFixed(0)} MiB`,
      ]);
      return result;
    };
    const inventory: Inventory = await phase(
      'read + validate + normalize snapshot (account by account)',
      () => loadInventoryFile(snapshotPath),
    );
    const baseline = await phase('read + parse baseline', () => loadBaselineFile(baselinePath));
    const result = await phase('runAudit (all checks + report)', () => runAudit({ inventory, baseline }));
    await phase(
      'render json',
      () => renderReport(result.report, 'json', { checks: checks.map((c) => c.meta) }).length,
    );
    await phase(
      'render table',
      () => renderReport(result.report, 'table', { checks: checks.map((c) => c.meta) }).length,
    );
    printTable({
      title: `Phases of one audit in this process (${kind}): ${inventory.associations.length} associations, ${inventory.roles.size} roles, ${result.report.summary.total} findings, usage unknown for ${result.usageUnknown}`,
      columns: ['phase', 'duration', 'CPU time', 'heap used after', 'RSS after'],
      rows,
    });
    const context: CheckContext = {
      inventory,
      baseline,
      now: new Date(inventory.capturedAt),
      recordUnknown: () => {},
    };
    printTable({
      title: 'Checks one by one (after a pass that fills the caches they share; best of 3)',
      columns: ['check', 'duration'],
      rows: timeChecks(context, only).map(([check, ms]) => [check, `${ms.toFixed(0)} ms`]),
    });
    process.stdout.write(
      `\npeak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function wholeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${flag} must be a whole number ≥ 1 (got "${text}")`);
  return value;
}

/** A comma-separated list of names, each one of `allowed`. */
function namesOf<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !allowed.includes(name as T));
  if (unknown.length > 0)
    throw new Error(`${flag}: unknown ${unknown.join(', ')}; choose from ${allowed.join(', ')}`);
  return names as T[];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv,
    options: {
      kinds: { type: 'string', default: ORGANIZATION_KINDS.join(',') },
      kind: { type: 'string', default: 'standard' },
      sizes: { type: 'string', default: '100000,200000' },
      syntaxes: { type: 'string', default: BASELINE_SYNTAXES.join(',') },
      seed: { type: 'string', default: '7' },
      format: { type: 'string', default: 'json' },
      repeats: { type: 'string', default: '3' },
      snapshot: { type: 'string' },
      baseline: { type: 'string' },
      phases: { type: 'boolean', default: false },
      associations: { type: 'string', default: '100000' },
      checks: { type: 'string' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number (got "${values.seed}")`);
  if (values.format !== 'json' && values.format !== 'table')
    throw new Error('--format must be json or table');
  const format: ReportFlag = values.format;
  const repeats = wholeNumber(values.repeats, '--repeats');
  if (values.phases) {
    const only = values.checks ? new Set(values.checks.split(',').map((id) => id.trim())) : undefined;
    const [kind] = namesOf(values.kind, ORGANIZATION_KINDS, '--kind');
    await benchmarkPhases(kind, wholeNumber(values.associations, '--associations'), seed, only);
    return;
  }
  if (values.snapshot !== undefined || values.baseline !== undefined) {
    if (values.snapshot === undefined || values.baseline === undefined) {
      throw new Error('--snapshot and --baseline go together');
    }
    await benchmarkPair(values.snapshot, values.baseline, format, repeats, argv);
    return;
  }
  await benchmarkMatrix(
    {
      kinds: namesOf(values.kinds, ORGANIZATION_KINDS, '--kinds'),
      sizes: values.sizes.split(',').map((size) => wholeNumber(size.trim(), '--sizes')),
      syntaxes: namesOf(values.syntaxes, BASELINE_SYNTAXES, '--syntaxes'),
      seed,
      format,
      repeats,
    },
    argv,
  );
}

await main();
