/**
 * IAM wildcard matching: `*` matches any run of characters (including `:` and `/`), `?` exactly
 * one character, everything else literally. Implemented without regular expressions so that no
 * character of a policy can be interpreted as regex syntax.
 *
 * @example matchIamPattern('system:serviceaccount:*', 'system:serviceaccount:ns:sa') // true
 */
export function matchIamPattern(pattern: string, value: string, options?: { ignoreCase?: boolean }): boolean {
  const p = options?.ignoreCase ? pattern.toLowerCase() : pattern;
  const v = options?.ignoreCase ? value.toLowerCase() : value;
  // Greedy two-pointer matcher with backtracking to the last `*`: linear in practice, worst case O(n·m).
  let pi = 0;
  let vi = 0;
  let starPattern = -1;
  let starValue = 0;
  while (vi < v.length) {
    const ch = p[pi];
    if (pi < p.length && (ch === '?' || (ch !== '*' && ch === v[vi]))) {
      pi++;
      vi++;
    } else if (pi < p.length && ch === '*') {
      starPattern = pi++;
      starValue = vi;
    } else if (starPattern >= 0) {
      pi = starPattern + 1;
      vi = ++starValue;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** True when the text contains an IAM wildcard character (`*` or `?`). */
export function hasIamWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}
