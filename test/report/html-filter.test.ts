import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../shared/report/index.js';
import { CATALOGUE } from './catalogue.js';
import { loadFixtureReport } from './fixture.js';

interface FakeRow {
  dataset: { severity: string; suppressed: string };
  hidden: boolean;
  group: number;
}

/**
 * Runs the page's inline script against a minimal stand-in for the DOM built from the rendered rows,
 * so the filter's behaviour is tested without a browser.
 */
function loadPage(html: string) {
  const script = html.match(/<script>([\s\S]*?)<\/script>/)?.[1] ?? '';
  const rows: FakeRow[] = [];
  let group = -1;
  for (const match of html.matchAll(
    /<section data-group="cluster">|<tr [^>]*data-severity="([A-Z]+)" data-suppressed="(true|false)"/g,
  )) {
    if (match[0].startsWith('<section')) group += 1;
    else rows.push({ dataset: { severity: match[1], suppressed: match[2] }, hidden: false, group });
  }
  const groups = Array.from({ length: group + 1 }, (_, index) => ({
    hidden: false,
    querySelector: () => rows.find((row) => row.group === index && !row.hidden) ?? null,
  }));
  const boxes = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'].map((value) => ({
    value,
    checked: true,
  }));
  const suppressedBox = { checked: true };
  let onChange: () => void = () => {};
  const filter = {
    hidden: true,
    querySelectorAll: () => boxes.filter((box) => box.checked),
    querySelector: () => suppressedBox,
    addEventListener: (_type: string, listener: () => void) => {
      onChange = listener;
    },
  };
  const document = {
    getElementById: (id: string) => (id === 'filter' ? filter : null),
    querySelectorAll: (selector: string) => (selector.startsWith('tr') ? rows : groups),
  };
  new Function('document', script)(document);
  const untick = (value: string) => {
    const box = boxes.find((candidate) => candidate.value === value);
    if (box) box.checked = false;
    onChange();
  };
  return { rows, groups, filter, suppressedBox, untick, change: () => onChange() };
}

describe('HTML severity filter', () => {
  const html = renderHtml(loadFixtureReport(), { checks: CATALOGUE });

  it('reveals the filter and keeps every row visible while every box is ticked', () => {
    const page = loadPage(html);
    expect(page.filter.hidden).toBe(false);
    expect(page.rows.filter((row) => row.hidden)).toHaveLength(0);
  });

  it('hides exactly the rows of an unticked severity, and groups left empty', () => {
    // Prepare
    const page = loadPage(html);
    // Act
    page.untick('INFORMATIONAL');
    page.untick('LOW');
    // Assess
    const hidden = page.rows.filter((row) => row.hidden).map((row) => row.dataset.severity);
    expect(new Set(hidden)).toEqual(new Set(['INFORMATIONAL', 'LOW']));
    expect(
      page.rows
        .filter((row) => !row.hidden)
        .every((row) => !['LOW', 'INFORMATIONAL'].includes(row.dataset.severity)),
    ).toBe(true);
    expect(page.groups.filter((group) => group.hidden).length).toBeGreaterThan(0);
    expect(page.groups.filter((group) => !group.hidden).length).toBeGreaterThan(0);
  });

  it('hides suppressed findings when their box is unticked', () => {
    const page = loadPage(html);
    page.suppressedBox.checked = false;
    page.change();
    expect(page.rows.filter((row) => row.hidden).map((row) => row.dataset.suppressed)).toEqual(['true']);
  });
});
