import { compareText } from '../model/compare.js';
import type { Snapshot } from './schema.js';

/** Keys written first, in contract order, wherever they occur; all other keys follow alphabetically. */
const LEADING_KEYS = [
  'snapshotVersion',
  'capturedAt',
  'accountId',
  'region',
  'errors',
  'iam',
  'regions',
  'cluster',
];

function leadingRank(key: string): number {
  const rank = LEADING_KEYS.indexOf(key);
  return rank === -1 ? LEADING_KEYS.length : rank;
}

function stable(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(stable);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort((a, b) => leadingRank(a) - leadingRank(b) || compareText(a, b));
  const sorted: Record<string, unknown> = {};
  for (const key of keys) sorted[key] = stable((value as Record<string, unknown>)[key]);
  return sorted;
}

/**
 * Serializes a snapshot as stable JSON (2-space indent, keys in a fixed order, dates as ISO-8601
 * strings, trailing newline): the same content always gives the same bytes, so snapshots diff well.
 *
 * @example await writeFile('snapshot.json', writeSnapshot(snapshot));
 */
export function writeSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(stable(snapshot), null, 2)}\n`;
}
