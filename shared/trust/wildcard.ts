/**
 * IAM wildcard matching: `*` matches any run of characters (including `:` and `/`), `?` exactly
 * one character, everything else literally. Implemented without regular expressions so that no
 * character of a policy can be interpreted as regex syntax.
 *
 * The pattern is cut at its `*`s into segments: the first must start the value, the last must end
 * it, and each one between is taken at its leftmost place after the previous one (which is always
 * right for `*`). Literal segments are found with `indexOf`, so the usual patterns take linear
 * time; a segment with `?` is tried at each place, so the worst case is O(value × pattern) and
 * never exponential, whatever the number of `*`s.
 *
 * @example matchIamPattern('system:serviceaccount:*', 'system:serviceaccount:ns:sa') // true
 */
export function matchIamPattern(pattern: string, value: string, options?: { ignoreCase?: boolean }): boolean {
  const p = options?.ignoreCase ? pattern.toLowerCase() : pattern;
  const v = options?.ignoreCase ? value.toLowerCase() : value;
  const segments = p.split('*');
  if (segments.length === 1) return p.length === v.length && segmentMatchesAt(p, v, 0);
  const first = segments[0];
  const last = segments[segments.length - 1];
  const end = v.length - last.length;
  if (first.length > end) return false;
  if (!segmentMatchesAt(first, v, 0) || !segmentMatchesAt(last, v, end)) return false;
  let from = first.length;
  for (let index = 1; index < segments.length - 1; index++) {
    const segment = segments[index];
    if (segment === '') continue;
    const at = findSegment(segment, v, from, end);
    if (at < 0) return false;
    from = at + segment.length;
  }
  return true;
}

/** Whether `segment` (literal characters and `?`) matches `value` at offset `at`. */
function segmentMatchesAt(segment: string, value: string, at: number): boolean {
  if (at < 0 || at + segment.length > value.length) return false;
  for (let index = 0; index < segment.length; index++) {
    const character = segment[index];
    if (character !== '?' && character !== value[at + index]) return false;
  }
  return true;
}

/** The leftmost offset in `[from, end - segment.length]` where `segment` matches, or -1. */
function findSegment(segment: string, value: string, from: number, end: number): number {
  if (!segment.includes('?')) {
    const at = value.indexOf(segment, from);
    return at >= 0 && at + segment.length <= end ? at : -1;
  }
  for (let at = from; at + segment.length <= end; at++) if (segmentMatchesAt(segment, value, at)) return at;
  return -1;
}

/** True when the text contains an IAM wildcard character (`*` or `?`). */
export function hasIamWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}
