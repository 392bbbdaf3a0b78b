import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { AnalyzeResult } from '../../functions/analyze-publish/analyze.js';
import type { PartSummary } from '../../functions/lib/parts.js';
import type { PlannedRun, RejectedRun } from '../../functions/plan-scopes/plan.js';
import type { CallCounts, SandboxHandle } from '../../sandbox/index.js';
import { lambdaContext } from '../functions/support.js';
import { stateMachineDefinition, templates } from '../infra/support.js';
import { type DistributedMapState, runDistributedMap } from '../support/distributed-map.js';

export const AUDIT_ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const BUCKET = `eks-identity-audit-demo-${AUDIT_ACCOUNT}`;
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${AUDIT_ACCOUNT}:eks-identity-audit-findings`;
export const DEMO_EXTERNAL_ID = 'eks-identity-audit-demo';
export const MEMBER_ROLE_NAME = 'EksIdentityAuditReadOnly';

type Invoke = (event: unknown, context: Context) => Promise<unknown>;

/** The environment the CDK app gives every function, pointed at `endpointUrl`. */
export function functionEnvironment(endpointUrl: string): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: endpointUrl,
    AUDIT_BUCKET: BUCKET,
    BASELINE_KEY: 'baseline.yaml',
    TOPIC_ARN,
    MEMBER_ROLE_NAME,
    EXTERNAL_ID: DEMO_EXTERNAL_ID,
    WINDOW_DAYS: '90',
    AUDIT_REGIONS: REGION,
    AUDIT_ACCOUNTS: '',
    SECURITY_HUB_MODE: 'audit-account',
    SUMMARY: 'always',
    ALERT_THRESHOLD: 'HIGH',
    USAGE_SOURCE: 'ledger',
  };
}

/** The deployed handlers, imported after the environment is set (each reads it at cold start). */
export async function importHandlers(): Promise<
  Record<'plan' | 'collect' | 'analyze' | 'importFindings' | 'cutover', Invoke>
> {
  return {
    plan: (await import('../../functions/plan-scopes/handler.js')).handler as Invoke,
    collect: (await import('../../functions/collect-account/handler.js')).handler as Invoke,
    analyze: (await import('../../functions/analyze-publish/handler.js')).handler as Invoke,
    importFindings: (await import('../../functions/import-findings/handler.js')).handler as Invoke,
    cutover: (await import('../../functions/cutover-check/handler.js')).handler as Invoke,
  };
}

/** What each function did during one night, as the sandbox counted its calls. */
export interface NightCalls {
  plan: CallCounts;
  /** plan-scopes again, after an invalid baseline was uploaded: it only reads and rejects it. */
  planRejecting: CallCounts;
  /** analyze-publish on that rejected run, where the state machine routes it: it publishes BASELINE_INVALID. */
  analyzeRejecting: CallCounts;
  collect: CallCounts[];
  analyze: CallCounts;
  /** Each import-findings invocation of the planned run's Security Hub queue. */
  importFindings: CallCounts[];
  cutover: CallCounts;
  result?: AnalyzeResult;
}

/**
 * Runs one night as the state machine does (plan → one collect per account with the synthesized
 * ItemSelector → analyze-publish), then one on-demand cutover check, and returns the sandbox's
 * call counts of each invocation.
 */
export async function runNightAndCutover(
  sandbox: SandboxHandle,
  handlers: Awaited<ReturnType<typeof importHandlers>>,
): Promise<NightCalls> {
  const states = stateMachineDefinition(templates({ regions: [REGION] }).audit).States as Record<
    string,
    Record<string, unknown>
  >;
  const mapState = states.CollectAccounts as unknown as DistributedMapState;
  const callsOf = async (work: () => Promise<unknown>) => {
    sandbox.resetCalls();
    const value = await work();
    return { value, calls: sandbox.calls() };
  };
  const schedulerInput = {
    source: 'eventbridge-scheduler',
    scheduledTime: new Date().toISOString(),
    scheduleExecutionId: 'security-0001',
  };
  const planned = await callsOf(() => handlers.plan(schedulerInput, lambdaContext('plan-scopes')));
  const plan = planned.value as PlannedRun | RejectedRun;
  if (plan.status !== 'planned') throw new Error(`the demo baseline was rejected: ${JSON.stringify(plan)}`);
  const s3 = new S3Client({
    endpoint: sandbox.url,
    region: REGION,
    credentials: sandbox.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const collect: CallCounts[] = [];
  // The synthesized Distributed Map, one child at a time so each invocation's calls are its own.
  const map = await runDistributedMap({
    s3,
    bucket: BUCKET,
    input: plan as unknown as Record<string, unknown>,
    state: mapState,
    concurrency: 1,
    process: async (item) => {
      const collected = await callsOf(() => handlers.collect(item, lambdaContext('collect-account')));
      collect.push(collected.calls);
      return collected.value as PartSummary;
    },
  });
  const analyzed = await callsOf(() =>
    handlers.analyze({ ...plan, collected: map.output }, lambdaContext('analyze-publish')),
  );
  // The state machine's tail: ImportFindings while analyze-publish's queue is not done.
  const result = analyzed.value as AnalyzeResult;
  const importFindings: CallCounts[] = [];
  while (result.securityHub.done === false) {
    const imported = await callsOf(() =>
      handlers.importFindings(result.securityHub, lambdaContext('import-findings')),
    );
    importFindings.push(imported.calls);
    result.securityHub = imported.value as AnalyzeResult['securityHub'];
  }
  const cutover = await callsOf(() =>
    handlers.cutover(
      { cluster: 'prod', from: 'prod-blue', to: 'prod-green', phase: 'pre' },
      lambdaContext('cutover-check'),
    ),
  );
  // The other path: a broken baseline, which plan-scopes rejects and analyze-publish reports as BASELINE_INVALID.
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'baseline.yaml',
      Body: 'version: 1\nclusters: [not, a, map]\n',
    }),
  );
  const rejecting = await callsOf(() =>
    handlers.plan({ ...schedulerInput, scheduleExecutionId: 'security-0002' }, lambdaContext('plan-scopes')),
  );
  if ((rejecting.value as PlannedRun | RejectedRun).status !== 'baseline-invalid') {
    throw new Error(`a broken baseline was not rejected: ${JSON.stringify(rejecting.value)}`);
  }
  const routed = (states['BaselineValid?'].Choices as Array<{ StringEquals: string; Next: string }>).find(
    (choice) => choice.StringEquals === 'baseline-invalid',
  )?.Next;
  if (routed !== 'AnalyzePublish')
    throw new Error(`a rejected run is routed to ${routed}, not AnalyzePublish`);
  const analyzedRejecting = await callsOf(() =>
    handlers.analyze(rejecting.value, lambdaContext('analyze-publish')),
  );
  return {
    plan: planned.calls,
    planRejecting: rejecting.calls,
    analyzeRejecting: analyzedRejecting.calls,
    collect,
    analyze: analyzed.calls,
    importFindings,
    cutover: cutover.calls,
    result,
  };
}

/** The `account → service → operation` part of a call count, without the totals. */
export function operationsByAccount(calls: CallCounts): Map<string, Set<string>> {
  const byAccount = new Map<string, Set<string>>();
  for (const [account, services] of Object.entries(calls)) {
    // Totals and the throttled/injected tallies sit beside the accounts.
    if (!/^\d{12}$/.test(account) || typeof services !== 'object') continue;
    const operations = new Set<string>();
    for (const [service, counts] of Object.entries(services as Record<string, Record<string, number>>)) {
      for (const [operation, count] of Object.entries(counts)) {
        if (count > 0) operations.add(`${service}:${operation}`);
      }
    }
    byAccount.set(account, operations);
  }
  return byAccount;
}

/** A local HTTP relay that records every credential that crosses it, in either direction. */
export interface RecordingRelay {
  url: string;
  /** Access key ids, secret keys, session tokens, signatures and whole Authorization values seen. */
  secrets: Set<string>;
  /** The `X-Amz-Security-Token` values alone. */
  sessionTokens: Set<string>;
  close(): Promise<void>;
}

const CREDENTIAL_ELEMENTS = /<(AccessKeyId|SecretAccessKey|SessionToken)>([^<]+)<\/\1>/g;

/**
 * Starts a relay on 127.0.0.1 (a free port) in front of the sandbox: requests pass through
 * unchanged, and the relay keeps every `Authorization` and `X-Amz-Security-Token` value (with the
 * signature and key id inside) and every credential an STS response hands out.
 */
export async function startRecordingRelay(target: string): Promise<RecordingRelay> {
  const secrets = new Set<string>();
  const sessionTokens = new Set<string>();
  const targetUrl = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    const authorization = incoming.headers.authorization;
    if (authorization) {
      secrets.add(authorization);
      const signature = /Signature=([0-9a-f]+)/.exec(authorization)?.[1];
      const keyId = /Credential=([A-Z0-9]+)\//.exec(authorization)?.[1];
      if (signature) secrets.add(signature);
      if (keyId) secrets.add(keyId);
    }
    const token = incoming.headers['x-amz-security-token'];
    if (typeof token === 'string') {
      secrets.add(token);
      sessionTokens.add(token);
    }
    const forward = request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          for (const match of body.toString('utf8').matchAll(CREDENTIAL_ELEMENTS)) secrets.add(match[2]);
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          outgoing.end(body);
        });
      },
    );
    forward.on('error', (error) => {
      outgoing.writeHead(502);
      outgoing.end(String(error));
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secrets,
    sessionTokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The secrets (or credential headers) that appear in captured output. */
export function leakedSecrets(output: string, secrets: Iterable<string>): string[] {
  const leaks = [...secrets].filter((secret) => secret.length >= 16 && output.includes(secret));
  for (const header of [/authorization["']?\s*[:=]\s*["']?AWS4-HMAC/i, /x-amz-security-token["']?\s*[:=]/i]) {
    const match = header.exec(output);
    if (match) leaks.push(match[0]);
  }
  return leaks;
}
