import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectLive, parseLiveOptions } from '../../cli/live-options.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { InputError } from '../../shared/errors.js';
import { parseSnapshotText } from '../../shared/snapshot/index.js';
import { runCli } from '../support/cli.js';
import { useSandboxCredentials } from '../support/sandbox.js';

describe('parseLiveOptions', () => {
  it('reads the flags as the AWS CLI spells them', () => {
    const settings = parseLiveOptions(
      {
        profile: 'audit',
        region: 'eu-west-1',
        regions: 'eu-west-1, us-east-1,eu-west-1',
        accounts: '222233334444,333344445555',
        roleName: 'EksIdentityAuditReadOnly',
        externalId: 'x-1',
        endpointUrl: 'http://127.0.0.1:4566',
        cloudtrail: false,
        cloudtrailDays: '30',
        concurrency: '4',
      },
      {},
    );

    expect(settings).toEqual({
      factory: {
        region: 'eu-west-1',
        profile: 'audit',
        endpointUrl: 'http://127.0.0.1:4566',
        roleName: 'EksIdentityAuditReadOnly',
        externalId: 'x-1',
      },
      accounts: ['222233334444', '333344445555'],
      regions: ['eu-west-1', 'us-east-1'],
      cloudTrail: false,
      cloudTrailDays: 30,
      accountConcurrency: 4,
    });
  });

  it('falls back to AWS_REGION for both the client region and the audited region', () => {
    const settings = parseLiveOptions({}, { AWS_REGION: 'ap-northeast-1' });

    expect(settings.factory.region).toBe('ap-northeast-1');
    expect(settings.regions).toEqual(['ap-northeast-1']);
    expect(settings.accounts).toBeUndefined();
    expect(settings.cloudTrail).toBe(true);
    expect(settings.cloudTrailDays).toBe(90);
  });

  it('lists every bad flag in one error', () => {
    let caught: unknown;
    try {
      parseLiveOptions(
        {
          regions: 'eu-west-1,Mars-1',
          accounts: '12345,222233334444',
          roleName: 'bad role',
          endpointUrl: 'localhost:4566',
          cloudtrailDays: '120',
          concurrency: 'many',
        },
        {},
      );
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).problems).toEqual([
      'region "Mars-1": expected a region name like eu-west-1',
      '--accounts: "12345" is not a 12-digit account id',
      expect.stringContaining('--role-name "bad role"'),
      expect.stringContaining('--endpoint-url "localhost:4566"'),
      '--cloudtrail-days 120: expected a whole number from 1 to 90',
      '--concurrency many: expected a whole number from 1 to 256',
    ]);
  });

  it('reports a bad --region once when it is also the region to audit', () => {
    let caught: unknown;
    try {
      parseLiveOptions({ region: 'Mars-1' }, {});
    } catch (error) {
      caught = error;
    }

    expect((caught as InputError).problems).toEqual([
      'region "Mars-1": expected a region name like eu-west-1',
    ]);
  });

  it('asks for a region when none is given anywhere', () => {
    expect(() => parseLiveOptions({}, {})).toThrow(InputError);
  });

  it('sets the request timeout and attempts from the flags, else attempts from AWS_MAX_ATTEMPTS', () => {
    const fromFlags = parseLiveOptions(
      { region: 'eu-west-1', requestTimeout: '5', maxAttempts: '2' },
      { AWS_MAX_ATTEMPTS: '6' },
    );
    expect(fromFlags.factory).toMatchObject({ requestTimeoutMs: 5000, maxAttempts: 2 });
    const fromEnvironment = parseLiveOptions({ region: 'eu-west-1' }, { AWS_MAX_ATTEMPTS: '6' });
    expect(fromEnvironment.factory.maxAttempts).toBe(6);
    expect(fromEnvironment.factory.requestTimeoutMs).toBeUndefined();
  });

  it('names a bad timeout, attempt count or AWS_MAX_ATTEMPTS', () => {
    expect(() =>
      parseLiveOptions({ region: 'eu-west-1', requestTimeout: '0', maxAttempts: 'many' }, {}),
    ).toThrow(
      expect.objectContaining({
        problems: [
          '--request-timeout 0: expected a whole number from 1 to 3600',
          '--max-attempts many: expected a whole number from 1 to 20',
        ],
      }),
    );
    expect(() => parseLiveOptions({ region: 'eu-west-1' }, { AWS_MAX_ATTEMPTS: '99' })).toThrow(
      expect.objectContaining({ problems: ['AWS_MAX_ATTEMPTS 99: expected a whole number from 1 to 20'] }),
    );
  });

  it('refuses an external id without a role to send it with', () => {
    expect(() => parseLiveOptions({ region: 'eu-west-1', externalId: 'x' }, {})).toThrow(InputError);
  });
});

describe('collect against the sandbox', () => {
  let sandbox: SandboxHandle;
  let directory: string;
  let restoreEnv: () => void;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, scenario: 'demo' });
    directory = await mkdtemp(join(tmpdir(), 'collect-cli-'));
    // The standard credential chain reads them, as it would for a real operator.
    restoreEnv = useSandboxCredentials(sandbox);
  });

  afterAll(async () => {
    restoreEnv();
    await sandbox.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the snapshot file and prints a summary on stderr', async () => {
    const output = join(directory, 'snapshot.json');

    const { code, stderr } = await runCli(
      'collect',
      '--endpoint-url',
      sandbox.url,
      '--region',
      'eu-west-1',
      '--accounts',
      '222233334444,333344445555',
      '--role-name',
      'EksIdentityAuditReadOnly',
      '--external-id',
      'eks-identity-audit-demo',
      '--no-cloudtrail',
      '--output',
      output,
    );

    expect(code).toBe(0);
    const snapshot = parseSnapshotText(await readFile(output, 'utf8'), output);
    expect(snapshot.accounts.map((account) => account.accountId)).toEqual(['222233334444', '333344445555']);
    expect(stderr).toMatch(
      /collected 2 account\(s\), 3 cluster\(s\), \d+ association\(s\), \d+ role\(s\), 0 event\(s\); 0 incomplete scope\(s\); \d+ API call\(s\)/,
    );
    expect(stderr).toContain(`snapshot written to ${output}`);
  });

  it('writes the snapshot but exits 1 when the requested account cannot be read (wrong --external-id), naming it and the cause', async () => {
    const output = join(directory, 'partial.json');
    const collectWithWrongExternalId = (...extra: string[]) =>
      runCli(
        'collect',
        '--endpoint-url',
        sandbox.url,
        '--regions',
        'eu-west-1',
        '--accounts',
        '222233334444',
        '--role-name',
        'EksIdentityAuditReadOnly',
        '--external-id',
        'wrong',
        '--output',
        output,
        ...extra,
      );

    const { code, stderr } = await collectWithWrongExternalId();

    expect(code).toBe(1);
    expect(stderr).toContain(
      'incomplete: account 222233334444: AccessDenied on sts:AssumeRole (arn:aws:iam::222233334444:role/EksIdentityAuditReadOnly)',
    );
    expect(stderr).toContain(
      "222233334444: AccessDenied on sts:AssumeRole — check --external-id and the member role's trust",
    );
    // The snapshot records the failure, so an audit of it says the same.
    expect(JSON.parse(await readFile(output, 'utf8')).accounts[0].errors[0]).toMatchObject({
      code: 'AccessDenied',
      cause: 'access-denied',
    });

    expect((await collectWithWrongExternalId('--allow-incomplete')).code).toBe(0);
  });

  it('refuses to collect other accounts without a role to assume', async () => {
    await expect(
      collectLive({ endpointUrl: sandbox.url, region: 'eu-west-1', accounts: '222233334444' }),
    ).rejects.toThrow(/--role-name is required to collect accounts other than the caller's \(111122223333\)/);
  });

  it('exits 1 with the flag problems and no stack trace', async () => {
    const { code, stderr } = await runCli('collect', '--regions', 'eu-west-1', '--accounts', '42');

    expect(code).toBe(1);
    expect(stderr).toBe(
      'error: invalid live collection flags\n  --accounts: "42" is not a 12-digit account id\n',
    );
  });
});
