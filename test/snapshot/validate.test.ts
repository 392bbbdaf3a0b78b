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

  it('refuses what is not an account object', () => {
    for (const value of [null, 'x', 1, [], [{ accountId: '111122223333' }]]) {
      expect(isValidSnapshotAccount(value)).toBe(false);
      agree(value);
    }
  });
});
