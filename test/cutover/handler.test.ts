import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { lambdaContext } from '../functions/support.js';
import { runCli } from '../support/cli.js';
import { useSandboxCredentials } from '../support/sandbox.js';

const WORKLOADS = '222233334444';
const REGION = 'eu-west-1';
const BUCKET = 'eks-identity-audit-demo-111122223333';

type Invoke = (event: unknown, context: Context) => Promise<unknown>;

let sandbox: SandboxHandle;
let handler: Invoke;
let restoreEnv: () => void;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  restoreEnv = useSandboxCredentials(sandbox, {
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
  restoreEnv();
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
    const { code, stdout } = await runCli(
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
    );
    const fromCli = JSON.parse(stdout);
    // Assess
    expect(fromLambda).toMatchObject({ cutoverVersion: 1, cluster: 'prod', accountId: WORKLOADS });
    expect(comparable(fromCli)).toEqual(comparable(fromLambda));
    expect(code).toBe(fromLambda.verdict === 'READY' ? 0 : 2);
  }, 60_000);
});
