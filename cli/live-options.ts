import { type Command, Option } from 'commander';
import type {
  AwsCredentials,
  AwsCredentialsProvider,
  ClientFactory,
  ClientFactoryOptions,
} from '../shared/aws/clients.js';
import { toCollectionError } from '../shared/aws/errors.js';
import { type CallerRegion, resolveCallerRegion } from '../shared/aws/region.js';
import { describeFailure } from '../shared/collect/causes.js';
import { MAX_CLOUDTRAIL_DAYS, ORGANIZATION_PARENT_PATTERN } from '../shared/collect/limits.js';
import type { AccountDiscovery, OrganizationScope } from '../shared/collect/organizations.js';
import { DEFAULT_PACING, type PacingOptions } from '../shared/collect/pacing.js';
import { InputError } from '../shared/errors.js';
import { ACCOUNT_ID_PATTERN as ACCOUNT_ID, REGION_PATTERN as REGION } from '../shared/model/identity.js';
import type { Snapshot } from '../shared/snapshot/index.js';
import { explainAwsFailure, type FailureContext, isCredentialsFailure } from './failures.js';
import {
  bothObservers,
  type CollectionProgress,
  collectionProgress,
  type ProgressStream,
  type ProgressTimer,
  runObserver,
} from './progress.js';

/** The live flags as commander parses them (`--no-cloudtrail` gives `cloudtrail: false`). */
export interface LiveOptions {
  profile?: string;
  region?: string;
  regions?: string;
  accounts?: string;
  /** With `--accounts org`: only these OUs (and their child OUs). */
  ou?: string;
  /** With `--accounts org`: accounts left out. */
  excludeAccounts?: string;
  roleName?: string;
  externalId?: string;
  endpointUrl?: string;
  cloudtrail?: boolean;
  cloudtrailDays?: string;
  concurrency?: string;
  maxInFlight?: string;
  eksRate?: string;
  iamRate?: string;
  requestTimeout?: string;
  maxAttempts?: string;
}

/** Validated live settings: what the client factory and the collectors are given. */
export interface LiveSettings {
  factory: ClientFactoryOptions;
  /** Undefined: the caller's own account (or, with `organization`, only the discovered ones). */
  accounts?: string[];
  /** `--accounts org`: discover the accounts through AWS Organizations (besides `accounts`). */
  organization?: OrganizationScope;
  regions: string[];
  cloudTrail: boolean;
  cloudTrailDays: number;
  /** Accounts collected at once (undefined: all). */
  accountConcurrency?: number;
  /** Client-side request rates and the in-flight cap, when a flag sets one (defaults otherwise). */
  pacing?: PacingOptions;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * Adds the live-collection flags (named as the AWS CLI names them) to a command.
 *
 * @example addLiveOptions(program.command('collect')).action(async (options) => collectLive(options, { progress: true }))
 */
export function addLiveOptions(command: Command): Command {
  return command
    .option(
      '--profile <name>',
      'AWS profile of the starting identity (default: the standard credential chain)',
    )
    .option('--region <region>', 'region for the clients, and the region to audit when --regions is absent')
    .option(
      '--regions <list>',
      'comma-separated regions to audit (e.g. eu-west-1,us-east-1); repeatable, the lists merge',
      mergeList,
    )
    .option(
      '--accounts <list>',
      "comma-separated 12-digit account ids, or org for every ACTIVE account of the caller's organization; repeatable, the lists merge (default: the baseline's accounts when a baseline is given, else the caller's account)",
      mergeList,
    )
    .option(
      '--ou <list>',
      'with --accounts org: only the accounts of these OUs (ou-…) and of their child OUs; repeatable',
      mergeList,
    )
    .option(
      '--exclude-accounts <list>',
      'with --accounts org: account ids to leave out; repeatable',
      mergeList,
    )
    .option('--role-name <name>', 'read-only role to assume in every audited account')
    .option('--external-id <id>', "external id the audited accounts' role requires")
    .addOption(
      new Option('--endpoint-url <url>', 'send every AWS call to this endpoint (e.g. the local sandbox)').env(
        'AWS_ENDPOINT_URL',
      ),
    )
    .option('--no-cloudtrail', 'skip CloudTrail evidence (usage checks then report the usage as unknown)')
    .option(
      '--cloudtrail-days <days>',
      `CloudTrail window in days, 1-${MAX_CLOUDTRAIL_DAYS}`,
      String(MAX_CLOUDTRAIL_DAYS),
    )
    .option('--concurrency <n>', 'accounts collected at once (default: all, paced by the limits below)')
    .option(
      '--max-in-flight <n>',
      `API requests in flight at once across the collection (default ${DEFAULT_PACING.maxInFlight})`,
    )
    .option(
      '--eks-rate <rps>',
      `EKS requests per second per account-region (default ${DEFAULT_PACING.eksPerSecond}; EKS publishes no limit)`,
    )
    .option(
      '--iam-rate <rps>',
      `IAM requests per second per account (default ${DEFAULT_PACING.iamPerSecond})`,
    )
    .option(
      '--request-timeout <seconds>',
      'seconds to wait for each AWS response before the attempt fails (default 30)',
    )
    .option(
      '--max-attempts <n>',
      'attempts per AWS call, the first included (default: AWS_MAX_ATTEMPTS, else 8)',
    );
}

/**
 * Commander's parser for a repeatable list flag: `--regions a --regions b,c` reads as `a,b,c`
 * (commander would otherwise keep only the last).
 */
export function mergeList(value: string, previous: string | undefined): string {
  return previous === undefined ? value : `${previous},${value}`;
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function wholeNumber(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${flag} ${text}: expected a whole number from ${min} to ${max}`);
  }
  return value;
}

function rate(flag: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0) || value > max) {
    throw new InputError(
      `${flag} ${text}: expected a number of requests per second above 0 and at most ${max}`,
    );
  }
  return value;
}

/**
 * Validates the live flags. The region falls back to `AWS_REGION` / `AWS_DEFAULT_REGION` as the
 * AWS CLI does ({@link collectLive} also gives it the profile's region).
 *
 * @throws InputError listing every bad flag.
 */
export function parseLiveOptions(options: LiveOptions, env: NodeJS.ProcessEnv = process.env): LiveSettings {
  const problems: string[] = [];
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const regions = options.regions !== undefined ? list(options.regions) : region ? [region] : [];
  if (options.regions !== undefined && regions.length === 0)
    problems.push('--regions: give at least one region');
  if (regions.length === 0 && options.regions === undefined) {
    problems.push('no region: pass --region or --regions, or set AWS_REGION');
  }
  // A Set: without --regions the region is also the one region to audit, and is reported once.
  for (const name of new Set([...(region ? [region] : []), ...regions])) {
    if (!REGION.test(name)) problems.push(`region "${name}": expected a region name like eu-west-1`);
  }
  const listed = options.accounts !== undefined ? list(options.accounts) : undefined;
  if (listed !== undefined && listed.length === 0)
    problems.push('--accounts: give at least one account id, or org');
  const discover = listed?.includes('org') === true;
  const accounts = listed?.filter((account) => account !== 'org');
  for (const account of accounts ?? []) {
    if (!ACCOUNT_ID.test(account)) problems.push(`--accounts: "${account}" is not a 12-digit account id`);
  }
  const units = options.ou !== undefined ? list(options.ou) : undefined;
  const exclude = options.excludeAccounts !== undefined ? list(options.excludeAccounts) : undefined;
  if (!discover && (units !== undefined || exclude !== undefined)) {
    problems.push(
      `${units !== undefined ? '--ou' : '--exclude-accounts'} needs --accounts org: it narrows the accounts discovered through AWS Organizations`,
    );
  }
  for (const unit of units ?? []) {
    if (!ORGANIZATION_PARENT_PATTERN.test(unit))
      problems.push(`--ou: "${unit}" is not an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)`);
  }
  if (units !== undefined && units.length === 0) problems.push('--ou: give at least one OU id');
  for (const account of exclude ?? []) {
    if (!ACCOUNT_ID.test(account))
      problems.push(`--exclude-accounts: "${account}" is not a 12-digit account id`);
  }
  if (options.roleName !== undefined && !ROLE_NAME.test(options.roleName)) {
    problems.push(
      `--role-name "${options.roleName}": expected an IAM role name (letters, digits, +=,.@_-; 1-64)`,
    );
  }
  if (options.externalId !== undefined && options.roleName === undefined) {
    problems.push('--external-id needs --role-name: the external id is sent when assuming that role');
  }
  if (options.endpointUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(options.endpointUrl)) {
    problems.push(`--endpoint-url "${options.endpointUrl}": expected an http:// or https:// URL`);
  }
  // Runs one number check; a bad value joins the problems and reads as unset.
  const checked = (parse: () => number | undefined): number | undefined => {
    try {
      return parse();
    } catch (error) {
      problems.push((error as InputError).message);
      return undefined;
    }
  };
  const cloudTrailDays =
    checked(() => wholeNumber('--cloudtrail-days', options.cloudtrailDays, 1, MAX_CLOUDTRAIL_DAYS)) ??
    MAX_CLOUDTRAIL_DAYS;
  const accountConcurrency = checked(() => wholeNumber('--concurrency', options.concurrency, 1, 256));
  const pacing: PacingOptions = {};
  const maxInFlight = checked(() => wholeNumber('--max-in-flight', options.maxInFlight, 1, 1024));
  if (maxInFlight !== undefined) pacing.maxInFlight = maxInFlight;
  const eksPerSecond = checked(() => rate('--eks-rate', options.eksRate, 1000));
  if (eksPerSecond !== undefined) pacing.eksPerSecond = eksPerSecond;
  const iamPerSecond = checked(() => rate('--iam-rate', options.iamRate, 1000));
  if (iamPerSecond !== undefined) pacing.iamPerSecond = iamPerSecond;
  const timeoutSeconds = checked(() => wholeNumber('--request-timeout', options.requestTimeout, 1, 3600));
  const requestTimeoutMs = timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000;
  // The SDK's own variable, as the AWS CLI honours it; the flag wins.
  const maxAttempts = checked(
    () =>
      wholeNumber('--max-attempts', options.maxAttempts, 1, 20) ??
      wholeNumber('AWS_MAX_ATTEMPTS', env.AWS_MAX_ATTEMPTS, 1, 20),
  );
  if (problems.length > 0) throw new InputError('invalid live collection flags', problems);

  return {
    factory: {
      region: region ?? regions[0],
      ...(options.profile !== undefined ? { profile: options.profile } : {}),
      ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
      ...(options.roleName !== undefined ? { roleName: options.roleName } : {}),
      ...(options.externalId !== undefined ? { externalId: options.externalId } : {}),
      ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
      ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    },
    accounts: accounts === undefined ? undefined : [...new Set(accounts)],
    ...(discover
      ? {
          organization: {
            ...(units !== undefined ? { units: [...new Set(units)] } : {}),
            ...(exclude !== undefined ? { exclude: [...new Set(exclude)] } : {}),
            source: '--accounts org',
          },
        }
      : {}),
    regions: [...new Set(regions)],
    cloudTrail: options.cloudtrail !== false,
    cloudTrailDays,
    accountConcurrency,
    ...(Object.keys(pacing).length > 0 ? { pacing } : {}),
  };
}

export type { ProgressStream } from './progress.js';

export interface LiveRunOptions {
  /** Show progress on stderr (updated in place on a terminal, plain lines otherwise). */
  progress?: boolean;
  /** Progress destination; default `process.stderr`. */
  stream?: ProgressStream;
  /** The time and ticker of the progress line; default the wall clock. */
  timer?: ProgressTimer;
  /** Starting identity instead of the standard chain (the in-process sandbox of `demo`). */
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** "Now" of the snapshot. */
  now?: Date;
}

/** A live collection's snapshot with the factory that made it (for API-call accounting). */
export interface LiveCollection {
  snapshot: Snapshot;
  factory: ClientFactory;
  settings: LiveSettings;
  /** The caller's region (`--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's), when set. */
  callerRegion?: CallerRegion;
  /** With `--accounts org`: what AWS Organizations listed. */
  discovery?: AccountDiscovery;
}

/**
 * The starting identity could not be used at all (no credentials, a profile that does not exist,
 * an endpoint that refuses connections): nothing can be collected. The CLI prints it and exits 1.
 */
export class StartingIdentityError extends InputError {
  override name = 'StartingIdentityError';
}

/** The starting identity's account, or a {@link StartingIdentityError} saying why there is none. */
export async function startingIdentity(factory: ClientFactory): Promise<{ accountId: string; arn: string }> {
  try {
    return await factory.callerIdentity();
  } catch (error) {
    throw startingIdentityError(error, failureContext(factory));
  }
}

/** What a factory knows about where its calls go, for {@link explainAwsFailure}. */
export function failureContext(factory: Pick<ClientFactory, 'options'>): FailureContext {
  const { endpointUrl, requestTimeoutMs } = factory.options;
  const profile = factory.options.profile ?? process.env.AWS_PROFILE;
  return {
    ...(endpointUrl !== undefined ? { endpointUrl } : {}),
    ...(profile ? { profile } : {}),
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
  };
}

function startingIdentityError(error: unknown, context: FailureContext): StartingIdentityError {
  const explained = explainAwsFailure(error, context);
  if (explained !== undefined) {
    const message = isCredentialsFailure(error)
      ? `no AWS credentials for live collection: ${explained}; or audit a collected snapshot with --snapshot FILE`
      : `the starting identity failed, nothing was collected: ${explained}`;
    return new StartingIdentityError(message, [], { cause: error });
  }
  const record = toCollectionError('sts', 'GetCallerIdentity', error);
  return new StartingIdentityError(
    `the starting identity failed, nothing was collected: ${describeFailure(record)}`,
    [record.message],
    { cause: error },
  );
}

/**
 * Collects a snapshot with the live flags: validates them, builds the client factory, resolves the
 * default account, and shows progress.
 *
 * @throws InputError for bad flags, or for accounts other than the caller's without `--role-name`.
 */
export async function collectLive(options: LiveOptions, run: LiveRunOptions = {}): Promise<LiveCollection> {
  // The caller's region (the profile's too) is the clients' default and, without --regions, the one audited.
  const callerRegion = await resolveCallerRegion(options);
  const settings = parseLiveOptions(callerRegion ? { ...options, region: callerRegion.region } : options);
  // Progress starts before the first call: the starting identity is where a dead endpoint shows.
  const stream = run.stream ?? process.stderr;
  const progress = run.progress ? collectionProgress(stream, run.timer) : undefined;
  const observer = bothObservers(progress?.observer, runObserver(stream));
  // The clients and collectors load only for a live run: an audit of a snapshot never needs them.
  const { createClientFactory } = await import('../shared/aws/clients.js');
  const factory = createClientFactory({
    ...settings.factory,
    ...(run.credentials !== undefined ? { credentials: run.credentials } : {}),
    ...(observer ? { observer } : {}),
  });
  try {
    return await collectWith(factory, settings, run, progress, callerRegion);
  } finally {
    progress?.done();
  }
}

async function collectWith(
  factory: ClientFactory,
  settings: LiveSettings,
  run: LiveRunOptions,
  progress: CollectionProgress | undefined,
  callerRegion: CallerRegion | undefined,
): Promise<LiveCollection> {
  // Without a member role every account is read as the starting identity: it must work, and be the
  // one asked for. Without --accounts the caller's own account is collected.
  let accounts = settings.accounts;
  let discovery: AccountDiscovery | undefined;
  if (settings.organization) {
    const { discoverAccounts } = await import('../shared/collect/organizations.js');
    discovery = await discoverAccounts(factory.organizations(), settings.organization);
    const excluded = new Set(settings.organization.exclude ?? []);
    accounts = [...new Set([...discovery.accounts, ...(accounts ?? [])])]
      .filter((account) => !excluded.has(account))
      .sort();
    if (run.progress) (run.stream ?? process.stderr).write(`${discoveryLine(discovery)}\n`);
    if (accounts.length === 0) {
      throw new InputError(
        `--accounts org: organization ${discovery.organizationId} has no ACTIVE account in scope${settings.organization.units ? ` (--ou ${settings.organization.units.join(',')})` : ''}; nothing to audit`,
      );
    }
  }
  if (settings.factory.roleName === undefined || accounts === undefined) {
    const caller = await startingIdentity(factory);
    const others = (accounts ?? []).filter((account) => account !== caller.accountId);
    if (settings.factory.roleName === undefined && others.length > 0) {
      throw new InputError(
        `--role-name is required to collect accounts other than the caller's (${caller.accountId}): ${others.join(', ')}`,
      );
    }
    accounts ??= [caller.accountId];
  }
  const { collectSnapshot } = await import('../shared/collect/index.js');
  const snapshot = await collectSnapshot({
    factory,
    accounts,
    regions: settings.regions,
    cloudTrail: settings.cloudTrail,
    cloudTrailDays: settings.cloudTrailDays,
    ...(run.now ? { now: run.now } : {}),
    ...(settings.accountConcurrency ? { concurrency: { accounts: settings.accountConcurrency } } : {}),
    ...(settings.pacing ? { pacing: settings.pacing } : {}),
    ...(progress ? { onProgress: progress.onProgress } : {}),
  });
  return {
    snapshot,
    factory,
    settings,
    ...(callerRegion ? { callerRegion } : {}),
    ...(discovery ? { discovery } : {}),
  };
}

/** One line on what discovery found: the organization, the ACTIVE accounts, and those left out and why. */
export function discoveryLine(discovery: AccountDiscovery): string {
  const skipped = discovery.inactive.map((entry) => `${entry.accountId} ${entry.state}`);
  return (
    `organization ${discovery.organizationId}: ${discovery.accounts.length} ACTIVE account(s) to audit` +
    (skipped.length > 0 ? `; not ACTIVE, not audited: ${skipped.join(', ')}` : '') +
    (discovery.excluded.length > 0 ? `; excluded: ${discovery.excluded.join(', ')}` : '')
  );
}
