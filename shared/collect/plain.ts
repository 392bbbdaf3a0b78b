/**
 * Deep copy of an SDK response object in its JSON form: dates become ISO-8601 strings, `undefined`
 * members and the SDK's `$metadata` disappear. The in-memory snapshot then equals what a snapshot
 * file reads back as, so a live audit and an offline audit of the written file see the same data.
 */
export function toPlain<T = unknown>(value: unknown): T {
  return plain(value) as T;
}

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined || key === '$metadata') continue;
      copy[key] = plain(member);
    }
    return copy;
  }
  return value;
}

import { compareText } from '../model/compare.js';

export { compareText };

/** Errors recorded by concurrent tasks, in a stable order (operation, resource, code). */
export function sortErrors<T extends { operation: string; resource?: string; code: string }>(
  errors: T[],
): T[] {
  return errors.sort(
    (a, b) =>
      compareText(a.operation, b.operation) ||
      compareText(a.resource, b.resource) ||
      compareText(a.code, b.code),
  );
}
