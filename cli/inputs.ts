import type { ClientFactory } from '../shared/aws/clients.js';
import { errorCode, errorMessage } from '../shared/aws/errors.js';
import { type CallerRegion, resolveCallerRegion } from '../shared/aws/region.js';
import { loadBaselineFile } from '../shared/baseline/parse.js';
import type { Baseline } from '../shared/baseline/types.js';
import type { NotCollected } from '../shared/collect/verdict.js';
import { InputError } from '../shared/errors.js';
import type { Inventory } from '../shared/model/inventory.js';
import {
  BaselineNotFoundError,
  type BaselineText,
  baselineLocation,
  parseBaselineText,
  readBaselineObjectText,
} from '../shared/run/baseline-source.js';
import { baselineScope, planScopes } from '../shared/run/scope.js';
import {
  DEFAULT_MAX_SNAPSHOT_BYTES,
  loadInventory,
  normalizeSnapshot,
  type Snapshot,
} from '../shared/snapshot/index.js';
import { explainAwsFailure, type FailureContext } from './failures.js';
import { collectLive, failureContext, type LiveOptions, type LiveRunOptions } from './live-options.js';
import { runObserver } from './progress.js';

/** Flags that choose the inventory: `--snapshot FILE`, or the live flags. */
export interface SourceOptions extends LiveOptions {
  snapshot?: string;
  /** `--max-snapshot-size MiB`: refuse larger snapshot files (default 512). */
  maxSnapshotSize?: string;
}

/**
 * `--max-snapshot-size` in bytes: a positive number of MiB, or the default when not given.
 *
 * @throws InputError for anything but a positive number.
 */
export function maxSnapshotBytes(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_SNAPSHOT_BYTES;
  const mebibytes = Number(text);
  if (!Number.isFinite(mebibytes) || mebibytes <= 0) {
    throw new InputError(`--max-snapshot-size must be a positive number of MiB (got "${text}")`);
  }
  return Math.floor(mebibytes * 2 ** 20);
}

/** What an audit-like command works on. */
export interface AuditInputs {
  baseline?: Baseline;
  inventory: Inventory;
  /** The live snapshot (absent for `--snapshot`). */
  snapshot?: Snapshot;
  /** The client factory of a live run, or of the S3 baseline read. */
  factory?: ClientFactory;
  /**
   * The caller's region (`--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's), when set and
   * looked up: for a live run or an S3 baseline, not for an audit of files.
   */
  callerRegion?: CallerRegion;
  /**
   * Accounts and regions the baseline declares that a `--snapshot` does not hold: they could not
   * be read, as surely as an account whose AssumeRole failed. Empty for a live collection, which
   * reads exactly what was asked for.
   */
  notCollected: NotCollected[];
}

const LIVE_ONLY_FLAGS: Array<[keyof LiveOptions, string]> = [
  ['accounts', '--accounts'],
  ['ou', '--ou'],
  ['excludeAccounts', '--exclude-accounts'],
  ['regions', '--regions'],
  ['roleName', '--role-name'],
  ['externalId', '--external-id'],
];

/**
 * A client factory for the starting identity only (reading `s3://` baselines, publishing) when no
 * live collection made one: in the caller's region ({@link resolveCallerRegion}); `us-east-1`
 * when none is set (S3 then names the bucket's region if it is another). The AWS SDK is loaded
 * here, when a run first needs it, not when the CLI starts.
 */
export async function startingIdentityFactory(
  options: LiveOptions,
  run: LiveRunOptions,
  callerRegion?: CallerRegion,
): Promise<ClientFactory> {
  const { createClientFactory } = await import('../shared/aws/clients.js');
  const observer = runObserver(run.stream);
  return createClientFactory({
    region: callerRegion?.region ?? 'us-east-1',
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
    ...(run.credentials !== undefined ? { credentials: run.credentials } : {}),
    ...(observer ? { observer } : {}),
  });
}

/**
 * Loads a baseline from a file or `s3://BUCKET/KEY` (keeping the object's ETag and version id for
 * the report); `factory` is asked for clients only for an S3 baseline.
 */
export async function loadBaseline(
  location: string,
  factory: () => Promise<ClientFactory>,
): Promise<Baseline> {
  const where = baselineLocation(location);
  if (where.kind === 'file') return loadBaselineFile(where.path);
  const clients = await factory();
  let read: BaselineText;
  try {
    read = await readBaselineObjectText(clients.s3(), where);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const failure = error instanceof BaselineNotFoundError ? error.cause : error;
    const reason = s3FailureText(failure, failureContext(clients));
    throw new InputError(`--baseline ${location}: cannot read the baseline (${reason})`, [], {
      cause: failure,
    });
  }
  return parseBaselineText({ ...read, provenance: { ...read.provenance, source: location } });
}

/**
 * An S3 failure as text; a bucket in another region than the client's says which region to use
 * (S3 answers `PermanentRedirect` naming the endpoint, or `AuthorizationHeaderMalformed` naming the
 * region).
 */
export function s3FailureText(error: unknown, context: FailureContext = {}): string {
  const explained = explainAwsFailure(error, context);
  if (explained !== undefined) return explained;
  const code = errorCode(error);
  const text = `${code}: ${errorMessage(error)}`;
  const fields = error as { Endpoint?: unknown; Region?: unknown };
  const region =
    typeof fields.Region === 'string'
      ? fields.Region
      : typeof fields.Endpoint === 'string'
        ? /(?:^|[.-])s3[.-]([a-z]{2}(?:-[a-z]+)+-\d+)\./.exec(fields.Endpoint)?.[1]
        : undefined;
  if ((code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed') && region)
    return `${text}; the bucket is in ${region}: pass --region ${region} or set AWS_REGION=${region}`;
  return text;
}

/** The accounts and regions a baseline puts in scope (docs/architecture.md §5). */
export { baselineScope };

/**
 * Resolves the baseline and the inventory of an audit-like command. With `--snapshot` the inventory
 * is read from the file; otherwise it is collected live, and accounts and regions default to the
 * baseline's scope when `--accounts` / `--regions` are not given.
 *
 * @throws InputError for conflicting or missing flags, an unreadable baseline or snapshot.
 */
export async function loadAuditInputs(
  options: SourceOptions & { baseline?: string },
  run: LiveRunOptions = {},
): Promise<AuditInputs> {
  // The caller's region and the clients are looked up only when a run needs them (an S3 baseline,
  // a live collection): an audit of files does not load the AWS SDK.
  let callerRegion: Promise<CallerRegion | undefined> | undefined;
  const region = () => {
    callerRegion ??= resolveCallerRegion(options);
    return callerRegion;
  };
  let factory: Promise<ClientFactory> | undefined;
  const lazyFactory = () => {
    factory ??= region().then((resolved) => startingIdentityFactory(options, run, resolved));
    return factory;
  };
  /** What was looked up, for the commands that publish afterwards. */
  const lookedUp = async () => {
    const [resolvedRegion, madeFactory] = await Promise.all([callerRegion, factory]);
    return {
      ...(madeFactory ? { factory: madeFactory } : {}),
      ...(resolvedRegion ? { callerRegion: resolvedRegion } : {}),
    };
  };
  if (options.snapshot !== undefined) {
    const conflicting = LIVE_ONLY_FLAGS.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
    if (conflicting.length > 0) {
      throw new InputError(`--snapshot reads a collected snapshot; drop ${conflicting.join(', ')}`);
    }
    const maxBytes = maxSnapshotBytes(options.maxSnapshotSize);
    const baseline = options.baseline ? await loadBaseline(options.baseline, lazyFactory) : undefined;
    // Audit-like commands read CloudTrail records only as usage evidence.
    const inventory = await loadInventory(options.snapshot, { maxBytes, cloudTrailDetail: 'evidence' });
    return {
      baseline,
      inventory,
      ...(await lookedUp()),
      notCollected: baseline ? notCollectedBy(inventory, baseline) : [],
    };
  }
  await region();
  const baseline = options.baseline ? await loadBaseline(options.baseline, lazyFactory) : undefined;
  // The flags, else the baseline, choose what to collect; the clients' own region stays the caller's.
  // A flag is one comma-separated list here, checked later with the other live flags.
  const scope = planScopes(baseline, {
    mode: 'replace',
    ...(options.accounts !== undefined ? { accounts: [options.accounts] } : {}),
    ...(options.regions !== undefined ? { regions: [options.regions] } : {}),
  });
  const live: LiveOptions = {
    ...options,
    ...(scope.accounts ? { accounts: scope.accounts.join(',') } : {}),
    ...(scope.regions ? { regions: scope.regions.join(',') } : {}),
  };
  if (baseline?.organization && options.accounts === undefined) {
    // The baseline says `accounts: org`: discover them, with the declared clusters' accounts besides.
    live.accounts = ['org', ...(scope.accounts ?? [])].join(',');
    if (live.ou === undefined && baseline.organization.units) live.ou = baseline.organization.units.join(',');
    if (live.excludeAccounts === undefined && baseline.organization.exclude.length > 0)
      live.excludeAccounts = baseline.organization.exclude.join(',');
  }
  const collection = await collectLive(live, run);
  return {
    baseline,
    inventory: normalizeSnapshot(collection.snapshot),
    snapshot: collection.snapshot,
    ...(await lookedUp()),
    factory: collection.factory,
    notCollected: [],
  };
}

/**
 * The baseline's accounts a snapshot does not hold, and the declared clusters' regions it does not
 * hold for an account it read.
 */
export function notCollectedBy(inventory: Inventory, baseline: Baseline): NotCollected[] {
  const held = new Map(inventory.accounts.map((account) => [account.accountId, account]));
  const missing: NotCollected[] = baselineScope(baseline)
    .accounts.filter((accountId) => !held.has(accountId))
    .map((accountId) => ({ accountId }));
  const regions = new Set(baseline.clusters.map((cluster) => `${cluster.account}\u0000${cluster.region}`));
  for (const key of [...regions].sort()) {
    const [accountId, region] = key.split('\u0000');
    const account = held.get(accountId);
    if (account && account.errors.length === 0 && !account.regions.includes(region))
      missing.push({ accountId, region });
  }
  return missing;
}
