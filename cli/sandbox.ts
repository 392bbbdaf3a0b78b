import type { Command } from 'commander';
import { resolveScenario, type SandboxHandle, startSandbox } from '../sandbox/index.js';
import type { Scenario } from '../sandbox/scenario.js';
import { InputError } from '../shared/errors.js';
import { shellWord } from '../shared/text.js';
import type { RegisterCommand } from './commands.js';
import { log } from './output.js';

interface SandboxCommandOptions {
  scenario: string;
  port: string;
  host: string;
  limits: boolean;
}

/** What an operator needs to audit a scenario's organization: read from the scenario itself. */
export interface SandboxWalkthrough {
  /** Accounts other than the operator's whose member role trusts the operator. */
  memberAccounts: Array<{ id: string; alias: string }>;
  /** Regions of the member accounts that hold clusters (else the operator's region). */
  regions: string[];
  roleName?: string;
  externalId?: string;
  /** `s3://BUCKET/KEY` of a baseline object in the scenario's buckets. */
  baseline?: string;
}

type PolicyStatement = {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** The external id a statement requires (`StringEquals` on `sts:ExternalId`), when it names one. */
function externalIdOf(statement: PolicyStatement): string | undefined {
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    if (!/^StringEquals$/i.test(operator)) continue;
    for (const [key, value] of Object.entries(entries)) {
      const [first] = asList(value);
      if (key.toLowerCase() === 'sts:externalid' && typeof first === 'string') return first;
    }
  }
  return undefined;
}

/**
 * The member accounts, regions, member role, external id and baseline of a scenario: the role that
 * trusts the scenario's operator (its role ARN or its account) for `sts:AssumeRole` in the most
 * accounts is the member role.
 */
export function walkthroughOf(scenario: Scenario): SandboxWalkthrough {
  const { identity } = scenario;
  const principals = new Set([
    `arn:aws:iam::${identity.account}:root`,
    identity.account,
    ...(identity.role ? [`arn:aws:iam::${identity.account}:role/${identity.role}`] : []),
    ...(identity.user ? [`arn:aws:iam::${identity.account}:user/${identity.user}`] : []),
  ]);
  const candidates = new Map<string, { accounts: string[]; externalId?: string }>();
  for (const account of scenario.accounts) {
    if (account.id === identity.account) continue;
    for (const role of account.roles) {
      for (const statement of asList(
        (role.trust as { Statement?: unknown }).Statement,
      ) as PolicyStatement[]) {
        const aws = asList((statement.Principal as { AWS?: unknown } | undefined)?.AWS);
        const assumes = asList(statement.Action).some((action) => action === 'sts:AssumeRole');
        if (statement.Effect !== 'Allow' || !assumes || !aws.some((arn) => principals.has(String(arn))))
          continue;
        const entry = candidates.get(role.name) ?? { accounts: [] };
        if (!entry.accounts.includes(account.id)) entry.accounts.push(account.id);
        entry.externalId ??= externalIdOf(statement);
        candidates.set(role.name, entry);
      }
    }
  }
  const [roleName, member] =
    [...candidates.entries()].sort((a, b) => b[1].accounts.length - a[1].accounts.length)[0] ?? [];
  const memberAccounts = scenario.accounts
    .filter((account) => member?.accounts.includes(account.id))
    .map((account) => ({ id: account.id, alias: account.alias }));
  const regions = new Set<string>();
  for (const account of scenario.accounts) {
    if (!member?.accounts.includes(account.id)) continue;
    for (const [region, contents] of Object.entries(account.regions))
      if (contents.clusters.length > 0) regions.add(region);
  }
  const baselineObject = scenario.buckets
    .flatMap((bucket) => bucket.objects.map((object) => ({ bucket: bucket.name, key: object.key })))
    .find((object) => /baseline\.(ya?ml|json)$/.test(object.key));
  return {
    memberAccounts,
    regions: regions.size > 0 ? [...regions].sort() : [identity.region],
    ...(roleName ? { roleName } : {}),
    ...(member?.externalId ? { externalId: member.externalId } : {}),
    ...(baselineObject ? { baseline: `s3://${baselineObject.bucket}/${baselineObject.key}` } : {}),
  };
}

/**
 * What `sandbox` prints once it listens: the exports that point the standard credential chain and
 * every AWS client (`AWS_ENDPOINT_URL`) at it, then the organization to audit and a ready-to-paste
 * command.
 */
export function sandboxInstructions(
  sandbox: Pick<SandboxHandle, 'url' | 'credentials'>,
  scenario: Scenario,
): string[] {
  const credentials = sandbox.credentials;
  const walkthrough = walkthroughOf(scenario);
  const member = walkthrough.roleName
    ? [
        '--role-name',
        walkthrough.roleName,
        ...(walkthrough.externalId ? ['--external-id', walkthrough.externalId] : []),
      ]
    : [];
  const command = walkthrough.baseline
    ? ['npx', 'eks-identity-audit', 'audit', '--baseline', walkthrough.baseline, ...member]
    : [
        'npx',
        'eks-identity-audit',
        'collect',
        ...(walkthrough.memberAccounts.length > 0
          ? ['--accounts', walkthrough.memberAccounts.map((account) => account.id).join(',')]
          : []),
        '--regions',
        walkthrough.regions.join(','),
        ...member,
      ];
  return [
    `sandbox listening on ${sandbox.url}`,
    '# starting identity of the scenario; export these to use the sandbox:',
    `export AWS_ACCESS_KEY_ID=${credentials.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`,
    ...(credentials.sessionToken ? [`export AWS_SESSION_TOKEN=${credentials.sessionToken}`] : []),
    `export AWS_REGION=${credentials.region}`,
    `export AWS_DEFAULT_REGION=${credentials.region}`,
    `export AWS_ENDPOINT_URL=${sandbox.url}`,
    `# caller: ${credentials.principalArn}`,
    `# member accounts: ${walkthrough.memberAccounts.map((account) => `${account.id} (${account.alias})`).join(', ') || 'none'}`,
    `# regions: ${walkthrough.regions.join(', ')}`,
    `# member role: ${walkthrough.roleName ?? 'none'}${walkthrough.externalId ? `, external id: ${walkthrough.externalId}` : ''}`,
    ...(walkthrough.baseline ? [`# baseline: ${walkthrough.baseline}`] : []),
    `# then, e.g.:`,
    command.map(shellWord).join(' '),
    '# the AWS CLI reads the same variables: aws sts get-caller-identity',
  ];
}

/**
 * `sandbox`: runs the local AWS sandbox until SIGINT/SIGTERM. Prints the URL once it listens,
 * then the starting identity's credentials as environment variables.
 */
export const registerSandbox: RegisterCommand = (program: Command) => {
  program
    .command('sandbox')
    .description(
      'Run the local AWS sandbox (STS, IAM, EKS, CloudTrail, SNS, Security Hub, S3) for a scenario.',
    )
    .option('--scenario <name|file>', 'scenario name (e.g. demo) or YAML file', 'demo')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4566')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--no-limits',
      'do not apply the documented service rate limits (LookupEvents 2/s, Security Hub TPS)',
    )
    .action(async (options: SandboxCommandOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new InputError(`--port ${options.port}: expected a port number between 0 and 65535`);
      }
      const sandbox = await startSandbox({
        scenario: options.scenario,
        port,
        host: options.host,
        limits: options.limits,
      });
      const lines = sandboxInstructions(sandbox, resolveScenario(options.scenario));
      process.stdout.write(`${lines.join('\n')}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          log(`sandbox: ${signal}, shutting down`);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sandbox.close();
    });
};
