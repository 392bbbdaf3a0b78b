/** Edit distance (insertions, deletions, substitutions) between two short words. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidate a typo most likely meant: same letters in another case, or within a third of the
 * word's length in edits, or an abbreviation of it. Undefined when nothing is close enough to be a helpful guess.
 *
 * @example closestMatch('serviceAcount', ['namespace', 'serviceAccount']) // 'serviceAccount'
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.floor(word.length / 3));
  if (bestDistance <= tolerance) return best;
  // Abbreviations (`unusedDays`, `sa`) keep the letters of the intended name in order.
  return [...candidates]
    .filter((candidate) => lower.length >= 2 && isSubsequence(lower, candidate.toLowerCase()))
    .sort((a, b) => a.length - b.length)[0];
}

function isSubsequence(short: string, long: string): boolean {
  let position = 0;
  for (const char of long) if (char === short[position]) position++;
  return position === short.length;
}
