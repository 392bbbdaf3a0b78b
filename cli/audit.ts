import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { runAudit, undecidedFindingIds } from '../shared/audit.js';
import { resolveCallerRegion } from '../shared/aws/region.js';
import { checks } from '../shared/checks/index.js';
import { RUN_DEFAULTS } from '../shared/defaults.js';
import { InputError } from '../shared/errors.js';
import { languageFromEnvironment, parseLanguage } from '../shared/i18n/language.js';
import type { Finding } from '../shared/model/finding.js';
import { atOrAbove, parseSeverity, type Severity } from '../shared/model/severity.js';
import { REPORT_FORMATS, type ReportFormat, renderReport } from '../shared/report/index.js';
import { renderJsonChunks, STREAMED_FINDINGS_PER_CHUNK } from '../shared/report/json.js';
import { DEFAULT_MAX_SNAPSHOT_BYTES } from '../shared/snapshot/index.js';
import { reportedBackfill } from '../shared/usage/backfill.js';
import type { RegisterCommand } from './commands.js';
import {
  addAllowIncompleteOption,
  type CompletenessOptions,
  inventoryCollection,
  reportCollection,
} from './completeness.js';
import { loadAuditInputs, maxSnapshotBytes, type SourceOptions, startingIdentityFactory } from './inputs.js';
import { addLiveOptions } from './live-options.js';
import { checkOutputPath, log, useColor } from './output.js';
import {
  addPublishOptions,
  type PublishOptions,
  publishFromOptions,
  publishSettingsFromOptions,
} from './publish-options.js';
import { writeReport } from './report-writer.js';
import type { LedgerUsage } from './usage.js';
import { addUsageSourceOptions, parseUsageSource, type UsageSourceOptions } from './usage-source.js';

const EXTENSION_FORMATS: Record<string, ReportFormat> = {
  '.json': 'json',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.sarif': 'sarif',
  '.txt': 'table',
};

/**
 * The report format: `--format` when given; else the `--output` file's extension; else `table` on
 * a terminal and `json` when stdout is a pipe or file (machines read it).
 */
export function chooseFormat(
  format: string | undefined,
  output: string | undefined,
  stdoutIsTty: boolean,
): ReportFormat {
  if (format !== undefined) {
    const lower = format.toLowerCase();
    if (!(REPORT_FORMATS as readonly string[]).includes(lower)) {
      throw new InputError(`--format must be one of ${REPORT_FORMATS.join(', ')} (got "${format}")`);
    }
    return lower as ReportFormat;
  }
  if (output !== undefined) return EXTENSION_FORMATS[extname(output).toLowerCase()] ?? 'json';
  return stdoutIsTty ? 'table' : 'json';
}

/** `--fail-on`: a severity (any case) or `none` (never exit 2). */
export function parseFailOn(text: string): Severity | 'none' {
  if (text.trim().toLowerCase() === 'none') return 'none';
  const severity = parseSeverity(text);
  if (!severity) {
    throw new InputError(
      `--fail-on must be one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or none (got "${text}")`,
    );
  }
  return severity;
}

/** Exit code for a run: 2 when an unsuppressed finding is at or above the threshold, else 0. */
export function exitCodeFor(findings: Finding[], failOn: Severity | 'none'): number {
  if (failOn === 'none') return EXIT.clean;
  return findings.some((finding) => !finding.suppressed && atOrAbove(finding.severity, failOn))
    ? EXIT.findings
    : EXIT.clean;
}

/** Exit codes that an audit can end with (bad input exits 1 through `main`). */
const EXIT = { clean: 0, error: 1, findings: 2 } as const;

interface AuditOptions extends SourceOptions, PublishOptions, CompletenessOptions, UsageSourceOptions {
  usageLedger?: string;
  baseline: string;
  format?: string;
  output?: string;
  failOn: string;
  lang?: string;
  /** False with `--no-remediation`. */
  remediation: boolean;
}

/** What {@link auditFromOptions} hands back: the audit and what publishing needs, not its inputs. */
interface AuditRun {
  result: ReturnType<typeof runAudit>;
  /** A requested account or region could not be read. */
  blind: boolean;
  factory: Awaited<ReturnType<typeof loadAuditInputs>>['factory'];
}

/** Loads the inventory (a snapshot or live, usage ledgers updated) and the baseline, and audits them. */
async function auditFromOptions(
  options: AuditOptions,
  usageSource: ReturnType<typeof parseUsageSource>,
): Promise<AuditRun> {
  const startedAt = new Date().toISOString();
  // With a ledger, CloudTrail is read incrementally by the ledger update instead of a window scan.
  const sourceOptions = options.usageLedger !== undefined ? { ...options, cloudtrail: false } : options;
  const inputs = await loadAuditInputs(sourceOptions, { progress: true });
  const { baseline, factory } = inputs;
  if (!baseline) throw new InputError('audit needs --baseline');
  let { inventory } = inputs;
  let usageIndex: LedgerUsage['usageIndex'] | undefined;
  let usageEvidence: LedgerUsage['backfill'] | undefined;
  if (options.usageLedger !== undefined && factory) {
    const { describeUpdate, ledgerUsage } = await import('./usage.js');
    const ledger = await ledgerUsage(
      factory,
      inventory,
      options.usageLedger,
      baseline.settings.unusedAfterDays,
      usageSource,
    );
    for (const update of ledger.updates) log(describeUpdate(update));
    log(ledger.backfill.text);
    usageEvidence = ledger.backfill;
    usageIndex = ledger.usageIndex;
    inventory = ledger.inventory;
  }
  const collection = inventoryCollection(inventory, inputs.notCollected);
  const blind = reportCollection(collection, options);
  const result = runAudit({
    inventory,
    baseline,
    ...(usageIndex ? { usageIndex } : {}),
    runId: randomUUID(),
    startedAt,
    finishedAt: new Date().toISOString(),
  });
  // With the declared scopes a snapshot does not hold (the report's own summary sees only scopes).
  result.report.collection = collection;
  if (usageEvidence) result.report.usageEvidence = reportedBackfill(usageEvidence);
  return { result, blind, factory };
}

/**
 * `audit --baseline FILE|s3://B/K (--snapshot FILE | live flags) [--format F] [--output FILE]
 * [--fail-on SEVERITY]`.
 */
export const registerAudit: RegisterCommand = (program: Command, setExit) => {
  const command = program
    .command('audit')
    .description(
      'Audit workload identity against a baseline, from a snapshot or collected live; exit 2 when findings reach --fail-on.',
    )
    .requiredOption('--baseline <location>', 'baseline file (YAML or JSON) or s3://BUCKET/KEY')
    .option('--snapshot <file>', 'snapshot file (format v1) to audit instead of collecting live')
    .option(
      '--max-snapshot-size <MiB>',
      `refuse a larger snapshot file (default ${DEFAULT_MAX_SNAPSHOT_BYTES / 2 ** 20}; it is read account by account, so memory follows the inventory, not the file)`,
    )
    .option(
      '--format <format>',
      `report format: ${REPORT_FORMATS.join(', ')} (default: from the --output extension, else table on a terminal, json otherwise)`,
    )
    .option('--output <file>', 'write the report to this file instead of stdout')
    .option(
      '--fail-on <severity>',
      'exit 2 when an unsuppressed finding is at or above this severity, or none',
      RUN_DEFAULTS.failOn,
    )
    .option(
      '--lang <language>',
      'language of the report and notification text: en or ja (default: from LC_ALL, LC_MESSAGES or LANG); check ids, resources and commands stay as they are',
    )
    .option('--no-remediation', "table format: do not print each finding's fix under it")
    .option(
      '--usage-ledger <s3uri>',
      'keep CloudTrail usage in incremental ledgers under s3://BUCKET/PREFIX and read only what is new (live only)',
    );
  addAllowIncompleteOption(
    addUsageSourceOptions(addPublishOptions(addLiveOptions(command))),
    'audit what could be read and exit by the findings',
  ).action(async (options: AuditOptions) => {
    // Validate every input before any work, so a bad flag or baseline prints only its errors.
    const failOn = parseFailOn(options.failOn);
    const language =
      options.lang === undefined ? languageFromEnvironment(process.env) : parseLanguage(options.lang);
    maxSnapshotBytes(options.maxSnapshotSize);
    await checkOutputPath(options.output, REPORT_FORMATS);
    await checkOutputPath(options.dryRunOutput, REPORT_FORMATS, '--dry-run-output');
    const stdoutIsTty = process.stdout.isTTY === true;
    const format = chooseFormat(options.format, options.output, stdoutIsTty);
    // S3, SNS and Security Hub calls go to the caller's region, checked before anything is collected
    // (and looked up only for a run that publishes: an audit of files does not load the AWS SDK).
    const publishing = options.publish === true || options.dryRun === true;
    const callerRegion = publishing ? await resolveCallerRegion(options) : undefined;
    publishSettingsFromOptions(options, callerRegion?.region);
    if (options.usageLedger !== undefined) {
      if (options.snapshot !== undefined) {
        throw new InputError(
          '--usage-ledger updates ledgers from live CloudTrail; it cannot be combined with --snapshot',
        );
      }
      const { parseLedgerLocation } = await import('../shared/collect/usage/store.js');
      parseLedgerLocation(options.usageLedger);
    }
    const usageSource = parseUsageSource(options);
    // The inventory and the baseline stay inside `auditFromOptions`: once the findings are made,
    // nothing here holds them, so the report is written in the memory they took.
    const { result, blind, factory } = await auditFromOptions(options, usageSource);
    const pieces =
      format === 'json'
        ? renderJsonChunks(result.report, STREAMED_FINDINGS_PER_CHUNK)
        : [
            renderReport(result.report, format, {
              checks: checks.map((check) => check.meta),
              color: format === 'table' && options.output === undefined && useColor(process.stdout),
              baselineFile: options.baseline,
              language,
              remediation: options.remediation,
            }),
          ];
    await writeReport(pieces, options.output);
    const { summary } = result.report;
    log(
      `${summary.total} ${summary.total === 1 ? 'finding' : 'findings'}` +
        ` (${summary.suppressed ?? 0} suppressed), usage unknown for ${result.usageUnknown}` +
        (options.output ? `; report written to ${options.output}` : ''),
    );
    const published = publishing
      ? await publishFromOptions(options, {
          report: result.report,
          factory: factory ?? (await startingIdentityFactory(options, {}, callerRegion)),
          region: callerRegion?.region,
          undecided: undecidedFindingIds(result.unknowns),
          language,
        })
      : { exitCode: EXIT.clean };
    // A run that could not read a requested account or region, or a failed publish, is an error
    // (exit 1) whatever --fail-on says: a CI gate must never pass a run that did not look.
    setExit(blind || published.exitCode === 1 ? EXIT.error : exitCodeFor(result.findings, failOn));
  });
};
