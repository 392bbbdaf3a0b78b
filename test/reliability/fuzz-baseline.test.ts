import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runAudit } from '../../shared/audit.js';
import { parseBaseline } from '../../shared/baseline/index.js';
import { checks } from '../../shared/checks/index.js';
import { InputError } from '../../shared/errors.js';
import { renderReport } from '../../shared/report/index.js';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { pathsOf, replaceAt } from './fuzz-support.js';

const SOURCE = 'baseline.yaml';
const VALID = readFileSync(new URL('../fixtures/baseline.yaml', import.meta.url), 'utf8');
const VALID_OBJECT: unknown = parseYaml(VALID);
const INVENTORY = normalizeSnapshot(
  parseSnapshot(
    JSON.parse(readFileSync(new URL('../fixtures/snapshot.json', import.meta.url), 'utf8')),
    'snapshot.json',
  ),
);
const CATALOGUE = checks.map((check) => check.meta);

/** Bounds every property: enough cases to find crashes, and never more wall time than the test timeout allows. */
const RUN = { numRuns: 400, interruptAfterTimeLimit: 20_000 } as const;

/**
 * Parses the text as a baseline: a result is fine; an error must be an InputError whose every
 * problem names the file, line and column (`baseline.yaml:12:5 field: message`). Anything else (a
 * TypeError, a RangeError, a plain Error) is a crash and fails the property with its own stack.
 */
function expectResultOrLocatedError(text: string): void {
  let baseline: ReturnType<typeof parseBaseline>;
  try {
    baseline = parseBaseline(text, SOURCE);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.message.startsWith(SOURCE)).toBe(true);
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) expect(problem).toMatch(/^baseline\.yaml:\d+:\d+ \S/);
    return;
  }
  // A baseline that validates must also audit: odd globs, windows and names reach every check.
  const { report } = runAudit({ inventory: INVENTORY, baseline });
  renderReport(report, 'markdown', { checks: CATALOGUE });
}

/** YAML and JSON syntax, tags, anchors, odd scalars and encodings that parsers trip over. */
const TOKENS = [
  ':',
  ': ',
  '- ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '#',
  '|',
  '>-',
  '? ',
  '&a ',
  '*a',
  '*undefined',
  '<<: *a',
  '!!binary ',
  '!!js/function ',
  '!!map ',
  '!!set ',
  '!!timestamp ',
  '!custom ',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '%TAG ! tag:x,2000:\n',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '\u202E',
  '~',
  'null',
  'true',
  'yes',
  '.inf',
  '-.inf',
  '.nan',
  '1e400',
  '-0',
  '0x1F',
  '0o17',
  '99999999999999999999999999',
  '2027-02-30',
  '2027-13-01',
  '9999-12-31T23:59:59Z',
  'é日本😀',
];

const token = fc.oneof(
  fc.constantFrom(...TOKENS),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

/** A YAML scalar or flow collection of any type, written as JSON (which YAML reads). */
const anyValueText = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? 'null');

const lines = VALID.split('\n');

/** Text edits of the valid baseline: truncations, deletions, insertions, line shuffles, value swaps. */
const mutatedText = fc.oneof(
  fc.nat(VALID.length).map((at) => VALID.slice(0, at)),
  fc
    .tuple(fc.nat(VALID.length), fc.integer({ min: 1, max: 200 }))
    .map(([at, count]) => VALID.slice(0, at) + VALID.slice(at + count)),
  fc
    .tuple(fc.nat(VALID.length), fc.array(token, { minLength: 1, maxLength: 4 }))
    .map(([at, inserted]) => VALID.slice(0, at) + inserted.join('') + VALID.slice(at)),
  fc
    .tuple(fc.nat(lines.length - 1), fc.oneof(anyValueText, token))
    .map(([index, value]) =>
      lines
        .map((line, i) => (i === index ? line.replace(/:\s.*$|-\s.*$/, (m) => `${m[0]} ${value}`) : line))
        .join('\n'),
    ),
  fc.tuple(fc.nat(lines.length - 1), fc.nat(lines.length - 1)).map(([a, b]) => {
    const copy = [...lines];
    [copy[a], copy[b]] = [copy[b], copy[a]];
    return copy.join('\n');
  }),
  fc
    .tuple(fc.nat(lines.length - 1), fc.integer({ min: 1, max: 50 }))
    .map(([index, times]) =>
      [...lines.slice(0, index + 1), ...Array(times).fill(lines[index]), ...lines.slice(index + 1)].join(
        '\n',
      ),
    ),
);

const BASELINE_PATHS = pathsOf(VALID_OBJECT);

/** Wrong types, huge and odd numbers, hostile strings and empty containers. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    undefined,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    -1,
    0,
    0.5,
    '',
    ' ',
    '1',
    [],
    {},
    [[]],
    'x'.repeat(100_000),
    '\u202E\u0000\u001b[31m',
    '\uD800',
  ),
);

/** The valid baseline with a random value at a random path, written as JSON (baselines may be JSON). */
const mutatedJson = fc
  .tuple(fc.constantFrom(...BASELINE_PATHS), oddValue)
  .map(([path, value]) => JSON.stringify(replaceAt(VALID_OBJECT, path, value)) ?? '');

describe('baseline fuzzing: every input gives an audited baseline or an error naming file, line and column', () => {
  it('keeps the valid fixture valid (so the mutations start from a working baseline)', () => {
    expect(parseBaseline(VALID, SOURCE).clusters.length).toBeGreaterThan(0);
  });

  it('survives text mutations of a valid baseline: truncations, deletions, inserted syntax, swapped lines', () => {
    fc.assert(fc.property(mutatedText, expectResultOrLocatedError), RUN);
  });

  it('survives a random JSON value at every path of a valid baseline written as JSON', () => {
    fc.assert(fc.property(mutatedJson, expectResultOrLocatedError), RUN);
  });

  it('survives random YAML documents and random text', () => {
    const randomYaml = fc.array(
      fc.oneof(token, fc.constantFrom('version: 1\n', 'clusters:\n', '  prod:\n', 'irsa:\n')),
      {
        maxLength: 40,
      },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          randomYaml.map((parts) => parts.join('')),
          fc.string({ unit: 'binary' }),
        ),
        expectResultOrLocatedError,
      ),
      RUN,
    );
  });

  it('rejects an alias bomb (billion laughs) with a located error instead of expanding it', () => {
    // Prepare
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const text = `version: 1\n${levels.join('\n')}\n`;
    // Act
    let thrown: unknown;
    try {
      parseBaseline(text, SOURCE);
    } catch (error) {
      thrown = error;
    }
    // Assess
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).problems).toEqual([
      expect.stringMatching(/^baseline\.yaml:1:1 \(yaml\): the document cannot be built: .*alias/i),
    ]);
  });

  it('rejects huge and odd numbers for unusedAfterDays with a located error', () => {
    for (const value of ['1e400', '99999999999999999999999', '.inf', '.nan', '-0', '"90"', '[90]']) {
      const text = VALID.replace('unusedAfterDays: 90', `unusedAfterDays: ${value}`);
      expect(() => parseBaseline(text, SOURCE), value).toThrow(InputError);
      expectResultOrLocatedError(text);
    }
  });
});
