import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../shared/errors.js';
import { loadInventoryFile, normalizeSnapshot, readSnapshotFile } from '../../shared/snapshot/index.js';
import { parseEvidence } from '../../shared/usage/index.js';
import { irsaTrust, podIdentityTrust, snapshot } from '../support/snapshot-builder.js';

const scratch = mkdtempSync(join(tmpdir(), 'snapshot-stream-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let fileCount = 0;
function file(text: string): string {
  const path = join(scratch, `snapshot-${fileCount++}.json`);
  writeFileSync(path, text);
  return path;
}

async function outcome(load: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await load() };
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return { message: (error as InputError).message, problems: (error as InputError).problems };
  }
}

/** Three accounts whose strings carry quotes, backslashes and non-ASCII text, to split across reads. */
function awkwardSnapshot() {
  return snapshot()
    .account('111122223333', (a) =>
      a
        .role('quoted', {
          trust: podIdentityTrust(),
          tags: { note: 'say "hi" \\ back\\\\slash \\"', team: 'ü-ß-漢字', brace: '{[}]' },
        })
        .region('eu-west-1', (r) =>
          r.cluster('blue', {}, (c) =>
            c.association({ namespace: 'default', serviceAccount: 'a', roleName: 'quoted' }),
          ),
        ),
    )
    .account('444455556666', (a) =>
      a.role('irsa', {
        trust: irsaTrust({
          accountId: '444455556666',
          region: 'eu-west-1',
          oidcId: 'ABC',
          subject: 'system:serviceaccount:x:y',
        }),
      }),
    )
    .failedAccount('777788889999')
    .build();
}

describe('loadInventoryFile', () => {
  it.each([1, 3, 7, 64, 2 ** 20])(
    'builds the same inventory as reading the whole file, %i bytes at a time',
    async (readChunkBytes) => {
      // Prepare
      const path = file(
        `\ufeff${JSON.stringify(awkwardSnapshot(), null, readChunkBytes % 2 === 1 ? 2 : 0)}\n`,
      );

      // Act
      const inventory = await loadInventoryFile(path, { readChunkBytes });

      // Assess
      expect(inventory).toEqual(normalizeSnapshot(await readSnapshotFile(path)));
      expect(inventory.roles.get('arn:aws:iam::111122223333:role/quoted')?.tags.note).toBe(
        'say "hi" \\ back\\\\slash \\"',
      );
    },
  );

  it('lists collection errors with their fields in the schema order, whatever order the file has', async () => {
    const json = awkwardSnapshot() as { accounts: Array<{ errors?: Array<Record<string, string>> }> };
    const failed = json.accounts[2];
    failed.errors = (failed.errors ?? []).map((error) =>
      Object.fromEntries(Object.entries({ ...error, resource: 'r' }).reverse()),
    );
    expect(Object.keys(failed.errors[0])[0]).toBe('resource');
    const path = file(JSON.stringify(json));

    const inventory = await loadInventoryFile(path);

    const whole = normalizeSnapshot(await readSnapshotFile(path));
    expect(JSON.stringify(inventory.scopes)).toBe(JSON.stringify(whole.scopes));
    expect(JSON.stringify(inventory.accounts)).toBe(JSON.stringify(whole.accounts));
    expect(inventory.accounts[2].errors.length).toBeGreaterThan(0);
  });

  it('keeps only the evidence fields of CloudTrail records when asked, with the same evidence', async () => {
    const path = 'test/fixtures/snapshot.json';
    const full = await loadInventoryFile(path);
    const slim = await loadInventoryFile(path, { cloudTrailDetail: 'evidence', readChunkBytes: 7 });
    const events = (inventory: typeof full) => inventory.cloudTrail.flatMap((window) => window.events);
    expect(events(slim).length).toBeGreaterThan(0);
    expect(events(slim).map(parseEvidence)).toEqual(events(full).map(parseEvidence));
    const [first] = events(slim);
    expect(first.detail?.eventSource).toBe(events(full)[0].detail?.eventSource);
    expect(first.detail).not.toHaveProperty('eventVersion');
    expect({ ...slim, cloudTrail: [] }).toEqual({ ...full, cloudTrail: [] });
  });

  it('builds the same inventory as reading the whole file for the repository fixture', async () => {
    const path = 'test/fixtures/snapshot.json';
    expect(await loadInventoryFile(path, { readChunkBytes: 5 })).toEqual(
      normalizeSnapshot(await readSnapshotFile(path)),
    );
  });

  it('reports an invalid account exactly as the whole-file reader does', async () => {
    // Prepare: a wrong type in the second account and a duplicate account id.
    const json = awkwardSnapshot() as { accounts: Array<Record<string, unknown>> };
    json.accounts[1].regions = 'eu-west-1';
    json.accounts[2].accountId = '111122223333';
    const path = file(JSON.stringify(json));

    // Act
    const streamed = await outcome(() => loadInventoryFile(path, { readChunkBytes: 16 }));

    // Assess
    expect(streamed).toEqual(await outcome(() => readSnapshotFile(path)));
    expect(JSON.stringify(streamed)).toContain('accounts[2].accountId: duplicate account 111122223333');
  });

  it('locates a JSON syntax error inside an account by line and column', async () => {
    // Prepare
    const text = JSON.stringify(awkwardSnapshot(), null, 1).replace(
      '"RoleName": "irsa"',
      '"RoleName": "irsa",,',
    );
    const path = file(text);

    // Act
    const streamed = await outcome(() => loadInventoryFile(path));

    // Assess
    expect(streamed).toEqual(await outcome(() => readSnapshotFile(path)));
    expect(JSON.stringify(streamed)).toMatch(
      /snapshot-\d+\.json:\d+:\d+: expected a double-quoted property name/,
    );
  });

  it('reports a wrong envelope (version) as the whole-file reader does', async () => {
    const path = file(JSON.stringify({ ...awkwardSnapshot(), snapshotVersion: 2 }));
    expect(await outcome(() => loadInventoryFile(path))).toEqual(await outcome(() => readSnapshotFile(path)));
  });

  it('refuses a file over the size limit, naming the limit and the flag that raises it', async () => {
    // Prepare
    const path = file(JSON.stringify(awkwardSnapshot()));

    // Act
    const refused = await outcome(() => loadInventoryFile(path, { maxBytes: 100 }));

    // Assess
    expect(JSON.stringify(refused)).toContain('over the limit of 0 MiB');
    expect(JSON.stringify(refused)).toContain('--max-snapshot-size');
  });

  it('reads a file exactly at the size limit (near-miss)', async () => {
    const text = JSON.stringify(awkwardSnapshot());
    const path = file(text);
    const inventory = await loadInventoryFile(path, { maxBytes: Buffer.byteLength(text) });
    expect(inventory.accounts).toHaveLength(3);
  });

  it('names a missing file as the whole-file reader does', async () => {
    const path = join(scratch, 'absent.json');
    expect(await outcome(() => loadInventoryFile(path))).toEqual(await outcome(() => readSnapshotFile(path)));
  });
});
