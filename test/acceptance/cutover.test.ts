import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePolicyDocument } from '../../shared/model/policy-document.js';
import { runCli } from '../support/cli.js';

/**
 * Acceptance scenarios of the blue/green cutover: each folder under
 * test/fixtures/acceptance-cutover holds a hand-written snapshot (contract format v1), a baseline
 * and what the `cutover` command must answer: verdict, exit code, the exact `CUTOVER_` check ids per
 * resource, each workload's status and blockers, and the remediation plan. Every generated trust
 * policy is evaluated again through `trust can-assume`, as an operator would before applying it.
 */
const scenariosDir = join(import.meta.dirname, '..', 'fixtures', 'acceptance-cutover');
const scenarios = readdirSync(scenariosDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

interface ExpectedFinding {
  checkId: string;
  resource: string;
  blocking?: boolean;
  severity?: string;
  /** Text every finding with this check id and resource must contain (it says why). */
  messageIncludes?: string[];
}

/** A post-phase deletion the plan must leave out, and why. */
interface ExpectedWithheld {
  checkId: string;
  resource: string;
  status: 'not-ready' | 'not-served' | 'still-needed' | 'unknown';
}

/** A grant the pre-phase plan copies or reuses although a trust check of the audit flags it. */
interface ExpectedFlaggedGrant {
  roleArn: string;
  mechanism: 'irsa' | 'pod-identity';
  checkIds: string[];
  severity?: string;
  /** Service accounts the narrower statement admits on NEW (and that `trust can-assume` confirms). */
  subjects: string[];
  placeholders?: boolean;
  verified?: boolean;
  /** Service accounts the narrower statement must refuse on NEW. */
  rejects?: string[];
}

interface ExpectedWorkload {
  status: 'ready' | 'blocked' | 'unknown';
  checkIds: string[];
  sources?: string[];
  declared?: boolean;
  addonName?: string;
}

interface ExpectedTrustPolicy {
  roleArn: string;
  fits?: boolean;
  /** Post: every statement served the old cluster, so no policy remains. */
  removed?: boolean;
  /** Subjects the updated policy must admit from NEW's issuer. */
  admitsNew?: string[];
  /** Subjects it must not admit from NEW's issuer (the copy must not widen the grant). */
  rejectsNew?: string[];
  /** Requests the old policy admitted that the updated one must still admit (pre). */
  keepsOld?: Array<{ provider: string; subject: string }>;
  /** Subjects it must no longer admit from OLD's issuer (post). */
  dropsOld?: string[];
  /** IAM principals of unrelated statements that must keep their access. */
  keepsPrincipals?: string[];
}

interface Expected {
  cluster: string;
  from: string;
  to: string;
  phase: 'pre' | 'post';
  since?: string;
  /** The snapshot holds an account that could not be read: the run exits 1 unless `--allow-incomplete`. */
  allowIncomplete?: boolean;
  verdict: 'READY' | 'NOT_READY';
  exitCode: number;
  findings: ExpectedFinding[];
  workloads: Record<string, ExpectedWorkload>;
  plan: {
    trustPolicies: ExpectedTrustPolicy[];
    members?: string[];
    commandsInclude?: string[];
    commandsExclude?: string[];
    /** Post: exactly the deletions left out of the plan. */
    withheld?: ExpectedWithheld[];
    /** Pre: exactly the flagged grants the plan marks. */
    flaggedGrants?: ExpectedFlaggedGrant[];
  };
  /** Text from AWS that must never reach rendered Markdown unescaped. */
  hostileMarkdown?: string[];
}

interface CutoverJson {
  verdict: string;
  phase: string;
  cluster: string;
  from: string;
  to: string;
  old: { issuerHostPath?: string };
  accountId: string;
  new: { issuerHostPath?: string; oidcProviderArn?: string; arn?: string; name: string };
  workloads: Array<{
    key: string;
    status: string;
    sources: string[];
    declared: boolean;
    addonName?: string;
    blockers: Array<{ checkId: string; blocking: boolean }>;
  }>;
  findings: Array<{
    checkId: string;
    severity: string;
    message: string;
    blocking: boolean;
    resource: { id: string };
  }>;
  plan: {
    commands: Array<{ command: string; description: string }>;
    withheld: Array<{
      checkId: string;
      resource: { type: string; id: string };
      status: string;
      reason: string;
    }>;
    flaggedGrants: Array<{
      roleArn: string;
      mechanism: string;
      flags: Array<{ checkId: string }>;
      severity: string;
      narrower: Array<Record<string, unknown>>;
      subjects: string[];
      placeholders: boolean;
      verified: boolean;
      commands: string[];
      message: string;
    }>;
    trustPolicies: Array<{
      roleArn: string;
      policy: Record<string, unknown> | null;
      size: number;
      limit: number;
      fits: boolean;
      message?: string;
    }>;
    baseline: { members: string[] };
  };
}

interface Decision {
  allowed: boolean | 'unknown';
  reason: string;
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
const workDir = mkdtempSync(join(tmpdir(), 'cutover-acceptance-'));
let fileCounter = 0;

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function expectedOf(name: string): Expected {
  return JSON.parse(readFileSync(join(scenariosDir, name, 'expected.json'), 'utf8')) as Expected;
}

function cutoverArgs(name: string, expected: Expected, format: string): string[] {
  const dir = join(scenariosDir, name);
  return [
    'cutover',
    '--cluster',
    expected.cluster,
    '--from',
    expected.from,
    '--to',
    expected.to,
    '--phase',
    expected.phase,
    '--snapshot',
    join(dir, 'snapshot.json'),
    '--baseline',
    join(dir, 'baseline.yaml'),
    '--format',
    format,
    ...(expected.since ? ['--since', expected.since] : []),
    ...(expected.allowIncomplete ? ['--allow-incomplete'] : []),
  ];
}

const cache = new Map<string, { code: number; result: CutoverJson }>();

async function cutover(name: string): Promise<{ code: number; result: CutoverJson; expected: Expected }> {
  const expected = expectedOf(name);
  let run = cache.get(name);
  if (!run) {
    const { code, stdout: out } = await runCli(...cutoverArgs(name, expected, 'json'));
    run = { code, result: JSON.parse(out) as CutoverJson };
    cache.set(name, run);
  }
  return { ...run, expected };
}

/** `resource → sorted distinct check ids`: the comparison the acceptance criteria ask for. */
function checkIdsByResource(
  findings: Array<{ checkId: string; resource: string }>,
): Record<string, string[]> {
  const map: Record<string, Set<string>> = {};
  for (const finding of findings) {
    map[finding.resource] ??= new Set();
    map[finding.resource].add(finding.checkId);
  }
  return Object.fromEntries(
    Object.entries(map)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([resource, ids]) => [resource, [...ids].sort()]),
  );
}

function writeTemp(content: unknown): string {
  const file = join(workDir, `policy-${++fileCounter}.json`);
  writeFileSync(file, JSON.stringify(content, null, 2));
  return file;
}

async function canAssume(file: string, ...request: string[]): Promise<Decision> {
  const { code, stdout: out } = await runCli('trust', 'can-assume', '--file', file, ...request);
  expect(code).toBe(0);
  return JSON.parse(out) as Decision;
}

const irsaRequest = (provider: string, subject: string) => [
  '--irsa',
  '--provider',
  provider,
  '--subject',
  subject,
];

/** The Pod Identity request EKS makes for a service account's association on NEW. */
function podIdentityRequest(result: CutoverJson, subject: string): string[] {
  const [, , namespace, serviceAccount] = subject.split(':');
  const clusterArn = result.new.arn as string;
  return [
    '--pod-identity',
    '--tag',
    `eks-cluster-arn=${clusterArn}`,
    '--tag',
    `eks-cluster-name=${result.new.name}`,
    '--tag',
    `kubernetes-namespace=${namespace}`,
    '--tag',
    `kubernetes-service-account=${serviceAccount}`,
    '--tag',
    'kubernetes-pod-name=pod-1',
    '--tag',
    'kubernetes-pod-uid=00000000-0000-0000-0000-000000000001',
    '--source-account',
    result.accountId,
    '--source-arn',
    clusterArn,
  ];
}

/** The trust policy of a role as the scenario's snapshot holds it, decoded. */
function oldTrustPolicy(name: string, roleArn: string): unknown {
  const snapshot = JSON.parse(readFileSync(join(scenariosDir, name, 'snapshot.json'), 'utf8')) as {
    accounts: Array<{ iam?: { roles: Array<{ Arn: string; AssumeRolePolicyDocument: unknown }> } }>;
  };
  const role = snapshot.accounts
    .flatMap((account) => account.iam?.roles ?? [])
    .find((candidate) => candidate.Arn === roleArn);
  if (!role) throw new Error(`${name}: no role ${roleArn} in the snapshot`);
  return decodePolicyDocument(role.AssumeRolePolicyDocument);
}

/** Every (provider, sample subject) the `trust explain` output of a policy grants for an issuer. */
async function grantedRequests(file: string, issuerHostPath: string): Promise<Array<[string, string]>> {
  const { code, stdout: out } = await runCli('trust', 'explain', '--file', file, '--format', 'json');
  expect(code).toBe(0);
  const analysis = JSON.parse(out) as {
    grants: Array<{
      kind: string;
      providerArn?: string;
      issuerHostPath?: string;
      subjects?: string[] | null;
      unsatisfiable?: boolean;
    }>;
  };
  return analysis.grants
    .filter(
      (grant) => grant.kind === 'irsa' && grant.issuerHostPath === issuerHostPath && !grant.unsatisfiable,
    )
    .flatMap((grant) =>
      (grant.subjects ?? ['system:serviceaccount:default:default']).map(
        (subject) => [grant.providerArn as string, subject.replace(/[*?]/g, 'x')] as [string, string],
      ),
    );
}

/** Markdown with its fenced code blocks removed: what a renderer turns into formatted text. */
function outsideCodeFences(markdown: string): string {
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const opener = /^(`{3,})/.exec(line)?.[1];
    if (fence === undefined && opener) fence = opener;
    else if (fence !== undefined && line.trim() === fence) fence = undefined;
    else if (fence === undefined) kept.push(line);
  }
  return kept.join('\n');
}

describe('cutover acceptance scenarios', () => {
  it('has at least eight scenarios covering both phases', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(8);
    const phases = new Set(scenarios.map((name) => expectedOf(name).phase));
    expect([...phases].sort()).toEqual(['post', 'pre']);
  });

  it.each(scenarios)('%s gives the expected verdict, exit code and JSON contract', async (name) => {
    const { code, result, expected } = await cutover(name);
    expect({ verdict: result.verdict, code }).toEqual({ verdict: expected.verdict, code: expected.exitCode });
    expect(result).toMatchObject({
      phase: expected.phase,
      cluster: expected.cluster,
      from: expected.from,
      to: expected.to,
    });
    for (const key of ['verdict', 'phase', 'cluster', 'from', 'to', 'workloads', 'findings', 'plan'])
      expect(result).toHaveProperty(key);
    expect(Array.isArray(result.workloads)).toBe(true);
    for (const finding of result.findings) {
      expect(finding.checkId).toMatch(/^CUTOVER_[A-Z_]+$/);
      expect(SEVERITIES).toContain(finding.severity);
      expect(typeof finding.message).toBe('string');
      expect(finding.message.length).toBeGreaterThan(0);
    }
    expect(result.plan).toMatchObject({
      commands: expect.any(Array),
      trustPolicies: expect.any(Array),
      baseline: expect.any(Object),
    });
  });

  it.each(scenarios)('%s reports exactly the expected CUTOVER_ check ids per resource', async (name) => {
    const { result, expected } = await cutover(name);
    const actual = result.findings.map((finding) => ({
      checkId: finding.checkId,
      resource: finding.resource.id,
    }));
    expect(checkIdsByResource(actual)).toEqual(checkIdsByResource(expected.findings));
    for (const want of expected.findings) {
      const matching = result.findings.filter(
        (finding) => finding.checkId === want.checkId && finding.resource.id === want.resource,
      );
      for (const finding of matching) {
        if (want.blocking !== undefined)
          expect(finding.blocking, `${want.checkId} ${want.resource}`).toBe(want.blocking);
        if (want.severity !== undefined)
          expect(finding.severity, `${want.checkId} ${want.resource}`).toBe(want.severity);
        for (const text of want.messageIncludes ?? [])
          expect(finding.message, `${want.checkId} ${want.resource}`).toContain(text);
      }
    }
  });

  it.each(scenarios)('%s lists every workload with its status and blockers', async (name) => {
    const { result, expected } = await cutover(name);
    expect(result.workloads.map((workload) => workload.key).sort()).toEqual(
      Object.keys(expected.workloads).sort(),
    );
    for (const workload of result.workloads) {
      const want = expected.workloads[workload.key];
      expect({ key: workload.key, status: workload.status }).toEqual({
        key: workload.key,
        status: want.status,
      });
      expect([...new Set(workload.blockers.map((blocker) => blocker.checkId))].sort()).toEqual(
        [...want.checkIds].sort(),
      );
      if (want.sources) expect(workload.sources).toEqual(want.sources);
      if (want.declared !== undefined) expect(workload.declared).toBe(want.declared);
      if (want.addonName) expect(workload.addonName).toBe(want.addonName);
    }
  });

  it.each(scenarios)('%s plans the expected commands and baseline members', async (name) => {
    const { result, expected } = await cutover(name);
    const commands = result.plan.commands.map((entry) => entry.command);
    for (const wanted of expected.plan.commandsInclude ?? [])
      expect(
        commands.some((command) => command.includes(wanted)),
        `missing: ${wanted}`,
      ).toBe(true);
    for (const unwanted of expected.plan.commandsExclude ?? [])
      expect(commands.filter((command) => command.includes(unwanted))).toEqual([]);
    if (expected.plan.members) expect(result.plan.baseline.members).toEqual(expected.plan.members);
    expect(result.plan.trustPolicies.map((change) => change.roleArn).sort()).toEqual(
      expected.plan.trustPolicies.map((change) => change.roleArn).sort(),
    );
  });

  it.each(scenarios)('%s generates trust policies that `trust can-assume` confirms', async (name) => {
    const { result, expected } = await cutover(name);
    const newProvider = result.new.oidcProviderArn as string;
    for (const want of expected.plan.trustPolicies) {
      const change = result.plan.trustPolicies.find((candidate) => candidate.roleArn === want.roleArn);
      expect(change, want.roleArn).toBeDefined();
      if (!change) continue;
      if (want.removed) {
        expect(change.policy).toBeNull();
        expect(change.message).toMatch(/delete the role/);
        continue;
      }
      expect(change.policy).not.toBeNull();
      const policy = change.policy as Record<string, unknown>;
      // The size is the minified policy against the default quota, and over it the plan says so.
      expect(change.size).toBe(JSON.stringify(policy).length);
      expect(change.limit).toBe(2048);
      expect(change.fits).toBe(change.size <= 2048);
      if (want.fits !== undefined) expect(change.fits).toBe(want.fits);
      if (!change.fits) expect(change.message).toMatch(/2,?048/);

      const updated = writeTemp(policy);
      const original = writeTemp(oldTrustPolicy(name, want.roleArn));
      for (const subject of want.admitsNew ?? [])
        expect(await canAssume(updated, ...irsaRequest(newProvider, subject)), subject).toMatchObject({
          allowed: true,
        });
      for (const subject of want.rejectsNew ?? [])
        expect(await canAssume(updated, ...irsaRequest(newProvider, subject)), subject).toMatchObject({
          allowed: false,
        });
      for (const principal of want.keepsPrincipals ?? []) {
        for (const file of [original, updated])
          expect(await canAssume(file, '--aws-principal', principal), principal).toMatchObject({
            allowed: true,
          });
      }
      for (const { provider, subject } of want.keepsOld ?? []) {
        expect(await canAssume(original, ...irsaRequest(provider, subject))).toMatchObject({ allowed: true });
        expect(
          await canAssume(updated, ...irsaRequest(provider, subject)),
          `${provider} ${subject}`,
        ).toMatchObject({
          allowed: true,
        });
      }
      const oldHost = result.old.issuerHostPath ?? '';
      // NEW's provider ARN with OLD's issuer: OLD may be gone from the snapshot in the post phase.
      const providerPrefix = newProvider.slice(
        0,
        newProvider.indexOf(':oidc-provider/') + ':oidc-provider/'.length,
      );
      for (const subject of want.dropsOld ?? []) {
        const provider = `${providerPrefix}${expectedOldHost(name)}`;
        expect(await canAssume(original, ...irsaRequest(provider, subject))).toMatchObject({ allowed: true });
        expect(await canAssume(updated, ...irsaRequest(provider, subject)), subject).toMatchObject({
          allowed: false,
        });
      }
      if (expected.phase === 'pre' && oldHost !== '') {
        // Everything the old policy admitted from OLD's issuer is still admitted.
        const granted = await grantedRequests(original, oldHost);
        expect(granted.length).toBeGreaterThan(0);
        for (const [provider, subject] of granted) {
          expect(await canAssume(original, ...irsaRequest(provider, subject))).toMatchObject({
            allowed: true,
          });
          expect(await canAssume(updated, ...irsaRequest(provider, subject)), subject).toMatchObject({
            allowed: true,
          });
        }
      }
      if (expected.phase === 'post') {
        // Nothing of OLD's issuer survives; NEW's grants do.
        const host = expectedOldHost(name);
        expect(await grantedRequests(updated, host)).toEqual([]);
        for (const [provider, subject] of await grantedRequests(
          original,
          result.new.issuerHostPath as string,
        ))
          expect(await canAssume(updated, ...irsaRequest(provider, subject)), subject).toMatchObject({
            allowed: true,
          });
      }
    }
  });

  it.each(scenarios)(
    '%s never plans a deletion it withholds, nor any before the pre phase is READY',
    async (name) => {
      const { result, expected } = await cutover(name);
      if (expected.plan.withheld)
        expect(
          result.plan.withheld
            .map((item) => ({ checkId: item.checkId, resource: item.resource.id, status: item.status }))
            .sort((a, b) => `${a.checkId}${a.resource}`.localeCompare(`${b.checkId}${b.resource}`)),
        ).toEqual(
          [...expected.plan.withheld].sort((a, b) =>
            `${a.checkId}${a.resource}`.localeCompare(`${b.checkId}${b.resource}`),
          ),
        );
      if (result.phase === 'pre') {
        expect(result.plan.withheld).toEqual([]);
        return;
      }
      const commands = result.plan.commands.map((entry) => entry.command);
      for (const item of result.plan.withheld) {
        expect(item.reason.length).toBeGreaterThan(0);
        const token =
          item.resource.type === 'AwsEksPodIdentityAssociation'
            ? `--association-id ${item.resource.id.split('/').pop()}`
            : item.resource.type === 'AwsIamRole'
              ? `--role-name ${item.resource.id.split('/').pop()} `
              : item.resource.id;
        expect(
          commands.filter((command) => command.includes(token)),
          `${item.checkId} ${item.resource.id}`,
        ).toEqual([]);
      }
      if (result.findings.some((finding) => finding.checkId === 'CUTOVER_NEW_NOT_SERVING')) {
        expect(result.plan.trustPolicies).toEqual([]);
        expect(commands.filter((command) => /\bdelete-|update-assume-role-policy/.test(command))).toEqual([]);
      }
    },
  );

  const preScenarios = scenarios.filter((name) => expectedOf(name).phase === 'pre');
  it.each(preScenarios)(
    '%s marks each flagged grant it carries over with a narrower statement `trust can-assume` confirms',
    async (name) => {
      const { result, expected } = await cutover(name);
      const want = expected.plan.flaggedGrants;
      if (want)
        expect(
          result.plan.flaggedGrants.map((grant) => `${grant.mechanism} ${grant.roleArn}`).sort(),
        ).toEqual(want.map((grant) => `${grant.mechanism} ${grant.roleArn}`).sort());
      for (const entry of result.plan.flaggedGrants) {
        const grant = want?.find(
          (candidate) => candidate.roleArn === entry.roleArn && candidate.mechanism === entry.mechanism,
        );
        const checkIds = [...new Set(entry.flags.map((flag) => flag.checkId))].sort();
        expect(checkIds.length).toBeGreaterThan(0);
        if (grant) {
          expect(checkIds).toEqual([...grant.checkIds].sort());
          if (grant.severity) expect(entry.severity).toBe(grant.severity);
          expect([...entry.subjects].sort()).toEqual([...grant.subjects].sort());
          if (grant.placeholders !== undefined) expect(entry.placeholders).toBe(grant.placeholders);
          if (grant.verified !== undefined) expect(entry.verified).toBe(grant.verified);
        }
        // The plan says so where the grant is carried over: on each command that copies or reuses it.
        expect(entry.commands.length).toBeGreaterThan(0);
        for (const command of entry.commands) {
          const planned = result.plan.commands.find((candidate) => candidate.command === command);
          expect(planned?.description, command).toContain('flagged');
        }
        const narrower = writeTemp({ Version: '2012-10-17', Statement: entry.narrower });
        const request = (subject: string) =>
          entry.mechanism === 'irsa'
            ? irsaRequest(result.new.oidcProviderArn as string, subject)
            : podIdentityRequest(result, subject);
        for (const subject of entry.subjects)
          expect(await canAssume(narrower, ...request(subject)), subject).toMatchObject({ allowed: true });
        for (const subject of grant?.rejects ?? [])
          expect(await canAssume(narrower, ...request(subject)), subject).toMatchObject({ allowed: false });
        // The audit's own trust checks no longer flag it.
        const { stdout: explained } = await runCli(
          'trust',
          'explain',
          '--file',
          narrower,
          '--format',
          'json',
        );
        const flags = (JSON.parse(explained) as { findings: Array<{ checkId: string }> }).findings.map(
          (finding) => finding.checkId,
        );
        for (const checkId of checkIds) expect(flags).not.toContain(checkId);
      }
    },
  );

  const hostile = scenarios.filter((name) => (expectedOf(name).hostileMarkdown ?? []).length > 0);
  it.each(hostile)('%s escapes AWS text in Markdown output', async (name) => {
    const expected = expectedOf(name);
    const { code, stdout: out } = await runCli(...cutoverArgs(name, expected, 'markdown'));
    expect(code).toBe(expected.exitCode);
    const prose = outsideCodeFences(out);
    for (const text of expected.hostileMarkdown ?? []) expect(prose).not.toContain(text);
    expect(prose).toContain('\\<img');
  });
});

/** OLD's issuer host in post scenarios, where OLD may be gone from the snapshot: read it from its provider. */
function expectedOldHost(name: string): string {
  const snapshot = JSON.parse(readFileSync(join(scenariosDir, name, 'snapshot.json'), 'utf8')) as {
    accounts: Array<{
      iam?: { openIdConnectProviders: Array<{ Url: string; Tags?: Array<{ Value: string }> }> };
    }>;
  };
  const expected = expectedOf(name);
  const provider = snapshot.accounts
    .flatMap((account) => account.iam?.openIdConnectProviders ?? [])
    .find((candidate) => candidate.Tags?.some((tag) => tag.Value === expected.from));
  if (!provider) throw new Error(`${name}: no IAM OIDC provider tagged with ${expected.from}`);
  return provider.Url;
}
