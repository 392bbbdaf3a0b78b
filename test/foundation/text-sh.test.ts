import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellWord } from '../../shared/text.js';

/** Values a shell would otherwise split, expand, glob, run or comment out. */
const HOSTILE = [
  "x'; rm -rf ~",
  '$(id)',
  '`id`',
  'a b',
  'it\'s "quoted"',
  "it's! here",
  'glob*?[a]',
  'line\nbreak',
  'back\\slash',
  '',
  '-leading-dash',
  '#comment',
  '{a,b}',
  'tab\there',
];

/** Whether a POSIX `sh` is installed (the test says so and skips where it is not). */
function hasSh(): boolean {
  try {
    execFileSync('sh', ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
}

describe('shellWord in a real POSIX shell', () => {
  it.skipIf(!hasSh())('sh reads every hostile value back as one word, unchanged (skipped without sh)', () => {
    const script = `printf '%s\\0' ${HOSTILE.map(shellWord).join(' ')}`;
    const words = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
    expect(words).toEqual(HOSTILE);
  });
});
