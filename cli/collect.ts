import type { Command } from 'commander';
import { summarizeSnapshot } from '../shared/collect/summary.js';
import { writeSnapshot } from '../shared/snapshot/index.js';
import type { RegisterCommand } from './commands.js';
import {
  addAllowIncompleteOption,
  type CompletenessOptions,
  reportCollection,
  snapshotCollection,
} from './completeness.js';
import { addLiveOptions, collectLive, type LiveOptions } from './live-options.js';
import { emit, log } from './output.js';

interface CollectCommandOptions extends LiveOptions, CompletenessOptions {
  output?: string;
}

/** Lines about scopes that could not be fully collected; more than this many are summarized. */
const MAX_ERROR_LINES = 20;

/**
 * `collect [--output FILE] [live flags]`: collects a snapshot (format v1) from AWS and writes it to
 * the file, or to stdout. A summary goes to stderr. Scopes that failed are recorded in the snapshot
 * (the audit reports them as COLLECTION_INCOMPLETE): a partial collection exits 0, but one that
 * could not read a requested account or region at all exits 1 (the snapshot is written all the
 * same) unless `--allow-incomplete`.
 */
export const registerCollect: RegisterCommand = (program: Command, setExit) => {
  addAllowIncompleteOption(
    addLiveOptions(
      program
        .command('collect')
        .description('Collect a snapshot of IAM roles, OIDC providers, EKS clusters and CloudTrail evidence.')
        .option('--output <file>', 'write the snapshot to this file instead of stdout'),
    ),
    'exit 0 with what could be read',
  ).action(async (options: CollectCommandOptions) => {
    const { snapshot, factory } = await collectLive(options, { progress: true });
    await emit(writeSnapshot(snapshot), options.output);
    const summary = summarizeSnapshot(snapshot);
    log(
      `collected ${summary.accounts} account(s), ${summary.clusters} cluster(s), ${summary.associations} association(s), ` +
        `${summary.roles} role(s), ${summary.events} event(s); ${summary.incomplete.length} incomplete scope(s); ` +
        `${factory.apiCallCount()} API call(s)`,
    );
    for (const { scope, errors } of summary.incomplete.slice(0, MAX_ERROR_LINES)) {
      for (const error of errors) {
        log(
          `  incomplete: ${scope}: ${error.code} on ${error.service}:${error.operation}${error.resource ? ` (${error.resource})` : ''}`,
        );
      }
    }
    if (summary.incomplete.length > MAX_ERROR_LINES) {
      log(
        `  … and ${summary.incomplete.length - MAX_ERROR_LINES} more incomplete scope(s) (see errors[] in the snapshot)`,
      );
    }
    if (options.output) log(`snapshot written to ${options.output}`);
    if (reportCollection(snapshotCollection(snapshot), options)) setExit(1);
  });
};
