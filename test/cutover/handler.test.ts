import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { lambdaContext } from '../functions/support.js';

const WORKLOADS = '222233334444';
const REGION = 'eu-west-1';
const BUCKET = 'eks-identity-audit-demo-111122223333';

type Invoke = (event: unknown, context: Context) => Promise<unknown>;

let sandbox: SandboxHandle;
let handler: Invoke;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  const { credentials } = sandbox;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: sandbox.url,
    AUDIT_BUCKET: BUCKET,
    BASELINE_KEY: 'baseline.yaml',
    MEMBER_ROLE_NAME: 'EksIdentityAuditReadOnly',
    EXTERNAL_ID: 'eks-identity-audit-demo',
    WINDOW_DAYS: '90',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  handler = (await import('../../functions/cutover-check/handler.js')).handler as Invoke;
});

afterAll(async () => {
  await sandbox.close();
  process.env = savedEnv;
});

/** Drops what differs between two runs a moment apart: the capture time. */
function comparable(result: Record<string, unknown>) {
  const { capturedAt: _capturedAt, ...rest } = result;
  return rest;
}

describe('cutover-check Lambda', () => {
  it('returns the same JSON as the cutover command', async () => {
    // Act
    const fromLambda = (await handler(
      { cluster: 'prod', from: 'prod-blue', to: 'prod-green', phase: 'pre' },
      lambdaContext('cutover-check'),
    )) as Record<string, unknown>;
    const stdout: MockInstance = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await main([
        'node',
        'eks-identity-audit',
        'cutover',
        '--cluster',
        'prod',
        '--from',
        'prod-blue',
        '--to',
        'prod-green',
        '--baseline',
        `s3://${BUCKET}/baseline.yaml`,
        '--endpoint-url',
        sandbox.url,
        '--region',
        REGION,
        '--role-name',
        'EksIdentityAuditReadOnly',
        '--external-id',
        'eks-identity-audit-demo',
        '--format',
        'json',
      ]);
    } finally {
      vi.restoreAllMocks();
    }
    const fromCli = JSON.parse(stdout.mock.calls.map((call) => String(call[0])).join(''));
    // Assess
    expect(fromLambda).toMatchObject({ cutoverVersion: 1, cluster: 'prod', accountId: WORKLOADS });
    expect(comparable(fromCli)).toEqual(comparable(fromLambda));
    expect(code).toBe(fromLambda.verdict === 'READY' ? 0 : 2);
  }, 60_000);
});
