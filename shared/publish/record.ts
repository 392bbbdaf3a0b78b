import { z } from 'zod';
import { FindingSchema } from '../model/finding.js';
import { SEVERITIES } from '../model/severity.js';

/**
 * A finding as the run record keeps it: the report finding without its evidence (which can be large
 * and is in the stored report), plus what the lifecycle needs across runs.
 */
export const RecordedFindingSchema = FindingSchema.omit({ evidence: true }).extend({
  /** When the finding was first seen (becomes the Security Hub `CreatedAt`). */
  firstSeenAt: z.string(),
  /** The finding exists in Security Hub (imported by this or an earlier run). */
  securityHubImported: z.boolean().optional(),
  /**
   * Kept from an earlier run rather than produced by this one: its scope was not fully collected
   * (neither resolved nor new), or its archiving in Security Hub failed and is retried next run.
   */
  carried: z.enum(['unknown', 'archive-pending']).optional(),
});
export type RecordedFinding = z.infer<typeof RecordedFindingSchema>;

/** The stored objects of one run, as keys inside the bucket. */
export const RunKeysSchema = z.object({ json: z.string(), markdown: z.string(), html: z.string() });
export type RunKeys = z.infer<typeof RunKeysSchema>;

/** One line of the run history kept in `reports/latest.json`. */
export const RunHistoryEntrySchema = z.object({
  runId: z.string(),
  finishedAt: z.string(),
  keys: RunKeysSchema,
  total: z.number().int().nonnegative(),
  bySeverity: z.record(z.enum(SEVERITIES), z.number().int().nonnegative()),
  new: z.number().int().nonnegative(),
  resolved: z.number().int().nonnegative(),
  /** New findings by severity (absent in runs stored before it was kept). */
  newBySeverity: z.record(z.enum(SEVERITIES), z.number().int().nonnegative()).optional(),
  /** Resolved findings by severity (absent in runs stored before it was kept). */
  resolvedBySeverity: z.record(z.enum(SEVERITIES), z.number().int().nonnegative()).optional(),
  /** Scopes the run could not collect completely (their findings are neither new nor resolved). */
  incompleteScopes: z.number().int().nonnegative().optional(),
  /** The region the run imported its findings into (absent: Security Hub disabled, or older runs). */
  securityHubRegion: z.string().optional(),
  /** What did not go out after every retry: SNS messages, Security Hub findings. */
  publishFailures: z
    .object({ sns: z.number().int().nonnegative(), securityHub: z.number().int().nonnegative() })
    .optional(),
});
export type RunHistoryEntry = z.infer<typeof RunHistoryEntrySchema>;

/** `reports/latest.json`: the newest run's findings (what the next run diffs against) and the run history. */
export const RunRecordSchema = z.object({
  recordVersion: z.literal(1),
  runId: z.string(),
  finishedAt: z.string(),
  keys: RunKeysSchema,
  findings: z.array(RecordedFindingSchema),
  /** The newest `UpdatedAt` imported into Security Hub; the next import must be strictly newer. */
  securityHubUpdatedAt: z.string().optional(),
  /**
   * The Security Hub region the findings' `securityHubImported` flags refer to. A run importing into
   * another region cannot see, update or archive those findings. Absent in records written before
   * it was kept: the flags are then taken to refer to the current run's region.
   */
  securityHubRegion: z.string().optional(),
  /** Every run, newest first (capped at {@link MAX_HISTORY}). */
  history: z.array(RunHistoryEntrySchema),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** Runs kept in the history of `latest.json`; older runs stay in the dated report objects. */
export const MAX_HISTORY = 400;

/** How the stored run record's first line ends when its findings follow one per line. */
const FINDINGS_OPEN = '"findings":[';

/**
 * `latest.json` as text, in pieces: the record's other fields on the first line, then one finding
 * per line, so neither writing nor reading it ever holds the whole record as one string (an
 * organization's record can pass V8's string limit). The text is JSON like any other: only the
 * layout is chosen, `findings` last.
 */
export function* runRecordChunks(record: RunRecord): Generator<string> {
  const { findings, ...fields } = record;
  const head = JSON.stringify({ ...fields, findings: [] });
  yield head.slice(0, -2);
  for (let index = 0; index < findings.length; index += 1)
    yield `\n${JSON.stringify(findings[index])}${index + 1 < findings.length ? ',' : ''}`;
  yield '\n]}\n';
}

/**
 * Reads a run record from its lines as {@link runRecordChunks} lays them out, finding by finding;
 * any other layout (records written before it, or by hand) is parsed as one JSON text.
 *
 * @returns the parsed value, not yet validated against {@link RunRecordSchema}.
 * @throws SyntaxError when the text is not JSON.
 */
export async function parseRunRecordLines(lines: AsyncIterable<string>): Promise<unknown> {
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new SyntaxError('the run record is empty');
  if (!first.value.endsWith(FINDINGS_OPEN)) {
    const rest: string[] = [first.value];
    for (let line = await iterator.next(); !line.done; line = await iterator.next()) rest.push(line.value);
    return JSON.parse(rest.join('\n'));
  }
  const record = JSON.parse(`${first.value}]}`) as { findings: unknown[] };
  let closed = false;
  for (let line = await iterator.next(); !line.done; line = await iterator.next()) {
    const text = line.value;
    if (closed) {
      if (text.trim() !== '') throw new SyntaxError('text after the end of the run record');
      continue;
    }
    if (text === ']}') {
      closed = true;
      continue;
    }
    record.findings.push(JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text));
  }
  if (!closed) throw new SyntaxError('the run record ends before its findings are closed');
  return record;
}
