import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../shared/errors.js';
import {
  jsonSyntaxErrorOffset,
  loadInventory,
  parseSnapshot,
  readSnapshotFile,
  writeSnapshot,
} from '../../shared/snapshot/index.js';
import { podIdentityTrust, snapshot } from '../support/snapshot-builder.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'snapshot-test-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

const sample = () =>
  snapshot()
    .account('111122223333', (a) =>
      a.role('app', { trust: podIdentityTrust() }).region('us-east-1', (r) => r.cluster('c')),
    )
    .build();

describe('readSnapshotFile', () => {
  it('names a missing file', async () => {
    const path = join(directory, 'absent.json');
    const error = await rejection(readSnapshotFile(path));
    expect(error.message).toBe(`cannot read snapshot ${path}: no such file`);
    expect(error.problems).toEqual([`${path}: no such file`]);
  });

  it('locates a JSON syntax error by line and column', async () => {
    // Prepare
    const path = join(directory, 'broken.json');
    await writeFile(
      path,
      '{\n  "snapshotVersion": 1,\n  "capturedAt": "2026-11-29T02:00:00Z",\n  "accounts": [,]\n}\n',
    );
    // Act
    const error = await rejection(readSnapshotFile(path));
    // Assess
    expect(error.message).toBe(`${path} is not valid JSON`);
    expect(error.problems).toEqual([`${path}:4:16: unexpected character ","`]);
  });

  it('locates a truncated file at its end', async () => {
    const path = join(directory, 'truncated.json');
    await writeFile(path, '{\n  "snapshotVersion": 1,\n  "accounts": [');
    const error = await rejection(readSnapshotFile(path));
    expect(error.problems).toEqual([`${path}:3:16: unexpected end of input`]);
  });

  it('reads, validates and normalizes a written snapshot', async () => {
    const path = join(directory, 'ok.json');
    await writeFile(path, writeSnapshot(parseSnapshot(sample(), 'sample')));
    expect((await readSnapshotFile(path)).accounts[0].accountId).toBe('111122223333');
    const inventory = await loadInventory(path);
    expect(inventory.clusters.map((cluster) => cluster.name)).toEqual(['c']);
  });

  it('names the file in validation problems', async () => {
    const path = join(directory, 'invalid.json');
    await writeFile(
      path,
      JSON.stringify({ snapshotVersion: 1, capturedAt: '2026-11-29T02:00:00Z', accounts: [{}] }),
    );
    const error = await rejection(readSnapshotFile(path));
    expect(error.problems).toEqual([`${path} accounts[0].accountId: required field is missing`]);
  });
});

describe('jsonSyntaxErrorOffset', () => {
  it('accepts exactly what JSON.parse accepts for generated JSON text', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(jsonSyntaxErrorOffset(text)).toBeUndefined();
      }),
    );
  });

  it('finds an error in every strict prefix of a JSON object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(), (value, cut) => {
        const text = JSON.stringify(value);
        const prefix = text.slice(0, cut % text.length);
        expect(jsonSyntaxErrorOffset(prefix)).toBeDefined();
        expect(() => JSON.parse(prefix)).toThrow();
      }),
    );
  });

  it('rejects trailing commas, single quotes and comments', () => {
    expect(jsonSyntaxErrorOffset('{"a": 1,}')?.offset).toBe(8);
    expect(jsonSyntaxErrorOffset("{'a': 1}")?.offset).toBe(1);
    expect(jsonSyntaxErrorOffset('{"a": 1} // note')?.offset).toBe(9);
  });
});

describe('writeSnapshot', () => {
  it('round-trips through parseSnapshot unchanged', () => {
    const parsed = parseSnapshot(sample(), 'sample');
    expect(parseSnapshot(JSON.parse(writeSnapshot(parsed)), 'again')).toEqual(parsed);
  });

  it('writes the same bytes whatever the key order, envelope keys first, 2-space indent', () => {
    const parsed = parseSnapshot(sample(), 'sample');
    const reversed = JSON.parse(JSON.stringify(parsed), (_key, value) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    );
    const text = writeSnapshot(parsed);
    expect(writeSnapshot(reversed)).toBe(text);
    expect(
      text.startsWith('{\n  "snapshotVersion": 1,\n  "capturedAt": "2026-11-29T02:00:00Z",\n  "accounts": ['),
    ).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('writes SDK Date objects as ISO-8601 strings and drops undefined fields', () => {
    const parsed = parseSnapshot(sample(), 'sample');
    const cluster = parsed.accounts[0].regions?.[0].clusters?.[0].cluster as Record<string, unknown>;
    cluster.createdAt = new Date('2025-06-01T00:00:00Z') as unknown as string;
    cluster.version = undefined;
    const written = JSON.parse(writeSnapshot(parsed));
    expect(written.accounts[0].regions[0].clusters[0].cluster.createdAt).toBe('2025-06-01T00:00:00.000Z');
    expect('version' in written.accounts[0].regions[0].clusters[0].cluster).toBe(false);
    expect(() => parseSnapshot(written, 'written')).not.toThrow();
  });
});
