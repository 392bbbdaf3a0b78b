import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { lambdaContext } from '../functions/support.js';
import { runCli } from '../support/cli.js';
import { useSandboxCredentials } from '../support/sandbox.js';
import {
  BUCKET,
  DEMO_EXTERNAL_ID,
  functionEnvironment,
  importHandlers,
  leakedSecrets,
  MEMBER_ROLE_NAME,
  REGION,
  type RecordingRelay,
  runNightAndCutover,
  startRecordingRelay,
} from './security-run.js';

const DATA = '333344445555';

let sandbox: SandboxHandle;
let relay: RecordingRelay;
let restoreEnv: () => void;
let workDir: string;
/** Everything written to stdout, stderr and the console during the runs. */
let captured = '';

/**
 * Runs `work` while every console call, and with `streams` every stdout/stderr write, is appended
 * to `captured`. The CLI runs without `streams`: runCli captures (and then restores) those itself.
 */
async function capturing<T>(work: () => Promise<T>, streams = true): Promise<T> {
  const keep = (chunk: unknown) => {
    captured += `${String(chunk)}\n`;
    return true;
  };
  const spies = [
    ...(streams
      ? [
          vi.spyOn(process.stdout, 'write').mockImplementation(keep),
          vi.spyOn(process.stderr, 'write').mockImplementation(keep),
        ]
      : []),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        keep(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      }),
    ),
  ];
  try {
    return await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

const liveFlags = () => [
  '--endpoint-url',
  relay.url,
  '--region',
  REGION,
  '--role-name',
  MEMBER_ROLE_NAME,
  '--external-id',
  DEMO_EXTERNAL_ID,
];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  relay = await startRecordingRelay(sandbox.url);
  workDir = mkdtempSync(join(tmpdir(), 'eks-identity-audit-logs-'));
  restoreEnv = useSandboxCredentials(sandbox, {
    ...functionEnvironment(relay.url),
    // The most talkative settings: every log level, the invocation events, and every metric.
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_LOGGER_LOG_EVENT: 'true',
  });
  // The CLI first: the night below leaves an invalid baseline behind.
  await capturing(async () => {
    for (const run of [
      await runCli('audit', '--baseline', `s3://${BUCKET}/baseline.yaml`, ...liveFlags(), '--format', 'json'),
      await runCli('collect', '--output', join(workDir, 'snapshot.json'), ...liveFlags()),
    ]) {
      captured += `${run.stdout}\n${run.stderr}\n`;
    }
  }, false);
  await capturing(async () => {
    const handlers = await importHandlers();
    await runNightAndCutover(sandbox, handlers);
    // Failure paths log error objects: a member account that refuses the audit, and a bad payload.
    sandbox.setFaults([{ targetAccount: DATA, service: 'sts', operation: 'AssumeRole', accessDenied: true }]);
    await handlers.collect(
      { runId: 'run-denied', startedAt: new Date().toISOString(), accountId: DATA, regions: [REGION] },
      lambdaContext('collect-account'),
    );
    await handlers
      .cutover({ cluster: 'prod', from: 'not a cluster' }, lambdaContext('cutover-check'))
      .catch((error: Error) => {
        // What Lambda hands the caller of a failed invocation.
        captured += `${JSON.stringify({ errorType: error.name, errorMessage: error.message })}\n`;
      });
  });
}, 240_000);

afterAll(async () => {
  await relay?.close();
  await sandbox?.close();
  restoreEnv?.();
  rmSync(workDir, { recursive: true, force: true });
});

describe('credentials in logs', () => {
  it('saw the credentials and signed headers of the run, and captured its logs', () => {
    const { accessKeyId, secretAccessKey, sessionToken } = sandbox.credentials;
    for (const secret of [accessKeyId, secretAccessKey, sessionToken]) if (secret) relay.secrets.add(secret);
    // Member-role sessions from AssumeRole, signatures and Authorization values, not only the starting keys.
    expect(relay.secrets.size).toBeGreaterThan(20);
    expect(captured).toContain('Lambda invocation event');
    require('node:fs').writeFileSync('/tmp/captured.txt', captured);
    expect(captured).toContain('"errorType":"EventValidationError"');
    expect(captured).toContain('account collected');
    expect(captured).toContain('"_aws"');
  });

  it('writes no access key id, secret key, session token, signature or Authorization value', () => {
    expect(leakedSecrets(captured, relay.secrets)).toEqual([]);
  });

  it('would catch a logged session token or Authorization header (near miss)', () => {
    const [token] = relay.sessionTokens;
    expect(leakedSecrets(JSON.stringify({ level: 'DEBUG', token }), relay.secrets)).toEqual([token]);
    expect(leakedSecrets('{"headers":{"authorization":"AWS4-HMAC-SHA256 Credential=X"}}', [])).toHaveLength(
      1,
    );
  });
});
