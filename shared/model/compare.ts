/**
 * Orders strings by UTF-16 code units, the same in every locale (unlike `localeCompare`), so sorted
 * output is byte for byte reproducible. A missing value sorts as the empty string.
 */
export function compareText(a: string | undefined, b: string | undefined): number {
  const left = a ?? '';
  const right = b ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}
