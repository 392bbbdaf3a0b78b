import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPolicyFile } from '../../cli/trust.js';
import { parseBaseline } from '../../shared/baseline/index.js';
import { InputError } from '../../shared/errors.js';
import { jsonSyntaxErrorOffset, lineAndColumn } from '../../shared/json.js';
import { parseSnapshotText } from '../../shared/snapshot/index.js';

/** A trailing comma on line 3, column 16 (JSON has none). */
const BROKEN = '{\n  "snapshotVersion": 1,\n  "accounts": [,]\n}';

function problemsOf(run: () => unknown): { message: string; problems: string[] } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return { message: (error as InputError).message, problems: (error as InputError).problems };
  }
  throw new Error('expected an InputError');
}

describe('the JSON syntax-error locator', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'json-locator-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the first error and turns its offset into line and column', () => {
    const located = jsonSyntaxErrorOffset(BROKEN);
    expect(located?.reason).toBe('unexpected character ","');
    expect(lineAndColumn(BROKEN, located?.offset ?? -1)).toEqual({ line: 3, column: 16 });
    expect(jsonSyntaxErrorOffset('{"a": [1, 2]}')).toBeUndefined();
  });

  it('names line:column in a snapshot and in a trust policy file, at the same place', async () => {
    expect(problemsOf(() => parseSnapshotText(BROKEN, 'snapshot.json')).problems).toEqual([
      'snapshot.json:3:16: unexpected character ","',
    ]);
    const file = join(dir, 'trust-policy.json');
    await writeFile(file, BROKEN);
    await expect(readPolicyFile(file)).rejects.toThrow(/invalid JSON at line 3, column 16: unexpected ","/);
  });

  it('agrees with the baseline reader, which locates JSON through its YAML parser', () => {
    const baseline = BROKEN.replace('"snapshotVersion": 1', '"version": 1').replace(
      '"accounts"',
      '"clusters"',
    );
    const { problems } = problemsOf(() => parseBaseline(baseline, 'baseline.json'));
    expect(problems.some((problem) => problem.startsWith('baseline.json:3:16 '))).toBe(true);
  });

  it('locates an unterminated document at its end, and text after the value where it starts', () => {
    const cut = '{\n  "accounts": [\n';
    expect(lineAndColumn(cut, jsonSyntaxErrorOffset(cut)?.offset ?? -1)).toEqual({ line: 3, column: 1 });
    expect(problemsOf(() => parseSnapshotText('{}\n{}', 's.json')).problems).toEqual([
      's.json:2:1: unexpected text after the JSON value',
    ]);
  });
});
