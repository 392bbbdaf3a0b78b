import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SnapshotAccountSchema } from '../../shared/snapshot/schema.js';
import { isValidSnapshotAccount } from '../../shared/snapshot/validate.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every snapshot under test/fixtures: the repository fixture and the acceptance scenarios. */
function fixtureSnapshots(): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'snapshot.json') found.push(path);
    }
  };
  walk('test/fixtures');
  return found.sort();
}

function accountsOf(path: string): Json[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { accounts: Json[] }).accounts;
}

const agree = (account: unknown) =>
  expect(isValidSnapshotAccount(account)).toBe(SnapshotAccountSchema.safeParse(account).success);

/** Values that break (or keep) each kind of field: types, empty strings, shapes of ARNs and dates. */
const REPLACEMENTS: Json[] = [
  null,
  7,
  true,
  '',
  'x',
  [],
  {},
  ['x'],
  'arn:aws:iam::123456789012:role/other',
  'arn:aws:eks:eu-west-1:123456789012:podidentityassociation/c/a-1',
  '2026-11-29T02:00:00Z',
  '2026-13-45T02:00:00Z',
];

/** Calls `visit` with every mutation of every value in `root`, restoring the value after each. */
function eachMutation(root: Json, visit: () => void): number {
  let count = 0;
  const walk = (holder: Json[] | { [key: string]: Json }) => {
    for (const key of Object.keys(holder)) {
      const container = holder as Record<string, Json>;
      const original = container[key];
      for (const replacement of REPLACEMENTS) {
        container[key] = replacement;
        visit();
        count++;
      }
      if (!Array.isArray(holder)) {
        delete container[key];
        visit();
        count++;
      }
      container[key] = original;
      if (original !== null && typeof original === 'object') {
        if (!Array.isArray(original)) {
          original.unexpectedField = 'x';
          visit();
          count++;
          delete original.unexpectedField;
        }
        walk(original);
      }
    }
  };
  if (root !== null && typeof root === 'object') walk(root);
  return count;
}

/** The value with each list reduced to its first item of each set of keys (every shape, once). */
function distinctItems(value: Json): Json {
  if (Array.isArray(value)) {
    const shapes = new Set<string>();
    return value
      .filter((item) => {
        const shape =
          item !== null && typeof item === 'object' && !Array.isArray(item)
            ? Object.keys(item).sort().join(',')
            : typeof item;
        if (shapes.has(shape)) return false;
        shapes.add(shape);
        return true;
      })
      .map(distinctItems);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, distinctItems(inner)]));
  }
  return value;
}

/** The schema under optional, nullable, default and pipe wrappers (zod 4's definitions). */
function unwrapped(schema: unknown): { type: string; shape?: Record<string, unknown>; element?: unknown } {
  let def = (schema as { _zod: { def: Record<string, unknown> } })._zod.def;
  while (['optional', 'nullable', 'default', 'readonly', 'pipe'].includes(def.type as string)) {
    const inner = (def.innerType ?? def.in) as { _zod: { def: Record<string, unknown> } };
    def = inner._zod.def;
  }
  return def as { type: string; shape?: Record<string, unknown>; element?: unknown };
}

/**
 * Walks `value` beside `schema` and, at every key the schema declares (present in the fixture or
 * not), puts each replacement and calls `visit`: fields no fixture carries are held to the schema too.
 */
function eachDeclaredField(schema: unknown, value: Json, visit: () => void): number {
  const def = unwrapped(schema);
  let count = 0;
  if (def.type === 'array' && Array.isArray(value)) {
    for (const item of value) count += eachDeclaredField(def.element, item, visit);
  } else if (
    def.type === 'object' &&
    def.shape &&
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value)
  ) {
    for (const [key, fieldSchema] of Object.entries(def.shape)) {
      const had = Object.hasOwn(value, key);
      const original = value[key];
      for (const replacement of REPLACEMENTS) {
        value[key] = replacement;
        visit();
        count++;
      }
      if (had) {
        value[key] = original;
        count += eachDeclaredField(fieldSchema, original, visit);
      } else delete value[key];
    }
  }
  return count;
}

describe('isValidSnapshotAccount', () => {
  it.each(fixtureSnapshots())('agrees with the schema on every account of %s', (path) => {
    for (const account of accountsOf(path)) {
      expect(isValidSnapshotAccount(account)).toBe(true);
      agree(account);
    }
  });

  it('agrees with the schema on every field of the fixture changed, removed or joined by another', () => {
    // Each account on its own, its lists cut to items of distinct shape, keeps the run short.
    const accounts = accountsOf('test/fixtures/snapshot.json').map(distinctItems);
    let mutations = 0;
    for (const account of accounts) mutations += eachMutation(account, () => agree(account));
    expect(mutations).toBeGreaterThan(3_000);
  });

  it('agrees with the schema on every field the schema declares, the ones no fixture carries included', () => {
    const accounts = accountsOf('test/fixtures/snapshot.json').map(distinctItems);
    let mutations = 0;
    for (const account of accounts)
      mutations += eachDeclaredField(SnapshotAccountSchema, account, () => agree(account));
    expect(mutations).toBeGreaterThan(1_000);
  });

  it('refuses what is not an account object', () => {
    for (const value of [null, 'x', 1, [], [{ accountId: '111122223333' }]]) {
      expect(isValidSnapshotAccount(value)).toBe(false);
      agree(value);
    }
  });
});
