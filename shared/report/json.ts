import type { Report } from './types.js';

/** Report v1 as pretty JSON (docs/architecture.md §8), exactly the object given. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
