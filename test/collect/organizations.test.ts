import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { loadScenarioFile, type Scenario } from '../../sandbox/scenario.js';
import { createClientFactory } from '../../shared/aws/clients.js';
import {
  accountState,
  discoverAccounts,
  OrganizationsDiscoveryError,
} from '../../shared/collect/organizations.js';
import type { Report } from '../../shared/report/types.js';
import { runCli } from '../support/cli.js';
import { useSandboxCredentials } from '../support/sandbox.js';

const WORKLOADS_OU = 'ou-demo-workload';
const DATA_OU = 'ou-demo-dataunit';
const SECURITY = '111122223333';
const WORKLOADS = '222233334444';
const DATA = '333344445555';
/** An account that joined the organization after the first run: it holds the member role. */
const NEWCOMER = '444400001111';
/** An ACTIVE member without the member role: it exists, but cannot be assumed. */
const UNREACHABLE = '555500002222';

const DEMO_BASELINE = 's3://eks-identity-audit-demo-111122223333/baseline.yaml';

let sandbox: SandboxHandle;
let restoreEnv: () => void;

/** The demo organization with OUs whose ids the test names, and `more` members. */
function demoOrganization(
  more: NonNullable<Scenario['organization']>['members'] = [],
  changes: (scenario: Scenario) => void = () => {},
): Scenario {
  const scenario = structuredClone(loadScenarioFile('demo'));
  scenario.organization = {
    delegatedAdministrators: [],
    units: [
      { name: 'Security', accounts: [SECURITY], units: [] },
      {
        name: 'Workloads',
        id: WORKLOADS_OU,
        accounts: [WORKLOADS],
        units: [{ name: 'Data', id: DATA_OU, accounts: [DATA], units: [] }],
      },
    ],
    members: more,
  };
  changes(scenario);
  return scenario;
}

/** A copy of the data account under another id: a new account with the member role deployed. */
function withNewcomer(scenario: Scenario): void {
  const data = scenario.accounts.find((account) => account.id === DATA);
  if (!data) throw new Error('the demo has no data account');
  const copy = JSON.parse(JSON.stringify(data).replaceAll(DATA, NEWCOMER)) as typeof data;
  scenario.accounts.push({ ...copy, alias: 'newcomer' });
  scenario.organization?.units[1].units[0].accounts.push(NEWCOMER);
}

function load(scenario: Scenario): void {
  sandbox.loadScenario(scenario);
  restoreEnv();
  restoreEnv = useSandboxCredentials(sandbox, { AWS_REGION: sandbox.credentials.region });
}

const organizationsClient = () =>
  createClientFactory({
    region: 'eu-west-1',
    endpointUrl: sandbox.url,
    credentials: sandbox.credentials,
  }).organizations();

const audit = async (...extra: string[]) => {
  const run = await runCli(
    'audit',
    ...(extra.includes('--baseline') ? [] : ['--baseline', DEMO_BASELINE]),
    '--endpoint-url',
    sandbox.url,
    '--role-name',
    'EksIdentityAuditReadOnly',
    '--external-id',
    'eks-identity-audit-demo',
    '--regions',
    'eu-west-1',
    '--no-cloudtrail',
    '--format',
    'json',
    '--fail-on',
    'none',
    ...extra,
  );
  const report = run.stdout ? (JSON.parse(run.stdout) as Report) : undefined;
  const accounts = [...new Set(report?.scopes.map((scope) => scope.accountId) ?? [])].sort();
  return { ...run, report, accounts };
};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: demoOrganization() });
  restoreEnv = useSandboxCredentials(sandbox, { AWS_REGION: sandbox.credentials.region });
});

afterAll(async () => {
  await sandbox.close();
  restoreEnv();
});

beforeEach(() => load(demoOrganization()));

describe('account discovery through AWS Organizations', () => {
  it('lists every ACTIVE account across pages and through throttling, leaving the others out with their state', async () => {
    const members = Array.from({ length: 45 }, (_, index) => ({
      id: String(700000000000 + index),
      state: 'ACTIVE' as const,
      joined: '30d',
    }));
    const states = ['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED', 'PENDING_ACTIVATION'] as const;
    const others = states.map((state, index) => ({ id: String(800000000000 + index), state, joined: '30d' }));
    load(demoOrganization([...members, ...others]));
    sandbox.setFaults([{ service: 'organizations', operation: 'ListAccounts', throttle: { firstCalls: 2 } }]);
    sandbox.resetCalls();

    const discovery = await discoverAccounts(organizationsClient());

    expect(discovery.accounts).toEqual(
      [SECURITY, WORKLOADS, DATA, ...members.map((member) => member.id)].sort(),
    );
    expect(discovery.inactive).toEqual(others.map((other) => ({ accountId: other.id, state: other.state })));
    expect(discovery.managementAccountId).toBe(SECURITY);
    const calls = sandbox.calls();
    // 52 accounts at 20 a page: 3 pages, plus the 2 throttled attempts the SDK retried.
    expect(calls[SECURITY].organizations.ListAccounts).toBe(5);
    expect(calls.throttled.total).toBe(2);
  });

  it('with OUs, finds the accounts of each OU and of every OU below it, and leaves the excluded out', async () => {
    load(demoOrganization([], withNewcomer));
    const discovery = await discoverAccounts(organizationsClient(), {
      units: [WORKLOADS_OU],
      exclude: [WORKLOADS],
    });
    expect(discovery.accounts).toEqual([DATA, NEWCOMER]);
    expect(discovery.excluded).toEqual([WORKLOADS]);
  });

  it('reads the retired Status field when an answer has no State', () => {
    expect(accountState({ Status: 'SUSPENDED' })).toBe('SUSPENDED');
    expect(accountState({ State: 'CLOSED', Status: 'SUSPENDED' })).toBe('CLOSED');
    expect(accountState({})).toBeUndefined();
  });

  it('says what to do when the caller is neither the management account nor a delegated administrator', async () => {
    load(
      demoOrganization([], (scenario) => {
        if (scenario.organization) scenario.organization.managementAccount = WORKLOADS;
      }),
    );
    const failure = await discoverAccounts(organizationsClient(), { source: '--accounts org' }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OrganizationsDiscoveryError);
    expect((failure as Error).message).toMatch(
      /^--accounts org: AccessDeniedException on organizations:ListAccounts — .*management account or a delegated administrator/,
    );

    load(
      demoOrganization([], (scenario) => {
        if (!scenario.organization) return;
        scenario.organization.managementAccount = WORKLOADS;
        scenario.organization.delegatedAdministrators = [SECURITY];
      }),
    );
    expect((await discoverAccounts(organizationsClient())).accounts).toEqual([SECURITY, WORKLOADS, DATA]);
  });

  it('says so when the caller is in no organization, and names an OU that is not the organization’s', async () => {
    load(demoOrganization([], (scenario) => delete scenario.organization));
    await expect(discoverAccounts(organizationsClient())).rejects.toThrow(
      /AWSOrganizationsNotInUseException on organizations:DescribeOrganization — the caller's account is not in an organization/,
    );
    load(demoOrganization());
    await expect(discoverAccounts(organizationsClient(), { units: ['ou-demo-notthere'] })).rejects.toThrow(
      /ou-demo-notthere is not a root or organizational unit of organization o-/,
    );
    await expect(discoverAccounts(organizationsClient(), { units: ['Workloads'] })).rejects.toThrow(
      /"Workloads" is not an organizational unit id/,
    );
  });
});

describe('audit --accounts org', () => {
  it('audits every ACTIVE account, and an account added to the organization appears in the next run without configuration', async () => {
    const first = await audit('--accounts', 'org');
    expect(first.code).toBe(0);
    expect(first.accounts).toEqual([SECURITY, WORKLOADS, DATA]);
    expect(first.stderr).toContain('3 ACTIVE account(s) to audit');

    load(demoOrganization([], withNewcomer));
    const next = await audit('--accounts', 'org');
    expect(next.code).toBe(0);
    expect(next.accounts).toEqual([SECURITY, WORKLOADS, DATA, NEWCOMER]);
    // Everything but CloudTrail (not collected here) was read in the new account too.
    const unread = next.report?.scopes.filter(
      (scope) => scope.status === 'incomplete' && scope.level !== 'cloudtrail',
    );
    expect(unread).toEqual([]);
  });

  it('never skips an account it cannot assume: exit 1 naming it, or COLLECTION_INCOMPLETE with --allow-incomplete', async () => {
    load(demoOrganization([{ id: UNREACHABLE, state: 'ACTIVE', joined: '2d' }]));
    const blind = await audit('--accounts', 'org');
    expect(blind.code).toBe(1);
    expect(blind.stderr).toMatch(new RegExp(`${UNREACHABLE}: AccessDenied on sts:AssumeRole`));

    const judged = await audit('--accounts', 'org', '--allow-incomplete');
    expect(judged.code).toBe(0);
    expect(judged.accounts).toContain(UNREACHABLE);
    const incomplete = judged.report?.findings.filter(
      (finding) => finding.checkId === 'COLLECTION_INCOMPLETE' && finding.accountId === UNREACHABLE,
    );
    expect(incomplete?.length).toBeGreaterThan(0);

    const excluded = await audit('--accounts', 'org', '--exclude-accounts', UNREACHABLE);
    expect(excluded.code).toBe(0);
    expect(excluded.accounts).toEqual([SECURITY, WORKLOADS, DATA]);
  });

  it('narrows to OUs, and a baseline that says accounts: org discovers them too', async () => {
    const unit = await audit('--accounts', 'org', '--ou', DATA_OU);
    expect(unit.accounts).toEqual([DATA]);

    const directory = await mkdtemp(join(tmpdir(), 'org-baseline-'));
    const demoBaseline = await readFile(
      new URL('../../sandbox/scenarios/demo.baseline.yaml', import.meta.url),
      'utf8',
    );
    const baseline = join(directory, 'baseline.yaml');
    await writeFile(
      baseline,
      demoBaseline.replace(/^accounts: .*$/m, 'accounts: { organization: true, exclude: ["111122223333"] }'),
    );
    load(demoOrganization([], withNewcomer));
    const declared = await audit('--baseline', baseline);
    // The declared clusters' accounts, and every ACTIVE account the organization lists, less the excluded one.
    expect(declared.accounts).toEqual([WORKLOADS, DATA, NEWCOMER]);
  });

  it('refuses --ou and --exclude-accounts without --accounts org, and says why discovery failed', async () => {
    const stray = await audit('--accounts', WORKLOADS, '--ou', WORKLOADS_OU);
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain('--ou needs --accounts org');

    load(demoOrganization([], (scenario) => delete scenario.organization));
    const outside = await audit('--accounts', 'org');
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain(
      'AWSOrganizationsNotInUseException on organizations:DescribeOrganization',
    );
    expect(outside.stderr).toContain('nothing was audited');
  });
});
