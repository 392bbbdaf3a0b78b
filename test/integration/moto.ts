import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/** True when `moto_server` (the Python AWS emulator) is on PATH. */
export const motoInstalled = spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

/** A running moto_server and the URL it serves on. */
export interface Moto {
  process: ChildProcess;
  url: string;
}

/**
 * Starts moto_server on a free 127.0.0.1 port (it picks one with `-p 0` and prints it) with the
 * given extra environment. Kill `process` when done.
 */
export async function startMoto(env: Record<string, string> = {}): Promise<Moto> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const look = (chunk: Buffer) => {
      const match = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString());
      if (match) resolve(match[1]);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => reject(new Error(`moto_server exited with ${code}`)));
  });
  return { process: child, url };
}
