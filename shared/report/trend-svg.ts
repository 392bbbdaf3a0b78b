import type { Messages } from '../i18n/types.js';
import { SEVERITIES, type Severity } from '../model/severity.js';
import { escapeHtml, MAX_IDENTIFIER_LENGTH, truncate } from './escape.js';
import { TREND_RUNS, type TrendPoint } from './trend.js';

const WIDTH = 900;
const LEFT = 44;
const RIGHT = 8;
const TOP = 10;
const AXIS = 28;

/** Severities drawn bottom-up: the most severe at the base of every bar, where it is read first. */
const STACK: readonly Severity[] = SEVERITIES;

interface Bar {
  className: string;
  value: number;
  label: string;
}

/**
 * The trend section of the HTML report: for the last {@link TREND_RUNS} runs, open findings by
 * severity (stacked bars) and new (up) and resolved (down) findings by severity, as inline SVG
 * styled by the page's own stylesheet (nothing loaded, no inline style attributes: the page's CSP
 * stays as strict as it is), with the numbers in a table beside it.
 */
export function renderTrend(all: readonly TrendPoint[], t: Messages): string {
  const h = t.html;
  const points = all.slice(-TREND_RUNS);
  const legend = SEVERITIES.map(
    (severity) => `<span><span class="swatch sev-${severity}"></span>${severity}</span>`,
  ).join('');
  const open = chart(
    points,
    t,
    (point) => [
      STACK.map((severity) => ({
        className: `sev-${severity}`,
        value: point.open[severity],
        label: `${severity} ${point.open[severity]}`,
      })),
      [],
    ],
    h.trendOpen,
    'trend-open',
  );
  const changes = chart(
    points,
    t,
    (point) => [
      point.new
        ? STACK.map((severity) => ({
            className: `sev-${severity}`,
            value: point.new?.[severity] ?? 0,
            label: `${h.trendNew} ${severity} ${point.new?.[severity] ?? 0}`,
          }))
        : [{ className: 'total', value: point.newTotal, label: `${h.trendNew} ${point.newTotal}` }],
      point.resolved
        ? STACK.map((severity) => ({
            className: `sev-${severity} resolved`,
            value: point.resolved?.[severity] ?? 0,
            label: `${h.trendResolved} ${severity} ${point.resolved?.[severity] ?? 0}`,
          }))
        : [
            {
              className: 'total resolved',
              value: point.resolvedTotal,
              label: `${h.trendResolved} ${point.resolvedTotal}`,
            },
          ],
    ],
    h.trendChanges,
    'trend-changes',
  );
  return [
    `<section class="trend" id="trend"><h2>${escapeHtml(h.trend)}</h2>`,
    `<p class="meta">${escapeHtml(h.trendIntro(points.length, all.length))}</p>`,
    `<div class="legend">${legend}</div>`,
    `<h3>${escapeHtml(h.trendOpen)}</h3>`,
    open,
    `<h3>${escapeHtml(h.trendChanges)}</h3>`,
    changes,
    `<details><summary>${escapeHtml(h.trendTable)}</summary>${numbers(points, t)}</details>`,
    '</section>',
  ].join('\n');
}

/**
 * One bar chart, a bar per run: `up` stacks above the axis, `down` below it (resolved findings).
 * Every bar segment carries a `<title>` with its run and count, for pointers and screen readers.
 */
function chart(
  points: readonly TrendPoint[],
  t: Messages,
  barsOf: (point: TrendPoint) => [up: Bar[], down: Bar[]],
  label: string,
  chartId: string,
): string {
  const bars = points.map(barsOf);
  const sum = (items: Bar[]) => items.reduce((total, bar) => total + bar.value, 0);
  const maxUp = Math.max(1, ...bars.map(([up]) => sum(up)));
  const hasDown = bars.some(([, down]) => down.length > 0);
  const maxDown = hasDown ? Math.max(1, ...bars.map(([, down]) => sum(down))) : 0;
  const plot = hasDown ? 200 : 160;
  const scale = plot / (maxUp + maxDown);
  const zero = TOP + maxUp * scale;
  const height = TOP + plot + AXIS;
  const step = (WIDTH - LEFT - RIGHT) / Math.max(points.length, 1);
  const barWidth = Math.max(2, Math.min(28, step * 0.7));
  const labelEvery = Math.ceil(points.length / 12);
  const out: string[] = [
    `<svg id="${chartId}" role="img" viewBox="0 0 ${WIDTH} ${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeHtml(label)}</title>`,
    `<line class="axis" x1="${LEFT}" y1="${fmt(zero)}" x2="${WIDTH - RIGHT}" y2="${fmt(zero)}"/>`,
    `<text x="${LEFT - 6}" y="${fmt(TOP + 4)}" text-anchor="end">${maxUp}</text>`,
    `<text x="${LEFT - 6}" y="${fmt(zero + 4)}" text-anchor="end">0</text>`,
  ];
  if (hasDown) out.push(`<text x="${LEFT - 6}" y="${fmt(TOP + plot)}" text-anchor="end">−${maxDown}</text>`);
  points.forEach((point, index) => {
    const x = LEFT + index * step + (step - barWidth) / 2;
    const when = runLabel(point);
    const [up, down] = bars[index] ?? [[], []];
    let y = zero;
    for (const bar of up) {
      if (bar.value <= 0) continue;
      const size = bar.value * scale;
      y -= size;
      out.push(rect(bar, x, y, barWidth, size, when));
    }
    y = zero;
    for (const bar of down) {
      if (bar.value <= 0) continue;
      const size = bar.value * scale;
      out.push(rect(bar, x, y, barWidth, size, when));
      y += size;
    }
    const middle = fmt(x + barWidth / 2);
    if (index % labelEvery === 0 || index === points.length - 1)
      out.push(
        `<text x="${middle}" y="${height - 8}" text-anchor="middle">${escapeHtml(point.finishedAt.slice(5, 10))}</text>`,
      );
    if (point.incompleteScopes)
      out.push(
        `<text class="incomplete" x="${middle}" y="${height - 18}" text-anchor="middle">!` +
          `<title>${escapeHtml(`${when}: ${t.html.trendIncomplete} (${point.incompleteScopes})`)}</title></text>`,
      );
  });
  out.push('</svg>');
  return out.join('');
}

function rect(bar: Bar, x: number, y: number, width: number, height: number, when: string): string {
  return (
    `<rect class="${bar.className}" x="${fmt(x)}" y="${fmt(y)}" width="${fmt(width)}" height="${fmt(height)}">` +
    `<title>${escapeHtml(`${when}: ${bar.label}`)}</title></rect>`
  );
}

function numbers(points: readonly TrendPoint[], t: Messages): string {
  const h = t.html;
  const head = [h.trendRun, ...SEVERITIES, h.trendNew, h.trendResolved, h.trendIncomplete]
    .map((cell) => `<th>${escapeHtml(cell)}</th>`)
    .join('');
  const rows = [...points].reverse().map((point) => {
    const changes = (counts: Record<Severity, number> | undefined, total: number) =>
      counts
        ? `${total} (${SEVERITIES.filter((severity) => counts[severity] > 0)
            .map((severity) => `${severity} ${counts[severity]}`)
            .join(', ')})`
        : `${total} (${h.trendNoBreakdown})`;
    const cells = [
      runLabel(point),
      ...SEVERITIES.map((severity) => String(point.open[severity])),
      changes(point.new, point.newTotal),
      changes(point.resolved, point.resolvedTotal),
      point.incompleteScopes ? String(point.incompleteScopes) : '',
    ];
    return `<tr>${cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`;
  });
  // The table scrolls inside its box on a narrow screen instead of widening the page.
  return `<div class="scroll"><table id="trend-numbers"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** `2026-11-29 02:03 run-id`, bounded: run ids come from the stored record. */
function runLabel(point: TrendPoint): string {
  const when = point.finishedAt.slice(0, 16).replace('T', ' ');
  return `${when} ${truncate(point.runId.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '), MAX_IDENTIFIER_LENGTH)}`;
}

function fmt(value: number): string {
  return Number(value.toFixed(1)).toString();
}
