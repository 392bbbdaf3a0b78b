import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OutputClosedError, writeReport } from '../../cli/report-writer.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-writer-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Text in every UTF-8 length: ASCII, two-byte, three-byte and four-byte (a surrogate pair). */
const MIXED = ['{"a": 1}', 'grüße', '東京リージョン', 'role 🔑 key', '\u2028 "quoted" \\ \n', '𝒳'];

/** Deterministic pieces of mixed text, some empty, some longer than a small buffer. */
function piecesOf(seed: number, count: number): string[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  return Array.from({ length: count }, () => {
    const parts = next() % 12;
    let piece = '';
    for (let index = 0; index < parts; index += 1) piece += MIXED[next() % MIXED.length];
    return piece;
  });
}

const withFinalNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

async function writtenToFile(pieces: string[], bufferBytes?: number): Promise<string> {
  const file = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  await writeReport(pieces, file, bufferBytes === undefined ? {} : { bufferBytes });
  return readFile(file, 'utf8');
}

describe('writeReport to a file', () => {
  it.each([12, 16, 64, 1000, undefined])(
    'writes exactly the pieces put together, ending in one newline (buffer of %s bytes)',
    async (bufferBytes) => {
      for (const seed of [1, 2, 3]) {
        const pieces = piecesOf(seed, 200);
        expect(await writtenToFile(pieces, bufferBytes)).toBe(withFinalNewline(pieces.join('')));
      }
    },
  );

  it('cuts a piece larger than its buffer between the halves of no surrogate pair', async () => {
    // Every cut of 4 code units lands inside a pair unless it is moved.
    const piece = `a${'🔑'.repeat(50)}`;
    expect(await writtenToFile([piece, 'b\n'], 12)).toBe(`${piece}b\n`);
    expect(await writtenToFile(['x'.repeat(1001), '🔑'.repeat(700)], 64)).toBe(
      `${'x'.repeat(1001)}${'🔑'.repeat(700)}\n`,
    );
  });

  it('adds no newline when the text ends with one, and writes one for no text', async () => {
    expect(await writtenToFile(['{}\n', ''])).toBe('{}\n');
    expect(await writtenToFile([])).toBe('\n');
    expect(await writtenToFile(['', ''])).toBe('\n');
  });

  it('replaces a longer file that was there', async () => {
    const file = join(dir, 'existing.json');
    await writeFile(file, 'x'.repeat(10_000));
    await writeReport(['{}'], file);
    expect(await readFile(file, 'utf8')).toBe('{}\n');
  });

  it('leaves the report that was there as it was when rendering fails midway, and no partial file beside it', async () => {
    const place = await mkdtemp(join(dir, 'keep-'));
    const file = join(place, 'report.json');
    await writeFile(file, '{"previous": true}\n');
    function* failing(): Generator<string> {
      yield 'x'.repeat(1_000);
      throw new Error('render failed');
    }
    await expect(writeReport(failing(), file, { bufferBytes: 64 })).rejects.toThrow('render failed');
    expect(await readFile(file, 'utf8')).toBe('{"previous": true}\n');
    expect(await readdir(place)).toEqual(['report.json']);
    // A new file is not created at all.
    await expect(writeReport(failing(), join(place, 'new.json'), { bufferBytes: 64 })).rejects.toThrow();
    expect(await readdir(place)).toEqual(['report.json']);
  });

  it('keeps the permissions of the file it replaces', async () => {
    const file = join(dir, 'private.json');
    await writeFile(file, 'old');
    await chmod(file, 0o600);
    await writeReport(['{}'], file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toBe('{}\n');
  });

  it.skipIf(process.platform === 'win32')(
    'writes in place to what is not a regular file (/dev/null stays a device)',
    async () => {
      await writeReport(['{}'], '/dev/null');
      expect((await stat('/dev/null')).isCharacterDevice()).toBe(true);
    },
  );

  it('rejects when the file cannot be written, and when rendering fails midway', async () => {
    await expect(writeReport(['{}'], dir)).rejects.toThrow(/EISDIR/);
    function* failing(): Generator<string> {
      yield 'x'.repeat(100);
      throw new Error('render failed');
    }
    await expect(writeReport(failing(), join(dir, 'failing.json'), { bufferBytes: 12 })).rejects.toThrow(
      'render failed',
    );
  });
});

describe('writeReport to stdout', () => {
  it('writes the same bytes, waiting for stdout to drain when it asks to', async () => {
    const chunks: Buffer[] = [];
    let calls = 0;
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(Buffer.from(chunk));
      calls += 1;
      // Every other write fills the pipe; it drains a moment later.
      if (calls % 2 === 0) return true;
      setImmediate(() => process.stdout.emit('drain'));
      return false;
    });
    try {
      const pieces = piecesOf(7, 300);
      await writeReport(pieces, undefined, { bufferBytes: 64 });
      expect(calls).toBeGreaterThan(10);
      expect(Buffer.concat(chunks).toString('utf8')).toBe(withFinalNewline(pieces.join('')));
    } finally {
      write.mockRestore();
    }
  });

  it('rejects with OutputClosedError when stdout reports a closed pipe', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => {
      setImmediate(() => {
        process.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        process.stdout.emit('drain');
      });
      return false;
    });
    try {
      await expect(writeReport(piecesOf(3, 100), undefined, { bufferBytes: 64 })).rejects.toThrow(
        OutputClosedError,
      );
    } finally {
      write.mockRestore();
    }
  });
});
