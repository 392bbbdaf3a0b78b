import type { Command } from 'commander';
import { expiredExceptions } from '../shared/baseline/exceptions.js';
import { loadBaselineFile } from '../shared/baseline/parse.js';
import type { Baseline } from '../shared/baseline/types.js';
import { plural as pluralWord } from '../shared/text.js';
import type { RegisterCommand } from './commands.js';
import { log } from './output.js';

/** `1 account`, `2 accounts`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${pluralWord(count, one, many)}`;
}

/**
 * The one-line summary of a valid baseline, e.g. `baseline.yaml: valid — 2 logical clusters
 * (3 member clusters), 5 Pod Identity bindings, 2 IRSA bindings, 1 exception`.
 */
export function baselineSummary(baseline: Baseline): string {
  const members = baseline.clusters.reduce((total, cluster) => total + cluster.members.length, 0);
  return (
    `${baseline.source.name}: valid — ${plural(baseline.clusters.length, 'logical cluster')} ` +
    `(${plural(members, 'member cluster')}), ${plural(baseline.podIdentity.length, 'Pod Identity binding')}, ` +
    `${plural(baseline.irsa.length, 'IRSA binding')}, ${plural(baseline.exceptions.length, 'exception')}`
  );
}

/** The `baseline` command, without its subcommands. */
export function addBaselineCommand(program: Command): Command {
  return program.command('baseline').description('Validate a baseline, or write one from what is deployed.');
}

/** `baseline validate FILE`: a summary, or every problem with its file:line:column. */
export function addValidateCommand(baseline: Command): void {
  baseline
    .command('validate')
    .description('Check a baseline file; print a summary, or every problem with its file:line:column.')
    .argument('<file>', 'baseline YAML or JSON file')
    .action(async (file: string) => {
      const parsed = await loadBaselineFile(file);
      process.stdout.write(`${baselineSummary(parsed)}\n`);
      // An expired exception is valid syntax but no longer suppresses anything: worth a note.
      for (const exception of expiredExceptions(parsed, new Date())) {
        const where = exception.location ? `${exception.location.file}:${exception.location.line}` : file;
        log(`note: ${where} exception for ${exception.check} expired on ${exception.expires}`);
      }
    });
}

/**
 * `baseline validate` alone: what a run of that command registers, so it loads neither the live
 * collection (the AWS SDK) nor the baseline generator (`cli/baseline.ts` registers both subcommands).
 */
export const registerBaselineValidate: RegisterCommand = (program) => {
  addValidateCommand(addBaselineCommand(program));
};
