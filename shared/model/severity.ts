import { z } from 'zod';

/** Finding severities, most severe first (the order Security Hub labels use). */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;

export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

const rank: Record<Severity, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1, INFORMATIONAL: 0 };

/** Numeric rank: higher is more severe. */
export function severityRank(severity: Severity): number {
  return rank[severity];
}

/** True when `severity` is at or above `threshold`. */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return rank[severity] >= rank[threshold];
}

/** Sort comparator: most severe first. */
export function bySeverityDesc(a: { severity: Severity }, b: { severity: Severity }): number {
  return rank[b.severity] - rank[a.severity];
}

/** The most severe of a list, or undefined for an empty list. */
export function maxSeverity(severities: Iterable<Severity>): Severity | undefined {
  let best: Severity | undefined;
  for (const s of severities) if (best === undefined || rank[s] > rank[best]) best = s;
  return best;
}

/** Parses a user-supplied severity case-insensitively (`high` → `HIGH`); undefined when invalid. */
export function parseSeverity(text: string): Severity | undefined {
  const upper = text.trim().toUpperCase();
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : undefined;
}
