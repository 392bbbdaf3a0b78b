import type { Command } from 'commander';
import type { TrailLocation } from '../shared/collect/usage/org-trail.js';
import { InputError } from '../shared/errors.js';
/** Where usage evidence is read from with `--usage-ledger`. */
export type CliUsageSource = { kind: 'lookup' } | { kind: 'org-trail'; trail: TrailLocation };

/** The options {@link addUsageSourceOptions} adds. */
export interface UsageSourceOptions {
  usageSource?: string;
  orgTrail?: string;
  organizationId?: string;
  usageLedger?: string;
}

/** Adds `--usage-source`, `--org-trail` and `--organization-id` (meaningful with `--usage-ledger`). */
export function addUsageSourceOptions(command: Command): Command {
  return command
    .option(
      '--usage-source <source>',
      'with --usage-ledger: lookup (LookupEvents, resumed night after night) or org-trail (the organization trail log files in S3)',
      'lookup',
    )
    .option(
      '--org-trail <s3uri>',
      'with --usage-source org-trail: the trail bucket and prefix, s3://BUCKET[/PREFIX]',
    )
    .option(
      '--organization-id <id>',
      'with --usage-source org-trail: the organization id in the log file keys (o-…)',
    );
}

/**
 * Validates the usage source flags.
 *
 * @throws InputError naming the flag when a value is invalid or a needed one is missing.
 */
export function parseUsageSource(options: UsageSourceOptions): CliUsageSource {
  const source = options.usageSource ?? 'lookup';
  if (source !== 'lookup' && source !== 'org-trail') {
    throw new InputError(`--usage-source must be lookup or org-trail (got "${source}")`);
  }
  if (source === 'lookup') {
    if (options.orgTrail !== undefined || options.organizationId !== undefined) {
      throw new InputError('--org-trail and --organization-id need --usage-source org-trail');
    }
    return { kind: 'lookup' };
  }
  if (options.usageLedger === undefined) {
    throw new InputError(
      '--usage-source org-trail keeps its progress in the ledgers: it needs --usage-ledger',
    );
  }
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(
    (options.orgTrail ?? '').trim(),
  );
  if (!match) {
    throw new InputError(
      `--org-trail must be s3://BUCKET or s3://BUCKET/PREFIX (got "${options.orgTrail ?? ''}")`,
    );
  }
  const organizationId = options.organizationId ?? '';
  if (!/^o-[a-z0-9]{10,32}$/.test(organizationId)) {
    throw new InputError(
      `--organization-id must be an organization id such as o-a1b2c3d4e5 (got "${organizationId}")`,
    );
  }
  return {
    kind: 'org-trail',
    trail: { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, ''), organizationId },
  };
}
