import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadScenarioFile,
  parseScenarioText,
  type SandboxHandle,
  startSandbox,
  validateScenario,
} from '../../sandbox/index.js';
import { loadBaselineFile } from '../../shared/baseline/index.js';
import { InputError } from '../../shared/errors.js';
import { NOW } from './helpers.js';

const MINIMAL = `
name: tiny
identity: { account: "444455556666", user: operator }
accounts:
  - id: "444455556666"
    alias: solo
`;

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return [error.message, ...error.problems];
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('scenario files', () => {
  it('resolves the name demo to the shipped scenario with three accounts', () => {
    const demo = loadScenarioFile('demo');
    expect(demo.accounts.map((account) => account.alias)).toEqual(['security', 'workloads', 'data']);
    expect(demo.buckets[0].objects[0].body).toContain('version: 1');
  });

  it('ships a demo baseline that the baseline loader accepts', async () => {
    const baseline = await loadBaselineFile(
      join(import.meta.dirname, '../../sandbox/scenarios/demo.baseline.yaml'),
    );
    expect(baseline.clusters.find((cluster) => cluster.name === 'prod')?.members).toEqual([
      'prod-blue',
      'prod-green',
    ]);
  });

  it('names the field of every schema problem', () => {
    const problems = problemsOf(() =>
      parseScenarioText(
        `identity: { account: "1234", user: operator }\naccounts:\n  - id: "444455556666"\n    alias: solo\n    roles:\n      - name: r\n`,
        { source: 'broken.yaml' },
      ),
    );
    expect(problems[0]).toBe('broken.yaml: invalid scenario');
    expect(problems).toContain('broken.yaml: identity.account: expected a 12-digit account id');
    expect(problems.some((problem) => problem.startsWith('broken.yaml: accounts.0.roles.0.trust:'))).toBe(
      true,
    );
  });

  it('reports references the schema cannot check: usage of a missing cluster, an unknown managed policy', () => {
    const problems = problemsOf(() =>
      validateScenario({
        identity: { account: '444455556666', user: 'operator' },
        accounts: [
          {
            id: '444455556666',
            alias: 'solo',
            roles: [
              {
                name: 'r',
                trust: { Version: '2012-10-17', Statement: [] },
                managedPolicies: ['MadeUpPolicy'],
              },
            ],
            regions: {
              'us-east-1': {
                usage: [
                  {
                    cluster: 'ghost',
                    namespace: 'n',
                    serviceAccount: 's',
                    via: 'irsa',
                    role: 'r',
                    perDay: 1,
                    lastDaysAgo: 0,
                  },
                ],
              },
            },
          },
        ],
      }),
    );
    expect(problems).toContain(
      'scenario: accounts.0.roles.0.managedPolicies: MadeUpPolicy is neither a policy of the account nor a known AWS managed policy',
    );
    expect(problems).toContain(
      'scenario: accounts.0.regions.us-east-1.usage.0.cluster: no cluster ghost in 444455556666/us-east-1',
    );
  });

  it('rejects an unknown scenario name clearly', () => {
    expect(problemsOf(() => loadScenarioFile('nonexistent'))[0]).toMatch(/^unknown scenario "nonexistent"/);
  });
});

describe('sandbox inspection over HTTP', () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ scenario: 'demo', now: () => NOW, limits: false });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('loads a scenario posted as YAML and switches the starting identity', async () => {
    const response = await fetch(`${sandbox.url}/_sandbox/scenario`, { method: 'POST', body: MINIMAL });
    const body = (await response.json()) as {
      loaded: string;
      credentials: { accountId: string; principalArn: string };
    };
    expect(response.status).toBe(200);
    expect(body.loaded).toBe('tiny');
    expect(sandbox.credentials.accountId).toBe('444455556666');
    expect(sandbox.credentials.principalArn).toBe('arn:aws:iam::444455556666:user/operator');
    expect(sandbox.credentials.accessKeyId).toMatch(/^AKIA/);
    sandbox.loadScenario('demo');
    expect(sandbox.credentials.accountId).toBe('111122223333');
  });

  it('answers 400 with the problems for an invalid posted scenario or fault list', async () => {
    const scenario = await fetch(`${sandbox.url}/_sandbox/scenario`, {
      method: 'POST',
      body: 'accounts: []\n',
    });
    const faults = await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify([{ throttle: { probability: 2 } }]),
    });
    expect(scenario.status).toBe(400);
    expect(((await scenario.json()) as { problems: string[] }).problems.length).toBeGreaterThan(0);
    expect(faults.status).toBe(400);
  });

  it('rejects requests without a SigV4 credential scope', async () => {
    const response = await fetch(`${sandbox.url}/?Action=GetCallerIdentity`);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});
