/**
 * One analyze-publish invocation in a fresh Node process, so its wall time, CPU and peak RSS are
 * its own: the benchmark forks it with the state after the Map and the function's configuration,
 * and it runs the function's own code path (`analyzeAndPublish`) against the sandbox, whose
 * process holds the parts. The heap is capped as Lambda's Node runtime caps it for a memory size.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AnalyzeConfig, AnalyzeEvent, AnalyzeResult } from '../../functions/analyze-publish/analyze.js';
import type { JoinEvent, ShardEvent, ShardResult } from '../../functions/analyze-shard/shard.js';
import type { JoinFileRef } from '../../functions/lib/shards.js';
import type { SandboxCredentials } from '../../sandbox/types.js';

/** What to analyze, where, and in how much memory. */
export interface AnalyzeJob {
  credentials: SandboxCredentials;
  /** Which function's code path: analyze-publish (the default), or analyze-shard's join step or one shard. */
  step?: 'publish' | 'join' | 'shard';
  event: AnalyzeEvent | JoinEvent | ShardEvent;
  config: AnalyzeConfig;
  /** `--max-old-space-size` in MiB: about 90 % of the function's memory, as Lambda's runtime sets it. */
  heapMiB: number;
}

/** What one invocation measured, from inside the process (its own `getrusage`). */
export interface AnalyzeMeasure {
  /** True when `analyzeAndPublish` returned; false when it threw or the process died (out of memory). */
  finished: boolean;
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
  /** The largest V8 heap in use, sampled every 100 ms. */
  peakHeapMiB: number;
  result?: AnalyzeResult | JoinFileRef | ShardResult;
  /** Why it did not finish: the thrown error, or the process's exit and its last stderr line. */
  error?: string;
}

/** Runs a job in a child process and resolves with its measurements, a failure included. */
export function runAnalyze(job: AnalyzeJob): Promise<AnalyzeMeasure> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', `--max-old-space-size=${job.heapMiB}`],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: job.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: job.credentials.secretAccessKey,
      ...(job.credentials.sessionToken ? { AWS_SESSION_TOKEN: job.credentials.sessionToken } : {}),
      AWS_PROFILE: '',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk).slice(-4096);
  });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let measure: AnalyzeMeasure | undefined;
    child.on('message', (message: { type: string; measure: AnalyzeMeasure }) => {
      if (message.type === 'measure') measure = message.measure;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (measure) return resolve(measure);
      const last = stderr.trim().split('\n').filter(Boolean).pop() ?? '';
      resolve({
        finished: false,
        seconds: (performance.now() - started) / 1000,
        cpuSeconds: Number.NaN,
        maxRssMiB: Number.NaN,
        peakHeapMiB: Number.NaN,
        error: `the process exited (${signal ?? code}): ${last}`,
      });
    });
    child.send(job);
  });
}

async function analyze(job: AnalyzeJob): Promise<AnalyzeMeasure> {
  const [{ S3Client }, { SNSClient }, { SecurityHubClient }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-sns'),
    import('@aws-sdk/client-securityhub'),
  ]);
  const { analyzeAndPublish } = await import('../../functions/analyze-publish/analyze.js');
  const { analyzeShard, joinFacts } = await import('../../functions/analyze-shard/shard.js');
  const { clientFactory } = await import('../../functions/lib/aws.js');
  // The clients analyze-publish's handler builds.
  const factory = clientFactory(job.config, { s3: S3Client, sns: SNSClient, securityhub: SecurityHubClient });
  let peakHeap = 0;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 100);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let result: AnalyzeMeasure['result'];
  let error: string | undefined;
  try {
    result =
      job.step === 'join'
        ? await joinFacts(job.event as JoinEvent, job.config, factory)
        : job.step === 'shard'
          ? await analyzeShard(job.event as ShardEvent, job.config, factory)
          : await analyzeAndPublish(job.event as AnalyzeEvent, job.config, factory);
  } catch (thrown) {
    error = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    finished: result !== undefined,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    peakHeapMiB: Math.max(peakHeap, process.memoryUsage().heapUsed) / 2 ** 20,
    ...(result ? { result } : {}),
    ...(error ? { error } : {}),
  };
}

// Run as the child: the parent sends one job and receives one measure.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once('message', async (job: AnalyzeJob) => {
    const measure = await analyze(job);
    process.send?.({ type: 'measure', measure }, undefined, {}, () => process.exit(0));
  });
}
