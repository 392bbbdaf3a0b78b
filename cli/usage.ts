import type { Command } from 'commander';
import type { ClientFactory } from '../shared/aws/clients.js';
import { DEFAULT_UNUSED_AFTER_DAYS } from '../shared/baseline/index.js';
import type { CheckContext } from '../shared/checks/types.js';
import { type LedgerUpdate, updateLedgers } from '../shared/collect/usage/incremental.js';
import { S3TrailObjectSource, updateFromOrgTrail } from '../shared/collect/usage/org-trail.js';
import { parseLedgerLocation, S3LedgerStore } from '../shared/collect/usage/store.js';
import { type CollectionSummary, collectionHeadline } from '../shared/collect/verdict.js';
import { InputError } from '../shared/errors.js';
import type { Inventory } from '../shared/model/inventory.js';
import { cleanText, MAX_IDENTIFIER_LENGTH } from '../shared/report/escape.js';
import { ledgerUsageWindow } from '../shared/run/usage.js';
import { type BackfillSummary, backfillSummary } from '../shared/usage/backfill.js';
import { listWorkloadUsage, type UsageListing } from '../shared/usage-listing.js';
import type { RegisterCommand } from './commands.js';
import {
  addAllowIncompleteOption,
  type CompletenessOptions,
  inventoryCollection,
  reportCollection,
} from './completeness.js';
import { loadAuditInputs, type SourceOptions } from './inputs.js';
import { addLiveOptions } from './live-options.js';
import { checkOutputPath, emit, log } from './output.js';
import {
  addUsageSourceOptions,
  type CliUsageSource,
  parseUsageSource,
  type UsageSourceOptions,
} from './usage-source.js';

interface UsageOptions extends SourceOptions, CompletenessOptions, UsageSourceOptions {
  baseline?: string;
  format?: string;
  output?: string;
  usageLedger?: string;
}

/** Usage evidence served by the persisted ledgers, and what updating them did. */
export interface LedgerUsage {
  usageIndex: NonNullable<CheckContext['usageIndex']>;
  updates: LedgerUpdate[];
  /** How far the ledgers are from covering the window ("usage known for N of M account-regions, …"). */
  backfill: BackfillSummary;
  /**
   * The inventory with each region's CloudTrail scope judged by its ledger's coverage of the usage
   * window (it was collected without CloudTrail, so it has no window of its own).
   */
  inventory: Inventory;
}

/**
 * Brings the ledgers of every collected account-region up to the inventory's `capturedAt` and
 * serves the usage checks from them (for `audit` and `usage` with `--usage-ledger`). The
 * inventory should be collected without CloudTrail: the ledgers replace the 90-day scan.
 *
 * @example const { usageIndex } = await ledgerUsage(factory, inventory, 's3://audit-state/ledgers');
 */
export async function ledgerUsage(
  factory: ClientFactory,
  inventory: Inventory,
  location: string,
  windowDays: number = DEFAULT_UNUSED_AFTER_DAYS,
  source: CliUsageSource = { kind: 'lookup' },
): Promise<LedgerUsage> {
  const store = new S3LedgerStore(factory.s3(), parseLedgerLocation(location));
  const reachable = inventory.accounts.filter((account) => account.errors.length === 0);
  const accounts = reachable.map((account) => account.accountId);
  const regions = [...new Set(reachable.flatMap((account) => account.regions))];
  const now = new Date(inventory.capturedAt);
  const updates =
    source.kind === 'org-trail'
      ? []
      : await updateLedgers({ factory, accounts, regions, store, now, backfillDays: windowDays });
  const ledgers =
    source.kind === 'org-trail'
      ? (
          await updateFromOrgTrail({
            source: new S3TrailObjectSource(factory.s3(), source.trail.bucket),
            location: source.trail,
            store,
            accounts,
            regions,
            now,
            windowDays,
          })
        ).flatMap((update) => (update.ledger ? [update.ledger] : []))
      : updates.map((update) => update.ledger);
  const backfill = backfillSummary(
    ledgers,
    reachable.map((account) => ({ accountId: account.accountId, regions: account.regions })),
    now,
    { windowDays, source: source.kind },
  );
  const window = ledgerUsageWindow(inventory, ledgers, {
    days: windowDays,
    describe: (accountId, region) => `the usage ledger of ${accountId} ${region} under ${location}`,
  });
  return { ...window, updates, backfill };
}

/** One line per ledger update, for stderr. */
export function describeUpdate(update: LedgerUpdate): string {
  const what = update.backfill ? `backfilled (${update.backfill.reason})` : 'read from the high-water mark';
  const problems =
    update.errors.length > 0 ? `; ${update.errors.length} lookup error(s): coverage gap recorded` : '';
  const retries = update.writeAttempts > 1 ? `; ${update.writeAttempts} write attempts` : '';
  return `ledger ${update.location}: ${what} ${update.read.from} – ${update.read.to}, ${update.eventsRead} event(s)${problems}${retries}`;
}

/**
 * The listing as a fixed-width table: text from AWS made single-line and control-free, invisible
 * characters shown, each cell cut at the report's identifier maximum.
 */
export function renderUsageTable(listing: UsageListing, collection?: CollectionSummary): string {
  const header = [
    'STATUS',
    'VIA',
    'ACCOUNT',
    'REGION',
    'CLUSTER',
    'NAMESPACE/SA',
    'ROLE',
    'LAST SEEN',
    'SOURCE',
  ];
  const rows = listing.identities.map((identity) =>
    [
      identity.status,
      identity.via,
      identity.accountId,
      identity.region,
      identity.cluster ?? '-',
      `${identity.namespace}/${identity.serviceAccount}`,
      identity.roleArn.slice(identity.roleArn.indexOf(':role/') + 6),
      identity.lastSeen ?? '-',
      identity.source ?? '-',
    ].map((cell) => cleanText(cell, MAX_IDENTIFIER_LENGTH)),
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  const counts = (['used', 'unused', 'unknown'] as const).map(
    (status) => `${listing.identities.filter((identity) => identity.status === status).length} ${status}`,
  );
  const headline = collection ? collectionHeadline(collection) : undefined;
  return [
    ...(headline ? [cleanText(headline)] : []),
    `Workload identity usage, ${listing.window.days} days to ${listing.window.to}: ${counts.join(', ')}`,
    '',
    line(header),
    ...rows.map(line),
  ].join('\n');
}

/**
 * `usage [--format table|json] (--snapshot FILE | live flags [--usage-ledger s3://…]) [--baseline FILE]`:
 * every workload identity with its last use, the evidence source and whether it is used, unused
 * or unknown.
 */
export const registerUsage: RegisterCommand = (program: Command, setExit) => {
  const command = program
    .command('usage')
    .description(
      'List every workload identity with its last use, evidence source and status (used, unused, unknown).',
    )
    .option('--snapshot <file>', 'snapshot file (format v1) instead of collecting live')
    .option('--baseline <location>', 'baseline file or s3://BUCKET/KEY: its window and scope')
    .option('--format <format>', 'table or json (default: table on a terminal, json otherwise)')
    .option('--output <file>', 'write the listing to this file instead of stdout')
    .option(
      '--usage-ledger <s3uri>',
      'keep CloudTrail evidence in incremental ledgers under s3://BUCKET/PREFIX instead of scanning 90 days',
    );
  addAllowIncompleteOption(addUsageSourceOptions(addLiveOptions(command)), 'list what could be read').action(
    async (options: UsageOptions) => {
      const format = (options.format ?? (process.stdout.isTTY ? 'table' : 'json')).toLowerCase();
      if (format !== 'table' && format !== 'json') {
        throw new InputError(`--format must be table or json (got "${options.format}")`);
      }
      await checkOutputPath(options.output, ['table', 'json']);
      if (options.usageLedger !== undefined && options.snapshot !== undefined) {
        throw new InputError(
          '--usage-ledger updates ledgers from live CloudTrail; it cannot be combined with --snapshot',
        );
      }
      if (options.usageLedger !== undefined) parseLedgerLocation(options.usageLedger);
      const usageSource = parseUsageSource(options);
      const source: UsageOptions =
        options.usageLedger !== undefined ? { ...options, cloudtrail: false } : options;
      const inputs = await loadAuditInputs(source, { progress: true });
      let usageIndex: CheckContext['usageIndex'];
      let { inventory } = inputs;
      if (options.usageLedger !== undefined) {
        if (!inputs.factory) throw new InputError('--usage-ledger needs live collection');
        const ledger = await ledgerUsage(
          inputs.factory,
          inputs.inventory,
          options.usageLedger,
          inputs.baseline?.settings.unusedAfterDays,
          usageSource,
        );
        for (const update of ledger.updates) log(describeUpdate(update));
        log(ledger.backfill.text);
        usageIndex = ledger.usageIndex;
        inventory = ledger.inventory;
      }
      // An empty listing of a run that read nothing would read as "no workload identity": say why instead.
      const collection = inventoryCollection(inventory, inputs.notCollected);
      if (reportCollection(collection, options)) {
        setExit(1);
        return;
      }
      const listing = listWorkloadUsage({
        inventory,
        ...(inputs.baseline ? { baseline: inputs.baseline } : {}),
        ...(usageIndex ? { usageIndex } : {}),
      });
      const text =
        format === 'json'
          ? JSON.stringify({ collection, ...listing }, null, 2)
          : renderUsageTable(listing, collection);
      await emit(text, options.output);
    },
  );
};
