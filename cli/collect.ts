import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { checkOutputPath, emit, log, warn } from './output.js';

interface CollectCommandOptions extends LiveOptions, CompletenessOptions {
  output?: string;
}

/**
 * Writes the snapshot whole (a temporary file renamed over `file`); when that fails after all (the
 * disk filled, the directory went away), the snapshot is kept in the system's temporary directory
 * and the message says where.
 *
 * @returns false when the snapshot could not be written to `file`.
 */
export async function saveSnapshot(
  text: string,
  file: string,
  fallbackDirectory: string = tmpdir(),
): Promise<boolean> {
  try {
    await emit(text, file);
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const fallback = join(fallbackDirectory, `eks-identity-audit-snapshot-${Date.now()}.json`);
    try {
      await emit(text, fallback);
      warn(`error: cannot write ${file} (${reason}); the snapshot was saved to ${fallback} instead`);
    } catch {
      warn(`error: cannot write ${file} (${reason}) nor ${fallback}; the snapshot follows on stdout`);
      await emit(text);
    }
    return false;
  }
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
    // An unwritable --output is found before the collection, not after it.
    await checkOutputPath(options.output, ['json']);
    const { snapshot, factory } = await collectLive(options, { progress: true });
    const text = writeSnapshot(snapshot);
    if (options.output === undefined) await emit(text);
    else if (!(await saveSnapshot(text, options.output))) {
      setExit(1);
      return;
    }
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
