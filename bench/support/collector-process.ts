/**
 * One collection in a fresh Node process, so its wall time, CPU and peak RSS are its own: the
 * benchmark forks it with a job and receives the measurements over IPC.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SandboxCredentials } from '../../sandbox/types.js';
import type { PacingOptions } from '../../shared/collect/pacing.js';

/** What to collect, and how. */
export interface CollectorJob {
  mode: 'paced' | 'naive';
  url: string;
  credentials: SandboxCredentials;
  roleName: string;
  externalId: string;
  accounts: string[];
  regions: string[];
  pacing?: PacingOptions;
  /** Write a V8 CPU profile of the collection into this directory. */
  cpuProfileDir?: string;
}

/** What one collection measured. */
export interface CollectorMeasure {
  seconds: number;
  cpuMs: number;
  maxRssMiB: number;
  /** HTTP attempts the collector's clients made (retries included). */
  apiCalls: number;
  associations: number;
  events: number;
  /** Errors recorded in the snapshot (paced) or calls failed after retries (naive). */
  errors: number;
}

/** Runs a job in a child process and resolves with its measurements. */
export function runCollector(job: CollectorJob): Promise<CollectorMeasure> {
  const execArgv = ['--import', 'tsx', '--max-old-space-size=8192'];
  if (job.cpuProfileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${job.cpuProfileDir}`);
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return new Promise((resolve, reject) => {
    let measure: CollectorMeasure | undefined;
    child.on('message', (message: { type: string; measure?: CollectorMeasure; error?: string }) => {
      if (message.type === 'measure') measure = message.measure;
      else if (message.type === 'failed') reject(new Error(message.error));
    });
    child.once('error', reject);
    // Resolve on exit so a CPU profile has been written by then.
    child.once('exit', (code) =>
      measure
        ? resolve(measure)
        : reject(new Error(`the collector process exited (${code}) without a result`)),
    );
    child.send(job);
  });
}

async function collect(job: CollectorJob): Promise<CollectorMeasure> {
  const { createClientFactory } = await import('../../shared/aws/clients.js');
  const { accountErrors, collectSnapshot } = await import('../../shared/collect/index.js');
  const { naiveCollect } = await import('./naive.js');
  const factory = createClientFactory({
    region: job.regions[0],
    endpointUrl: job.url,
    credentials: job.credentials,
    roleName: job.roleName,
    externalId: job.externalId,
    ...(job.mode === 'naive' ? { retryMode: 'standard' as const } : {}),
  });
  const now = new Date();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let associations = 0;
  let events = 0;
  let errors = 0;
  if (job.mode === 'paced') {
    const snapshot = await collectSnapshot({
      factory,
      accounts: job.accounts,
      regions: job.regions,
      now,
      ...(job.pacing ? { pacing: job.pacing } : {}),
    });
    for (const account of snapshot.accounts) {
      errors += accountErrors(account).length;
      for (const region of account.regions ?? []) {
        events += region.cloudTrail?.events.length ?? 0;
        for (const cluster of region.clusters ?? [])
          associations += cluster.podIdentityAssociations?.length ?? 0;
      }
    }
  } else {
    const counts = await naiveCollect(factory, job.accounts, job.regions, {
      from: new Date(now.getTime() - 90 * 86_400_000),
      to: now,
    });
    associations = counts.associations;
    events = counts.events;
    errors = counts.failures;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    seconds,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    apiCalls: factory.apiCallCount(),
    associations,
    events,
    errors,
  };
}

// Run as the child: one job, one answer, then exit (which writes the CPU profile).
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once('message', async (job: CollectorJob) => {
    try {
      process.send?.({ type: 'measure', measure: await collect(job) });
    } catch (error) {
      process.send?.({ type: 'failed', error: error instanceof Error ? error.stack : String(error) });
    }
    process.disconnect();
    // Idle keep-alive sockets would hold the process open; exiting writes the CPU profile.
    setImmediate(() => process.exit(0));
  });
}
