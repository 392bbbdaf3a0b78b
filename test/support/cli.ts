import { vi } from 'vitest';
import { main } from '../../cli/main.js';

/** What one in-process CLI run returned and wrote. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `eks-identity-audit ...args` in-process and captures what it writes to stdout and stderr
 * (nothing reaches the console); the streams are restored afterwards, also when the run throws.
 *
 * @example const { code, stdout } = await runCli('checks', 'list', '--format', 'json');
 */
export async function runCli(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'eks-identity-audit', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
