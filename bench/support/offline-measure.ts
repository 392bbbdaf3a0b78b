/**
 * Runs the real CLI in a fresh Node process and measures it from outside: wall time from spawn to
 * exit, and the child's exact peak RSS (`getrusage` `ru_maxrss`, read by the child itself as it
 * exits through a preloaded hook, so no polling can miss a short peak).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const CLI = join(ROOT, 'bin', 'eks-identity-audit.js');

/** The environment variable naming the file the exit hook writes peak RSS (KiB) and CPU time (µs) to. */
const PEAK_RSS_FILE_VARIABLE = 'EKS_IDENTITY_AUDIT_BENCH_PEAK_RSS_FILE';

/**
 * Preloaded with `--import`: on exit, the process writes its own `maxRSS` (KiB) and CPU time. A data URL keeps
 * the hook out of the module graph being measured.
 */
const PEAK_RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  `import { writeFileSync } from 'node:fs';
process.on('exit', () => { const usage = process.resourceUsage(); writeFileSync(process.env.${PEAK_RSS_FILE_VARIABLE}, JSON.stringify({ maxRSS: usage.maxRSS, cpu: usage.userCPUTime + usage.systemCPUTime })); });`,
)}`;

/** One measured CLI run. */
export interface CliMeasure {
  exitCode: number;
  wallSeconds: number;
  /** Peak resident set size of the CLI process, in MiB. */
  peakRssMiB: number;
  /**
   * CPU time (user + system) of the CLI process: less disturbed than wall time when other work
   * shares the machine, though the target is on wall time.
   */
  cpuSeconds: number;
  /** The CLI's stderr (progress and the findings summary). */
  stderr: string;
}

/**
 * Runs `eks-identity-audit ARGS` in a fresh process and measures it.
 *
 * @example await measureCli(['audit', '--snapshot', 's.json', '--baseline', 'b.yaml', '--format', 'json', '--output', '/dev/null'])
 */
export function measureCli(args: string[]): Promise<CliMeasure> {
  return measureNode([CLI, ...args]);
}

/** Reads a file and parses it with `JSON.parse`, nothing else: the floor an audit of a snapshot is measured against. */
const JSON_PARSE_SCRIPT = "JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'))";

/**
 * Measures `JSON.parse` of a file in a fresh Node process (start-up included, as it is in an audit's
 * own figures): the floor of any audit of that snapshot.
 */
export function measureJsonParse(file: string): Promise<CliMeasure> {
  return measureNode(['-e', JSON_PARSE_SCRIPT, file]);
}

/** Runs `node ARGS` in a fresh process and measures it. */
async function measureNode(args: string[]): Promise<CliMeasure> {
  const scratch = mkdtempSync(join(tmpdir(), 'eks-identity-audit-rss-'));
  const rssFile = join(scratch, 'peak-rss');
  try {
    const started = performance.now();
    const { exitCode, stderr } = await new Promise<{ exitCode: number; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, ['--import', PEAK_RSS_HOOK, ...args], {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
          env: {
            ...process.env,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            [PEAK_RSS_FILE_VARIABLE]: rssFile,
          },
        });
        let text = '';
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => {
          text += chunk;
        });
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal ? 1 : 0), stderr: text }));
      },
    );
    const wallSeconds = (performance.now() - started) / 1000;
    // A process killed by a fatal error (out of memory) never runs its exit hook: no figures, not a crash here.
    const usage = existsSync(rssFile)
      ? (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRSS: number; cpu: number })
      : { maxRSS: Number.NaN, cpu: Number.NaN };
    return { exitCode, wallSeconds, peakRssMiB: usage.maxRSS / 1024, cpuSeconds: usage.cpu / 1e6, stderr };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
