import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallCounts,
  loadScenarioFile,
  type OperationCounts,
  type SandboxHandle,
  startSandbox,
} from '../../sandbox/index.js';
import type { Finding } from '../../shared/model/finding.js';
import { restingScopesComplete } from '../../shared/publish/diff.js';
import { type Report, ReportSchema } from '../../shared/report/types.js';
import { parseSnapshotText } from '../../shared/snapshot/index.js';
import { type CliRun, runCli } from '../support/cli.js';
import { useSandboxCredentials } from '../support/sandbox.js';

/**
 * Acceptance of the live audit: the CLI collects the demo organization from the sandbox through the
 * real SDK clients, and its findings are judged against the offline audit of a collected snapshot
 * and against runs with AccessDenied, throttling and server errors injected.
 */

const AUDIT_ACCOUNT = '111122223333';
const WORKLOADS = '222233334444';
const DATA = '333344445555';
const REGION = 'eu-west-1';
const BASELINE = 's3://eks-identity-audit-demo-111122223333/baseline.yaml';
const MEMBER_ROLE = 'EksIdentityAuditReadOnly';
const EXTERNAL_ID = 'eks-identity-audit-demo';

/** Checks that claim something is absent or unused: the ones an unread scope could make up. */
const ABSENCE_CHECKS = /_MISSING$|_UNUSED$|^ROLE_NOT_FOUND$/;
/** Checks judged from CloudTrail evidence. */
const USAGE_CHECKS = new Set([
  'ROLE_UNUSED',
  'PI_ASSOCIATION_UNUSED',
  'IRSA_BINDING_UNUSED',
  'PI_ASSUME_DENIED',
  'UNDECLARED_USAGE',
]);

let sandbox: SandboxHandle;
let directory: string;
let runs = 0;
const savedEnv = { ...process.env };

/**
 * Runs the CLI in-process with the starting identity in the standard credential chain, as for an
 * operator; set on every run because reloading a scenario replaces the identity.
 */
async function cli(args: string[]): Promise<CliRun> {
  useSandboxCredentials(sandbox);
  return runCli(...args);
}

/**
 * `audit` collecting live from the sandbox; the scope comes from the baseline. A degraded run is
 * judged with `--allow-incomplete` (without it, an unread account or region exits 1).
 */
async function liveAudit({
  allowIncomplete = false,
  blind = false,
}: {
  allowIncomplete?: boolean;
  /** The run is expected to exit 1 for an account or region it could not read. */
  blind?: boolean;
} = {}): Promise<{ code: number; report: Report; stderr: string }> {
  runs += 1;
  const output = join(directory, `live-${runs}.json`);
  const { code, stderr } = await cli([
    'audit',
    '--baseline',
    BASELINE,
    '--endpoint-url',
    sandbox.url,
    '--role-name',
    MEMBER_ROLE,
    '--external-id',
    EXTERNAL_ID,
    '--format',
    'json',
    '--output',
    output,
    ...(allowIncomplete ? ['--allow-incomplete'] : []),
  ]);
  if (code === 1 && !blind) throw new Error(`the live audit failed:\n${stderr}`);
  return { code, stderr, report: ReportSchema.parse(JSON.parse(await readFile(output, 'utf8'))) };
}

/** What reviewers compare: check, resource and finding id. */
function identities(findings: Finding[]): string[] {
  return findings.map((finding) => `${finding.checkId} ${finding.resource.id} ${finding.id}`).sort();
}

/** A finding without its CloudTrail window, which follows the capture time of each collection. */
function withoutWindow(finding: Finding): Finding {
  const { window: _window, ...evidence } = finding.evidence as Record<string, unknown>;
  return { ...finding, evidence };
}

function incompleteScopes(report: Report) {
  return report.scopes.filter((scope) => scope.status === 'incomplete');
}

/** `GET /_sandbox/calls`: what the sandbox received. */
async function sandboxCalls(): Promise<CallCounts> {
  const response = await fetch(`${sandbox.url}/_sandbox/calls`);
  return (await response.json()) as CallCounts;
}

async function resetCalls(): Promise<void> {
  await fetch(`${sandbox.url}/_sandbox/reset-calls`, { method: 'POST' });
}

/**
 * Attempts the sandbox did not throttle. LookupEvents can meet the sandbox's 2/s limit now and then
 * (requests leave the client a little after their turn), so runs are compared without throttled attempts.
 */
function successfulOrFailedAttempts(counts: CallCounts): number {
  return counts.total - counts.throttled.total;
}

/** Sum of one service's calls across accounts, for one operation or all of them. */
function callsOf(counts: OperationCounts, service: string, operation?: string): number {
  let sum = 0;
  for (const [account, services] of Object.entries(counts)) {
    if (account === 'total' || account === 'throttled') continue;
    for (const [name, count] of Object.entries(services[service] ?? {})) {
      if (operation === undefined || name === operation) sum += count;
    }
  }
  return sum;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo' });
  directory = await mkdtemp(join(tmpdir(), 'live-audit-'));
  delete process.env.AWS_PROFILE;
  // Keep any operator configuration on this machine out of the credential chain.
  process.env.AWS_CONFIG_FILE = join(directory, 'no-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(directory, 'no-credentials');
});

afterAll(async () => {
  process.env = savedEnv;
  await sandbox.close();
  await rm(directory, { recursive: true, force: true });
});

afterEach(() => {
  sandbox.setFaults([]);
});

describe('live audit of the demo organization', () => {
  let clean: Report;
  let cleanCode: number;
  let cleanCalls: CallCounts;

  beforeAll(async () => {
    await resetCalls();
    ({ code: cleanCode, report: clean } = await liveAudit());
    cleanCalls = await sandboxCalls();
  });

  it('reads every scope of the baseline and reports the demo drift', () => {
    expect(cleanCode).toBe(2);
    expect(incompleteScopes(clean)).toEqual([]);
    expect(new Set(clean.scopes.map((scope) => scope.accountId))).toEqual(new Set([WORKLOADS, DATA]));
    const found = identities(clean.findings).join('\n');
    expect(found).toContain(
      `PI_ASSOCIATION_MISSING arn:aws:eks:${REGION}:${WORKLOADS}:cluster/prod-green/serviceaccount/orders/orders-worker`,
    );
    expect(found).toContain(
      `IRSA_BINDING_MISSING arn:aws:eks:${REGION}:${WORKLOADS}:cluster/prod-green/serviceaccount/kube-system/ebs-csi-controller-sa`,
    );
    expect(found).toContain(`PI_AGENT_MISSING arn:aws:eks:${REGION}:${WORKLOADS}:cluster/prod-green`);
    expect(clean.findings.some((finding) => finding.checkId === 'COLLECTION_INCOMPLETE')).toBe(false);
  });

  it('counts its calls in /_sandbox/calls: one AssumeRole per member account, nothing throttled but LookupEvents', () => {
    expect(cleanCalls[AUDIT_ACCOUNT]?.sts?.AssumeRole).toBe(2);
    for (const account of [WORKLOADS, DATA]) {
      expect(cleanCalls[account]?.iam?.GetAccountAuthorizationDetails, account).toBeGreaterThanOrEqual(1);
      expect(cleanCalls[account]?.eks?.ListClusters, account).toBe(1);
      // One lookup per evidence attribute at least: web identity, eks-auth, Pod Identity AssumeRole.
      expect(cleanCalls[account]?.cloudtrail?.LookupEvents, account).toBeGreaterThanOrEqual(3);
    }
    expect(cleanCalls[WORKLOADS]?.eks?.DescribePodIdentityAssociation).toBeGreaterThan(0);
    const throttledServices = Object.entries(cleanCalls.throttled)
      .filter(([key]) => key !== 'total')
      .flatMap(([, services]) => Object.keys(services as CallCounts[string]));
    expect(throttledServices.every((service) => service === 'cloudtrail')).toBe(true);
  });

  it('finds exactly what the offline audit of the snapshot it collected finds', async () => {
    const snapshotFile = join(directory, 'snapshot.json');
    const offlineFile = join(directory, 'offline.json');

    const collected = await cli([
      'collect',
      '--endpoint-url',
      sandbox.url,
      '--regions',
      REGION,
      '--accounts',
      `${WORKLOADS},${DATA}`,
      '--role-name',
      MEMBER_ROLE,
      '--external-id',
      EXTERNAL_ID,
      '--output',
      snapshotFile,
    ]);
    // Offline: no live flags; only the baseline is read from the sandbox's S3, as in the live run.
    const audited = await cli([
      'audit',
      '--snapshot',
      snapshotFile,
      '--baseline',
      BASELINE,
      '--endpoint-url',
      sandbox.url,
      '--region',
      REGION,
      '--format',
      'json',
      '--output',
      offlineFile,
    ]);

    expect(collected.code).toBe(0);
    expect(audited.code).toBe(cleanCode);
    const snapshot = parseSnapshotText(await readFile(snapshotFile, 'utf8'), snapshotFile);
    expect(snapshot.accounts.map((account) => account.accountId)).toEqual([WORKLOADS, DATA]);
    const offline = ReportSchema.parse(JSON.parse(await readFile(offlineFile, 'utf8')));
    expect(identities(offline.findings)).toEqual(identities(clean.findings));
    expect(offline.findings.map(withoutWindow)).toEqual(clean.findings.map(withoutWindow));
    expect(offline.scopes).toEqual(clean.scopes);
    expect(offline.summary).toEqual(clean.summary);
    expect(offline.baseline.sha256).toBe(clean.baseline.sha256);
  });

  it('with EKS denied in one account, marks that region incomplete and claims nothing missing or unused in it', async () => {
    sandbox.setFaults([{ account: WORKLOADS, service: 'eks', accessDenied: true }]);

    const blind = await liveAudit({ blind: true });
    const { report } = await liveAudit({ allowIncomplete: true });

    // The region could not be read at all: exit 1 naming it, unless the operator accepts that.
    expect(blind.code).toBe(1);
    expect(blind.stderr).toContain(
      `${WORKLOADS} ${REGION}: AccessDeniedException on eks:ListClusters — the audit role is not allowed this call`,
    );
    expect(incompleteScopes(report)).toEqual([
      expect.objectContaining({
        accountId: WORKLOADS,
        region: REGION,
        level: 'region',
        errors: [expect.objectContaining({ service: 'eks', code: 'AccessDeniedException' })],
      }),
      // CloudTrail evidence cannot be tied to clusters that could not be read.
      expect.objectContaining({ accountId: WORKLOADS, region: REGION, level: 'cloudtrail' }),
    ]);
    expectNoFalseDrift(report, clean);
    const incomplete = report.findings.filter((finding) => finding.checkId === 'COLLECTION_INCOMPLETE');
    expect(incomplete.map((finding) => [finding.accountId, finding.region])).toEqual([[WORKLOADS, REGION]]);
    const inScope = report.findings.filter(
      (finding) => finding.accountId === WORKLOADS && finding.checkId !== 'COLLECTION_INCOMPLETE',
    );
    expect(inScope.filter((finding) => ABSENCE_CHECKS.test(finding.checkId))).toEqual([]);
    expect(inScope.filter((finding) => /UNDECLARED$/.test(finding.checkId))).toEqual([]);
    // The clean run does report drift there: the fault is what hides it.
    expect(clean.findings.filter((finding) => ABSENCE_CHECKS.test(finding.checkId)).length).toBeGreaterThan(
      5,
    );
    expectOthersUnchanged(report, clean, WORKLOADS);
  });

  it('with CloudTrail denied in one region, keeps every configuration finding and claims no usage', async () => {
    sandbox.setFaults([{ account: WORKLOADS, service: 'cloudtrail', region: REGION, accessDenied: true }]);

    const { report } = await liveAudit();

    expect(incompleteScopes(report)).toEqual([
      expect.objectContaining({
        accountId: WORKLOADS,
        region: REGION,
        level: 'cloudtrail',
        errors: expect.arrayContaining([
          expect.objectContaining({ operation: 'LookupEvents', code: 'AccessDeniedException' }),
        ]),
      }),
    ]);
    expectNoFalseDrift(report, clean);
    const usage = report.findings.filter(
      (finding) => finding.accountId === WORKLOADS && USAGE_CHECKS.has(finding.checkId),
    );
    expect(usage).toEqual([]);
    const configuration = (findings: Finding[]) =>
      identities(
        findings.filter(
          (finding) => !USAGE_CHECKS.has(finding.checkId) && finding.checkId !== 'COLLECTION_INCOMPLETE',
        ),
      );
    expect(configuration(report.findings)).toEqual(configuration(clean.findings));
    expect(clean.findings.some((finding) => finding.checkId === 'ROLE_UNUSED')).toBe(true);
  });

  it('completes under throttling bursts on EKS, IAM and CloudTrail by retrying each throttled call', {
    timeout: 90_000,
  }, async () => {
    sandbox.setFaults([
      { service: 'eks', throttle: { firstCalls: 4 } },
      { service: 'iam', throttle: { firstCalls: 3 } },
      { service: 'cloudtrail', throttle: { firstCalls: 4 } },
    ]);
    await resetCalls();

    const { report } = await liveAudit();
    const calls = await sandboxCalls();

    expect(incompleteScopes(report)).toEqual([]);
    expect(identities(report.findings)).toEqual(identities(clean.findings));
    expect([callsOf(calls.throttled, 'eks'), callsOf(calls.throttled, 'iam')]).toEqual([4, 3]);
    // At least the injected burst: LookupEvents also meets the sandbox's documented 2/s limit.
    expect(callsOf(calls.throttled, 'cloudtrail')).toBeGreaterThanOrEqual(4);
    // Each call still succeeded exactly once: only throttled attempts were added.
    expect(successfulOrFailedAttempts(calls)).toBe(successfulOrFailedAttempts(cleanCalls));
  });

  it('retries server errors and finds the same', async () => {
    sandbox.setFaults([
      {
        service: 'eks',
        operation: 'DescribePodIdentityAssociation',
        error: { status: 503, code: 'ServiceUnavailableException', firstCalls: 3 },
      },
      { service: 'iam', operation: 'GetAccountAuthorizationDetails', error: { status: 500, firstCalls: 1 } },
    ]);
    await resetCalls();

    const { report } = await liveAudit();
    const calls = await sandboxCalls();

    expect(incompleteScopes(report)).toEqual([]);
    expect(identities(report.findings)).toEqual(identities(clean.findings));
    expect(callsOf(calls, 'eks', 'DescribePodIdentityAssociation')).toBe(
      callsOf(cleanCalls, 'eks', 'DescribePodIdentityAssociation') + 3,
    );
    expect(callsOf(calls, 'iam', 'GetAccountAuthorizationDetails')).toBe(
      callsOf(cleanCalls, 'iam', 'GetAccountAuthorizationDetails') + 1,
    );
    // The four failed attempts are the only extra calls.
    expect(successfulOrFailedAttempts(calls)).toBe(successfulOrFailedAttempts(cleanCalls) + 4);
  });

  // Last: these reload the organization with one member role misconfigured.
  describe.each([
    { account: DATA, name: 'the data account (holds a cross-account target role)' },
    { account: WORKLOADS, name: 'the workload account (holds every declared binding)' },
  ])('when the member role of $name cannot be assumed', ({ account }) => {
    afterAll(() => {
      sandbox.loadScenario('demo');
    });

    it('marks that account incomplete, reports nothing else in it, and leaves the other account unchanged', async () => {
      // AWS decides AssumeRole on the target role's trust: a member stack deployed with another
      // external id is the realistic way one account refuses the auditor.
      const scenario = loadScenarioFile('demo');
      const member = scenario.accounts.find((entry) => entry.id === account);
      const role = member?.roles.find((entry) => entry.name === MEMBER_ROLE);
      if (!role) throw new Error(`the demo has no ${MEMBER_ROLE} in ${account}`);
      role.trust = {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${AUDIT_ACCOUNT}:role/EksIdentityAuditor` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'another-organization-id' } },
          },
        ],
      };
      sandbox.loadScenario(scenario);

      const blind = await liveAudit({ blind: true });
      const { report } = await liveAudit({ allowIncomplete: true });

      // A wrong external id never passes for a clean run: exit 1, the account and the cause on one line.
      expect(blind.code).toBe(1);
      expect(blind.stderr).toContain(
        `${account}: AccessDenied on sts:AssumeRole — check --external-id and the member role's trust`,
      );
      expect(blind.report.collection).toMatchObject({
        status: 'incomplete',
        unread: [{ accountId: account }],
      });
      const incomplete = incompleteScopes(report);
      expect(incomplete.find((scope) => scope.level === 'account')).toMatchObject({
        accountId: account,
        errors: [
          {
            service: 'sts',
            operation: 'AssumeRole',
            code: 'AccessDenied',
            resource: `arn:aws:iam::${account}:role/${MEMBER_ROLE}`,
          },
        ],
      });
      expect(incomplete.every((scope) => scope.accountId === account)).toBe(true);
      expect(report.findings.filter((finding) => finding.accountId === account)).toEqual([
        expect.objectContaining({ checkId: 'COLLECTION_INCOMPLETE', accountId: account }),
      ]);
      // Nothing anywhere names a resource of the unread account (e.g. a target role "not found").
      const named = report.findings.filter(
        (finding) =>
          finding.checkId !== 'COLLECTION_INCOMPLETE' && finding.resource.id.includes(`::${account}:`),
      );
      expect(named).toEqual([]);
      expectOthersUnchanged(report, clean, account);
      const calls = await sandboxCalls();
      expect(calls[account]).toBeUndefined();
      expect(calls[AUDIT_ACCOUNT]?.sts?.AssumeRole).toBeGreaterThanOrEqual(4);
    });
  });
});

/** Every finding of a degraded run is either the incompleteness report or one the clean run also has. */
function expectNoFalseDrift(report: Report, clean: Report): void {
  const cleanIds = new Set(clean.findings.map((finding) => finding.id));
  const invented = report.findings.filter(
    (finding) => finding.checkId !== 'COLLECTION_INCOMPLETE' && !cleanIds.has(finding.id),
  );
  expect(invented).toEqual([]);
}

/**
 * The accounts other than the broken one get the clean run's findings, one for one, except the
 * claims of absence that rest on a scope this run could not collect (a stale or dangling issuer
 * whose cluster could run in the broken account): those are withheld, never made from what could
 * not be read.
 */
function expectOthersUnchanged(report: Report, clean: Report, broken: string): void {
  const restsOnBroken = (finding: Finding) =>
    finding.restsOn !== undefined && !restingScopesComplete(finding.restsOn, report.scopes);
  const others = (findings: Finding[]) =>
    identities(findings.filter((finding) => finding.accountId !== broken && !restsOnBroken(finding)));
  expect(others(report.findings)).toEqual(others(clean.findings));
  expect(report.findings.filter(restsOnBroken)).toEqual([]);
  expect(report.scopes.filter((scope) => scope.accountId !== broken)).toEqual(
    clean.scopes.filter((scope) => scope.accountId !== broken),
  );
}
