/**
 * Every key of the audit bucket, in one place. Deployed buckets keep years of history under these
 * names, so each template here is a public contract: byte for byte, never renamed.
 *
 * ```text
 * baseline.yaml                                 the declared baseline (key configurable)
 * runs/RUN_ID/baseline.json                     the baseline plan-scopes validated, as JSON
 * runs/RUN_ID/parts/ACCOUNT.json                one account's snapshot part (snapshot v1)
 * runs/RUN_ID/join/ACCOUNT.json                 the account's join facts (snapshot v1, cross-account data only)
 * runs/RUN_ID/join.jsonl                        every account's join facts, one account per line, in plan order
 * runs/RUN_ID/shards.json                       the analysis shards (the shard Map's items)
 * runs/RUN_ID/shards/NNNNN/findings.jsonl       one shard's findings, sorted, one per line
 * runs/RUN_ID/shards/NNNNN/unknowns.jsonl       one shard's undecided questions, sorted, one per line
 * runs/RUN_ID/shards/NNNNN/summary.json         one shard's counts and scopes
 * runs/RUN_ID/trail-listings.json               the organization trail's day folders to read tonight
 * runs/RUN_ID/securityhub/manifest.json         the run's Security Hub import queue, and its chunks
 * reports/YYYY/MM/DD/RUN_ID.json|.md|.html      the reports of one run, dated by its finish (UTC)
 * reports/latest.json                           the run record: open findings and the history
 * state/usage/ACCOUNT/REGION/ledger.json        the usage ledger of one account-region
 * ```
 *
 * A leaf module: it imports nothing, so the report store and the ledger store name their keys here
 * without depending on the pipeline that uses them.
 */

/** Key prefixes of the audit bucket (each ends in `/`), for lifecycle rules and IAM grants. */
export const BUCKET_PREFIXES = {
  /** One prefix per run: the validated baseline and the snapshot parts (re-creatable; expire). */
  runs: 'runs/',
  /** The reports and `latest.json`. */
  reports: 'reports/',
  /** Run-to-run state; never expires (a lost usage ledger costs a 90-day backfill and a night of unknown usage). */
  state: 'state/',
  /** The usage ledgers inside the state prefix: `state/usage/ACCOUNT/REGION/ledger.json`. */
  usageLedgers: 'state/usage/',
} as const;

/** The report store's default prefix (`--bucket` without a prefix, and the nightly job). */
export const REPORTS_PREFIX = BUCKET_PREFIXES.reports;

/**
 * Prefix of the nightly job's ledger store (without the trailing slash, as a ledger location takes
 * it); the ledgers then live under `state/usage/`.
 */
export const LEDGER_PREFIX = 'state';

/** The run's validated baseline: `runs/RUN_ID/baseline.json`. */
export function runBaselineKey(runId: string): string {
  return `${BUCKET_PREFIXES.runs}${runId}/baseline.json`;
}

/** One account's snapshot part: `runs/RUN_ID/parts/ACCOUNT.json`. */
export function partKey(runId: string, accountId: string, batch = 0, batches = 1): string {
  // An account split into several Map items (many regions) has one part per batch of regions.
  return batches <= 1
    ? `${BUCKET_PREFIXES.runs}${runId}/parts/${accountId}.json`
    : `${BUCKET_PREFIXES.runs}${runId}/parts/${accountId}.${batch + 1}-of-${batches}.json`;
}

/** One account's join facts, beside its part: `runs/RUN_ID/join/ACCOUNT.json` (split accounts as parts). */
export function joinFactsKey(runId: string, accountId: string, batch = 0, batches = 1): string {
  return batches <= 1
    ? `${BUCKET_PREFIXES.runs}${runId}/join/${accountId}.json`
    : `${BUCKET_PREFIXES.runs}${runId}/join/${accountId}.${batch + 1}-of-${batches}.json`;
}

/** Every account's join facts in one file, built once per run: `runs/RUN_ID/join.jsonl`. */
export function joinFileKey(runId: string): string {
  return `${BUCKET_PREFIXES.runs}${runId}/join.jsonl`;
}

/** The analysis shards, the shard Map's `ItemReader` input: `runs/RUN_ID/shards.json`. */
export function shardsKey(runId: string): string {
  return `${BUCKET_PREFIXES.runs}${runId}/shards.json`;
}

/** What one analysis shard writes: `runs/RUN_ID/shards/NNNNN/findings.jsonl|unknowns.jsonl|summary.json`. */
export function shardOutputKey(
  runId: string,
  shard: number,
  file: 'findings.jsonl' | 'unknowns.jsonl' | 'summary.json',
): string {
  return `${BUCKET_PREFIXES.runs}${runId}/shards/${String(shard).padStart(5, '0')}/${file}`;
}

/** The shard Map's `ResultWriter` prefix: `runs/RUN_ID/shard-results`. */
export function shardResultsPrefix(runId: string): string {
  return `${BUCKET_PREFIXES.runs}${runId}/shard-results`;
}

/** Where a run keeps its plan: the source of truth for which accounts and regions were planned. */
export function planKey(runId: string): string {
  return `${BUCKET_PREFIXES.runs}${runId}/plan.json`;
}

/** The Distributed Map's `ItemReader` input: a JSON array of collect items. */
export function itemsKey(runId: string): string {
  return `${BUCKET_PREFIXES.runs}${runId}/items.json`;
}

/**
 * The organization trail's day folders a run reads (a JSON array), for the folder Map's `ItemReader`:
 * `runs/RUN_ID/trail-listings.json`.
 */
export function trailListingsKey(runId: string): string {
  return `${BUCKET_PREFIXES.runs}${runId}/trail-listings.json`;
}

/**
 * The run's Security Hub import queue: `runs/RUN_ID/securityhub/manifest.json` (what the chunks
 * hold) and `runs/RUN_ID/securityhub/NNNNN.jsonl` (one finding to import per line), written by
 * analyze-publish and read by import-findings.
 */
export function securityHubQueueKeys(runId: string): { manifest: string; chunk: (index: number) => string } {
  const prefix = `${BUCKET_PREFIXES.runs}${runId}/securityhub/`;
  return {
    manifest: `${prefix}manifest.json`,
    chunk: (index) => `${prefix}${String(index).padStart(5, '0')}.jsonl`,
  };
}

/**
 * The Distributed Map's `ResultWriter` prefix: Step Functions writes
 * `<prefix>/<map run id>/manifest.json` and the result files there.
 */
export function resultsPrefix(runId: string): string {
  return `${BUCKET_PREFIXES.runs}${runId}/results`;
}

/** A report store prefix with its trailing `/` ('' stays the bucket root). */
function normalizedPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** The run record under a report prefix: `reports/latest.json`. */
export function latestKey(prefix: string = REPORTS_PREFIX): string {
  return `${normalizedPrefix(prefix)}latest.json`;
}

/** The three report keys of one run. */
export interface ReportKeys {
  json: string;
  markdown: string;
  html: string;
}

/**
 * Keys of one run's reports: `reports/YYYY/MM/DD/RUN_ID.json|.md|.html`, dated by the run's finish
 * time (UTC; the epoch when it is not a date). Characters outside S3's safe set in the run id
 * become `-`.
 *
 * @example reportKeys('reports/', { runId: 'r1', finishedAt: '2026-11-29T02:00:00Z' }).html // 'reports/2026/11/29/r1.html'
 */
export function reportKeys(prefix: string, run: { runId: string; finishedAt: string }): ReportKeys {
  const finished = new Date(run.finishedAt);
  const date = Number.isNaN(finished.getTime()) ? new Date(0) : finished;
  const day = `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
  const name = run.runId.replace(/[^\w.!*'()-]/g, '-');
  const base = `${normalizedPrefix(prefix)}${day}/${name}`;
  return { json: `${base}.json`, markdown: `${base}.md`, html: `${base}.html` };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * One account-region's usage ledger under a ledger prefix (no trailing slash; '' for the bucket
 * root): `[prefix/]usage/ACCOUNT/REGION/ledger.json`.
 */
export function ledgerKey(prefix: string, accountId: string, region: string): string {
  const path = `usage/${accountId}/${region}/ledger.json`;
  return prefix ? `${prefix}/${path}` : path;
}

/** `s3://bucket/key` */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
