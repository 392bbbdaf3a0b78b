import type { Ledger } from '../../shared/usage/ledger.js';

/**
 * Each entry's events per UTC day, whether kept by id (`recent`) or counted (`sealed`), for the
 * days strictly between the days of `from` and `to` (whole days both sources read): how two
 * ledgers of one history are compared when one keeps ids and the other counts.
 */
export function wholeDayCounts(
  ledger: Ledger,
  from: string,
  to: string,
): Record<string, Record<string, number>> {
  const first = from.slice(0, 10);
  const last = to.slice(0, 10);
  const inside = (day: string) => day > first && day < last;
  return Object.fromEntries(
    Object.entries(ledger.entries).map(([key, entry]) => {
      const days: Record<string, number> = {};
      for (const [day, count] of Object.entries(entry.tally.sealed))
        if (inside(day)) days[day] = (days[day] ?? 0) + count;
      for (const time of Object.values(entry.tally.recent)) {
        const day = time.slice(0, 10);
        if (inside(day)) days[day] = (days[day] ?? 0) + 1;
      }
      return [key, Object.fromEntries(Object.entries(days).sort(([a], [b]) => a.localeCompare(b)))];
    }),
  );
}
