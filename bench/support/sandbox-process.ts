/**
 * The sandbox in a process of its own, so its CPU is not the collector's. Started by
 * {@link startSandboxProcess} with a scenario file; answers on the IPC channel.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SandboxCredentials } from '../../sandbox/types.js';

/** Messages from the parent. */
type Request =
  | { type: 'advance'; ms: number }
  | { type: 'stats' }
  | { type: 'object'; bucket: string; key: string }
  | { type: 'close' };

/** CPU and memory the sandbox process has used so far. */
export interface SandboxProcessStats {
  cpuMs: number;
  maxRssMiB: number;
}

/** A sandbox running in a child process. */
export interface SandboxProcess {
  url: string;
  credentials: SandboxCredentials;
  /** Seconds the sandbox took to build its world from the scenario. */
  buildSeconds: number;
  /** Moves the sandbox's clock forward (a "next night"); history stays as generated. */
  advance(ms: number): Promise<void>;
  stats(): Promise<SandboxProcessStats>;
  /** Bytes of an S3 object's current version (0 when absent). */
  objectSize(bucket: string, key: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the sandbox on a free 127.0.0.1 port in a child Node process, loading a scenario file;
 * `limits: false` serves without the documented service rate limits.
 */
export function startSandboxProcess(
  scenarioFile: string,
  options: { limits?: boolean } = {},
): Promise<SandboxProcess> {
  const child = fork(fileURLToPath(import.meta.url), [scenarioFile, String(options.limits ?? true)], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const ask = <T>(request: Request, reply: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: { type: string } & T) => {
        if (message.type !== reply) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.send(request, (error) => error && reject(error));
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the sandbox process exited (${code}) before it started`)));
    child.once(
      'message',
      (message: { type: string; url: string; credentials: SandboxCredentials; buildSeconds: number }) => {
        child.removeAllListeners('exit');
        resolve({
          url: message.url,
          credentials: message.credentials,
          buildSeconds: message.buildSeconds,
          advance: async (ms) => {
            await ask({ type: 'advance', ms }, 'advanced');
          },
          stats: () => ask<SandboxProcessStats>({ type: 'stats' }, 'stats'),
          objectSize: async (bucket, key) =>
            (await ask<{ bytes: number }>({ type: 'object', bucket, key }, 'object')).bytes,
          close: () => closeChild(child),
        });
      },
    );
  });
}

function closeChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.send({ type: 'close' });
  });
}

async function serve(scenarioFile: string, limits: boolean): Promise<void> {
  const { startSandbox } = await import('../../sandbox/index.js');
  let offsetMs = 0;
  const started = performance.now();
  const sandbox = await startSandbox({
    port: 0,
    scenario: scenarioFile,
    limits,
    now: () => new Date(Date.now() + offsetMs),
  });
  const buildSeconds = (performance.now() - started) / 1000;
  const send = (message: object) => process.send?.(message);
  process.on('message', async (request: Request) => {
    switch (request.type) {
      case 'advance':
        offsetMs += request.ms;
        send({ type: 'advanced' });
        break;
      case 'stats': {
        const usage = process.cpuUsage();
        send({
          type: 'stats',
          cpuMs: (usage.user + usage.system) / 1000,
          maxRssMiB: process.resourceUsage().maxRSS / 1024,
        });
        break;
      }
      case 'object':
        send({ type: 'object', bytes: sandbox.s3Object(request.bucket, request.key)?.length ?? 0 });
        break;
      case 'close':
        await sandbox.close();
        process.disconnect();
        process.exit(0);
    }
  });
  send({ type: 'ready', url: sandbox.url, credentials: sandbox.credentials, buildSeconds });
}

// Run as the child: the parent passes the scenario file and talks over IPC.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  await serve(process.argv[2], process.argv[3] !== 'false');
}
