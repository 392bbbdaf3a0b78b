import type { ClientFactory } from '../shared/aws/clients.js';
import { createClientFactory } from '../shared/aws/clients.js';
import { getObjectText } from '../shared/aws/s3.js';
import { type Baseline, loadBaselineFile, parseBaseline } from '../shared/baseline/index.js';
import { InputError } from '../shared/errors.js';
import type { Inventory } from '../shared/model/inventory.js';
import {
  DEFAULT_MAX_SNAPSHOT_BYTES,
  loadInventory,
  normalizeSnapshot,
  type Snapshot,
} from '../shared/snapshot/index.js';
import { collectLive, type LiveOptions, type LiveRunOptions } from './live-options.js';

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
}

const LIVE_ONLY_FLAGS: Array<[keyof LiveOptions, string]> = [
  ['accounts', '--accounts'],
  ['regions', '--regions'],
  ['roleName', '--role-name'],
  ['externalId', '--external-id'],
];

/**
 * A client factory for the starting identity only (reading `s3://` baselines, publishing) when no
 * live collection made one.
 */
export function startingIdentityFactory(options: LiveOptions, run: LiveRunOptions): ClientFactory {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return createClientFactory({
    region,
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
    ...(run.credentials !== undefined ? { credentials: run.credentials } : {}),
  });
}

/**
 * Loads a baseline from a file or `s3://BUCKET/KEY` (keeping the object's ETag and version id for
 * the report).
 */
export async function loadBaseline(location: string, factory: () => ClientFactory): Promise<Baseline> {
  if (!location.startsWith('s3://')) return loadBaselineFile(location);
  let object: Awaited<ReturnType<typeof getObjectText>>;
  try {
    object = await getObjectText(factory().s3(), location);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new InputError(`--baseline ${location}: cannot read the baseline (${reason})`, [], {
      cause: error,
    });
  }
  const baseline = parseBaseline(object.text, location);
  return {
    ...baseline,
    source: {
      ...baseline.source,
      ...(object.etag !== undefined ? { etag: object.etag } : {}),
      ...(object.versionId !== undefined ? { versionId: object.versionId } : {}),
    },
  };
}

/**
 * The accounts and regions a baseline puts in scope (DESIGN.md §5): the declared clusters' accounts
 * and regions, plus the extra `accounts`.
 */
export function baselineScope(baseline: Baseline): { accounts: string[]; regions: string[] } {
  const accounts = new Set<string>(baseline.clusters.map((cluster) => cluster.account));
  for (const account of baseline.accounts) accounts.add(account);
  const regions = new Set<string>(baseline.clusters.map((cluster) => cluster.region));
  return { accounts: [...accounts].sort(), regions: [...regions].sort() };
}

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
  let factory: ClientFactory | undefined;
  const lazyFactory = () => {
    factory ??= startingIdentityFactory(options, run);
    return factory;
  };
  if (options.snapshot !== undefined) {
    const conflicting = LIVE_ONLY_FLAGS.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
    if (conflicting.length > 0) {
      throw new InputError(`--snapshot reads a collected snapshot; drop ${conflicting.join(', ')}`);
    }
    const maxBytes = maxSnapshotBytes(options.maxSnapshotSize);
    const baseline = options.baseline ? await loadBaseline(options.baseline, lazyFactory) : undefined;
    const inventory = await loadInventory(options.snapshot, { maxBytes });
    return { baseline, inventory, ...(factory ? { factory } : {}) };
  }
  const baseline = options.baseline ? await loadBaseline(options.baseline, lazyFactory) : undefined;
  const live: LiveOptions = { ...options };
  if (baseline) {
    const scope = baselineScope(baseline);
    if (live.accounts === undefined && scope.accounts.length > 0) live.accounts = scope.accounts.join(',');
    if (live.regions === undefined && scope.regions.length > 0) live.regions = scope.regions.join(',');
    live.region ??= scope.regions[0];
  }
  const collection = await collectLive(live, run).catch((error: unknown) => {
    if (error instanceof Error && error.name === 'CredentialsProviderError') {
      throw new InputError(
        `no AWS credentials for live collection (${error.message}): pass --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID, or audit a collected snapshot with --snapshot FILE`,
        [],
        { cause: error },
      );
    }
    throw error;
  });
  return {
    baseline,
    inventory: normalizeSnapshot(collection.snapshot),
    snapshot: collection.snapshot,
    factory: collection.factory,
  };
}
