import { describe, expect, it } from 'vitest';
import {
  type MachineFacts,
  mergeResults,
  parseResultsFile,
  renderMarkdown,
  type StoredResult,
} from '../../bench/support/merge.js';
import { target } from '../../bench/support/results.js';

const MACHINE: MachineFacts = {
  cpuModel: 'AMD EPYC 7B13',
  cores: 2,
  memoryGiB: 23.4,
  node: 'v20.20.2',
  platform: 'linux x64',
};

function stored(benchmark: string, ranAt: string, wall: string): StoredResult {
  return {
    benchmark,
    arguments: ['--sizes', '10'],
    tables: [
      {
        title: 'Live collection',
        columns: ['accounts', 'wall (s)'],
        rows: [['10', wall]],
        notes: ['EKS 10/s per account-region'],
      },
    ],
    targets: [target('wall ÷ bound', 1.04, 1.5), target('night 1 ÷ night 2', 8, 10, { atLeast: true })],
    ranAt,
    machine: MACHINE,
    seconds: 61.5,
    exitCode: 0,
  };
}

describe('benchmark results merge', () => {
  it('replaces the benchmarks that ran and keeps the others, in name order', () => {
    const earlier = {
      updatedAt: '2026-11-28T00:00:00.000Z',
      results: [
        stored('usage', '2026-11-28T00:00:00.000Z', '1'),
        stored('collect', '2026-11-28T00:00:00.000Z', '99'),
      ],
    };

    const merged = mergeResults(earlier, [stored('collect', '2026-11-29T00:00:00.000Z', '58.5')], 'now');

    expect(merged.updatedAt).toBe('now');
    expect(merged.results.map((result) => [result.benchmark, result.ranAt])).toEqual([
      ['collect', '2026-11-29T00:00:00.000Z'],
      ['usage', '2026-11-28T00:00:00.000Z'],
    ]);
  });

  it('treats a missing or unreadable results file as no earlier results', () => {
    expect(parseResultsFile(undefined).results).toEqual([]);
    expect(parseResultsFile('{ not json').results).toEqual([]);
  });
});

describe('benchmark results markdown', () => {
  it('lists every target with met or missed, then each benchmark with its machine and tables', () => {
    const markdown = renderMarkdown({ updatedAt: 'now', results: [stored('collect', 'then', '58.5')] });

    expect(markdown).toContain('| collect | wall ÷ bound | 1.04 | ≤ 1.5 | met |');
    expect(markdown).toContain('| collect | night 1 ÷ night 2 | 8 | ≥ 10 | **missed** |');
    expect(markdown).toContain('AMD EPYC 7B13, 2 cores, 23.4 GiB RAM, Node v20.20.2');
    expect(markdown).toContain('| accounts | wall (s) |\n| --- | --- |\n| 10 | 58.5 |');
    expect(markdown).toContain('- EKS 10/s per account-region');
  });

  it('shows measured figures to three decimals', () => {
    const result = {
      ...stored('audit', 'then', '1'),
      targets: [target('wall time', 41.44194257, 10, { unit: 's' })],
    };

    const markdown = renderMarkdown({ updatedAt: 'now', results: [result] });

    expect(markdown).toContain('| audit | wall time | 41.442 s | ≤ 10 s | **missed** |');
  });

  it('escapes pipes in cells so a value cannot break the table', () => {
    const result = stored('collect', 'then', 'a|b');

    const markdown = renderMarkdown({ updatedAt: 'now', results: [result] });

    expect(markdown).toContain('| 10 | a\\|b |');
  });
});
